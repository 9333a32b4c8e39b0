"""The case services as any surface calls them: typed results, named actors, one after-commit hook,
cases from channels other than WeChat, and the one input normaliser."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.core.after_commit import after_commit
from bot.core.text import normalise
from bot.dispatch import squad
from bot.dispatch.actor import Actor
from bot.dispatch.errors import CaseNotFound, IllegalTransition, NotYourCase
from bot.dispatch.numbers import is_case_number
from bot.dispatch.opening import Report, open_case
from bot.extensions import get_db, get_queues
from bot.handlers.commands import parse_command, parse_rating
from bot.models import Case, CaseEvent, Contact, Staff
from bot.models.enums import Channel
from tests.support import card_title

MEMBER = "wujingjing"  # 吴晶晶, 城区二中队 (SQ02)
FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"})


def deps(app):  # noqa: ANN001, ANN201
    return app.extensions["citybot.services"].deps


def test_a_hotline_case_is_opened_routed_and_dispatched_like_a_wechat_report(app, fake_platform, run_worker, db):
    with app.app_context(), get_db().transaction() as session:
        caller = Contact(channel=Channel.HOTLINE, name="来电市民")
        session.add(caller)
        session.flush()
        report = Report(description="明珠菜场门口有人占道烧烤，油烟很大", lat=29.609943, lng=119.053925,
                        location_source="address", address="明珠菜场", channel=Channel.HOTLINE, contact=caller)
        opened = open_case(session, deps(app), report, Actor.dispatcher("op01", "王芳"))
        number = opened.case.number
        assert opened.unit_name == "城区二中队" and opened.merged_into is None
    run_worker()
    case = db.scalar(select(Case).where(Case.number == number))
    assert case.channel == "hotline" and case.contact.name == "来电市民" and case.reporter_id is None
    assert case.state == "dispatched"
    [card] = [c["body"] for c in fake_platform.calls("/cgi-bin/message/send")]
    assert number in card_title(card)
    assert [(e.action, e.actor_kind, e.actor_name) for e in case.events] == [
        ("receive", "dispatcher", "王芳"), ("dispatch", "system", "系统")]


def test_squad_decisions_name_the_member_and_refusals_are_typed(app, run_worker, db, wechat):
    wechat.location("oServicesResident00000000001", 29.609943, 119.053925)
    number = re.search(r"\d{8}-\d{4}", wechat.text("oServicesResident00000000001", "路边有人烤串").text).group(0)
    run_worker()
    with app.app_context(), get_db().transaction() as session:
        member = Actor.squad(session.get_one(Staff, MEMBER))
        other = Actor.squad(session.get_one(Staff, "fangxiaoyu"))
        for actor, wanted, error in ((other, number, NotYourCase), (member, "20990101-0001", CaseNotFound)):
            try:
                squad.accept(session, deps(app), actor, wanted)
            except error:
                pass
            else:
                raise AssertionError(f"{error.__name__} expected")
        squad.accept(session, deps(app), member, number)
        try:
            squad.accept(session, deps(app), member, number)
        except IllegalTransition as refused:
            assert (refused.state, refused.action) == ("accepted", "accept")
    event = db.scalars(select(CaseEvent).where(CaseEvent.action == "accept")).one()
    assert (event.actor_kind, event.actor_id, event.actor_name) == ("squad", MEMBER, "吴晶晶")


def test_jobs_wait_for_the_commit_and_go_with_a_rollback(app):
    with app.app_context():
        queue = get_queues()["low"]
        sessions = get_db().sessions
        with sessions() as session:
            session.begin()
            after_commit(session, "sweep")
            with session.begin_nested():
                after_commit(session, "escalate")  # default queue: kept, the savepoint is released
            savepoint = session.begin_nested()
            after_commit(session, "auto_close")
            savepoint.rollback()  # the job registered inside it goes with it
            assert queue.count == 0  # nothing before the commit
            session.commit()
        assert queue.job_ids == ["sweep"]
        assert get_queues()["default"].job_ids == ["escalate"]
        with sessions() as session:
            session.begin()
            after_commit(session, "sweep")
            session.rollback()
        assert queue.job_ids == ["sweep"]


@given(st.text(max_size=40))
def test_normalising_twice_changes_nothing(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)


@given(st.integers(min_value=20200101, max_value=20991231), st.integers(min_value=1, max_value=99999))
def test_full_width_case_numbers_and_commands_read_as_typed_in_ascii(day: int, sequence: int) -> None:
    number = f"{day}-{sequence:04d}"
    typed = f"查询 {number}".translate(FULL_WIDTH)  # 查询 itself is not ASCII and stays
    assert is_case_number(normalise(number.translate(FULL_WIDTH)))
    command = parse_command(typed)
    assert command is not None and command.number == number


def test_full_width_ratings_are_ratings() -> None:
    for typed, value in (("３", 3), ("１", 1), ("２。", 2), (" 3 ", 3)):
        parsed = parse_rating(typed, awaiting=False)
        assert parsed is not None and parsed.value == value, typed
    assert unicodedata.normalize("NFKC", "３") == "3"
    assert normalise("办结，现场已清理：完毕！") == "办结，现场已清理：完毕！"  # prose punctuation is kept
