"""Deadlines in working time: lunch breaks, weekends, statutory holidays, 调休, unknown years."""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dispatch.calendar import Limit, WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar(SHANGHAI)


@pytest.mark.parametrize(
    ("start", "limit", "expected"),
    [
        ("2026-11-20 10:00", "1h", "2026-11-20 11:00"),
        ("2026-11-20 11:00", "2h", "2026-11-20 14:30"),  # across the lunch break
        ("2026-11-20 12:30", "1h", "2026-11-20 14:30"),  # dispatched during lunch: the clock starts at 13:30
        ("2026-11-20 16:30", "4h", "2026-11-23 11:30"),  # Friday afternoon → Monday
        ("2026-11-21 20:00", "2h", "2026-11-23 10:30"),  # Saturday night → Monday morning
        ("2026-11-20 10:00", "1d", "2026-11-23 10:00"),  # one working day later
        ("2025-09-30 15:00", "1d", "2025-10-09 15:00"),  # National Day: Oct 1–8 are holidays
        ("2025-09-26 16:00", "4h", "2025-09-28 11:00"),  # make-up working Sunday (调休)
        ("2026-09-18 16:30", "2h", "2026-09-20 09:30"),  # another 调休 Sunday
        ("2026-11-21 22:00", "4n", "2026-11-22 02:00"),  # urgent: clock hours, night and weekend count
    ],
)
def test_deadlines(calendar, start, limit, expected):
    assert calendar.deadline(at(start), Limit.parse(limit)) == at(expected)


def test_a_year_the_calendar_does_not_know_falls_back_with_a_warning(calendar, caplog):
    with caplog.at_level(logging.WARNING):
        result = calendar.deadline(at("2026-12-30 10:00"), Limit.parse("5d"))
    # Dec 30, 31, (Jan 1 New Year's Day, a fixed-date holiday), Jan 4, 5, 6 and 1.5 h of Jan 7
    assert result == at("2027-01-07 10:00")
    assert "no data for 2027" in caplog.text


def test_configured_holidays_and_workdays(calendar):
    custom = WorkCalendar(SHANGHAI, extra_holidays=frozenset({date(2026, 11, 23)}),
                          extra_workdays=frozenset({date(2026, 11, 22)}))
    assert custom.deadline(at("2026-11-20 17:00"), Limit.parse("1h")) == at("2026-11-22 09:00")
    assert calendar.deadline(at("2026-11-20 17:00"), Limit.parse("1h")) == at("2026-11-23 09:00")


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)),
       st.sampled_from(["1h", "4h", "1d", "3d", "5d"]))
def test_deadlines_are_in_working_time_and_never_earlier_than_the_limit(start, limit):
    calendar = WorkCalendar(SHANGHAI)
    start = start.replace(tzinfo=SHANGHAI)
    result = calendar.deadline(start, Limit.parse(limit))
    assert result >= start
    local = result.astimezone(SHANGHAI)
    assert calendar.is_workday(local.date())
    assert any(open_ <= local.time() <= close for open_, close in calendar.windows)


def test_cli_deadline(app):
    result = app.test_cli_runner().invoke(args=["deadline", "E0510", "--start", "2026-11-20T11:00:00+08:00"])
    assert result.exit_code == 0 and result.output.strip() == "2026-11-20T14:30:00+08:00"
    result = app.test_cli_runner().invoke(args=["deadline", "E0101", "--start", "2026-12-30T10:00"])
    assert result.output.strip() == "2027-01-07T10:00:00+08:00"
    assert app.test_cli_runner().invoke(args=["deadline", "X9999", "--start", "2026-11-20T10:00"]).exit_code != 0
