"""Hotline intake ``/console/intake`` (issue 15): an operator records a call and the case is opened like a WeChat
report — numbered, classified or categorised by the operator, located by a map point or a gazetteer address,
routed, merged with a duplicate, dispatched — with the channel recorded and the phone number encrypted."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from bot.models import Case, CaseEvent, Contact, Media
from tests.console import csrf_token, fresh_session, signed_in
from tests.images import street_photo
from tests.support import BARBECUE, MARKET, card_text, card_title, cards, the_case


@pytest.fixture
def db(app):  # noqa: ANN001, ANN201
    yield from fresh_session(app)


@pytest.fixture
def operator(app):  # noqa: ANN001, ANN201
    return signed_in(app, "zhaoli", "operator", name="赵丽")


def call(client, **fields):  # noqa: ANN001, ANN003, ANN201
    """Submit the intake form as the page does (a point picked on the market unless ``fields`` say otherwise)."""
    data = {"channel": "12319", "description": BARBECUE, "phone": "138 0000 5678", "lat": str(MARKET[0]),
            "lng": str(MARKET[1]), "address": "", "category": "", "csrf_token": csrf_token(client, "/console/intake"),
            **fields}
    return client.post("/console/intake", data={k: v for k, v in data.items() if v is not None},
                       content_type="multipart/form-data")


def opened_number(response) -> str:  # noqa: ANN001
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].rsplit("/", 1)[1]


def test_roles_that_may_take_calls(app):
    for role in ("operator", "dispatcher", "admin"):
        assert signed_in(app, f"user-{role}", role).get("/console/intake").status_code == 200
    for role, unit in (("viewer", None), ("leader", "SQ02")):
        assert signed_in(app, f"user-{role}", role, unit).get("/console/intake").status_code == 403


def test_an_operator_lands_on_intake_and_sees_it_in_the_menu(app):
    from tests.console import add_user, login

    add_user(app, "qianwei", "operator")
    client = app.test_client()
    assert login(client, "qianwei").headers["Location"] == "/console/intake"
    page = client.get("/console/intake").get_data(as_text=True)
    assert 'href="/console/intake" class="on">受理' in page and "12319 城管热线" in page and "巡查" in page


def test_a_call_becomes_a_case_routed_and_dispatched_like_a_wechat_report(app, operator, db, run_worker, fake_platform):
    response = call(operator)
    number = opened_number(response)
    page = operator.get(f"/console/cases/{number}").get_data(as_text=True)
    assert f"已受理，编号 {number}，已转城区二中队处理。" in page
    case = the_case(db, number)
    assert (case.channel, case.category_code, case.unit_code, case.location_source) == ("12319", "E0510", "SQ02", "map")
    assert case.category_confidence < 1  # the classifier's, the operator kept the suggestion
    event = db.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id))
    assert (event.action, event.actor_kind, event.actor_name) == ("receive", "dispatcher", "赵丽")
    contact = db.get(Contact, case.contact_id)
    assert contact.phone_masked == "138****5678" and "13800005678" not in (contact.phone_encrypted or "")
    assert app.extensions["citybot.services"].deps.personal.open(contact.phone_encrypted) == "13800005678"
    run_worker()
    assert the_case(db, number).state == "dispatched"
    [card] = [c for c in cards(fake_platform) if number in card_title(c) + card_text(c)]
    assert card["toparty"] == "3" and "5678" not in str(card) and "138" not in str(card).replace(number, "")


def test_the_phone_is_masked_on_the_case_page_and_the_operator_sees_no_caller(app, operator, db):
    number = opened_number(call(operator))
    dispatcher = signed_in(app, "wangfang", "dispatcher", name="王芳")
    page = dispatcher.get(f"/console/cases/{number}").get_data(as_text=True)
    assert "138****5678" in page and "13800005678" not in page and "12319 热线来件" in page
    assert "138****5678" not in operator.get(f"/console/cases/{number}").get_data(as_text=True)
    assert "13800005678" not in dispatcher.get("/console/cases.csv").get_data(as_text=True)


@pytest.mark.parametrize("channel", ["12319", "96310", "12345", "visit", "patrol"])
def test_every_channel_is_recorded(operator, db, channel):
    assert the_case(db, opened_number(call(operator, channel=channel))).channel == channel


def test_an_address_is_resolved_by_the_gazetteer(operator, db):
    number = opened_number(call(operator, lat="", lng="", address="明珠菜市场门口"))
    case = the_case(db, number)
    assert (case.location_source, case.address, case.grid_code is not None) == ("address", "明珠菜市场门口", True)
    assert abs(case.lat - MARKET[0]) < 0.001


def test_the_operator_corrects_the_category(operator, db):
    number = opened_number(call(operator, description="路口有人摆摊卖水果", category="E0113"))
    case = the_case(db, number)
    assert (case.category_code, case.category_confidence) == ("E0113", 1.0)


def test_a_second_call_about_the_same_problem_is_merged(operator, db):
    first = opened_number(call(operator))
    response = call(operator, channel="96310", phone="")
    second = opened_number(response)
    assert the_case(db, second).merged_into_id == the_case(db, first).id
    assert f"附近已有同类问题（编号 {first}）" in operator.get(f"/console/cases/{second}").get_data(as_text=True)


def test_a_photo_goes_through_the_image_pipeline(app, operator, db):
    number = opened_number(call(operator, photo=(io.BytesIO(street_photo()), "site.jpg")))
    [media] = db.scalars(select(Media).where(Media.case_id == the_case(db, number).id)).all()
    assert (media.state, media.channel, media.width, media.height) == ("stored", "upload", 32, 64)  # upright, EXIF-free
    assert (app.extensions["citybot.services"].settings.media_dir / media.path).exists()


@pytest.mark.parametrize(("fields", "message"), [
    ({"lat": "", "lng": "", "address": "火星基地"}, "地址无法识别"),
    ({"lat": "", "lng": "", "address": ""}, "地址无法识别"),
    ({"description": "  "}, "请填写问题描述"),
    ({"description": "啊" * 4001}, "不能超过 4000 字"),
    ({"phone": "请回电"}, "电话号码格式不正确"),
    ({"channel": "wechat"}, "请选择来源渠道"),
    ({"photo": (io.BytesIO(b"not a photo"), "x.jpg")}, "照片无法读取"),
])
def test_refusals_keep_nothing_and_keep_the_form(operator, db, fields, message):
    response = call(operator, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert db.scalar(select(Case)) is None and db.scalar(select(Contact)) is None
    if "description" not in fields:
        assert BARBECUE in page  # what the operator typed is still there


def test_without_a_csrf_token_nothing_is_opened(operator, db):
    response = operator.post("/console/intake", data={"channel": "12319", "description": BARBECUE,
                                                      "lat": str(MARKET[0]), "lng": str(MARKET[1])})
    assert response.status_code == 400 and db.scalar(select(Case)) is None


def test_the_suggestion_follows_the_words(operator):
    fragment = operator.get("/console/intake/category", query_string={"description": BARBECUE}).get_data(as_text=True)
    assert "露天烧烤" in fragment and "置信度" in fragment and 'data-code="E0510"' in fragment
    unsure = operator.get("/console/intake/category", query_string={"description": "那个东西又坏了"}).get_data(as_text=True)
    assert "不确定" in unsure
    assert "输入问题描述后" in operator.get("/console/intake/category", query_string={"description": "有"}).get_data(as_text=True)


def test_places_are_suggested_as_the_address_is_typed(operator):
    fragment = operator.get("/console/intake/places", query_string={"address": "明珠"}).get_data(as_text=True)
    assert 'data-name="明珠菜场"' in fragment and 'data-name="明珠路"' in fragment and "data-lat=" in fragment
    alias = operator.get("/console/intake/places", query_string={"address": "县一"}).get_data(as_text=True)
    assert "县一院（淳安县第一人民医院）" in alias
    assert "没有匹配的地名" in operator.get("/console/intake/places", query_string={"address": "火星"}).get_data(as_text=True)
