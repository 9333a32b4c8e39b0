"""``citybot demo-data --cases N [--seed S]``: a year of realistic cases in the loaded area, fast enough for a million.

Cases are spread over the last ``--days`` (365) with the day's rhythm of a real account, in weighted
categories, at the area's named places and inside its grids; the unit is the one routing would choose
(``bot.dispatch.routing.unit_for``), deadlines come from the work calendar, and each case's life
(events, ratings, 延期 requests) is told by ``bot.cli.demo_story`` up to now. Residents are synthetic
(``oDemo…`` openids); case numbers continue each day's sequence (``case_number_counter``).

Rows go in batches: PostgreSQL ``COPY`` through psycopg, SQLite Core ``insert`` with lists of rows; a
million cases take a few minutes on two cores. Case and resident ids are assigned here, so run it on a
demo or scratch database nobody else writes to meanwhile; it refuses the production profile.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import numpy as np
import psycopg
import shapely
from sqlalchemy import JSON, Table, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.cli.demo_story import DISPATCHERS, SYSTEM, Actor, Rows, Storyteller
from bot.dispatch.calendar import WorkCalendar
from bot.geo.index import AreaIndex
from bot.models import Case, CaseEvent, CaseNumberCounter, ExtensionRequest, Rating, Resident, Staff, Unit
from bot.models.enums import ActorKind, Channel, TriageReason
from bot.stats.snapshots import forget
from bot.understanding.taxonomy import Taxonomy

CASE_COLUMNS = ("id", "number", "state", "description", "channel", "reporter_id", "category_code",
                "category_confidence", "grid_code", "unit_code", "triage_reason", "created_at", "updated_at",
                "dispatched_at", "first_dispatched_at", "deadline", "remind_at", "reminded_at", "overdue_at", "resolved_at",
                "closed_at",
                "on_time", "round", "reopen_count", "merged_into_id", "lat", "lng", "datum", "location_source",
                "address")
EVENT_COLUMNS = ("case_id", "at", "action", "from_state", "to_state", "actor_kind", "actor_id", "actor_name", "note",
                 "deadline", "on_time", "work_minutes")
RATING_COLUMNS = ("case_id", "round", "resident_id", "value", "text", "at")
EXTENSION_COLUMNS = ("case_id", "requested_by", "days", "reason", "state", "requested_at", "decided_by", "decided_at")
RESIDENT_COLUMNS = ("id", "openid", "subscribed", "first_seen", "last_seen", "last_interaction_at", "held_pushes")

# How often a bureau hears of each category in a year (the others weigh 1): street order and refuse lead.
WEIGHTS = {"E0512": 12, "E0102": 10, "E0505": 9, "E0504": 7, "E0201": 7, "E0506": 6, "C0301": 6, "E0510": 5,
           "E0508": 5, "E0507": 5, "C0110": 4, "E0501": 4, "E0301": 3, "E0113": 3, "E0112": 3, "C0201": 3,
           "E0104": 3, "C0101": 2, "E0406": 2, "E0303": 2, "E0407": 0.3}
CHANNELS = ((Channel.WECHAT, 0.82), (Channel.HOTLINE, 0.12), (Channel.PATROL, 0.05), (Channel.OPEN311, 0.01))
# Reports per hour of the local day (relative): mornings and early evenings, little at night.
HOURS = (1, 0.6, 0.3, 0.2, 0.2, 0.4, 1.5, 3, 5, 6, 6, 5, 4, 4, 5, 5, 5, 4.5, 4, 4, 3.5, 3, 2, 1.5)
FORMS = ("{place}附近{what}{tail}", "{place}门口{what}{tail}", "在{place}，{what}{tail}", "{place}旁边{what}{tail}")
BARE_FORMS = ("{what}{tail}", "小区门口{what}{tail}", "路口{what}{tail}", "我家楼下{what}{tail}")
WHAT = ("有{kw}", "{kw}", "发现{kw}", "{kw}的问题")
TAILS = ("", "，请尽快处理", "，已经好几天了", "，影响大家出行", "，麻烦派人看一下", "，希望管一管")
BATCH = 20_000


class DemoError(Exception):
    """The database lacks what demo cases need (an area, a directory)."""


@dataclass(frozen=True)
class DemoReport:
    cases: int
    events: int
    residents: int
    ratings: int
    extensions: int
    states: dict[str, int]


def generate(session: Session, taxonomy: Taxonomy, calendar: WorkCalendar, *, cases: int, seed: int, now: datetime,
             days: int = 365, auto_close_hours: float = 72.0, progress: Callable[[int], None] | None = None,
             batch: int = BATCH) -> DemoReport:
    """Add ``cases`` demo cases created over the ``days`` before ``now``, in the caller's transaction."""
    rng = random.Random(seed)
    calendar = _RememberingCalendar.of(calendar)
    town = _Town.load(session, taxonomy, rng)
    writer = _Writer(session)
    residents = max(1, cases // 4)
    first_resident = _next_id(session, Resident.id)
    writer.write(Resident.__table__, RESIDENT_COLUMNS, _residents(rng, first_resident, residents, now, days))
    numbers = _Numbers(session, calendar.zone)
    rows = Rows([], [], [], [])
    teller = Storyteller(rng, taxonomy, calendar, now, auto_close_hours=auto_close_hours, staff=town.staff,
                         unit_names=town.unit_names, rows=rows)
    totals: Counter[str] = Counter()
    first_case = _next_id(session, Case.id)
    for i, created in enumerate(_creation_times(rng, cases, now, days, calendar.zone)):
        reporter_id = first_resident + int(residents * rng.random() ** 2)  # a few residents report often
        case, category, reporter, squad, triage = town.report(rng, first_case + i, numbers.next(created), created,
                                                               reporter_id)
        teller.tell(case, category, reporter, squad=squad, triage=triage)
        if len(rows.cases) >= batch:
            _flush(writer, rows, totals)
            if progress:
                progress(i + 1)
    _flush(writer, rows, totals)
    numbers.save()
    writer.finish()
    forget(session)  # past periods gained cases: their kept statistics are no longer theirs
    states = {k.removeprefix("state:"): v for k, v in totals.items() if k.startswith("state:")}
    return DemoReport(cases, totals["events"], residents, totals["ratings"], totals["extensions"], states)


def _flush(writer: _Writer, rows: Rows, totals: Counter[str]) -> None:
    writer.write(Case.__table__, CASE_COLUMNS, [tuple(c[k] for k in CASE_COLUMNS) for c in rows.cases])
    writer.write(CaseEvent.__table__, EVENT_COLUMNS, rows.events, constants={"media_ids": []})
    writer.write(Rating.__table__, RATING_COLUMNS, rows.ratings)
    writer.write(ExtensionRequest.__table__, EXTENSION_COLUMNS, rows.extensions)
    totals.update(f"state:{c['state']}" for c in rows.cases)
    totals.update(events=len(rows.events), ratings=len(rows.ratings), extensions=len(rows.extensions))
    for part in (rows.cases, rows.events, rows.ratings, rows.extensions):
        part.clear()


def _creation_times(rng: random.Random, count: int, now: datetime, days: int, zone: ZoneInfo) -> list[datetime]:
    """``count`` moments in the ``days`` before ``now``, following the local day's rhythm (HOURS), oldest first."""
    peak, span = max(HOURS), days * 86_400
    times: list[datetime] = []
    while len(times) < count:
        moment = now - timedelta(seconds=rng.random() * span)
        if rng.random() * peak < HOURS[moment.astimezone(zone).hour]:
            times.append(moment)
    return sorted(times)


def _residents(rng: random.Random, first: int, count: int, now: datetime, days: int) -> list[tuple[Any, ...]]:
    rows = []
    for resident_id in range(first, first + count):
        seen = now - timedelta(days=rng.uniform(0, 30))
        rows.append((resident_id, f"oDemo{resident_id:023d}", rng.random() < 0.95,
                     now - timedelta(days=days + rng.uniform(0, 180)), seen, seen, False))
    return rows


def _next_id(session: Session, column: Any) -> int:
    return int(session.scalar(select(func.max(column))) or 0) + 1


# -- the area ---------------------------------------------------------------------------------------
Spot = tuple[float, float, str | None, str | None, str | None]  # lat, lng, grid, squad, named place


@dataclass
class _Town:
    """Where reports come from (points at named places and inside grids) and who handles them."""

    taxonomy: Taxonomy
    at_places: list[Spot]
    in_grids: list[Spot]
    outside: list[Spot]
    staff: dict[str, list[Actor]]
    unit_names: dict[str, str]
    codes: list[str] = field(default_factory=list)
    cumulative: list[float] = field(default_factory=list)
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, taxonomy: Taxonomy, rng: random.Random) -> _Town:
        area = AreaIndex.load(session)
        units = {u.code: u.name for u in session.scalars(select(Unit))}
        if not area.grids or not units:
            raise DemoError("load the area and the directory first: citybot load-area demo/area.geojson && "
                            "citybot load-directory demo/directory.yaml")
        staff: dict[str, list[Actor]] = {}
        for person in session.scalars(select(Staff).where(Staff.active).order_by(Staff.wework_userid)):
            staff.setdefault(person.unit_code, []).append((ActorKind.SQUAD.value, person.wework_userid, person.name))
        in_grids: list[Spot] = []
        for grid, geometry in zip(area.grids, area.geometries, strict=True):
            in_grids += [(lat, lng, grid.code, grid.squad_code, None) for lat, lng in _points_in(geometry, rng, 64)]
        at_places: list[Spot] = []
        for place in area.place_points:
            for _ in range(24):
                lat, lng = place.lat + rng.uniform(-1e-3, 1e-3), place.lng + rng.uniform(-1e-3, 1e-3)
                hit = area.grid_at(lat, lng)
                if hit is not None:
                    at_places.append((lat, lng, hit.code, hit.squad_code, place.name))
        west, south, east, north = shapely.total_bounds(area.geometries)
        outside: list[Spot] = [(north + rng.uniform(0.01, 0.05), rng.uniform(west, east), None, None, None)
                               for _ in range(32)]
        town = cls(taxonomy, at_places or in_grids, in_grids, outside, staff, units)
        town.codes = list(taxonomy.categories)
        weights = [WEIGHTS.get(code, 1.0) for code in town.codes]
        town.cumulative = [sum(weights[: i + 1]) for i in range(len(weights))]
        town.words = {code: tuple(dict.fromkeys((*c.keywords, *taxonomy.lexicon.get(code, ())))) or (c.name,)
                      for code, c in taxonomy.categories.items()}
        return town

    def report(self, rng: random.Random, case_id: int, number: str, created: datetime,
               reporter_id: int) -> tuple[dict[str, Any], Any, Actor, str | None, TriageReason | None]:
        """A new case as opening would have made it: place, words, category, confidence, channel, reporter."""
        draw = rng.random()
        lat, lng, grid, squad, place = rng.choice(self.outside if draw < 0.01 else self.at_places if draw < 0.6
                                                  else self.in_grids)
        code = rng.choices(self.codes, cum_weights=self.cumulative)[0]
        what = rng.choice(WHAT).format(kw=rng.choice(self.words[code]))
        form = rng.choice(FORMS if place else BARE_FORMS)
        low = rng.random() < 0.05
        triage = TriageReason.OUTSIDE if grid is None else TriageReason.LOW_CONFIDENCE if low else None
        channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
        reporter: Actor
        if channel == Channel.WECHAT:
            reporter = (ActorKind.RESIDENT.value, str(reporter_id), "市民")
        elif channel == Channel.PATROL:
            reporter = rng.choice(self.staff.get(squad or "", []) or [SYSTEM])
        elif channel == Channel.OPEN311:
            reporter = (ActorKind.API.value, "open311", "Open311")
        else:
            reporter = rng.choice(DISPATCHERS)
        case = {
            "id": case_id, "number": number, "state": None, "channel": channel.value, "created_at": created,
            "description": form.format(place=place, what=what, tail=rng.choice(TAILS)),
            "reporter_id": reporter_id if channel == Channel.WECHAT else None, "category_code": code,
            "category_confidence": round(rng.uniform(0.08, 0.29) if low else rng.uniform(0.45, 0.99), 3),
            "grid_code": grid, "unit_code": None, "triage_reason": None, "updated_at": created,
            "dispatched_at": None, "first_dispatched_at": None, "deadline": None, "remind_at": None,
            "reminded_at": None, "overdue_at": None, "resolved_at": None, "closed_at": None, "on_time": None,
            "round": 1, "reopen_count": 0,
            "merged_into_id": None, "lat": lat, "lng": lng, "datum": "gcj02",
            "location_source": "message" if place is None or rng.random() < 0.7 else "text",
            "address": place,
        }
        return case, self.taxonomy[code], reporter, squad, triage


