"""The statistics as the pages, the reports and the command line read them: computed once, then kept.

A finished period's figures never change (``bot.stats.counting`` takes them as of the period's end), so each
result — figures by a split, the trend, time to resolve, counts per grid — is stored the first time it is asked
for (``StatsSnapshot``) and read from there ever after. A running period's result is as of the moment it was
computed and is recomputed once it is older than ``max_age``; the worker's ``refresh_stats`` job keeps the
console's and the public page's default views fresh, so people rarely wait for a computation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.core.sql import dialect_insert
from bot.models import StatsSnapshot
from bot.stats import breakdowns, counting
from bot.stats.breakdowns import Day, Durations
from bot.stats.counting import Window
from bot.stats.figures import Figures
from bot.stats.period import Kind, Period, Scope

T = TypeVar("T")
MAX_AGE = timedelta(minutes=5)  # a running period's figures are at most this old


class Snapshots:
    """The statistics of one request, job or command: ``now`` and the bureau's ``zone`` fixed for all of them."""

    def __init__(self, session: Session, *, now: datetime, zone: ZoneInfo, max_age: timedelta = MAX_AGE) -> None:
        self.session, self.now, self.zone, self.max_age = session, now, zone, max_age
        self.as_of = now  # the oldest moment a running period's result read so far is as of (shown as 数据截至)

    def figures_by(self, period: Period, scope: Scope, by: str) -> dict[Any, Figures]:
        return self._remember(f"figures:{by}", period, scope, lambda now: counting.figures_by(
            self.session, period, scope, now=now, zone=self.zone, by=by), _encode_figures, _decode_figures)

    def figures(self, period: Period, scope: Scope) -> Figures:
        """The scope's totals alone (cheaper to compute than a split: steps are counted without their cases)."""
        return self._remember("figures:", period, scope, lambda now: {None: counting.figures(
            self.session, period, scope, now=now, zone=self.zone)}, _encode_figures, _decode_figures)[None]

    def trend(self, period: Period, scope: Scope) -> list[Day]:
        return self._remember("trend", period, scope, lambda now: breakdowns.trend(
            self.session, period, scope, now=now, zone=self.zone),
            lambda days: [[d.day.isoformat(), d.received, d.dispatched, d.closed] for d in days],
            lambda rows: [Day(date.fromisoformat(d), r, s, c) for d, r, s, c in rows])

    def resolve_hours(self, period: Period, scope: Scope, by: str) -> dict[Any, Durations]:
        return self._remember(f"hours:{by}", period, scope, lambda now: breakdowns.resolve_hours(
            self.session, period, scope, now=now, zone=self.zone, by=by),
            lambda found: [[k, d.resolutions, d.p50_hours, d.p90_hours] for k, d in found.items()],
            lambda rows: {k: Durations(n, p50, p90) for k, n, p50, p90 in rows})

    def grid_counts(self, period: Period, scope: Scope, what: str) -> dict[str, int]:
        """Per grid; ``overdue`` is of now whatever the period, so it is kept as a running result."""
        return self._remember(f"grids:{what}", period, scope, lambda now: breakdowns.grid_counts(
            self.session, period, scope, now=now, zone=self.zone, what=what), dict, dict,
            final=what != "overdue")

    # -- the store ------------------------------------------------------------------------------
    def _remember(self, name: str, period: Period, scope: Scope, compute: Callable[[datetime], T],
                  encode: Callable[[T], Any], decode: Callable[[Any], T], final: bool = True) -> T:
        window = Window.of(period, self.now, self.zone)
        finished = final and window.cutoff == window.end
        key = ":".join([name, period.start.isoformat(), period.end.isoformat(),
                        *(getattr(scope, f.name) or "" for f in fields(scope))])
        row = self.session.get(StatsSnapshot, key)
        if row is not None and finished and row.cutoff == window.end:
            return decode(row.payload)
        if row is not None and not finished and row.computed_at >= self.now - self.max_age:
            self.as_of = min(self.as_of, row.cutoff)
            return decode(row.payload)
        result = compute(self.now)
        self._store(key, window.end if finished else self.now, encode(result))
        return result

    def _store(self, key: str, cutoff: datetime, payload: Any) -> None:
        """Upsert in a transaction of its own (a GET request or a report's session is never committed here)."""
        values = dict(key=key, cutoff=cutoff, computed_at=self.now, payload=payload)
        with Session(self.session.get_bind()) as own, own.begin():
            insert = dialect_insert(own)(StatsSnapshot).values(**values)
            own.execute(insert.on_conflict_do_update(index_elements=["key"], set_=values))


def forget(session: Session) -> None:
    """Drop every kept result, for whoever writes the past (demo data, benchmarks): the next reader recomputes."""
    session.execute(delete(StatsSnapshot))


def _encode_figures(groups: dict[Any, Figures]) -> list[list[Any]]:
    return [[key, {**asdict(f), "ratings": {str(v): n for v, n in f.ratings.items()}}] for key, f in groups.items()]


def _decode_figures(rows: list[list[Any]]) -> dict[Any, Figures]:
    return {key: Figures(**{**counts, "ratings": {int(v): n for v, n in counts["ratings"].items()}})
            for key, counts in rows}


def default_views(session: Session, *, now: datetime, zone: ZoneInfo, max_age: timedelta = MAX_AGE) -> int:
    """Compute what the console's statistics page and the public page show by default (today, this week, this
    month and the periods before them, all units), as the worker's ``refresh_stats`` job does every few minutes.
    Returns how many periods were looked at."""
    stats = Snapshots(session, now=now, zone=zone, max_age=max_age)
    today, town = now.astimezone(zone).date(), Scope()
    periods = [Period.of(kind, today) for kind in (Kind.DAY, Kind.WEEK, Kind.MONTH)]
    for period in periods:
        for when in (period, period.previous()):
            stats.figures_by(when, town, "category")
            stats.figures_by(when, town, "unit")
        stats.trend(period, town)
        for by in ("category", "unit"):
            stats.resolve_hours(period, town, by)
        for what in ("received", "overdue", "closed"):
            stats.grid_counts(period, town, what)
    return len(periods)
