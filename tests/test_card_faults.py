"""WeChat Work answering errors or timing out while a squad's card is sent (issue 17, findings 3 and 6)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.models import CaseEvent, OutboundMessage
from tests.console import fresh_session, signed_in
from tests.support import card_title, cards, report_case, the_case
from worker.jobs import send_outbound

OPENID = "oResidentCardFaults00000001"


@pytest.fixture
def db(app):  # noqa: ANN001, ANN201
    yield from fresh_session(app)


def assert_back_with_the_dispatcher(app, db, number: str) -> None:  # noqa: ANN001
    case = the_case(db, number)
    assert (case.state, case.triage_reason) == ("returned", "unit_unreachable")
    event = db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())).first()
    assert (event.action, event.actor_kind) == ("unreachable", "system") and "未能送达城区二中队" in event.note
    console = signed_in(app, "wangfang", "dispatcher", name="王芳")
    live = console.get("/console/").get_data(as_text=True)
    assert 'class="counter triage nonzero"' in live  # 待分拨 on the dashboard…
    listed = console.get("/console/cases?triage=1").get_data(as_text=True)
    assert number in listed and "无法送达单位" in listed  # …and in its list, with the reason


def test_a_card_refused_for_good_sends_the_case_back_to_the_dispatcher(app, wechat, run_worker, fake_platform, db):
    fake_platform.fault("/cgi-bin/message/send", errcode=81013)  # user & party & tag all invalid: permanent
    number = report_case(wechat, OPENID)
    run_worker()
    assert cards(fake_platform)  # tried once
    assert_back_with_the_dispatcher(app, db, number)


def test_a_card_failing_on_every_retry_sends_the_case_back_to_the_dispatcher(app, wechat, run_worker,
                                                                            fake_platform, db):
    fake_platform.fault("/cgi-bin/message/send", errcode=-1, times=6)  # system busy, six times
    number = report_case(wechat, OPENID)
    run_worker()  # dispatches; the card's first try fails and is scheduled again
    card = db.scalar(select(OutboundMessage.id).where(OutboundMessage.channel == "wework"))
    with app.app_context():
        for _ in range(5):  # the job's five retries, as RQ runs them after their backoff
            if the_case(db, number).state == "returned":
                break
            try:
                send_outbound(card)
            except Exception:  # noqa: BLE001 - a transient failure raises so RQ retries
                pass
    assert db.get(OutboundMessage, card).attempts == 6
    assert_back_with_the_dispatcher(app, db, number)


def test_a_card_that_failed_after_the_squad_accepted_changes_nothing(app, wechat, wework, run_worker,
                                                                    fake_platform, db):
    fake_platform.fault("/cgi-bin/message/send", errcode=-1)
    number = report_case(wechat, OPENID)
    run_worker()
    wework.text("wujingjing", f"签收 {number}")  # the squad saw the case anyway (待办)
    fake_platform.fault("/cgi-bin/message/send", errcode=81013)
    card = db.scalar(select(OutboundMessage.id).where(OutboundMessage.channel == "wework"))
    with app.app_context():
        assert send_outbound(card) == "failed"
    assert the_case(db, number).state == "accepted"


def test_a_card_whose_answer_timed_out_is_not_delivered_twice(app, wechat, run_worker, fake_platform, db):
    services = app.extensions["citybot.services"]
    services.deps = replace(services.deps, settings=services.settings.replace(wechat_http_timeout=0.5))
    fake_platform.fault("/cgi-bin/message/send", delay=1.5)  # delivered, but the answer comes too late
    number = report_case(wechat, OPENID)
    run_worker()  # the first try times out: a transient error, scheduled again
    card = db.scalar(select(OutboundMessage).where(OutboundMessage.channel == "wework"))
    assert (card.state, card.attempts) == ("queued", 1) and "Timeout" in card.last_error
    with app.app_context():
        assert send_outbound(card.id) == "sent"  # the retry, as RQ runs it after its backoff
    calls = fake_platform.calls("/cgi-bin/message/send")
    assert len(calls) == 2 and calls[0]["body"] == calls[1]["body"]  # the same message, checked for duplicates
    assert calls[1]["body"]["enable_duplicate_check"] == 1
    assert [card_title(c) for c in cards(fake_platform)] == [f"【新案件】露天烧烤 {number}"]  # one card
