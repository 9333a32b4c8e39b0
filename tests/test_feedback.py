"""Issue: every step reaches the reporters; they can say "it is not fixed"; duplicates; their data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from bot.models import Case, InboundMessage, OutboundMessage, Rating, Resident
from tests.support import (
    NUMBER,
    card_text,
    card_title,
    cards,
    images_to,
    pushes,
    report,
    report_case,
    resolve,
    the_case,
    tick_now,
)

FIRST, SECOND = "oResidentFirst0000000000001", "oResidentSecond000000000002"


def test_duplicates_one_card_both_hear_dissatisfaction_reopens(wechat, wework, fake_platform, run_worker, db):
    primary = report_case(wechat, FIRST)
    reply = report(wechat, SECOND, at=(29.61030, 119.05410))  # ~40 m away, same problem
    assert "已有市民反映明珠菜场的同类问题，正在处理" in reply and primary in reply
    duplicate = [n for n in NUMBER.findall(reply) if n != primary][0]
    assert (the_case(db, duplicate).state, the_case(db, duplicate).merged_into_id) == ("merged", the_case(db, primary).id)
    run_worker()
    assert len(cards(fake_platform)) == 1  # the squad gets no second card
    assert any("已派遣至城区二中队" in t for t in pushes(fake_platform, SECOND))  # follows the primary

    resolve(wework, fake_platform, primary)
    run_worker()
    for openid in (FIRST, SECOND):
        assert any("已处置完毕" in t and "回复 1 满意" in t for t in pushes(fake_platform, openid))
        assert images_to(fake_platform, openid) == 1  # the after-photo

    answer = wechat.text(SECOND, "没修好，还是老样子，今晚又在烤")
    assert "返工" in answer.text and primary in answer.text
    reopened = the_case(db, primary)
    assert (reopened.state, reopened.round, reopened.reopen_count) == ("dispatched", 2, 1)
    assert [e.action for e in reopened.events][-3:] == ["rate", "reopen", "dispatch"]
    assert reopened.deadline > reopened.events[-1].at
    run_worker()
    rework = cards(fake_platform)[-1]
    assert rework["toparty"] == "3" and "返工" in card_title(rework)
    assert "还是老样子" in card_text(rework)
    assert any("安排返工" in t for t in pushes(fake_platform, FIRST))
    assert db.scalar(select(Rating.value).where(Rating.round == 1)) == 3

    resolve(wework, fake_platform, primary)
    assert "已转指挥中心复核" in wechat.text(FIRST, "3").text  # second dissatisfaction: the dispatcher, not a loop
    run_worker()
    again = the_case(db, primary)
    assert (again.state, again.triage_reason, again.reopen_count) == ("reopened", "dissatisfied_again", 2)
    assert len(cards(fake_platform)) == 2


def test_a_rating_is_stored_once_per_round(wechat, wework, fake_platform, run_worker, db):
    number = report_case(wechat, FIRST)
    run_worker()
    resolve(wework, fake_platform, number)
    assert "感谢您的评价（满意）" in wechat.text(FIRST, "1").text
    assert "拍一张现场照片" in wechat.text(FIRST, "1").text  # nothing awaits a rating now: help
    assert db.scalar(select(func.count()).select_from(Rating)) == 1
    assert the_case(db, number).state == "resolved"


def test_words_count_as_ratings(wechat, wework, fake_platform, run_worker, db):
    number = report_case(wechat, FIRST)
    run_worker()
    resolve(wework, fake_platform, number)
    assert "基本满意" in wechat.text(FIRST, "基本满意").text
    assert db.scalar(select(Rating.value)) == 2


def test_outside_the_48_hour_window_pushes_wait_then_arrive_as_a_summary(wechat, wework, fake_platform, run_worker,
                                                                        db, clock):
    number = report_case(wechat, FIRST)
    run_worker()
    db.execute(update(Resident).values(last_interaction_at=datetime.now(UTC) - timedelta(hours=49)))
    db.commit()
    before = len(pushes(fake_platform, FIRST))
    resolve(wework, fake_platform, number)
    run_worker()
    assert len(pushes(fake_platform, FIRST)) == before  # nothing sent outside the window
    held = db.scalars(select(OutboundMessage).where(OutboundMessage.state == "window_closed")).all()
    assert len(held) >= 2  # the 签收 and 办结 updates (and the photo)

    wechat.text(FIRST, "查询")  # the resident writes: the window opens again
    run_worker()
    summary = pushes(fake_platform, FIRST)[-1]
    assert summary.startswith("您反映的问题有以下新进展") and "已处置完毕" in summary and "处置照片" in summary
    assert not db.scalars(select(OutboundMessage).where(OutboundMessage.state == "window_closed")).all()


def test_outside_the_window_a_template_is_used_when_configured(app, wechat, wework, fake_platform, run_worker, db):
    services = app.extensions["citybot.services"]
    services.deps = replace(services.deps, settings=services.settings.replace(wechat_template_case_update="TPL-progress"))
    number = report_case(wechat, FIRST)
    db.execute(update(Resident).values(last_interaction_at=datetime.now(UTC) - timedelta(hours=49)))
    db.commit()
    run_worker()
    [template] = [c["body"] for c in fake_platform.calls("/cgi-bin/message/template/send")]
    assert template["touser"] == FIRST and template["template_id"] == "TPL-progress"
    assert template["data"]["character_string1"] == {"value": number} and "first" not in template["data"]
    assert template["url"].startswith("http://citybot.test/r/")  # the resident's own case page


def test_an_unfollowed_resident_causes_no_retries_and_the_case_goes_on(wechat, wework, fake_platform, run_worker, db):
    number = report_case(wechat, FIRST)
    fake_platform.fault("/cgi-bin/message/custom/send", errcode=43004, times=10)
    run_worker()
    push = db.scalar(select(OutboundMessage).where(OutboundMessage.channel == "wechat"))
    assert (push.state, push.attempts, push.last_errcode) == ("failed", 1, 43004)
    assert db.scalar(select(Resident.subscribed)) is False
    resolve(wework, fake_platform, number)  # the squad carries on
    run_worker()
    assert the_case(db, number).state == "resolved"
    assert len(fake_platform.calls("/cgi-bin/message/custom/send")) == 1  # one try, then nothing more
    assert set(db.scalars(select(OutboundMessage.state).where(OutboundMessage.channel == "wechat"))) <= {
        "failed", "skipped"}


def test_unsubscribe_event_stops_pushes(wechat, run_worker, fake_platform, db):
    report(wechat, FIRST)
    wechat.event(FIRST, "unsubscribe")
    run_worker()
    assert fake_platform.calls("/cgi-bin/message/custom/send") == []
    assert len(cards(fake_platform)) == 1


def test_resolved_cases_close_automatically_and_residents_are_told(app, wechat, wework, fake_platform, run_worker,
                                                                  db, clock):
    number = report_case(wechat, FIRST)
    run_worker()
    resolve(wework, fake_platform, number)
    run_worker()
    clock.freeze(clock.time() + 73 * 3600)
    tick_now(app)
    run_worker()
    closed = the_case(db, number)
    assert closed.state == "closed" and closed.closed_at is not None and closed.on_time is True
    assert closed.events[-1].note.startswith("处置后 72 小时无异议")
    # 73 hours after their last message WeChat's 48-hour window is closed: the news waits for them ...
    assert not any("已核查结案" in t for t in pushes(fake_platform, FIRST))
    wechat.text(FIRST, "你好")
    run_worker()
    # ... and reaches them in the summary the moment they write again.
    assert any("已核查结案" in t for t in pushes(fake_platform, FIRST))


def test_the_bureau_verifies_and_closes(app, wechat, wework, fake_platform, run_worker, db):
    number = report_case(wechat, FIRST)
    run_worker()
    assert app.test_cli_runner().invoke(args=["close", number]).exit_code != 0  # not resolved yet
    resolve(wework, fake_platform, number)
    result = app.test_cli_runner().invoke(args=["close", number, "--by", "zhaoli"])
    assert result.exit_code == 0
    closed = the_case(db, number)
    assert (closed.state, closed.events[-1].actor_id) == ("closed", "zhaoli")


def test_the_dispatcher_can_split_a_wrong_merge(app, wechat, fake_platform, run_worker, db):
    primary = report_case(wechat, FIRST)
    reply = report(wechat, SECOND, at=(29.61030, 119.05410))
    duplicate = [n for n in NUMBER.findall(reply) if n != primary][0]
    run_worker()
    assert app.test_cli_runner().invoke(args=["split", duplicate]).exit_code == 0
    run_worker()
    split = the_case(db, duplicate)
    assert (split.state, split.merged_into_id) == ("dispatched", None)
    assert len(cards(fake_platform)) == 2


def test_far_apart_or_other_categories_are_not_merged(wechat, db):
    report(wechat, FIRST)
    report(wechat, SECOND, at=(29.6135, 119.0539))  # ~400 m north
    wechat.location("oThird", 29.609943, 119.053925)
    wechat.text("oThird", "明珠菜场门口垃圾桶满了")
    assert db.scalar(select(func.count()).select_from(Case).where(Case.state == "merged")) == 0


def test_my_information_and_deleting_it(wechat, db, fake_platform):
    number = report_case(wechat, FIRST)
    info = wechat.text(FIRST, "我的信息").text
    assert "反映问题：1 件" in info and FIRST not in info and FIRST[-4:] in info
    assert "没有待确认" in wechat.text(FIRST, "确认删除").text
    assert "确认删除" in wechat.text(FIRST, "删除我的信息").text
    assert "已删除" in wechat.text(FIRST, "确认删除").text
    assert db.scalar(select(Resident).where(Resident.openid == FIRST)) is None
    kept = the_case(db, number)
    assert kept is not None and kept.reporter_id is None  # the case stays for the statistics
    assert not db.scalars(select(InboundMessage).where(InboundMessage.raw_xml.contains(FIRST))).all()
    assert "还没有反映过问题" in wechat.text(FIRST, "查询").text  # a fresh start


def test_saying_it_is_not_fixed_by_voice_reopens(wechat, wework, fake_platform, run_worker, db):
    number = report_case(wechat, FIRST)
    run_worker()
    resolve(wework, fake_platform, number)
    voice = fake_platform.upload(b"#!AMR\n", "audio/amr")
    assert "返工" in wechat.voice(FIRST, voice, recognition="还是没修好啊。").text
    assert the_case(db, number).reopen_count == 1


def test_reporting_the_same_problem_twice_is_recognised(wechat, db):
    first = report_case(wechat, FIRST)
    again = report(wechat, FIRST)
    assert "您已反映过该问题" in again and first in again
