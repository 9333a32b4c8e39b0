"""Working time: deadlines counted in working hours, working days or clock hours.

Working days come from ``chinesecalendar`` (statutory holidays and make-up working days, 调休)
plus the bureau's configured extra holidays and workdays. ``chinesecalendar`` only knows the
years already announced; past them we fall back to Monday–Friday minus the fixed-date statutory
holidays (元旦 1/1, 劳动节 5/1, 国庆 10/1–3) and the configured ones, with a logged warning, never an
exception (the lunar holidays and 调休 of such a year must be configured until the package knows
them). Working windows default to 08:30–12:00, 13:30–17:30.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)

DEFAULT_WINDOWS = "08:30-12:00,13:30-17:30"
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)})  # (month, day), every year


def parse_windows(spec: str) -> tuple[tuple[time, time], ...]:
    windows = []
    for part in spec.split(","):
        start, end = (time.fromisoformat(x.strip()) for x in part.split("-"))
        if end <= start:
            raise ValueError(f"working window {part!r} ends before it starts")
        windows.append((start, end))
    return tuple(sorted(windows))


@dataclass(frozen=True)
class Limit:
    amount: float
    unit: str  # h: working hours, d: working days, n: clock hours

    @classmethod
    def parse(cls, text: str) -> Limit:
        text = text.strip().lower()
        if len(text) < 2 or text[-1] not in "hdn":
            raise ValueError(f"bad limit {text!r}: expected e.g. 4h, 5d, 2n")
        return cls(float(text[:-1]), text[-1])


@dataclass
class WorkCalendar:
    zone: ZoneInfo
    windows: tuple[tuple[time, time], ...] = parse_windows(DEFAULT_WINDOWS)
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    _warned_years: set[int] = field(default_factory=set)

    @classmethod
    def from_settings(cls, zone: str, windows: str, holidays: Iterable[date], workdays: Iterable[date]) -> WorkCalendar:
        return cls(ZoneInfo(zone), parse_windows(windows), frozenset(holidays), frozenset(workdays))

    @property
    def day_hours(self) -> float:
        return sum((_minutes(end) - _minutes(start)) for start, end in self.windows) / 60

    def is_workday(self, day: date) -> bool:
        if day in self.extra_holidays:
            return False
        if day in self.extra_workdays:
            return True
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if day.year not in self._warned_years:
                self._warned_years.add(day.year)
                log.warning("chinesecalendar has no data for %s: counting Monday–Friday plus configured "
                            "holidays only; set CITYBOT_HOLIDAYS once the State Council announces them", day.year)
            return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS

    def deadline(self, start: datetime, limit: Limit) -> datetime:
        """The moment ``limit`` of handling time has passed since ``start``."""
        if limit.unit == "n":
            return start + timedelta(hours=limit.amount)
        hours = limit.amount if limit.unit == "h" else limit.amount * self.day_hours
        return self.add_working_minutes(start, hours * 60)

    def working_minutes(self, start: datetime, end: datetime) -> float:
        """Working time between two moments, in minutes (0 when ``end`` is not after ``start``)."""
        total = 0.0
        day, last = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        while day <= last:
            if self.is_workday(day):
                for open_, close in self.windows:
                    begin = max(start, datetime.combine(day, open_, self.zone))
                    finish = min(end, datetime.combine(day, close, self.zone))
                    total += max((finish - begin).total_seconds(), 0) / 60
            day += timedelta(days=1)
        return total

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime:
        local = start.astimezone(self.zone)
        remaining = timedelta(minutes=minutes)
        day = local.date()
        cursor = local
        for _ in range(3660):  # ten years of days: a calendar without workdays is a bug, not a loop
            if self.is_workday(day):
                for open_, close in self.windows:
                    window_start = datetime.combine(day, open_, self.zone)
                    window_end = datetime.combine(day, close, self.zone)
                    begin = max(cursor, window_start)
                    if begin >= window_end:
                        continue
                    available = window_end - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += timedelta(days=1)
            cursor = datetime.combine(day, time(0), self.zone)
        raise RuntimeError("no working time found within ten years; check the calendar settings")


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute
