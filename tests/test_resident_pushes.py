"""Pushes to residents under WeChat's 2023 rules: outside the 48-hour window a subscription message (when
configured and accepted) comes first, then a template message whose values fit 20 characters on one line."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import select, update

from bot.models import OutboundMessage, Resident
from bot.notifications.fields import cut, fill, limit_of, parse_mapping
from tests.support import report_case, resolve

FIRST = "oPushResident0000000000000001"
SUBSCRIBE_TEMPLATE = "SUB-case-progress"


def configure(app, **changes) -> None:  # noqa: ANN001, ANN003
    services = app.extensions["citybot.services"]
    services.deps = replace(services.deps, settings=services.settings.replace(**changes))


def close_window(db) -> None:  # noqa: ANN001
    db.execute(update(Resident).values(last_interaction_at=datetime.now(UTC) - timedelta(hours=49)))
    db.commit()


def accept_subscription(wechat, openid: str, status: str = "accept") -> None:  # noqa: ANN001
    """The resident answers WeChat's subscription pop-up; WeChat posts subscribe_msg_popup_event."""
    xml = wechat.xml(openid, "event", {"Event": "subscribe_msg_popup_event"}).replace(
        "</xml>", f"<SubscribeMsgPopupEvent><List><TemplateId><![CDATA[{SUBSCRIBE_TEMPLATE}]]></TemplateId>"
        f"<SubscribeStatusString><![CDATA[{status}]]></SubscribeStatusString><PopupScene>2</PopupScene></List>"
        "</SubscribeMsgPopupEvent></xml>")
    assert wechat.post(xml).status == 200


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("thing3", "城区二中队", "城区二中队"),
    ("thing3", "一" * 20, "一" * 20),  # just inside
    ("thing3", "一" * 21, "一" * 19 + "…"),  # just outside
    ("character_string1", "20261124-0042", "20261124-0042"),
    ("phrase2", "返工处理中了", "返工处理…"),  # phrase: 5 characters
    ("thing5", "第一行\n第二行\r\n第三行", "第一行 第二行 第三行"),  # no line breaks
])
def test_each_value_is_cut_to_its_key_limit_on_one_line(key: str, value: str, expected: str) -> None:
    assert cut(value, limit_of(key)) == expected


def test_the_mapping_is_configuration_and_refuses_unknown_facts() -> None:
    mapping = parse_mapping("character_string1=number, phrase2=state,thing3=unit,time4=time")
    assert fill(mapping, {"number": "20261124-0042", "state": "处理中", "unit": "城区二中队",
                          "time": "2026-11-24 09:00"}) == {
        "character_string1": {"value": "20261124-0042"}, "phrase2": {"value": "处理中"},
        "thing3": {"value": "城区二中队"}, "time4": {"value": "2026-11-24 09:00"}}
    with pytest.raises(ValueError, match="first"):
        parse_mapping("thing1=first")


def test_template_payloads_never_exceed_20_characters_a_value(app, wechat, wework, fake_platform, run_worker, db):
    configure(app, wechat_template_case_update="TPL-progress",
              wechat_template_fields="character_string1=number,phrase2=state,thing3=unit,time4=time,thing5=note")
    number = report_case(wechat, FIRST)
    close_window(db)
    run_worker()
    resolve(wework, fake_platform, number)
    run_worker()
    templates = [c["body"] for c in fake_platform.calls("/cgi-bin/message/template/send")]
    assert len(templates) >= 3  # dispatched, accepted, resolved
    for template in templates:
        assert set(template["data"]) == {"character_string1", "phrase2", "thing3", "time4", "thing5"}
        assert all(len(v["value"]) <= 20 and "\n" not in v["value"] for v in template["data"].values())
        assert template["url"].startswith("http://citybot.test/r/")
    assert templates[-1]["data"]["thing5"]["value"] == "已处置，请评价处置结果"
    sent = db.scalars(select(OutboundMessage.state).where(OutboundMessage.kind == "template")).all()
    assert set(sent) == {"sent"}  # the fake refuses (47003) any value over 20 characters


def test_outside_the_window_the_subscription_message_comes_first_when_accepted(app, wechat, fake_platform,
                                                                               run_worker, db):
    configure(app, wechat_template_case_update="TPL-progress", wechat_subscribe_template_id=SUBSCRIBE_TEMPLATE)
    accept_subscription(wechat, FIRST)
    number = report_case(wechat, FIRST)
    close_window(db)
    run_worker()
    [sent] = [c["body"] for c in fake_platform.calls("/cgi-bin/message/subscribe/bizsend")]
    assert sent["touser"] == FIRST and sent["template_id"] == SUBSCRIBE_TEMPLATE
    assert sent["data"]["character_string1"] == {"value": number} and sent["page"].startswith("http://citybot.test/r/")
    assert not fake_platform.calls("/cgi-bin/message/template/send")


def test_inside_the_window_customer_service_messages_are_used(app, wechat, fake_platform, run_worker):
    configure(app, wechat_template_case_update="TPL-progress", wechat_subscribe_template_id=SUBSCRIBE_TEMPLATE)
    accept_subscription(wechat, FIRST)
    report_case(wechat, FIRST)
    run_worker()
    assert fake_platform.calls("/cgi-bin/message/custom/send")
    assert not fake_platform.calls("/cgi-bin/message/subscribe/bizsend")


def test_a_refused_subscription_falls_back_to_the_template(app, wechat, fake_platform, run_worker, db):
    configure(app, wechat_template_case_update="TPL-progress", wechat_subscribe_template_id=SUBSCRIBE_TEMPLATE)
    accept_subscription(wechat, FIRST)
    requests.post(f"{fake_platform.url}/_fake/residents/unsubscribed", json={"openids": [FIRST]})  # withdrawn in WeChat
    report_case(wechat, FIRST)
    close_window(db)
    run_worker()
    assert [c["body"]["template_id"] for c in fake_platform.calls("/cgi-bin/message/template/send")] == ["TPL-progress"]
    assert db.scalar(select(Resident.subscription_template)) is None


def test_without_subscription_or_template_the_push_is_held(app, wechat, fake_platform, run_worker, db):
    accept_subscription(wechat, FIRST, status="reject")
    report_case(wechat, FIRST)
    close_window(db)
    run_worker()
    assert not fake_platform.calls("/cgi-bin/message/subscribe/bizsend")
    assert db.scalar(select(OutboundMessage.state).where(OutboundMessage.channel == "wechat")) == "window_closed"


def test_a_bad_field_mapping_refuses_to_start(settings):
    from bot import create_app

    with pytest.raises(ValueError, match="thing1=first"):
        create_app(settings.replace(wechat_template_fields="thing1=first"))
