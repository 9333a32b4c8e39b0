"""Issue: squads get each case in WeChat Work at once and answer it in chat; deadlines are watched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bot.dispatch.queries import supervision_list
from bot.models import Case, ExtensionRequest, Media, OutboundMessage, Staff
from tests.support import (
    BARBECUE,
    LEADER,
    MEMBER,
    card_text,
    card_title,
    card_url,
    case_number,
    pushes,
    report_case,
    send_after_photo,
    squad_messages,
    the_case,
    tick_now,
)

RESIDENT = "oResidentDispatch00000000001"
OTHER_SQUAD = "fangxiaoyu"  # a member of 城区一中队 (SQ01)


def report(wechat, text: str = BARBECUE) -> str:  # noqa: ANN001
    return report_case(wechat, RESIDENT, text)


def test_report_to_resolution_end_to_end(wechat, wework, fake_platform, run_worker, db, client):
    number = report(wechat)
    run_worker()  # the dispatch job

    [card] = squad_messages(fake_platform)
    assert card["toparty"] == "3" and card["agentid"] == 1000002 and card["msgtype"] == "template_card"
    assert number in card_title(card) and "露天烧烤" in card_title(card)
    assert "明珠菜场" in card_text(card) and "处置时限" in card_text(card)
    assert RESIDENT not in str(card)  # squads never see the resident's openid
    page = client.get(card_url(card).replace("http://citybot.test", ""))
    assert page.status_code == 200 and "路边烤串" in page.get_data(as_text=True)
    assert RESIDENT not in page.get_data(as_text=True)
    assert any("已派遣至城区二中队" in p for p in pushes(fake_platform))
    case = the_case(db, number)
    assert case.state == "dispatched" and case.deadline is not None and case.remind_at < case.deadline

    assert "已签收" in wework.text(MEMBER, f"签收 {number}").text
    assert "照片已收到" in send_after_photo(wework, fake_platform).text
    answer = wework.text(MEMBER, f"办结　{number}　摊位已取缔，现场已清理")  # full-width spaces
    assert "已办结" in answer.text and "照片 1 张" in answer.text and "按期" in answer.text
    run_worker()  # downloads the after-photo through WeChat Work, delivers the pushes

    case = the_case(db, number)
    assert case.state == "resolved" and case.on_time is True and case.resolved_at is not None
    assert [(e.action, e.to_state) for e in case.events] == [
        ("receive", "received"), ("dispatch", "dispatched"), ("accept", "accepted"), ("resolve", "resolved")]
    assert case.events[2].actor_id == MEMBER and case.events[3].note == "摊位已取缔，现场已清理"
    after = db.scalar(select(Media).where(Media.staff_userid == MEMBER))
    assert after.case_id == case.id and after.state == "stored" and case.events[3].media_ids == [after.id]
    assert any(c["path"] == "/cgi-bin/gettoken" for c in fake_platform.calls())
    texts = pushes(fake_platform)
    assert any("城区二中队已签收" in t for t in texts) and any("已处置完毕" in t and "摊位已取缔" in t for t in texts)
    images = [c["body"] for c in fake_platform.calls("/cgi-bin/message/custom/send") if c["body"]["msgtype"] == "image"]
    assert len(images) == 1 and images[0]["touser"] == RESIDENT  # the after-photo, uploaded as temporary media
    assert len(fake_platform.calls("/cgi-bin/media/upload")) == 1
    assert set(db.scalars(select(OutboundMessage.state))) == {"sent"}


def test_departments_get_their_own_categories(wechat, fake_platform, run_worker):
    wechat.location(RESIDENT, 29.600564, 119.043399)
    wechat.text(RESIDENT, "垃圾桶满了，垃圾溢出来一地")
    run_worker()
    [card] = squad_messages(fake_platform)
    assert card["toparty"] == "9"  # 环卫处


def test_a_member_acts_only_on_the_own_units_cases(wechat, wework, run_worker, db):
    number = report(wechat)
    run_worker()
    assert "不属于本单位" in wework.text(OTHER_SQUAD, f"签收 {number}").text
    assert "您不在处置人员名单中" in wework.text("stranger", f"签收 {number}").text
    assert the_case(db, number).state == "dispatched"


def test_illegal_steps_are_refused_and_change_nothing(wechat, wework, run_worker, db):
    number = report(wechat)
    assert "不能签收" in wework.text(MEMBER, f"签收 {number}").text  # not dispatched yet
    run_worker()
    assert "不能办结" in wework.text(MEMBER, f"办结 {number} 好了").text  # not accepted yet
    assert "未找到" in wework.text(MEMBER, "签收 20200101-0001").text
    assert "请在指令后写上案件编号" in wework.text(MEMBER, "签收").text
    assert "签收 编号" in wework.text(MEMBER, "你好").text  # help
    case = the_case(db, number)
    assert case.state == "dispatched" and len(case.events) == 2


def test_resolving_needs_an_after_photo(wechat, wework, run_worker, db):
    number = report(wechat)
    run_worker()
    wework.text(MEMBER, f"签收 {number}")
    assert "办结需要处置后照片" in wework.text(MEMBER, f"办结 {number} 已处理").text
    assert the_case(db, number).state == "accepted"


def test_return_goes_back_to_the_dispatcher(wechat, wework, run_worker, db):
    number = report(wechat)
    run_worker()
    assert "请说明退回原因" in wework.text(MEMBER, f"退回 {number}").text
    assert "已退回" in wework.text(MEMBER, f"退回 {number} 该摊位在商场红线内，不属城管").text
    case = the_case(db, number)
    assert (case.state, case.triage_reason, case.events[-1].note) == ("returned", "returned", "该摊位在商场红线内，不属城管")


def test_extension_request_and_approval_move_the_deadline(app, wechat, wework, run_worker, db):
    number = report(wechat)
    run_worker()
    before = the_case(db, number).deadline
    assert "待指挥中心审批" in wework.text(MEMBER, f"延期 {number} 2天 需要协调市场管理方").text
    request = db.scalar(select(ExtensionRequest))
    assert (request.days, request.state, the_case(db, number).deadline) == (2, "pending", before)
    result = app.test_cli_runner().invoke(args=["extension", "approve", str(request.id)])
    assert result.exit_code == 0 and "approved" in result.output
    after = the_case(db, number).deadline
    assert after - before >= timedelta(days=2)
    assert [e.action for e in the_case(db, number).events][-2:] == ["extension_requested", "extension_approved"]


def test_todo_lists_open_cases_nearest_deadline_first(wechat, wework, run_worker, db):
    first = report(wechat, "明珠菜场门口有人烤串")
    second = report(wechat, "明珠菜场门口电瓶车乱停放，堵住了路")
    run_worker()
    db.execute(update(Case).where(Case.number == second).values(deadline=the_case(db, first).deadline
                                                                 - timedelta(hours=1)))
    db.commit()
    listing = wework.text(MEMBER, "待办").text
    assert listing.index(second) < listing.index(first)
    assert "暂无待办" in wework.text(OTHER_SQUAD, "待办").text


def test_reminder_at_75_percent_then_overdue_supervision(app, wechat, run_worker, fake_platform, db, clock):
    number = report(wechat)
    run_worker()
    case = the_case(db, number)

    clock.freeze(case.remind_at.timestamp() + 1)
    tick_now(app)
    run_worker()
    reminder = squad_messages(fake_platform)[-1]
    assert "即将超期" in card_title(reminder) and reminder["toparty"] == "3"

    clock.freeze(case.deadline.timestamp() + 1)
    tick_now(app)
    run_worker()
    notice = squad_messages(fake_platform)[-1]
    assert notice["touser"] == LEADER and "超期督办" in notice["text"]["content"]
    case = the_case(db, number)
    assert case.overdue_at is not None and [e.action for e in case.events][-2:] == ["remind", "overdue"]
    assert [c.number for c in supervision_list(db)] == [number]
    tick_now(app)  # idempotent: nothing is sent twice
    run_worker()
    assert len(squad_messages(fake_platform)) == 3


def test_transient_send_errors_retry_permanent_ones_fail_at_once(wechat, run_worker, fake_platform, db):
    fake_platform.fault("/cgi-bin/message/send", errcode=45011)  # rate limited: transient
    report(wechat)
    run_worker()
    card = db.scalar(select(OutboundMessage).where(OutboundMessage.channel == "wework"))
    assert (card.state, card.attempts, card.last_errcode) == ("queued", 1, 45011)  # RQ retries it later

    fake_platform.fault("/cgi-bin/message/send", errcode=40003, times=5)  # invalid receiver: permanent
    wechat.location(RESIDENT, 29.600564, 119.043399)
    wechat.text(RESIDENT, "垃圾桶满了，垃圾溢出来一地")
    run_worker()
    failed = db.scalar(select(OutboundMessage).where(OutboundMessage.target == "party:9"))
    assert (failed.state, failed.attempts, failed.last_errcode) == ("failed", 1, 40003)


def test_dispatch_is_not_lost_when_redis_was_down(offline_wechat, fake_platform, app, run_worker, db):
    number = report(offline_wechat)
    db.execute(update(Case).values(created_at=datetime.now(UTC) - timedelta(minutes=5)))
    db.commit()
    tick_now(app)
    run_worker()
    assert the_case(db, number).state == "dispatched"
    assert len(squad_messages(fake_platform)) == 1


def test_wework_callback_verification_and_bad_input(client, wework, clock, db):
    from wechatpy.enterprise.crypto import PrpCrypto

    ts, nonce = str(int(clock.time())), "123"
    echo = PrpCrypto(wework.crypto.key).encrypt("echo-42", wework.corp_id).decode()
    from bot.wechat.envelope import sign

    ok = client.get("/wework", query_string={"msg_signature": sign(wework.token, ts, nonce, echo), "timestamp": ts,
                                             "nonce": nonce, "echostr": echo})
    assert ok.status_code == 200 and ok.data == b"echo-42"
    bad = client.get("/wework", query_string={"msg_signature": "0" * 40, "timestamp": ts, "nonce": nonce,
                                              "echostr": echo})
    assert bad.status_code == 403
    assert wework.post_xml(wework.xml(MEMBER, "text", {"Content": "待办"}), msg_signature="f" * 40).status == 403
    hostile = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>'
    assert wework.post_xml(hostile).status == 400
    assert db.scalar(select(func.count()).select_from(Staff)) > 0


def test_cli_load_directory(app, db, tmp_path):
    good = tmp_path / "dir.yaml"
    good.write_text("units:\n  - {code: SQ09, name: 新中队, kind: squad, wework_party_id: \"20\"}\n"
                    "staff:\n  - {wework_userid: newbie, name: 新人, unit: SQ09, role: member}\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["load-directory", str(good)])
    assert result.exit_code == 0 and "1 units and 1 staff" in result.output
    assert db.get(Staff, "newbie").unit_code == "SQ09"
    assert db.get(Staff, MEMBER).active is False  # not listed any more: deactivated, not deleted
    bad = tmp_path / "bad.yaml"
    bad.write_text("units:\n  - {code: SQ10, name: x, kind: squad}\nstaff:\n  - {wework_userid: y, name: y, unit: NOPE}\n",
                   encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["load-directory", str(bad)])
    assert result.exit_code != 0 and "unknown unit" in result.output
    assert db.get(Staff, "y") is None


@pytest.mark.parametrize("text", ["签收20261121-0042", "签收 20261121-0042", "签收：20261121-0042", "签收　20261121-0042"])
def test_squad_commands_are_forgiving(text):
    from bot.handlers.squad import parse_squad_command

    command = parse_squad_command(text)
    assert command is not None and (command.word, command.number) == ("签收", "20261121-0042")


def test_the_dispatcher_triages_redispatches_and_invalidates(app, wechat, wework, run_worker, fake_platform, db):
    cli = app.test_cli_runner()
    wechat.location(RESIDENT, 29.609943, 119.053925)
    assert "您是要反映新问题吗" in wechat.text(RESIDENT, "今天天气不错").text  # words that describe no problem
    unclear = case_number(wechat.text(RESIDENT, "是").text)  # the resident insists: the dispatcher looks
    assert the_case(db, unclear).triage_reason == "low_confidence"
    result = cli.invoke(args=["dispatch", unclear, "--category", "E0512"])  # triage: set the category, send
    assert result.exit_code == 0 and "dispatched" in result.output
    assert the_case(db, unclear).unit_code == "SQ02"

    number = report(wechat, "明珠菜场门口电瓶车乱停放，堵住了路")
    run_worker()
    wework.text(MEMBER, f"退回 {number} 这是商场内部道路")
    result = cli.invoke(args=["dispatch", number, "--unit", "SQ01"])  # reassigned after 退回
    assert result.exit_code == 0 and the_case(db, number).unit_code == "SQ01"
    run_worker()
    assert squad_messages(fake_platform)[-1]["toparty"] == "2"
    assert any("已重新派遣至城区一中队" in t for t in pushes(fake_platform))

    spam = report(wechat, "明珠菜场门口有人打架")
    assert cli.invoke(args=["invalidate", spam, "--reason", "不属于城管职责，请拨打110"]).exit_code == 0
    run_worker()
    assert the_case(db, spam).state == "invalid"
    assert any("不予立案" in t and "110" in t for t in pushes(fake_platform))
    assert cli.invoke(args=["invalidate", number, "--reason", "x"]).exit_code != 0  # dispatched: too late


def test_cli_overdue_lists_supervised_cases(app, wechat, run_worker, db, clock):
    number = report(wechat)
    run_worker()
    clock.freeze(the_case(db, number).deadline.timestamp() + 60)
    tick_now(app)
    run_worker()
    assert number in app.test_cli_runner().invoke(args=["overdue"]).output
