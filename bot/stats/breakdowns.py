"""The figures split for people: by day (the trend), ranked units, time to resolve, the SLA view, counts per
grid for the heat maps, and the lists behind 超期 and 返工. Aggregates in SQL; Python only shapes the rows."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from bot.dispatch.states import HANDLING_STATES, TODO_STATES, values
from bot.models import Case, CaseEvent
from bot.models.enums import ActorKind
from bot.stats.counting import GONE, GROUPS, Window, as_of_deadline, conditions, state_at
from bot.stats.figures import Figures
from bot.stats.period import Period, Scope

MIN_DUE = 10  # a unit with fewer cases due in the period is listed, not ranked (2 cases make no "best" unit)
OVERDUE_AGES = (("1 天内", 1), ("1–3 天", 3), ("3–7 天", 7), ("7 天以上", None))


def local_day(session: Session, column: Any, zone: ZoneInfo, moment: datetime) -> ColumnElement[Any]:
    """The local calendar day of a timestamp column, in SQL (SQLite: the zone's offset at ``moment``)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(zone.key, column))
    offset = moment.astimezone(zone).utcoffset() or timedelta(0)
    return func.date(column, f"{int(offset.total_seconds() // 60):+d} minutes")


@dataclass(frozen=True)
class Day:
    day: date
    received: int
    dispatched: int
    closed: int


def trend(session: Session, period: Period, scope: Scope, *, now: datetime, zone: ZoneInfo) -> list[Day]:
    """受理, 派遣 and 结案 per day of the period (for the trend chart)."""
    window = Window.of(period, now, zone)
    where = conditions(scope)
    series: dict[str, dict[str, int]] = defaultdict(dict)

    def count(name: str, column: Any, *extra: Any, join: bool = False) -> None:
        day = local_day(session, column, zone, window.start)
        query = select(day, func.count()).where(window.holds(column), *where, *extra).group_by(day)
        if join:
            query = query.select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
        series[name] = {str(d): n for d, n in session.execute(query)}

    count("received", Case.created_at, state_at(window.cutoff).not_in(GONE))
    count("dispatched", Case.first_dispatched_at)
    count("closed", CaseEvent.at, CaseEvent.action == "close", join=True)
    return [Day(d, *(series[name].get(d.isoformat(), 0) for name in ("received", "dispatched", "closed")))
            for d in period.days()]


@dataclass(frozen=True)
class Ranked:
    key: str
    figures: Figures
    ranked: bool  # False: too few cases due to be ranked


def ranking(by_key: dict[Any, Figures], minimum: int = MIN_DUE) -> list[Ranked]:
    """Units (or categories) best first by 按期结案率, then 结案率, then 满意率; those with fewer than ``minimum``
    cases due follow, unranked, by volume."""
    def score(f: Figures) -> tuple[float, ...]:
        return tuple(-(rate if rate is not None else -1) for rate in (f.on_time_rate, f.closure_rate,
                                                                        f.satisfaction_rate))
    rows = [(key, f) for key, f in by_key.items() if key is not None]
    ranked = sorted((r for r in rows if r[1].due >= minimum), key=lambda r: (*score(r[1]), r[0]))
    rest = sorted((r for r in rows if r[1].due < minimum), key=lambda r: (-r[1].received, r[0]))
    return [Ranked(k, f, True) for k, f in ranked] + [Ranked(k, f, False) for k, f in rest]


@dataclass(frozen=True)
class Durations:
    resolutions: int
    p50_hours: float | None
    p90_hours: float | None


def resolve_hours(session: Session, period: Period, scope: Scope, *, now: datetime, zone: ZoneInfo,
                  by: str = "category") -> dict[Any, Durations]:
    """Working hours from dispatch to resolution (p50, p90) of the resolutions in the period, per ``by``."""
    window = Window.of(period, now, zone)
    key, minutes = GROUPS[by], CaseEvent.work_minutes
    where = (CaseEvent.action == "resolve", minutes.is_not(None), window.holds(CaseEvent.at), *conditions(scope))
    base = select(key).select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id).where(*where)
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(base.add_columns(
            func.count(), func.percentile_cont(0.5).within_group(minutes),
            func.percentile_cont(0.9).within_group(minutes)).group_by(key))
        return {k: Durations(n, p50 / 60, p90 / 60) for k, n, p50, p90 in rows}
    grouped: dict[Any, list[int]] = defaultdict(list)  # SQLite has no percentiles: the minutes, sorted by SQL
    for k, m in session.execute(base.add_columns(minutes).order_by(key, minutes)):
        grouped[k].append(m)
    return {k: Durations(len(ms), *_percentiles(ms)) for k, ms in grouped.items()}


