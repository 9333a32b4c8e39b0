"""Issue 10: the conversation does what residents mean (each test failed before its fix)."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Case, Media
from tests.images import pixel_bomb, street_photo
from tests.support import MARKET, NUMBER, case_number, pushes, report_case, resolve, the_case

ANNA, BO, CHEN = "oMeaningAnna0000000000000001", "oMeaningBo000000000000000002", "oMeaningChen0000000000000003"
XIUSHUI_STREET = (29.602798, 119.045939)  # 秀水街, about 1.1 km from 明珠菜场, another squad's grid


def photo(wechat, fake_platform, openid: str, **kw) -> str:  # noqa: ANN001
    return wechat.image(openid, fake_platform.upload(street_photo(gps=None)), **kw).text


def cases(db) -> list[Case]:  # noqa: ANN001
    db.expire_all()
    return list(db.scalars(select(Case).order_by(Case.id)))


def test_a_photo_after_withdrawing_starts_a_new_report(wechat, fake_platform, db):
    wechat.location(ANNA, *MARKET, label="明珠菜场")
    number = case_number(wechat.text(ANNA, "明珠菜场门口有人占道摆摊卖水果").text)
    assert "已撤销" in wechat.text(ANNA, f"撤销 {number}").text
    reply = photo(wechat, fake_platform, ANNA)
    assert "照片已补充" not in reply and "照片已收到" in reply
    assert the_case(db, number).media == []  # the withdrawn case keeps nothing new


def test_stray_words_never_become_the_next_report(wechat, fake_platform, db):
    assert "您是要反映新问题吗" in wechat.text(ANNA, "没修好").text  # no rating was awaited
    assert "您是要反映新问题吗" in photo(wechat, fake_platform, ANNA)
    assert "您是要反映新问题吗" in wechat.location(ANNA, *MARKET, label="明珠菜场").text
    assert cases(db) == []  # "没修好" + photo + location is no report yet
    number = case_number(wechat.text(ANNA, "菜场门口垃圾桶满了，垃圾溢出来一地").text)
    [case] = cases(db)
    assert (case.number, case.description, case.category_code) == (number, "菜场门口垃圾桶满了，垃圾溢出来一地", "C0301")
    assert len(case.media) == 1  # the photo belongs to the real report


def test_gibberish_is_asked_about_and_can_be_dropped_or_submitted(wechat, db):
    wechat.location(ANNA, *MARKET)
    assert "您是要反映新问题吗" in wechat.text(ANNA, "asdfghjkl 123").text
    assert "不作为问题反映" in wechat.text(ANNA, "不是").text
    assert cases(db) == []
    wechat.location(BO, *MARKET)
    assert "您是要反映新问题吗" in wechat.text(BO, "今天天气不错").text
    assert "已受理" in wechat.text(BO, "是").text  # the resident insists: the dispatcher looks at it
    assert cases(db)[0].triage_reason == "low_confidence"


def test_a_location_after_a_merge_refines_the_case_and_separates_it_when_far(wechat, run_worker, db):
    first = report_case(wechat, ANNA, "明珠菜场门口有人烧烤")
    merged_reply = wechat.text(BO, "明珠菜场门口有人在路边烧烤")  # placed by the name only: merged
    assert "已有市民反映明珠菜场的同类问题" in merged_reply.text and first in merged_reply.text
    second = [n for n in NUMBER.findall(merged_reply.text) if n != first][0]
    answer = wechat.location(BO, *XIUSHUI_STREET, label="秀水街")
    assert "已作为新问题单独受理" in answer.text
    run_worker()
    case = the_case(db, second)
    assert (case.state, case.merged_into_id, case.unit_code) == ("dispatched", None, "SQ01")


def test_not_the_same_problem_splits_the_merge(wechat, run_worker, db):
    first = report_case(wechat, ANNA, "明珠菜场门口有人烧烤")
    wechat.location(BO, 29.60999, 119.05397)
    reply = wechat.text(BO, "这里有人露天烧烤，烟很大").text
    assert "不是同一问题" in reply and first in reply
    answer = wechat.text(BO, "不是同一问题").text
    second = case_number(answer)
    assert second != first and "单独受理" in answer
    run_worker()
    assert the_case(db, second).state == "dispatched"
    assert "没有被合并" in wechat.text(CHEN, "不是同一问题").text


def test_a_place_named_far_from_the_sent_location_is_not_merged(wechat, db):
    first = report_case(wechat, ANNA, "明珠菜场门口有人烧烤")
    wechat.location(BO, *MARKET)
    reply = wechat.text(BO, "秀水街有人在路边烧烤").text
    number = case_number(reply)
    assert number != first and "合并" not in reply
    assert "秀水街" in reply and "公里" in reply  # the resident is told which place was used
    assert the_case(db, number).merged_into_id is None


def test_neighbouring_categories_at_one_spot_are_one_problem(wechat, db):
    first = report_case(wechat, ANNA, "菜场门口垃圾桶满了，垃圾溢出来一地")
    wechat.location(BO, *MARKET)
    reply = wechat.text(BO, "路边有垃圾").text
    assert "已合并" in reply and first in reply
    assert {c.category_code for c in cases(db)} == {"C0301", "E0102"}


def test_residents_read_a_named_place_not_coordinates(wechat):
    wechat.location(ANNA, 29.6101, 119.0541)  # no label, a few metres from 明珠菜场
    reply = wechat.text(ANNA, "路边有人烤串").text
    assert "明珠菜场附近" in reply and "29.61" not in reply
    number = case_number(reply)
    assert "明珠菜场附近" in wechat.text(ANNA, f"查询 {number}").text


def test_each_step_once_one_reply_to_a_rating_and_a_short_thanks(wechat, wework, fake_platform, run_worker, db):
    number = case_number(wechat.text(ANNA, "明珠菜场门口有人在路边烧烤").text)  # placed by the name
    assert "已更新" in wechat.location(ANNA, 29.6100, 119.0540, label="明珠菜场东门").text
    run_worker()
    steps = wechat.text(ANNA, f"查询 {number}").text
    progress = steps.split("进展：")[1]
    assert progress.count("已派遣") == 1 and "位置已更新" in progress
    resolve(wework, fake_platform, number)
    run_worker()
    before = len(pushes(fake_platform, ANNA))
    assert "返工" in wechat.text(ANNA, "3").text
    run_worker()
    assert len(pushes(fake_platform, ANNA)) == before  # the reply said it all: no second, near-identical push
    thanks = wechat.text(ANNA, "谢谢").text
    assert thanks.startswith("不客气") and "查询" not in thanks


def test_a_photo_that_cannot_be_used_is_explained(wechat, fake_platform, run_worker, db):
    wechat.image(ANNA, fake_platform.upload(pixel_bomb()))
    run_worker()
    assert db.scalar(select(Media.state)) == "failed"
    [told] = pushes(fake_platform, ANNA)
    assert "照片过大" in told and "重新发送" in told