def _points_in(geometry: Any, rng: random.Random, count: int) -> list[tuple[float, float]]:
    """``count`` random points inside a polygon (rejection sampling in its bounding box)."""
    west, south, east, north = geometry.bounds
    points: list[tuple[float, float]] = []
    while len(points) < count:
        lngs = np.array([rng.uniform(west, east) for _ in range(4 * count)])
        lats = np.array([rng.uniform(south, north) for _ in range(4 * count)])
        inside = shapely.contains_xy(geometry, lngs, lats)
        points += [(float(lat), float(lng)) for lat, lng in zip(lats[inside], lngs[inside], strict=True)]
    return points[:count]


# -- numbers, the calendar, writing -----------------------------------------------------------------
class _Numbers:
    """Case numbers in the normal format, continuing each local day's sequence; saved back at the end."""

    def __init__(self, session: Session, zone: ZoneInfo) -> None:
        self.session, self.zone = session, zone
        self.last = {row.day: row.last for row in session.scalars(select(CaseNumberCounter))}
        self.touched: set[date] = set()

    def next(self, created: datetime) -> str:
        day = created.astimezone(self.zone).date()
        self.last[day] = sequence = self.last.get(day, 0) + 1
        self.touched.add(day)
        return f"{day:%Y%m%d}-{sequence:04d}"

    def save(self) -> None:
        if not self.touched:
            return
        table = cast(Table, CaseNumberCounter.__table__)
        dialect = self.session.get_bind().dialect.name
        values = [{"day": day, "last": self.last[day]} for day in sorted(self.touched)]
        upsert = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)).values(values)
        self.session.execute(upsert.on_conflict_do_update(index_elements=[table.c.day],
                                                          set_={"last": upsert.excluded.last}))