def _percentiles(minutes: list[int]) -> tuple[float, float]:
    if len(minutes) == 1:
        return minutes[0] / 60, minutes[0] / 60
    cuts = statistics.quantiles(minutes, n=10, method="inclusive")
    return statistics.median(minutes) / 60, cuts[8] / 60


@dataclass(frozen=True)
class Sla:
    """Now: cases being handled due within 2 hours, due by the end of today, and overdue by age."""

    due_in_2h: int
    due_today: int
    overdue: list[tuple[str, int]]


def sla(session: Session, scope: Scope, *, now: datetime, zone: ZoneInfo) -> Sla:
    handling = (Case.state.in_(values(HANDLING_STATES)), *conditions(scope))
    end_of_day = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), datetime.min.time(), zone)
    edges: list[Any] = [now] + [now - timedelta(days=days) for _, days in OVERDUE_AGES if days]

    def due_between(start: datetime, end: datetime) -> Any:
        return func.count().filter(and_(Case.deadline >= start, Case.deadline < end))

    ages = [func.count().filter(and_(Case.deadline < edges[i], Case.deadline >= edges[i + 1]))
            for i in range(len(edges) - 1)] + [func.count().filter(Case.deadline < edges[-1])]
    row = session.execute(select(due_between(now, now + timedelta(hours=2)), due_between(now, end_of_day), *ages)
                          .where(*handling, Case.deadline.is_not(None))).one()
    return Sla(row[0], row[1], [(label, n) for (label, _), n in zip(OVERDUE_AGES, row[2:], strict=True)])


def grid_counts(session: Session, period: Period, scope: Scope, *, now: datetime, zone: ZoneInfo,
                what: str = "received") -> dict[str, int]:
    """Cases per grid for the heat maps: ``received`` or ``closed`` in the period, or ``overdue`` now."""
    window, where = Window.of(period, now, zone), conditions(scope)
    query = select(Case.grid_code, func.count()).where(Case.grid_code.is_not(None), *where).group_by(Case.grid_code)
    if what == "received":
        query = query.where(window.holds(Case.created_at), state_at(window.cutoff).not_in(GONE))
    elif what == "closed":
        closed = select(CaseEvent.case_id).where(CaseEvent.action == "close", window.holds(CaseEvent.at))
        query = query.where(Case.id.in_(closed))
    else:
        query = query.where(Case.state.in_(values(HANDLING_STATES)), Case.deadline < now)
    return {grid: n for grid, n in session.execute(query) if grid is not None}


@dataclass(frozen=True)
class Overdue:
    number: str
    category_code: str | None
    unit_code: str | None
    deadline: datetime
    days: float


def overdue_cases(session: Session, period: Period, scope: Scope, *, now: datetime, zone: ZoneInfo,
                  limit: int = 5000) -> list[Overdue]:
    """The cases still open past their deadline at the period's cutoff, longest overdue first (超期清单)."""
    cutoff = Window.of(period, now, zone).cutoff
    deadline = as_of_deadline(cutoff)
    query = (select(Case.number, Case.category_code, Case.unit_code, deadline)
             .where(state_at(cutoff).in_(values(TODO_STATES)), deadline < cutoff,
                    (Case.deadline < cutoff) | (Case.updated_at >= cutoff), *conditions(scope))
             .order_by(deadline, Case.number).limit(limit))
    return [Overdue(n, c, u, d, round((cutoff - d).total_seconds() / 86400, 1)) for n, c, u, d in session.execute(query)]


@dataclass(frozen=True)
class Rework:
    number: str
    category_code: str | None
    unit_code: str | None
    at: datetime
    by_bureau: bool  # 核查不通过 (else: the resident's 不满意)
    note: str | None  # the bureau's note; a resident's own words are not copied into reports


def reworks(session: Session, period: Period, scope: Scope, *, now: datetime, zone: ZoneInfo,
            limit: int = 5000) -> list[Rework]:
    """The reopenings in the period, in order (返工清单)."""
    window = Window.of(period, now, zone)
    query = (select(Case.number, Case.category_code, Case.unit_code, CaseEvent.at, CaseEvent.actor_kind,
                    CaseEvent.note)
             .select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
             .where(CaseEvent.action == "reopen", window.holds(CaseEvent.at), *conditions(scope))
             .order_by(CaseEvent.at, CaseEvent.id).limit(limit))
    return [Rework(n, c, u, at, kind != ActorKind.RESIDENT, note if kind != ActorKind.RESIDENT else None)
            for n, c, u, at, kind, note in session.execute(query)]
