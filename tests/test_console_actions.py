"""Issue 11: every decision in the console, end to end through the real webhooks, worker and fake platform.

Each action is the same service the CLI calls; a refusal is a 409/422 with the reason and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.models import CaseEvent, ExtensionRequest, OutboundMessage
from tests.console import csrf_token, decide, fresh_session, signed_in
from tests.support import (
    MARKET,
    MEMBER,
    NUMBER,
    advance,
    card_text,
    card_title,
    cards,
    freeze_now,
    pushes,
    report,
    report_case,
    resolve,
    the_case,
)

ANNA, BO = "oConsoleResidentAnna000000001", "oConsoleResidentBo00000000002"


@pytest.fixture
def db(app):  # noqa: ANN001, ANN201
    yield from fresh_session(app)


@pytest.fixture
def dispatcher(app):  # noqa: ANN001, ANN201
    return signed_in(app, "wangfang", "dispatcher", name="王芳")


def vague_report(wechat, openid: str = ANNA) -> str:  # noqa: ANN001
    """Words that describe no problem: the resident is asked, insists, and the case waits for triage."""
    wechat.location(openid, *MARKET, label="明珠菜场")
    assert "您是要反映新问题吗" in wechat.text(openid, "今天天气不错").text
    return NUMBER.search(wechat.text(openid, "是").text).group(0)


def events(db, number: str) -> list[tuple[str, str | None, str | None]]:  # noqa: ANN001
    return [(e.action, e.actor_name, e.note) for e in the_case(db, number).events]


def test_triage_dispatch_sets_category_and_unit_and_the_card_reaches_the_squad(
        dispatcher, wechat, run_worker, fake_platform, db):
    number = vague_report(wechat)
    case = the_case(db, number)
    assert (case.state, case.triage_reason) == ("received", "low_confidence")
    response = decide(dispatcher, number, "dispatch", category="E0510", unit="SQ02")
    assert response.status_code == 302 and response.headers["Location"] == f"/console/cases/{number}"
    run_worker()
    case = the_case(db, number)
    assert (case.state, case.category_code, case.unit_code, case.triage_reason) == ("dispatched", "E0510", "SQ02", None)
    [card] = cards(fake_platform)
    assert card["toparty"] == "3" and number in card_title(card) and "露天烧烤" in card_title(card)
    assert events(db, number)[-1] == ("dispatch", "王芳", "派遣至城区二中队")
    assert the_case(db, number).events[-1].actor_id == "wangfang"
    assert any("已派遣至城区二中队" in p for p in pushes(fake_platform, ANNA))
    assert "已派遣" in dispatcher.get(f"/console/cases/{number}").get_data(as_text=True)  # the flash


def test_reassigning_and_bad_input(dispatcher, wechat, run_worker, fake_platform, db):
    number = report_case(wechat, ANNA)
    run_worker()
    assert decide(dispatcher, number, "dispatch", unit="SQ01").status_code == 302  # 改派
    run_worker()
    assert the_case(db, number).unit_code == "SQ01" and [c["toparty"] for c in cards(fake_platform)] == ["3", "2"]
    assert decide(dispatcher, number, "dispatch", unit="NOPE").status_code == 422
    assert decide(dispatcher, number, "dispatch", category="X9999").status_code == 422
    assert the_case(db, number).unit_code == "SQ01" and len(the_case(db, number).events) == 3


def test_verify_and_close_tells_the_resident(dispatcher, wechat, wework, run_worker, fake_platform, db):
    number = report_case(wechat, ANNA)
    run_worker()
    refused = decide(dispatcher, number, "close")  # not resolved yet
    assert refused.status_code == 409 and "不允许此操作" in refused.get_data(as_text=True)
    assert the_case(db, number).state == "dispatched"
    resolve(wework, fake_platform, number)
    run_worker()
    assert decide(dispatcher, number, "close").status_code == 302
    run_worker()
    assert the_case(db, number).state == "closed" and events(db, number)[-1] == ("close", "王芳", "核查通过")
    assert any("已核查结案" in p for p in pushes(fake_platform, ANNA))


def test_verification_failed_reworks_with_the_note_on_the_new_card(dispatcher, wechat, wework, run_worker,
                                                                   fake_platform, db):
    number = report_case(wechat, ANNA)
    run_worker()
    resolve(wework, fake_platform, number)
    run_worker()
    assert decide(dispatcher, number, "rework", note="").status_code == 422  # a reason is needed
    assert decide(dispatcher, number, "rework", note="现场仍有烧烤架未清理").status_code == 302
    run_worker()
    case = the_case(db, number)
    assert (case.state, case.round, case.reopen_count) == ("dispatched", 2, 1)
    rework = cards(fake_platform)[-1]
    assert "返工" in card_title(rework) and "核查意见：现场仍有烧烤架未清理" in card_text(rework)
    assert "市民意见" not in card_text(rework)  # the bureau sent it back, not a resident
    assert any("经核查需返工" in p for p in pushes(fake_platform, ANNA))
    assert not any("按您的意见" in p for p in pushes(fake_platform, ANNA))
    assert [e[0] for e in events(db, number)][-2:] == ["reopen", "dispatch"]


def test_invalidate_tells_the_resident_why(dispatcher, wechat, run_worker, fake_platform, db):
    number = vague_report(wechat)
    assert decide(dispatcher, number, "invalidate", reason="").status_code == 422
    assert decide(dispatcher, number, "invalidate", reason="不属于城管职责").status_code == 302
    run_worker()
    assert the_case(db, number).state == "invalid"
    assert any("不予立案" in p and "不属于城管职责" in p for p in pushes(fake_platform, ANNA))


def test_an_internal_note_reaches_nobody(dispatcher, wechat, run_worker, fake_platform, db):
    number = report_case(wechat, ANNA)
    run_worker()
    before = db.scalar(select(func.count()).select_from(OutboundMessage))
    assert decide(dispatcher, number, "note", text="市场管理方电话 12345").status_code == 302
    run_worker()
    assert events(db, number)[-1] == ("note", "王芳", "市场管理方电话 12345")
    assert db.scalar(select(func.count()).select_from(OutboundMessage)) == before
    assert "市场管理方电话" not in wechat.text(ANNA, f"查询 {number}").text  # not in the resident's view
    assert decide(dispatcher, number, "note", text="   ").status_code == 422


@pytest.mark.parametrize(("since_last_message", "status"), [
    (timedelta(hours=48) - timedelta(minutes=1), 302),
    (timedelta(hours=48) + timedelta(minutes=1), 409),
], ids=["just inside 48 h: sent", "just outside 48 h: refused"])
def test_a_reply_reaches_the_resident_within_the_48_hour_window(app, wechat, run_worker, fake_platform, db, clock,
                                                                since_last_message, status):
    freeze_now(clock)
    number = report_case(wechat, ANNA)
    run_worker()
    advance(clock, seconds=since_last_message.total_seconds())
    dispatcher = signed_in(app, "wangfang", "dispatcher", name="王芳")  # this morning's sign-in
    page = dispatcher.get(f"/console/cases/{number}").get_data(as_text=True)
    assert ("以客服消息发送给 1 位市民" in page) is (status == 302)
    response = decide(dispatcher, number, "reply", text="已联系市场管理方，明天上午处理")
    assert response.status_code == status, response.get_data(as_text=True)[-1500:]
    run_worker()
    replies = [p for p in pushes(fake_platform, ANNA) if "城管局答复" in p]
    if status == 302:
        assert replies == [f"关于您反映的问题（编号 {number}），城管局答复：已联系市场管理方，明天上午处理"]
        assert events(db, number)[-1] == ("reply", "王芳", "已联系市场管理方，明天上午处理")
    else:
        assert replies == [] and "48 小时" in response.get_data(as_text=True)
        assert events(db, number)[-1][0] != "reply"


def test_merge_into_another_case_and_split_again(dispatcher, wechat, run_worker, fake_platform, db):
    primary = report_case(wechat, ANNA)
    run_worker()
    other = vague_report(wechat, BO)
    assert decide(dispatcher, other, "merge", into=other).status_code == 409  # not into itself
    assert decide(dispatcher, other, "merge", into="20990101-0001").status_code == 422
    assert decide(dispatcher, other, "merge", into=primary).status_code == 302
    run_worker()
    merged = the_case(db, other)
    assert (merged.state, merged.merged_into.number) == ("merged", primary)
    assert any(primary in p for p in pushes(fake_platform, BO))
    assert len(cards(fake_platform)) == 1  # the squad gets no second card
    assert BO[:2] + "***" + BO[-4:] in dispatcher.get(f"/console/cases/{primary}").get_data(as_text=True)
    assert decide(dispatcher, other, "split").status_code == 302
    assert the_case(db, other).state == "received" and the_case(db, other).merged_into_id is None
    assert decide(dispatcher, other, "split").status_code == 409


def test_extensions_are_approved_or_refused(dispatcher, wechat, wework, run_worker, db):
    number = report_case(wechat, ANNA)
    run_worker()
    before = the_case(db, number).deadline
    wework.text(MEMBER, f"延期 {number} 2天 需要协调市场管理方")
    wework.text(MEMBER, f"延期 {number} 1天 还要一天")
    first, second = db.scalars(select(ExtensionRequest).order_by(ExtensionRequest.id))
    page = dispatcher.get(f"/console/cases/{number}").get_data(as_text=True)
    assert "需要协调市场管理方" in page and "同意延期" in page
    token = csrf_token(dispatcher, f"/console/cases/{number}")
    approve = dispatcher.post(f"/console/extensions/{first.id}/approve", data={"csrf_token": token})
    assert approve.status_code == 302 and approve.headers["Location"] == f"/console/cases/{number}"
    assert the_case(db, number).deadline - before >= timedelta(days=2)
    assert dispatcher.post(f"/console/extensions/{second.id}/refuse", data={"csrf_token": token}).status_code == 302
    assert dispatcher.post(f"/console/extensions/{first.id}/refuse", data={"csrf_token": token}).status_code == 409
    db.expire_all()
    assert [r.state for r in db.scalars(select(ExtensionRequest).order_by(ExtensionRequest.id))] == ["approved",
                                                                                                      "refused"]
    assert [e.actor_name for e in db.scalars(select(CaseEvent).where(CaseEvent.action.like("extension_%"))
                                             .order_by(CaseEvent.id))][-2:] == ["王芳", "王芳"]


def test_forced_actions_are_refused_and_change_nothing(dispatcher, wechat, run_worker, db):
    number = report_case(wechat, ANNA)
    run_worker()
    trail = events(db, number)
    for action, fields in (("split", {}), ("invalidate", {"reason": "x"}), ("merge", {"into": number}),
                           ("rework", {"note": "x"}), ("close", {})):
        response = decide(dispatcher, number, action, **fields)
        assert response.status_code == 409, action
    assert decide(dispatcher, number, "explode").status_code == 404
    assert dispatcher.post(f"/console/cases/{number}/close").status_code == 400  # no CSRF token
    assert events(db, number) == trail and the_case(db, number).state == "dispatched"


def test_the_page_offers_only_what_the_state_allows(dispatcher, wechat, wework, run_worker, fake_platform):
    number = report(wechat, ANNA)
    number = NUMBER.search(number).group(0)
    run_worker()
    page = dispatcher.get(f"/console/cases/{number}").get_data(as_text=True)
    assert "/dispatch" in page and "/close" not in page and "/split" not in page and "/merge" not in page
    resolve(wework, fake_platform, number)
    page = dispatcher.get(f"/console/cases/{number}").get_data(as_text=True)
    assert "/close" in page and "/rework" in page and "/dispatch" not in page


def test_the_cli_takes_the_same_decisions(app, wechat, wework, run_worker, fake_platform, db):
    runner = app.test_cli_runner()
    primary = report_case(wechat, ANNA)
    run_worker()
    other = vague_report(wechat, BO)
    assert runner.invoke(args=["note", primary, "已联系市场", "--by", "zhaoli"]).exit_code == 0
    assert runner.invoke(args=["merge", other, "--into", primary]).exit_code == 0
    assert the_case(db, other).merged_into.number == primary
    assert runner.invoke(args=["rework", primary, "--note", "未处理完"]).exit_code != 0  # not resolved yet
    resolve(wework, fake_platform, primary)
    assert runner.invoke(args=["rework", primary, "--note", "现场仍有烧烤架"]).exit_code == 0
    run_worker()
    assert "现场仍有烧烤架" in card_text(cards(fake_platform)[-1])
    assert ("note", "zhaoli", "已联系市场") in [(e.action, e.actor_id, e.note) for e in the_case(db, primary).events]
