"""Periods (day, week, month, custom: ``[start, end)`` in local days) and scopes (filters) of the statistics."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Kind(StrEnum):
    DAY = "day"
    WEEK = "week"  # Monday to Sunday (一周一报)
    MONTH = "month"  # 一月公示
    CUSTOM = "custom"


@dataclass(frozen=True)
class Period:
    """Local days ``start`` (inclusive) to ``end`` (exclusive) in the bureau's time zone."""

    start: date
    end: date
    kind: Kind = Kind.CUSTOM

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"a period ends after it starts: {self.start} – {self.end}")

    @classmethod
    def day(cls, day: date) -> Period:
        return cls(day, day + timedelta(days=1), Kind.DAY)

    @classmethod
    def week(cls, day: date) -> Period:
        monday = day - timedelta(days=day.weekday())
        return cls(monday, monday + timedelta(days=7), Kind.WEEK)

    @classmethod
    def month(cls, day: date) -> Period:
        first = day.replace(day=1)
        return cls(first, first + timedelta(days=calendar.monthrange(first.year, first.month)[1]), Kind.MONTH)

    @classmethod
    def of(cls, kind: Kind, day: date) -> Period:
        """The day, week or month holding ``day``."""
        return {Kind.DAY: cls.day, Kind.WEEK: cls.week, Kind.MONTH: cls.month}[kind](day)

    def previous(self) -> Period:
        """The period before: the previous day, week or month, or a custom span of the same length."""
        if self.kind is Kind.MONTH:
            return Period.month(self.start - timedelta(days=1))
        return Period(self.start - (self.end - self.start), self.start, self.kind)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        return datetime.combine(self.start, time(0), zone), datetime.combine(self.end, time(0), zone)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days)]

    @property
    def label(self) -> str:
        """``2026年11月``, ``2026-11-23 至 2026-11-29``, ``2026-11-29``."""
        last = self.end - timedelta(days=1)
        if self.kind is Kind.MONTH:
            return f"{self.start.year}年{self.start.month}月"
        return self.start.isoformat() if last == self.start else f"{self.start.isoformat()} 至 {last.isoformat()}"


@dataclass(frozen=True)
class Scope:
    """Which cases count: all by default, or one unit, category (a code like ``E0512`` or a big class like
    ``E05``), grid, street or community (by the grids'), and channel."""

    unit: str | None = None
    category: str | None = None
    grid: str | None = None
    street: str | None = None
    community: str | None = None
    channel: str | None = None

    def but(self, **changes: str | None) -> Scope:
        return replace(self, **changes)
