"""The figures of ``bot.stats.figures`` in SQL: a handful of aggregate statements per period, any backend.

Every figure is taken as of the period's *cutoff* (its end, or now while it runs). A case's state, deadline and
punctuality at the cutoff are read from its row when nothing has happened to it since (``updated_at`` is
older: the usual case for a past period), else from its last step before the cutoff. ``by`` splits the
figures by a column of the case (unit, category, big class, channel, grid); ``None`` gives the totals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from bot.models import Case, CaseEvent, Grid, Rating
from bot.models.enums import State
from bot.stats.figures import DISSATISFIED, FAIRLY_SATISFIED, SATISFIED, Figures
from bot.stats.period import Period, Scope

GONE = (State.CANCELLED.value, State.MERGED.value)  # not 受理: withdrawn, or counted on the primary
NOT_DUE = (State.CLOSED.value, State.INVALID.value, *GONE)  # nothing left to close
GROUPS: dict[str, Any] = {  # name -> a column (expression) of Case
    "unit": Case.unit_code, "category": Case.category_code, "big_class": func.substr(Case.category_code, 1, 3),
    "channel": Case.channel, "grid": Case.grid_code,
}


@dataclass(frozen=True)
class Window:
    """A period as instants: ``[start, end)``, and the cutoff the figures are taken at."""

    start: datetime
    end: datetime
    cutoff: datetime

    @classmethod
    def of(cls, period: Period, now: datetime, zone: ZoneInfo) -> Window:
        start, end = period.bounds(zone)
        return cls(start, end, max(start, min(end, now)))

    def holds(self, column: Any) -> ColumnElement[bool]:
        """``column`` fell in the period before the cutoff."""
        return and_(column >= self.start, column < self.cutoff)


def figures(session: Session, period: Period, scope: Scope, *, now: datetime, zone: ZoneInfo) -> Figures:
    return figures_by(session, period, scope, now=now, zone=zone).get(None, Figures())


def figures_by(session: Session, period: Period, scope: Scope, *, now: datetime, zone: ZoneInfo,
               by: str | None = None) -> dict[Any, Figures]:
    """The figures per value of ``by`` (see ``GROUPS``), or under the key ``None`` for the whole scope."""
    window = Window.of(period, now, zone)
    if window.cutoff <= window.start:
        return {}
    key = [GROUPS[by]] if by else []
    where = conditions(scope)
    counts: dict[Any, dict[str, Any]] = defaultdict(dict)

    def put(rows: Iterable[Any], *names: str) -> None:
        for row in rows:
            group, values = (row[0], row[1:]) if by else (None, row)
            counts[group].update({name: int(value or 0) for name, value in zip(names, values, strict=True)})

    state = state_at(window.cutoff)
    put(session.execute(
        select(*key, func.count().filter(state.not_in(GONE)), func.count().filter(state.not_in((*GONE, "invalid"))))
        .where(Case.created_at >= window.start, Case.created_at < window.cutoff, *where).group_by(*key)),
        "received", "registered")
    put(session.execute(select(*key, func.count()).where(window.holds(Case.first_dispatched_at), *where)
                        .group_by(*key)), "dispatched")
    closes = _closes(window)
    put(session.execute(_with_case(select(*key, func.count(), func.sum(closes.c.on_time)).select_from(closes),
                                   closes.c.case_id, key, where)), "closed", "closed_on_time")
    put(session.execute(_open_due(window, key, where)), "open_due", "open_overdue")
    put(session.execute(_steps(window, key, where)), "reopened", "extended", "resolved")
    put(session.execute(_ratings(window, key, where)), "rated", "r1", "r2", "r3")
    return {group: _figures(values) for group, values in counts.items()}


def conditions(scope: Scope) -> list[ColumnElement[bool]]:
    """The scope as conditions on ``Case`` (a category of three characters is a big class)."""
    where: list[ColumnElement[bool]] = []
    if scope.unit:
        where.append(Case.unit_code == scope.unit)
    if scope.category:
        where.append(Case.category_code.startswith(scope.category, autoescape=True) if len(scope.category) <= 3
                     else Case.category_code == scope.category)
    if scope.grid:
        where.append(Case.grid_code == scope.grid)
    if scope.street:
        where.append(Case.grid_code.in_(select(Grid.code).where(Grid.street == scope.street)))
    if scope.community:
        where.append(Case.grid_code.in_(select(Grid.code).where(Grid.community == scope.community)))
    if scope.channel:
        where.append(Case.channel == scope.channel)
    return where


def _figures(values: dict[str, int]) -> Figures:
    closed, on_time = values.get("closed", 0), values.get("closed_on_time", 0)
    counts: dict[str, Any] = {f.name: values.get(f.name, 0) for f in fields(Figures) if f.name != "ratings"}
    return replace(Figures(**counts), due=closed + values.get("open_due", 0),
                   overdue=closed - on_time + values.get("open_overdue", 0),
                   ratings={SATISFIED: values.get("r1", 0), FAIRLY_SATISFIED: values.get("r2", 0),
                            DISSATISFIED: values.get("r3", 0)})


def _last_step(column: Any, cutoff: datetime, *where: ColumnElement[bool]) -> Any:
    """``column`` of the case's last step before ``cutoff`` (among the steps matching ``where``)."""
    return (select(column).where(CaseEvent.case_id == Case.id, CaseEvent.at < cutoff, *where)
            .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).limit(1).correlate(Case).scalar_subquery())


