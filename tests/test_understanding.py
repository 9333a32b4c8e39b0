"""Issue: every case says what it is and where, and goes to the unit that handles it, or to triage."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.geo.datum import gcj02_to_wgs84
from bot.models import Case, OutboundMessage
from tests.images import street_photo
from tests.support import case_number, pushes, the_case
from tests.test_classify import LETTER_SHOP, LETTER_TWO

OPENID = "oResident0000000000000000002"


def only_case(db) -> Case:  # noqa: ANN001
    return db.scalars(select(Case)).one()


def test_squad_category_goes_to_the_grids_squad(wechat, db):
    wechat.location(OPENID, 29.609943, 119.053925, label="明珠菜场")
    answer = wechat.text(OPENID, "楼下天天晚上有人在路边烤串，烟全飘我家")
    assert "已识别为：露天烧烤" in answer.text and "明珠菜场网格" in answer.text and "已转城区二中队处理" in answer.text
    case = only_case(db)
    assert (case.category_code, case.grid_code, case.unit_code) == ("E0510", "330127001002001", "SQ02")
    assert case.category_confidence > 0.5


def test_specialist_category_goes_to_its_department(wechat, db):
    wechat.location(OPENID, 29.600564, 119.043399)
    answer = wechat.text(OPENID, "垃圾桶早就满了，垃圾溢出来一地")
    assert "已识别为：垃圾桶满溢破损" in answer.text and "已转环卫处处理" in answer.text
    assert (only_case(db).unit_code, only_case(db).triage_reason) == ("环卫处", None)


def test_unclear_text_goes_to_triage(wechat, db):
    wechat.location(OPENID, 29.600564, 119.043399)
    assert "您是要反映新问题吗" in wechat.text(OPENID, "今天天气不错").text
    answer = wechat.text(OPENID, "是")
    assert "已受理" in answer.text and "工作人员将尽快核实" in answer.text and "已识别为" not in answer.text
    case = only_case(db)
    assert (case.unit_code, case.triage_reason) == (None, "low_confidence")


def test_a_letter_about_a_shop_trading_outside_goes_to_the_squad(wechat, db):
    """A formal letter (greeting, history, a suggestion at the end) is read for its problem, not its form."""
    wechat.location(OPENID, 29.609943, 119.053925, label="明珠菜场")
    answer = wechat.text(OPENID, LETTER_SHOP)
    assert "已识别为：店外经营" in answer.text and "已转城区二中队处理" in answer.text
    assert (only_case(db).category_code, only_case(db).triage_reason) == ("E0504", None)


def test_a_letter_about_two_problems_goes_to_triage(wechat, db):
    wechat.location(OPENID, 29.609943, 119.053925, label="明珠菜场")
    answer = wechat.text(OPENID, LETTER_TWO)
    assert "已受理" in answer.text and "您反映了不止一个问题" in answer.text and "已识别为" not in answer.text
    case = only_case(db)
    assert (case.unit_code, case.triage_reason) == (None, "several_problems")


def test_outside_the_jurisdiction_goes_to_triage_and_the_resident_is_told(wechat, db):
    wechat.location(OPENID, 30.2741, 120.1551, label="杭州西湖")
    answer = wechat.text(OPENID, "路边有人占道烧烤")
    assert "不在本局管辖网格内" in answer.text
    case = only_case(db)
    assert (case.grid_code, case.unit_code, case.triage_reason) == (None, None, "outside")


def test_a_place_named_in_the_text_locates_the_report(wechat, db):
    answer = wechat.text(OPENID, "明珠菜市场门口又有人摆地摊卖菜")
    assert "已受理" in answer.text and "根据描述识别" in answer.text
    case = only_case(db)
    assert (case.location_source, case.address, case.grid_code, case.unit_code) == (
        "text", "明珠菜场", "330127001002001", "SQ02")


def test_photo_gps_locates_the_report_and_the_resident_gets_the_number(wechat, fake_platform, run_worker, db):
    lat, lng = gcj02_to_wgs84(29.609943, 119.053925)  # the phone writes WGS-84 into EXIF
    wechat.image(OPENID, fake_platform.upload(street_photo(gps=(lat, lng))))
    assert "位置" in wechat.text(OPENID, "这里的井盖丢了，晚上很危险").text  # not located yet
    run_worker()  # downloads the photo, reads its GPS, creates the case, pushes the number
    case = only_case(db)
    assert case.location_source == "exif" and case.grid_code == "330127001002001"
    assert abs(case.lat - 29.609943) < 1e-5 and abs(case.lng - 119.053925) < 1e-5
    sent = [c["body"] for c in fake_platform.calls("/cgi-bin/message/custom/send")]
    assert all(body["msgtype"] == "text" for body in sent)
    assert all(body["touser"] == OPENID for body in sent)
    first = sent[0]["text"]["content"]
    assert first.startswith(f"已受理，编号 {case.number}") and "根据照片定位" in first
    assert "已派遣至市政处" in sent[1]["text"]["content"]  # 井盖 goes straight on to its department
    assert set(db.scalars(select(OutboundMessage.state))) == {"sent"}


def test_a_location_message_beats_photo_gps(wechat, fake_platform, run_worker, db):
    wechat.image(OPENID, fake_platform.upload(street_photo(gps=gcj02_to_wgs84(29.609943, 119.053925))))
    wechat.location(OPENID, 29.600564, 119.043399, label="秀水广场")
    number = case_number(wechat.text(OPENID, "井盖丢了").text)
    run_worker()
    case = the_case(db, number)
    assert (case.location_source, case.address) == ("message", "秀水广场")
    assert not any("根据照片定位" in p for p in pushes(fake_platform))


def test_a_location_after_a_place_named_case_refines_it(wechat, run_worker, db):
    wechat.text(OPENID, "明珠菜市场门口又有人摆地摊卖菜")
    answer = wechat.location(OPENID, 29.609990, 119.053990, label="明珠菜场东门")
    assert "已更新编号" in answer.text
    case = only_case(db)
    assert (case.location_source, case.address, case.lat) == ("message", "明珠菜场东门", 29.60999)
    assert case.events[-1].action == "relocate"
    assert db.scalar(select(func.count()).select_from(Case)) == 1  # not a second report
