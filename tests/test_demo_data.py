"""``citybot demo-data``: realistic cases whose every step is a legal transition, routed as routing would,
with calendar deadlines, day sequences that the service continues, and synthetic residents only."""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import pairwise

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.dispatch.calendar import Limit
from bot.dispatch.case_search import CaseFilter, counter_filters, counters, search
from bot.dispatch.numbers import next_case_number
from bot.dispatch.routing import unit_for
from bot.dispatch.states import TRANSITIONS
from bot.models import Case, CaseEvent, CaseNumberCounter, Grid, Rating, Resident
from tests.support import TUESDAY_9AM, freeze

NUMBER = re.compile(r"(\d{8})-(\d{4,})")


def demo_data(app, *args: str) -> str:  # noqa: ANN001
    result = app.test_cli_runner().invoke(args=["demo-data", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_cases_follow_the_state_machine_routing_and_the_calendar(app, db: Session, clock):  # noqa: ANN001
    freeze(clock, TUESDAY_9AM)
    assert "added 600 cases" in demo_data(app, "--cases", "600", "--seed", "7", "--days", "30")
    services = app.extensions["citybot.services"]
    taxonomy, calendar, now = services.deps.taxonomy, services.calendar, services.deps.now()
    cases = {c.id: c for c in db.scalars(select(Case))}
    assert len(cases) == 600
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    for event in db.scalars(select(CaseEvent).order_by(CaseEvent.id)):
        events[event.case_id].append(event)

    for case in cases.values():
        trail = events[case.id]
        assert trail[0].action == "receive" and trail[0].from_state is None and trail[0].at == case.created_at
        for before, after in pairwise(trail):
            assert after.from_state == before.to_state and after.at >= before.at, (case.number, after.action)
        for event in trail:
            if event.from_state != event.to_state or event.action in ("receive", "dispatch"):
                assert TRANSITIONS[(event.from_state, event.action)] == event.to_state, (case.number, event.action)
            assert event.at <= now
        assert trail[-1].to_state == case.state and case.updated_at == trail[-1].at
        if case.unit_code is not None:  # as routing chooses: the grid's squad, or the category's department
            grid = db.get(Grid, case.grid_code)
            assert grid is not None
            assert case.unit_code == unit_for(taxonomy[case.category_code].handler, grid.squad_code)
        if case.dispatched_at is not None and not any(e.action == "extension_approved" for e in trail):
            limit = Limit.parse(taxonomy[case.category_code].limit)
            assert case.deadline == calendar.deadline(case.dispatched_at, limit)
        if case.state == "merged":
            primary = cases[case.merged_into_id]
            assert primary.category_code == case.category_code and primary.created_at <= case.created_at

    states = {c.state for c in cases.values()}
    assert {"closed", "resolved", "accepted", "merged", "invalid", "cancelled"} <= states
    assert any(c.overdue_at is not None and c.state in ("dispatched", "accepted") for c in cases.values())
    assert any(c.reopen_count > 0 for c in cases.values()) and db.scalar(select(func.count(Rating.id))) > 0
    channels = [c.channel for c in cases.values()]
    assert channels.count("wechat") > len(channels) / 2 and {"hotline", "patrol"} <= set(channels)
    assert all(r.openid.startswith("oDemo") for r in db.scalars(select(Resident)))

    # Numbers: the normal format, unique, each local day from 1 up; the service continues the sequence.
    per_day: dict[str, list[int]] = defaultdict(list)
    for case in cases.values():
        match = NUMBER.fullmatch(case.number)
        assert match, case.number
        per_day[match.group(1)].append(int(match.group(2)))
        assert match.group(1) == f"{case.created_at.astimezone(calendar.zone):%Y%m%d}"
    assert all(sorted(seq) == list(range(1, len(seq) + 1)) for seq in per_day.values())
    today = now.astimezone(calendar.zone).date()
    last = db.scalar(select(CaseNumberCounter.last).where(CaseNumberCounter.day == today)) or 0
    assert next_case_number(db, today) == f"{today:%Y%m%d}-{last + 1:04d}"
    db.rollback()

    # The console's counters on realistic data agree with the lists they link to.
    numbers = counters(db, now, calendar.zone)
    for name, f in counter_filters(today).items():
        page = search(db, f, now=now, zone=calendar.zone, limit=1000)
        assert len(page.cases) == getattr(numbers, name), name


def test_a_second_run_adds_more_cases_without_clashing(app, db: Session, clock):  # noqa: ANN001
    freeze(clock, TUESDAY_9AM)
    demo_data(app, "--cases", "150", "--days", "3")
    demo_data(app, "--cases", "150", "--days", "3", "--seed", "2")
    assert db.scalar(select(func.count(func.distinct(Case.number)))) == 300
    assert db.scalar(select(func.count(func.distinct(Resident.openid)))) == db.scalar(select(func.count(Resident.id)))
    assert len(search(db, CaseFilter(), now=TUESDAY_9AM, zone=app.extensions["citybot.services"].calendar.zone,
                      limit=1000).cases) == 300


def test_demo_data_needs_an_area(app, db: Session):  # noqa: ANN001
    db.execute(delete(Grid))
    db.commit()
    result = app.test_cli_runner().invoke(args=["demo-data", "--cases", "5"])
    assert result.exit_code != 0 and "load-area" in result.output
