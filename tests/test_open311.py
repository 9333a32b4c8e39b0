"""Open311 GeoReport v2 (``/open311/v2/``): every rule of the issue through the real HTTP surface, the real
database and the real worker. XML is read with a parser; JSON shapes are checked in test_open311_schemas."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from bot.accounts.api_keys import revoke_key
from bot.dispatch.actor import Actor
from bot.dispatch.bureau import add_note
from bot.dispatch.dispatching import dispatch
from bot.dispatch.feedback import close_case
from bot.extensions import get_db
from bot.geo.datum import distance_m
from bot.models import ApiKey, Case, CaseEvent, Contact, Media
from tests.open311 import BASE, MARKET_WGS84, make_key, post_request
from tests.support import MARKET, TUESDAY_9AM, advance, freeze, make_resident, resolve, the_case

DISPATCHER = Actor.dispatcher("wangfang", "王芳")


def xml(response) -> ElementTree.Element:  # noqa: ANN001
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ElementTree.fromstring(response.data)


def error_of(response) -> tuple[int, str]:  # noqa: ANN001
    body = response.get_json()
    assert isinstance(body, list) and len(body) == 1, body
    return body[0]["code"], body[0]["description"]


# -- discovery, services ------------------------------------------------------------------------------
def test_discovery_in_both_formats(client):
    body = client.get(f"{BASE}/discovery.json").get_json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]
    assert root.findtext("changeset").endswith("+08:00")


def test_services_are_the_taxonomy(client, app):
    taxonomy = app.extensions["citybot.services"].deps.taxonomy
    services = client.get(f"{BASE}/services.json").get_json()
    assert len(services) == len(taxonomy.categories)
    barbecue = next(s for s in services if s["service_code"] == "E0510")
    assert barbecue == {"service_code": "E0510", "service_name": "露天烧烤", "description": "露天烧烤", "metadata": False,
                        "type": "realtime", "keywords": ",".join(taxonomy["E0510"].keywords), "group": "街面秩序"}
    root = xml(client.get(f"{BASE}/services.xml"))
    first = root.find("service")
    assert root.tag == "services" and len(root.findall("service")) == len(services)
    assert first.findtext("service_code") == services[0]["service_code"] and first.findtext("metadata") == "false"


def test_service_definition_and_unknown_code(client):
    assert client.get(f"{BASE}/services/E0510.json").get_json() == {"service_code": "E0510", "attributes": []}
    root = xml(client.get(f"{BASE}/services/E0510.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "E0510"
    missing = client.get(f"{BASE}/services/X9999.json")
    assert missing.status_code == 404 and error_of(missing)[0] == 404
    missing_xml = xml(client.get(f"{BASE}/services/X9999.xml"))
    assert missing_xml.tag == "errors" and missing_xml.findtext("error/code") == "404"


def test_unknown_path_and_format_are_404_error_lists(client):
    assert error_of(client.get(f"{BASE}/services.html"))[0] == 404
    assert xml(client.get(f"{BASE}/nothing.xml")).findtext("error/code") == "404"
    assert client.put(f"{BASE}/requests.json").status_code == 405


# -- POST requests ------------------------------------------------------------------------------------
def test_post_requires_a_valid_api_key(app, client, db):
    assert error_of(post_request(client, None)) == (403, "api_key 缺失或无效")
    assert post_request(client, "c311_wrong").status_code == 403
    root = xml(post_request(client, None, fmt="xml"))
    assert root.tag == "errors" and root.findtext("error/code") == "403"
    assert db.scalar(select(Case)) is None


def test_post_opens_a_case_routed_like_wechat(app, client, db, run_worker, fake_platform):
    key = make_key(app, "city12345")
    response = post_request(client, key, phone="13800005678", email="li@example.cn", first_name="李", last_name="明")
    assert response.status_code == 200
    [answer] = response.get_json()
    number = answer["service_request_id"]
    assert isinstance(number, str) and len(number) == 13 and answer["token"]
    assert answer["service_notice"] == "已受理，已转城区二中队处理。"
    case = the_case(db, number)
    assert case.channel == "city12345" and case.category_code == "E0510" and case.category_confidence == 1.0
    assert case.unit_code == "SQ02" and case.location_source == "open311"
    assert distance_m(case.lat, case.lng, *MARKET) < 1  # WGS-84 in, GCJ-02 stored
    event = db.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id))
    assert (event.action, event.actor_kind, event.actor_id) == ("receive", "api", "city12345")
    contact = db.get(Contact, case.contact_id)
    assert contact.phone_masked == "138****5678"
    stored = f"{contact.phone_encrypted} {contact.email_encrypted} {contact.name_encrypted}"
    assert "13800005678" not in stored and "li@example.cn" not in stored and "李" not in stored
    personal = app.extensions["citybot.services"].deps.personal
    assert personal.open(contact.phone_encrypted) == "13800005678" and personal.open(contact.name_encrypted) == "李 明"
    run_worker()
    assert the_case(db, number).state == "dispatched"


def test_post_in_xml(app, client):
    root = xml(post_request(client, make_key(app), fmt="xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") and root.findtext("request/token")


@pytest.mark.parametrize(("fields", "complaint"), [
    ({"service_code": None}, "service_code"),
    ({"service_code": "X9999"}, "service_code"),
    ({"lat": None, "long": None}, "location is required"),
    ({"long": None}, "lat/long"),
    ({"lat": "91", "long": "119"}, "lat/long"),
    ({"lat": "abc"}, "lat/long"),
    ({"address_string": "明珠菜场"}, "not both"),
    ({"description": "啊" * 4001}, "4000"),
    ({"media_url": "ftp://example.cn/a.jpg"}, "media_url"),
    ({"media_url": "javascript:alert(1)"}, "media_url"),
    ({"phone": "call me"}, "phone"),
    ({"email": "not-an-email"}, "email"),
])
def test_post_refusals_are_400_and_keep_nothing(app, client, db, fields, complaint):
    response = post_request(client, make_key(app), **fields)
    code, description = error_of(response)
    assert response.status_code == 400 and code == 400 and complaint in description
    assert db.scalar(select(Case)) is None and db.scalar(select(Contact)) is None


def test_description_of_4000_characters_is_accepted(app, client):
    assert post_request(client, make_key(app), description="烧烤" * 2000).status_code == 200


def test_address_string_is_resolved_by_the_gazetteer(app, client, db):
    key = make_key(app)
    response = post_request(client, key, lat=None, long=None, address_string="新安东路明珠菜场门口")
    case = the_case(db, response.get_json()[0]["service_request_id"])
    assert case.location_source == "address" and case.address == "新安东路明珠菜场门口" and case.grid_code
    unknown = post_request(client, key, lat=None, long=None, address_string="火星基地")
    assert unknown.status_code == 400 and "address_string" in error_of(unknown)[1]


def test_without_description_the_service_name_is_the_description(app, client, db):
    number = post_request(client, make_key(app), description=None).get_json()[0]["service_request_id"]
    assert the_case(db, number).description == "露天烧烤"


def test_a_duplicate_is_merged_like_a_wechat_report(app, client, db):
    key = make_key(app)
    first = post_request(client, key).get_json()[0]["service_request_id"]
    second = post_request(client, key).get_json()[0]
    assert f"编号 {first}" in second["service_notice"]
    assert the_case(db, second["service_request_id"]).merged_into_id == the_case(db, first).id


def test_a_revoked_key_is_refused_and_the_channel_is_the_key_name(app, client, db):
    key = make_key(app, "app-a")
    number = post_request(client, key).get_json()[0]["service_request_id"]
    assert the_case(db, number).channel == "app-a"
    with app.app_context(), get_db().transaction() as session:
        revoke_key(session, "app-a", TUESDAY_9AM)
    assert post_request(client, key).status_code == 403
    assert db.scalar(select(ApiKey.digest)) != key  # only the digest is stored


def test_the_rate_limit_counts_per_key(app, settings, classifier):
    from bot import create_app

    limited = create_app(settings.replace(open311_rate_limit="3/minute"))
    limited.extensions["citybot.services"].understanding.preload(classifier)
    client = limited.test_client()
    key_a, key_b = make_key(limited, "a"), make_key(limited, "b")
    statuses = [client.get(f"{BASE}/services.json", query_string={"api_key": key_a}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get(f"{BASE}/services.json", query_string={"api_key": key_a})
    assert error_of(refused)[0] == 429
    assert client.get(f"{BASE}/services.json", query_string={"api_key": key_b}).status_code == 200  # another key
    # The count lives in Redis: a second web process sees the same.
    other = create_app(settings.replace(open311_rate_limit="3/minute")).test_client()
    assert other.get(f"{BASE}/services.json", query_string={"api_key": key_a}).status_code == 429


# -- tokens ---------------------------------------------------------------------------------------------
def test_token_answers_the_case(app, client):
    answer = post_request(client, make_key(app)).get_json()[0]
    found = client.get(f"{BASE}/tokens/{answer['token']}.json").get_json()
    assert found == [{"service_request_id": answer["service_request_id"], "token": answer["token"]}]
    root = xml(client.get(f"{BASE}/tokens/{answer['token']}.xml"))
    assert root.findtext("request/service_request_id") == answer["service_request_id"]
    assert error_of(client.get(f"{BASE}/tokens/nope.json"))[0] == 404


# -- GET requests ---------------------------------------------------------------------------------------
def test_get_one_request_in_both_formats(app, client, clock):
    freeze(clock, TUESDAY_9AM)
    number = post_request(client, make_key(app), phone="13800005678").get_json()[0]["service_request_id"]
    [record] = client.get(f"{BASE}/requests/{number}.json").get_json()
    assert record["service_request_id"] == number and record["status"] == "open"
    assert record["service_code"] == "E0510" and record["service_name"] == "露天烧烤"
    assert record["requested_datetime"] == "2026-11-24T09:00:00+08:00"
    assert abs(record["lat"] - MARKET_WGS84[0]) < 1e-5 and abs(record["long"] - MARKET_WGS84[1]) < 1e-5
    assert "13800005678" not in str(record) and "extended_attributes" not in record
    root = xml(client.get(f"{BASE}/requests/{number}.xml"))
    assert root.findtext("request/service_request_id") == number and root.findtext("request/status") == "open"
    assert root.findtext("request/requested_datetime") == "2026-11-24T09:00:00+08:00"
    assert error_of(client.get(f"{BASE}/requests/20991231-0001.json"))[0] == 404


def test_get_requests_filters(app, client, clock):
    key = make_key(app)
    freeze(clock, TUESDAY_9AM)
    old = post_request(client, key).get_json()[0]["service_request_id"]
    advance(clock, days=100)
    dog = post_request(client, key, service_code="E0113", description="小区里有人遛狗不牵绳").get_json()[0]["service_request_id"]
    recent = post_request(client, key, lat=None, long=None, address_string="千岛湖广场").get_json()[0]["service_request_id"]

    def numbers(**params: str) -> list[str]:
        response = client.get(f"{BASE}/requests.json", query_string=params)
        assert response.status_code == 200, response.data
        return [r["service_request_id"] for r in response.get_json()]

    assert numbers() == [recent, dog]  # default: the last 90 days, newest first
    assert numbers(service_code="E0113") == [dog]
    assert numbers(service_code="E0113,E0510") == [recent, dog]
    assert numbers(service_request_id=f"{old},{dog}") == [dog, old]  # ids override the window
    assert numbers(start_date="2026-11-01T00:00:00+08:00", end_date="2026-11-30T00:00:00Z") == [old]
    assert numbers(start_date="2026-11-24T00:00:00+08:00") == [old]  # 90 days from the start
    assert numbers(status="closed") == []
    assert numbers(status="open,closed") == [recent, dog]
    assert numbers(page_size="1") == [recent] and numbers(page_size="1", page="2") == [dog]
    for bad in ({"status": "pending"}, {"start_date": "yesterday"}, {"page_size": "1001"}, {"page": "0"},
                {"start_date": "2026-12-01T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"}):
        response = client.get(f"{BASE}/requests.json", query_string=bad)
        assert response.status_code == 400 and error_of(response)[0] == 400, bad


def test_at_most_1000_results(app, client, db, clock):
    resident = make_resident(db)
    freeze(clock, TUESDAY_9AM)
    now = TUESDAY_9AM
    db.add_all(Case(number=f"20261124-{i:04d}", state="received", description="x", created_at=now - timedelta(minutes=i),
                    updated_at=now, reporter_id=resident.id, category_code="E0510") for i in range(1, 1003))
    db.commit()
    assert len(client.get(f"{BASE}/requests.json").get_json()) == 1000
    assert len(client.get(f"{BASE}/requests.json", query_string={"page": "2"}).get_json()) == 2


def test_status_and_extensions_follow_the_lifecycle(app, client, db, run_worker, wework, fake_platform, clock):
    freeze(clock, TUESDAY_9AM)
    number = post_request(client, make_key(app)).get_json()[0]["service_request_id"]
    run_worker()
    [record] = client.get(f"{BASE}/requests/{number}.json", query_string={"extensions": "true"}).get_json()
    extended = record["extended_attributes"]
    assert record["status"] == "open" and record["agency_responsible"] == "城区二中队"
    assert extended["detailed_status"] == "DISPATCHED" and extended["status_descriptive_name"] == "已派遣"
    assert record["expected_datetime"] == extended["deadline"] == "2026-11-24T11:00:00+08:00"  # 2 working hours
    advance(clock, minutes=30)
    wework.text("wujingjing", f"签收 {number}")
    wework.text("wujingjing", f"退回 {number} 不是我们的网格")  # the squad's reason: internal
    run_worker()
    deps = app.extensions["citybot.services"].deps
    with app.app_context(), get_db().transaction() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        add_note(session, deps, case, DISPATCHER, "内部备注：来电人姓王，电话13912345678")
        dispatch(session, deps, case, DISPATCHER, unit_code="SQ02")
    run_worker()
    resolve(wework, fake_platform, number)
    [record] = client.get(f"{BASE}/requests/{number}.json", query_string={"extensions": "true"}).get_json()
    assert record["status"] == "closed" and record["status_notes"] == "已清理"  # resolved (处置完成) counts as closed
    notes = record["extended_attributes"]["notes"]
    assert [n["type"] for n in notes] == ["resolve"] and notes[0]["description"] == "已清理"
    assert "内部备注" not in str(record) and "不是我们的网格" not in str(record) and "13912345678" not in str(record)
    with app.app_context(), get_db().transaction() as session:
        close_case(session, deps, session.scalar(select(Case).where(Case.number == number)), DISPATCHER, "核查通过")
    root = xml(client.get(f"{BASE}/requests/{number}.xml", query_string={"extensions": "true"}))
    assert root.findtext("request/status") == "closed"
    assert root.findtext("request/extended_attributes/detailed_status") == "CLOSED"
    assert [n.findtext("type") for n in root.findall("request/extended_attributes/notes/note")] == ["resolve", "close"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/a.jpg", "http://10.1.2.3/a.jpg", "http://192.168.0.1/a.jpg",
                                 "http://169.254.169.254/latest/meta-data", "http://[::1]/a.jpg", "http://localhost/a.jpg"])
def test_media_url_never_from_private_addresses(app, client, db, run_worker, url):
    number = post_request(client, make_key(app), media_url=url).get_json()[0]["service_request_id"]
    run_worker()
    media = db.scalar(select(Media).where(Media.case_id == the_case(db, number).id))
    assert media.state == "failed" and media.error.startswith("refused")
    assert the_case(db, number).state == "dispatched"  # the case goes on without the photo


def test_openapi_description_is_served(client):
    spec = client.get(f"{BASE}/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and "/requests.{format}" in spec["paths"]
    assert set(spec["paths"]["/requests.{format}"]) == {"get", "post"}