@dataclass
class _RememberingCalendar(WorkCalendar):
    """The bureau's calendar, remembering each day's answer: a year of stories asks about the same days."""

    known: dict[date, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, calendar: WorkCalendar) -> _RememberingCalendar:
        return cls(**{f.name: getattr(calendar, f.name) for f in fields(calendar)})

    def is_workday(self, day: date) -> bool:
        answer = self.known.get(day)
        if answer is None:
            answer = self.known[day] = super().is_workday(day)
        return answer


class _Writer:
    """Bulk rows: PostgreSQL COPY (psycopg) in the session's transaction, else Core ``insert`` executemany."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"

    def write(self, table: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]],
              constants: dict[str, Any] | None = None) -> None:
        if not rows:
            return
        constants = constants or {}
        if not self.postgres:
            self.session.execute(insert(table), [{**dict(zip(columns, row, strict=True)), **constants} for row in rows])
            return
        fixed = tuple(json.dumps(v) if isinstance(table.c[k].type, JSON) else v for k, v in constants.items())
        names = ", ".join(f'"{name}"' for name in (*columns, *constants))
        raw = cast(psycopg.Connection, self.session.connection().connection.dbapi_connection)
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row((*row, *fixed) if fixed else row)

    def finish(self) -> None:
        """Ids were given explicitly: move PostgreSQL's sequences past them."""
        if self.postgres:
            for table in ("case", "resident"):
                self.session.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                          f"(SELECT max(id) FROM \"{table}\"))"))