def _as_of(cutoff: datetime, current: Any, past: Any) -> ColumnElement[Any]:
    """The row's value when the case has not changed since ``cutoff``, else what its trail says."""
    return case((Case.updated_at < cutoff, current), else_=past)


def state_at(cutoff: datetime) -> ColumnElement[Any]:
    return _as_of(cutoff, Case.state, _last_step(CaseEvent.to_state, cutoff))


def as_of_deadline(cutoff: datetime) -> ColumnElement[Any]:
    """The deadline as it stood at ``cutoff`` (set by the last dispatch or approved extension before it)."""
    return _as_of(cutoff, Case.deadline, _last_step(CaseEvent.deadline, cutoff, CaseEvent.deadline.is_not(None)))


def _closes(window: Window) -> Any:
    """The cases closed in the period, each once, on time (1) only if every closing in it was."""
    on_time = case((CaseEvent.on_time.is_(True), 1), else_=0)
    return (select(CaseEvent.case_id, func.min(on_time).label("on_time"))
            .where(CaseEvent.action == "close", window.holds(CaseEvent.at)).group_by(CaseEvent.case_id).subquery())


def _open_due(window: Window, key: list[ColumnElement[Any]], where: list[ColumnElement[bool]]) -> Select[Any]:
    """Cases due in the period (deadline as it stood) and not closed at the cutoff, excluding the closed ones
    (counted already); the second count: those overdue (all but the ones resolved on time, awaiting 核查)."""
    cutoff = window.cutoff
    deadline = as_of_deadline(cutoff)
    state = state_at(cutoff)
    on_time = _as_of(cutoff, Case.on_time, _last_step(CaseEvent.on_time, cutoff, CaseEvent.action == "resolve"))
    closed_in_period = exists().where(CaseEvent.case_id == Case.id, CaseEvent.action == "close",
                                      window.holds(CaseEvent.at))
    resolved_on_time = and_(state == State.RESOLVED.value, on_time.is_(True))
    return (select(*key, func.count(), func.count().filter(not_(resolved_on_time)))
            .where(or_(window.holds(Case.deadline), Case.updated_at >= cutoff), window.holds(deadline),
                   state.not_in(NOT_DUE), ~closed_in_period, *where)
            .group_by(*key))


def _steps(window: Window, key: list[ColumnElement[Any]], where: list[ColumnElement[bool]]) -> Select[Any]:
    action = CaseEvent.action
    resolved = func.count(case((action == "resolve", CaseEvent.case_id)).distinct())
    query = select(*key, func.count().filter(action == "reopen"), func.count().filter(action == "extension_approved"),
                   resolved)
    return _with_case(query.select_from(CaseEvent)
                      .where(action.in_(("reopen", "extension_approved", "resolve")), window.holds(CaseEvent.at)),
                      CaseEvent.case_id, key, where)


def _ratings(window: Window, key: list[ColumnElement[Any]], where: list[ColumnElement[bool]]) -> Select[Any]:
    values = (SATISFIED, FAIRLY_SATISFIED, DISSATISFIED)
    query = select(*key, func.count(Rating.case_id.distinct()),
                   *(func.count().filter(Rating.value == v) for v in values))
    return _with_case(query.select_from(Rating).where(window.holds(Rating.at)), Rating.case_id, key, where)


def _with_case(query: Select[Any], case_id: Any, key: list[ColumnElement[Any]],
               where: list[ColumnElement[bool]]) -> Select[Any]:
    """Join the case only when the scope or the split needs its columns (totals count the steps alone)."""
    if not key and not where:
        return query
    return query.join(Case, Case.id == case_id).where(*where).group_by(*key)
