"""The bureau's figures (bot.stats) for a hand-computed town of 28 cases made through the real services.

Every case below is told step by step at local times in two weeks of November 2026 (A: 11-02 to 11-08,
B: 11-09 to 11-15); the expected figures were counted by hand from the definitions in
``bot/stats/figures.py`` and are written next to the assertions. Unless said otherwise a case is a WeChat
report of 露天烧烤 (E0510: 2 working hours) for 城区二中队 (SQ02), dispatched at once; the work calendar's
hours are 08:30–12:00 and 13:30–17:30, so a case dispatched at 09:00 is due at 11:00.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dispatch import bureau, dispatching, duplicates, feedback, squad, withdrawal
from bot.dispatch.actor import Actor
from bot.dispatch.deps import Deps
from bot.dispatch.opening import Report, open_case
from bot.extensions import get_db
from bot.models import Case, Contact, Media, Resident, Staff, StatsSnapshot
from bot.models.enums import Channel
from bot.stats.breakdowns import ranking, resolve_hours, reworks
from bot.stats.counting import figures, figures_by
from bot.stats.figures import Figures, percent
from bot.stats.period import Period, Scope
from bot.stats.snapshots import Snapshots
from tests.support import BARBECUE, MARKET, ZONE, freeze, tick_now

WEEK_A, WEEK_B = Period.week(date(2026, 11, 2)), Period.week(date(2026, 11, 9))
DISPATCHER = Actor.dispatcher("zhangli", "张丽")
MEMBERS = {"SQ01": "fangxiaoyu", "SQ02": "wujingjing"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=ZONE)


@dataclass
class Town:
    """Tells cases through the services, each step in its own transaction at its own moment."""

    app: object
    clock: object
    numbers: dict[str, str] = field(default_factory=dict)
    reporters: dict[str, int] = field(default_factory=dict)

    def step(self, when: datetime, act) -> object:  # noqa: ANN001
        freeze(self.clock, when)
        with self.app.app_context(), get_db().transaction() as session:
            return act(session, self.app.extensions["citybot.services"].deps)

    def case(self, session: Session, name: str) -> Case:
        return session.scalars(select(Case).where(Case.number == self.numbers[name])).one()

    def member(self, session: Session, unit: str) -> Actor:
        return Actor.squad(session.get_one(Staff, MEMBERS[unit]))

    # -- the steps ------------------------------------------------------------------------------
    def report(self, name: str, when: datetime, channel: Channel = Channel.WECHAT) -> None:
        def act(session: Session, deps: Deps) -> None:
            reporter = contact = None
            if channel == Channel.WECHAT:
                reporter = Resident(openid=f"oStatsTown{name:0>18}")
                session.add(reporter)
            elif channel == Channel.HOTLINE:
                contact = Contact(channel=channel, name="来电市民")
                session.add(contact)
            session.flush()
            actor = Actor.resident(reporter) if reporter else DISPATCHER
            opened = open_case(session, deps, Report(BARBECUE, *MARKET, "message", channel=channel, reporter=reporter,
                                                     contact=contact), actor, merge=False)
            self.numbers[name] = opened.case.number
            if reporter:
                self.reporters[name] = reporter.id
        self.step(when, act)

    def dispatch(self, name: str, when: datetime, unit: str = "SQ02", category: str = "E0510") -> None:
        self.step(when, lambda s, d: dispatching.dispatch(s, d, self.case(s, name), DISPATCHER, unit_code=unit,
                                                          category_code=category))

    def accept(self, name: str, when: datetime) -> None:
        self.step(when, lambda s, d: squad.accept(s, d, self.member(s, self.case(s, name).unit_code), self.numbers[name]))

    def resolve(self, name: str, when: datetime) -> None:
        def act(session: Session, deps: Deps) -> None:
            member = self.member(session, self.case(session, name).unit_code)
            session.add(Media(kind="image", media_id=f"after-{name}-{when:%d%H%M}", channel="wework",
                              staff_userid=member.id, state="stored", created_at=when))
            session.flush()
            squad.resolve(session, deps, member, self.numbers[name], "已处置")
        self.step(when, act)

    def close(self, name: str, when: datetime, actor: Actor = DISPATCHER) -> None:
        self.step(when, lambda s, d: feedback.close_case(s, d, self.case(s, name), actor))

    def rate(self, name: str, when: datetime, value: int) -> None:
        self.step(when, lambda s, d: feedback.rate(s, d, s.get_one(Resident, self.reporters[name]),
                                                   self.case(s, name), value, "评价"))

    def withdraw(self, name: str, when: datetime) -> None:
        self.step(when, lambda s, d: withdrawal.withdraw(s, d, s.get_one(Resident, self.reporters[name]),
                                                         self.numbers[name]))

    def invalidate(self, name: str, when: datetime) -> None:
        self.step(when, lambda s, d: dispatching.invalidate(s, d, self.case(s, name), DISPATCHER, "不属于城管职责"))

    def merge(self, name: str, into: str, when: datetime) -> None:
        self.step(when, lambda s, d: bureau.merge_into(s, d, self.case(s, name), self.case(s, into), DISPATCHER))

    def split(self, name: str, when: datetime) -> None:
        self.step(when, lambda s, d: duplicates.split(s, d, self.case(s, name), DISPATCHER))

    def give_back(self, name: str, when: datetime) -> None:
        self.step(when, lambda s, d: squad.return_case(s, d, self.member(s, "SQ01"), self.numbers[name], "非本单位职责"))

    def verification_failed(self, name: str, when: datetime) -> None:
        self.step(when, lambda s, d: bureau.verification_failed(s, d, self.case(s, name), DISPATCHER, "现场仍有烧烤"))

    def extend(self, name: str, asked: datetime, decided: datetime, days: int) -> None:
        request = self.step(asked, lambda s, d: squad.request_extension(
            s, d, self.member(s, self.case(s, name).unit_code), self.numbers[name], days, "需协调业主").id)
        self.step(decided, lambda s, d: squad.decide_extension(s, d, DISPATCHER, request, True))


def tell_the_two_weeks(t: Town) -> None:
    """The 28 cases, step by step in the order things happened."""
    # -- week A -------------------------------------------------------------------------------------
    for name in ("A1", "A2"):  # Monday 11-02: A1 on time; A2 late (due 11:00, resolved 15:00)
        t.report(name, at(2, 9))
        t.dispatch(name, at(2, 9))
        t.accept(name, at(2, 9, 5))
    t.report("A9", at(2, 9, 30))
    t.merge("A9", "A1", at(2, 9, 31))  # a duplicate: counted on A1
    t.resolve("A1", at(2, 10))
    t.rate("A1", at(2, 12), 1)
    t.resolve("A2", at(2, 15))
    t.rate("A2", at(2, 16), 2)
    t.close("A1", at(3, 9))  # Tuesday
    t.report("A3", at(3, 9))
    t.dispatch("A3", at(3, 9))
    t.accept("A3", at(3, 9, 5))
    t.close("A2", at(3, 10))
    t.resolve("A3", at(3, 10))
    t.rate("A3", at(3, 11), 3)  # 不满意: reopened and dispatched again at 11:00, due 14:30
    t.accept("A3", at(3, 11, 10))
    t.resolve("A3", at(3, 11, 30))  # on time
    t.close("A3", at(4, 9))  # Wednesday
    for name in ("A4", "A5"):  # A4 left until week B; A5 resolved on time, closed only in week B
        t.report(name, at(4, 9))
        t.dispatch(name, at(4, 9))
    t.accept("A5", at(4, 9, 5))
    t.resolve("A5", at(4, 10))
    for name in ("A6", "A7", "A8"):  # Thursday
        t.report(name, at(5, 9))
    t.dispatch("A6", at(5, 9), category="E0101")  # 私搭乱建, 5 working days: due Thu 11-12 09:00
    t.withdraw("A7", at(5, 9, 10))
    t.accept("A6", at(5, 9, 30))
    t.invalidate("A8", at(5, 10))
    t.report("A10", at(6, 9), Channel.HOTLINE)  # Friday, all for 城区一中队
    for name in ("A11", "A12"):
        t.report(name, at(6, 9))
    for name in ("A10", "A11", "A12"):
        t.dispatch(name, at(6, 9), unit="SQ01")
    t.accept("A10", at(6, 9, 5))
    t.accept("A12", at(6, 9, 5))
    t.give_back("A11", at(6, 9, 30))
    t.resolve("A10", at(6, 10))
    t.resolve("A12", at(6, 10))
    t.invalidate("A11", at(6, 10))  # dispatched, returned, then 不予立案
    t.verification_failed("A12", at(6, 11))  # 核查不通过: dispatched again, due 14:30
    t.close("A10", at(6, 15))
    t.report("A13", at(7, 10))  # Saturday: left with the dispatcher
    t.report("A14", at(8, 23, 30))  # Sunday night: dispatched on Monday
    # -- week B -------------------------------------------------------------------------------------
    t.accept("A4", at(9, 9))  # Monday 11-09
    t.close("A5", at(9, 9), Actor.system())  # the automatic close
    t.accept("A12", at(9, 9))
    t.dispatch("A14", at(9, 9))
    t.report("B7", at(9, 9))
    t.dispatch("B7", at(9, 9))
    t.accept("A14", at(9, 9, 5))
    t.accept("B7", at(9, 9, 5))
    t.resolve("A12", at(9, 9, 30))  # late
    t.resolve("B7", at(9, 9, 30))
    t.resolve("A4", at(9, 10))  # late
    t.resolve("A14", at(9, 10))
    t.rate("B7", at(9, 10), 3)  # dispatched again at 10:00, due 12:00
    t.extend("A6", at(9, 10), at(9, 10, 5), 2)  # due Mon 11-16 09:00: out of week B
    t.accept("B7", at(9, 10, 10))
    t.resolve("B7", at(9, 10, 30))
    t.close("A12", at(9, 11))
    t.rate("B7", at(9, 11), 3)  # the second 不满意: back to the dispatcher, still due 12:00
    t.close("A4", at(9, 15))
    t.close("A14", at(10, 9))  # Tuesday
    for name, channel in (("B1", Channel.WECHAT), ("B2", Channel.WECHAT), ("B8", Channel.WECHAT),
                          ("B9", Channel.WECHAT), ("B10", Channel.PATROL), ("B11", Channel.PATROL)):
        t.report(name, at(10, 9), channel)
    t.dispatch("B1", at(10, 9))
    t.dispatch("B2", at(10, 9))
    for name in ("B8", "B9", "B10", "B11"):
        t.dispatch(name, at(10, 9), unit="SQ01")
    for name in ("B1", "B8", "B9", "B10", "B11"):
        t.accept(name, at(10, 9, 5))
    t.accept("B2", at(10, 9, 30))  # never resolved in week B
    for name in ("B1", "B8", "B9", "B10", "B11"):
        t.resolve(name, at(10, 10))
    t.rate("B8", at(10, 10, 30), 1)
    t.rate("B9", at(10, 10, 30), 2)
    t.rate("B1", at(10, 11), 1)
    t.close("B1", at(10, 12))
    for name in ("B8", "B9", "B10", "B11"):  # Wednesday
        t.close(name, at(11, 9))
    t.report("B3", at(11, 9))
    t.dispatch("B3", at(11, 9))
    t.accept("B3", at(11, 9, 5))
    t.resolve("B3", at(11, 16))  # late, not yet verified
    t.report("B4", at(12, 9), Channel.HOTLINE)  # Thursday
    t.dispatch("B4", at(12, 9), unit="SQ01")
    t.accept("B4", at(12, 9, 5))
    t.resolve("B4", at(12, 10))
    t.close("B4", at(12, 14))
    for name in ("B5", "B6", "B14", "B13"):  # Friday
        t.report(name, at(13, 9))
    t.dispatch("B13", at(13, 9))
    t.accept("B13", at(13, 9, 5))
    t.merge("B6", "B2", at(13, 9, 5))
    t.merge("B14", "B2", at(13, 9, 5))
    t.withdraw("B5", at(13, 9, 10))
    t.resolve("B13", at(13, 10))  # on time; closed in the week after
    t.split("B14", at(13, 10))  # not the same problem after all: a case of its own again
    t.dispatch("B14", at(13, 10))  # due 12:00
    t.report("B12", at(14, 10))  # Saturday
    t.invalidate("B12", at(14, 11))


EXPECTED_A = dict(
    received=12,  # A1–A14 less A7 (cancelled) and A9 (merged into A1)
    registered=10,  # less A8 and A11 (不予立案)
    dispatched=9,  # A1–A6, A10–A12 (A14 only on Monday)
    closed=4,  # A1, A2, A3, A10
    closed_on_time=3,  # A2 was resolved late
    due=7,  # the 4 closed + A4 and A12 (overdue, open) + A5 (resolved on time, not yet closed)
    overdue=3,  # A2, A4, A12
    reopened=2,  # A3 (不满意), A12 (核查不通过)
    extended=0,
    resolved=6,  # A1, A2, A3 (twice), A5, A10, A12
    rated=3,
    ratings={1: 1, 2: 1, 3: 1},
)
EXPECTED_B = dict(
    received=12,  # B1–B14 less B5 (cancelled) and B6 (merged); B14 was split off again
    registered=11,  # less B12
    dispatched=12,  # A14, B1–B4, B7–B11, B13, B14
    closed=10,  # A4, A5, A12, A14, B1, B4, B8–B11
    closed_on_time=8,  # A4 and A12 were resolved late
    due=15,  # the 10 closed + B2, B3, B7, B14 (overdue) + B13 (resolved on time); A6's deadline moved out
    overdue=6,  # A4, A12, B2, B3, B7, B14
    reopened=2,  # B7 twice
    extended=1,  # A6
    resolved=12,  # A4, A12, A14, B1, B3, B4, B7 (twice), B8–B11, B13
    rated=4,  # B1, B7 (twice), B8, B9
    ratings={1: 2, 2: 1, 3: 2},
)
EXPECTED_SQ01_A = dict(received=3, registered=2, dispatched=3, closed=1, closed_on_time=1, due=2, overdue=1,
                       reopened=1, extended=0, resolved=2, rated=0, ratings={1: 0, 2: 0, 3: 0})
EXPECTED_SQ01_B = dict(received=5, registered=5, dispatched=5, closed=6, closed_on_time=5, due=6, overdue=1,
                       reopened=0, extended=0, resolved=6, rated=2, ratings={1: 1, 2: 1, 3: 0})


@pytest.fixture
def town(app, clock) -> Town:  # noqa: ANN001
    told = Town(app, clock)
    tell_the_two_weeks(told)
    freeze(clock, at(16, 12))
    return told


def stats_of(app, period: Period, scope: Scope = Scope()) -> Figures:  # noqa: ANN001, B008
    deps = app.extensions["citybot.services"].deps
    with app.app_context():
        return figures(get_db().session, period, scope, now=deps.now(), zone=ZONE)


def test_every_figure_of_two_weeks_and_of_one_unit_is_what_was_counted_by_hand(app, town):
    assert stats_of(app, WEEK_A) == Figures(**EXPECTED_A)
    assert stats_of(app, WEEK_B) == Figures(**EXPECTED_B)
    assert stats_of(app, WEEK_A, Scope(unit="SQ01")) == Figures(**EXPECTED_SQ01_A)
    assert stats_of(app, WEEK_B, Scope(unit="SQ01")) == Figures(**EXPECTED_SQ01_B)
    assert stats_of(app, WEEK_B, Scope(channel="hotline")).received == 1  # B4
    assert stats_of(app, WEEK_B, Scope(category="E01")).received == 0 and stats_of(app, WEEK_A, Scope(
        category="E01")).dispatched == 1  # A6, 私搭乱建 (a big class)


def test_the_rates_follow_from_the_counts_and_an_empty_denominator_is_no_rate(app, town):
    a, b, sq01_a = stats_of(app, WEEK_A), stats_of(app, WEEK_B), stats_of(app, WEEK_A, Scope(unit="SQ01"))
    assert (a.registration_rate, a.dispatch_rate, a.closure_rate, a.on_time_rate) == (10 / 12, 9 / 10, 4 / 7, 3 / 7)
    assert (a.rework_rate, a.extension_rate, a.satisfaction_rate, a.rating_rate) == (2 / 7, 0.0, 2 / 3, 3 / 6)
    assert (b.closure_rate, b.on_time_rate, b.rework_rate, b.extension_rate) == (10 / 15, 8 / 15, 2 / 15, 1 / 15)
    assert (b.satisfaction_rate, b.rating_rate) == (3 / 5, 4 / 12)
    assert sq01_a.satisfaction_rate is None and percent(sq01_a.satisfaction_rate) == "—"
    nothing = stats_of(app, Period.week(date(2026, 10, 5)))
    assert nothing == Figures() and nothing.closure_rate is None and percent(nothing.on_time_rate) == "—"


def test_a_past_period_gives_the_same_figures_after_later_decisions(app, clock, town):
    before = stats_of(app, WEEK_A), stats_of(app, WEEK_B), stats_of(app, WEEK_B, Scope(unit="SQ01"))
    town.extend("B2", at(17, 9), at(17, 9, 30), 1)  # moves B2's deadline out of week B, after the week
    town.resolve("B2", at(17, 10))
    town.close("B2", at(17, 11))
    town.close("B3", at(17, 11))
    town.invalidate("A13", at(17, 11))  # received in week A; 不予立案 only now
    town.resolve("A6", at(17, 14))
    town.rate("A4", at(17, 15), 3)  # reopens A4, closed in week B
    freeze(clock, at(18, 9))
    assert (stats_of(app, WEEK_A), stats_of(app, WEEK_B), stats_of(app, WEEK_B, Scope(unit="SQ01"))) == before
    now = stats_of(app, Period.week(date(2026, 11, 16)))  # the week these things happened in
    assert (now.closed, now.extended, now.reopened) == (2, 1, 1)


def test_a_running_period_counts_up_to_now(app, clock, town):
    freeze(clock, at(4, 10, 30))  # Wednesday of week A, before A4's deadline
    running = stats_of(app, WEEK_A)
    # A1, A2, A3 received and closed (A2 late; A9 merged); A4 and A5 are not due before 11:00
    assert (running.received, running.closed, running.due, running.overdue) == (5, 3, 3, 1)


def test_splits_by_unit_ranking_durations_and_reworks(app, town):
    deps = app.extensions["citybot.services"].deps
    with app.app_context():
        session = get_db().session
        by_unit = figures_by(session, WEEK_B, Scope(), now=deps.now(), zone=ZONE, by="unit")
        assert by_unit["SQ01"] == Figures(**EXPECTED_SQ01_B)
        assert sum(f.received for f in by_unit.values()) == EXPECTED_B["received"]
        # 按期结案率: SQ01 5/6, SQ02 3/9; with at least 7 cases due to be ranked, SQ01 (6) is listed unranked
        assert [(r.key, r.ranked) for r in ranking(by_unit, minimum=6)] == [("SQ01", True), ("SQ02", True)]
        assert [(r.key, r.ranked) for r in ranking(by_unit, minimum=7)] == [("SQ02", True), ("SQ01", False)]
        hours = resolve_hours(session, WEEK_A, Scope(unit="SQ01"), now=deps.now(), zone=ZONE, by="unit")["SQ01"]
        assert (hours.resolutions, hours.p50_hours) == (2, 1.0)  # A10 and A12: one working hour each
        [a3, a12] = reworks(session, WEEK_A, Scope(), now=deps.now(), zone=ZONE)
        assert (a3.by_bureau, a3.note, a12.by_bureau, a12.note) == (False, None, True, "现场仍有烧烤")


def test_the_command_line_prints_the_figures_as_json(app, town):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["stats", "--from", "2026-11-09", "--to", "2026-11-16", "--unit", "SQ01", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["received"] == 5 and printed["closed"] == 6 and printed["ratings"] == {"1": 1, "2": 1, "3": 0}
    assert printed["closure_rate"] == 1.0 and printed["on_time_rate"] == 5 / 6 and printed["rework_rate"] == 0.0
    assert set(printed) >= {"received", "registered", "dispatched", "due", "closed", "closed_on_time", "overdue",
                            "reopened", "extended", "ratings", "registration_rate", "closure_rate", "on_time_rate",
                            "rework_rate", "extension_rate", "satisfaction_rate"}
    empty = json.loads(runner.invoke(args=["stats", "--from", "2026-10-01", "--to", "2026-10-02", "--json"]).output)
    assert empty["closure_rate"] is None and empty["satisfaction_rate"] is None
    refused = runner.invoke(args=["stats", "--from", "2026-11-09", "--to", "2026-11-09"])
    assert refused.exit_code != 0 and "--to" in refused.output



def test_finished_periods_are_kept_and_running_ones_refreshed_after_five_minutes(app, clock, town):
    deps = app.extensions["citybot.services"].deps
    with app.app_context():
        session = get_db().session
        stats = Snapshots(session, now=deps.now(), zone=ZONE)
        assert stats.figures(WEEK_B, Scope()) == Figures(**EXPECTED_B)  # computed, then stored
        kept = session.get(StatsSnapshot, next(iter(session.scalars(select(StatsSnapshot.key)))))
        assert kept.cutoff == WEEK_B.bounds(ZONE)[1]
        assert Snapshots(session, now=deps.now(), zone=ZONE).figures(WEEK_B, Scope()) == Figures(**EXPECTED_B)
    running = Period.week(date(2026, 11, 16))
    with app.app_context():
        before = Snapshots(get_db().session, now=deps.now(), zone=ZONE).figures(running, Scope())
    town.report("C1", at(16, 12, 1))
    for minutes, received in ((4, before.received), (6, before.received + 1)):
        freeze(clock, at(16, 12, minutes))
        with app.app_context():
            stats = Snapshots(get_db().session, now=deps.now(), zone=ZONE)
            assert stats.figures(running, Scope()).received == received
            assert stats.as_of == (at(16, 12) if minutes == 4 else at(16, 12, 6))


def test_the_worker_keeps_the_pages_default_views_fresh(app, run_worker, town):
    tick_now(app, "refresh_stats")
    run_worker()
    with app.app_context():
        keys = set(get_db().session.scalars(select(StatsSnapshot.key)))
    month = Period.month(date(2026, 11, 16))
    assert f"figures:category:{month.start}:{month.end}::::::" in keys
    assert f"figures:unit:{month.previous().start}:{month.previous().end}::::::" in keys
    assert any(key.startswith("grids:overdue:") for key in keys)
