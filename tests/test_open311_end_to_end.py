"""An Open311 report goes the way of a WeChat report: the worker dispatches it to the squad's WeChat Work
department (the fake platform, over HTTP) with a card like a WeChat report's, the squad answers in /wework, and
a published Open311 client library (``georeport``) reads every step through a live server."""

from __future__ import annotations

import requests
from georeport import GeoReport

from tests.open311 import MARKET_WGS84, make_key
from tests.support import BARBECUE, TUESDAY_9AM, advance, card_text, card_title, cards, freeze, report_case, resolve, the_case


def test_an_open311_report_reaches_the_squad_like_a_wechat_one(app, live_url, db, run_worker, wework, wechat,
                                                                fake_platform, clock):
    freeze(clock, TUESDAY_9AM)
    key = make_key(app, "12345")  # the city's 12345 platform
    client = GeoReport(f"{live_url}/open311/v2", api_key=key)
    services = client.get_service_list()
    assert {"service_code": "E0510", "service_name": "露天烧烤"}.items() <= next(
        s for s in services if s["service_code"] == "E0510").items()
    assert client.get_service_definition("E0510")["attributes"] == []

    # georeport reads only; its README says so. The POST is what any client sends: a form with the key.
    posted = requests.post(f"{live_url}/open311/v2/requests.json", data={
        "api_key": key, "service_code": "E0510", "lat": MARKET_WGS84[0], "long": MARKET_WGS84[1],
        "description": BARBECUE, "phone": "13800005678", "first_name": "李"}, timeout=10)
    number = posted.json()[0]["service_request_id"]
    assert client.get_service_request(number)["status"] == "open"
    wechat_number = report_case(wechat, "oWeChatResident0001", "千岛湖广场有人摆摊卖水果，占了人行道",
                                at=(29.6050, 119.0360), label="千岛湖广场")
    run_worker()

    open311_card, wechat_card = (next(c for c in cards(fake_platform) if n in card_title(c) + card_text(c))
                                 for n in (number, wechat_number))
    assert open311_card["toparty"] == "3" and open311_card["agentid"] == wechat_card["agentid"]
    assert open311_card.keys() == wechat_card.keys()
    assert open311_card["template_card"].keys() == wechat_card["template_card"].keys()
    assert "露天烧烤" in card_title(open311_card) + card_text(open311_card)
    assert "明珠菜场" in card_text(open311_card)
    assert "13800005678" not in str(open311_card) and "138****5678" not in str(open311_card) and "李" not in str(open311_card)
    assert the_case(db, number).channel == "12345"

    request = client.get_service_request(number)
    assert request["status"] == "open" and request["agency_responsible"] == "城区二中队"
    assert request["expected_datetime"] == "2026-11-24T11:00:00+08:00"

    advance(clock, minutes=40)
    resolve(wework, fake_platform, number)  # 签收, an after-photo, 办结 in WeChat Work
    run_worker()
    request = client.get_service_request(number)
    assert request["status"] == "closed" and request["status_notes"] == "已清理"
    extended = requests.get(f"{live_url}/open311/v2/requests/{number}.json", params={"extensions": "true"},
                            timeout=10).json()[0]["extended_attributes"]
    assert extended["detailed_status"] == "RESOLVED" and extended["status_descriptive_name"] == "已处置"

    xml_client = GeoReport(f"{live_url}/open311/v2", output_format="xml")
    listed = xml_client.get_service_requests(service_request_id=number)
    assert listed["service_request_id"] == number and listed["status"] == "closed"
    assert xml_client.get_service_request(number)["agency_responsible"] == "城区二中队"
