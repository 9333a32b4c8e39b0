"""The public projection of cases: what another system (Open311) may read about any case.

One place for the rule: a case's number, category, place, state, unit, deadline and the steps meant for the
public (the squad's resolution note, the closing, the reason a case was not accepted) — never internal notes,
replies addressed to a resident, who reported, or their contact details; digit runs that look like phone
numbers are masked in the words shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from bot.dispatch.queries import unit_name
from bot.dispatch.states import HANDLING_STATES, OPEN_STATES, values
from bot.geo.datum import gcj02_to_wgs84
from bot.models import Case, CaseEvent
from bot.understanding.taxonomy import Taxonomy

# Steps whose note the reporter was told, and so the public may read.
PUBLIC_NOTES = frozenset({"resolve", "close", "invalidate"})
PHONE_LIKE = re.compile(r"(?<!\d)(\d{3})\d{4,}(\d{4})(?!\d)")
DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000


@dataclass(frozen=True)
class PublicNote:
    at: datetime
    action: str
    state: str
    text: str


@dataclass(frozen=True)
class PublicCase:
    number: str
    status: str  # open | closed
    state: str
    service_code: str | None
    service_name: str | None
    group: str | None
    description: str
    requested: datetime
    updated: datetime
    expected: datetime | None  # the deadline while a unit handles it
    address: str | None
    lat: float | None  # WGS-84
    lng: float | None
    unit: str | None
    notes: tuple[PublicNote, ...]
    merged_into: str | None

    @property
    def status_notes(self) -> str | None:
        return self.notes[-1].text if self.notes else None


@dataclass(frozen=True)
class Filters:
    numbers: tuple[str, ...] = ()  # when given, the other filters are ignored (the specification says so)
    codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()  # open, closed
    page: int = 1
    page_size: int = MAX_RESULTS


def status_of(state: str) -> str:
    return "open" if state in values(OPEN_STATES) else "closed"


def public_text(text: str) -> str:
    return PHONE_LIKE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def _query(filters: Filters, now: datetime) -> Select[Case]:
    query = select(Case).options(selectinload(Case.events), selectinload(Case.merged_into))
    if filters.numbers:
        return (query.where(Case.number.in_(filters.numbers[:MAX_RESULTS]))
                .order_by(Case.created_at.desc(), Case.id.desc()))
    end = filters.end or (now if filters.start is None else filters.start + DEFAULT_WINDOW)
    start = filters.start or end - DEFAULT_WINDOW
    query = query.where(Case.created_at >= start, Case.created_at <= end)
    if filters.codes:
        query = query.where(Case.category_code.in_(filters.codes))
    if set(filters.statuses) == {"open"}:
        query = query.where(Case.state.in_(values(OPEN_STATES)))
    elif set(filters.statuses) == {"closed"}:
        query = query.where(Case.state.not_in(values(OPEN_STATES)))
    size = max(1, min(filters.page_size, MAX_RESULTS))
    return query.order_by(Case.created_at.desc(), Case.id.desc()).offset((max(filters.page, 1) - 1) * size).limit(size)


def public_cases(session: Session, taxonomy: Taxonomy, filters: Filters, now: datetime) -> list[PublicCase]:
    """Cases as the public may see them, newest first (at most ``MAX_RESULTS``)."""
    units: dict[str | None, str | None] = {}
    found = []
    for case in session.scalars(_query(filters, now)).unique().all()[:MAX_RESULTS]:
        if case.unit_code not in units:
            units[case.unit_code] = unit_name(session, case.unit_code)
        found.append(_project(case, taxonomy, units[case.unit_code]))
    return found


def public_case(session: Session, taxonomy: Taxonomy, number: str) -> PublicCase | None:
    case = session.scalar(select(Case).where(Case.number == number))
    return None if case is None else _project(case, taxonomy, unit_name(session, case.unit_code))


def _notes(events: list[CaseEvent]) -> tuple[PublicNote, ...]:
    return tuple(PublicNote(e.at, e.action, e.to_state, public_text(e.note)) for e in events
                 if e.action in PUBLIC_NOTES and e.note and e.note.strip())


def _project(case: Case, taxonomy: Taxonomy, unit: str | None) -> PublicCase:
    code = case.category_code
    category = taxonomy.categories.get(code) if code else None
    lat = lng = None
    if case.lat is not None and case.lng is not None:
        lat, lng = gcj02_to_wgs84(case.lat, case.lng) if (case.datum or "gcj02") == "gcj02" else (case.lat, case.lng)
    handling = case.state in values(HANDLING_STATES)
    return PublicCase(
        number=case.number, status=status_of(case.state), state=case.state, service_code=code,
        service_name=category.name if category else None, group=taxonomy.big_class(code) if code else None,
        description=public_text(case.description), requested=case.created_at, updated=case.updated_at,
        expected=case.deadline if handling else None, address=case.address, lat=lat, lng=lng, unit=unit,
        notes=_notes(list(case.events)), merged_into=case.merged_into.number if case.merged_into else None)
