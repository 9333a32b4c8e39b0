"""One-tap cards: a squad member taps 签收 or 退回 on the dispatch card in WeChat Work; the fake platform posts
the encrypted ``template_card_event`` to the real ``/wework`` and the card is updated afterwards."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import CaseEvent
from tests.support import (
    MEMBER,
    TUESDAY_9AM,
    card_updates,
    cards,
    freeze,
    report_case,
    the_case,
)


def dispatched_card(wechat, fake_platform, run_worker, live_url) -> tuple[str, dict]:  # noqa: ANN001
    fake_platform.callback_to(live_url)
    number = report_case(wechat, "oCardResident")
    run_worker()
    [card] = cards(fake_platform)
    return number, card["template_card"]


def test_the_dispatch_card_has_buttons_and_the_facts(wechat, fake_platform, run_worker, live_url, clock):
    freeze(clock, TUESDAY_9AM)
    number, card = dispatched_card(wechat, fake_platform, run_worker, live_url)
    assert card["card_type"] == "button_interaction" and number in card["main_title"]["title"]
    assert [b["text"] for b in card["button_list"]] == ["签收", "退回", "办结"]
    assert card["button_list"][2]["type"] == 1 and "/s/" in card["button_list"][2]["url"]  # 办结 opens the page
    assert [o["text"] for o in card["button_selection"]["option_list"]] == ["非本单位职责", "位置有误", "其他"]
    facts = {c["keyname"]: c["value"] for c in card["horizontal_content_list"]}
    assert "明珠菜场" in facts["地点"] and facts["处置时限"] == "11月24日 11:00" and facts["现场照片"] == "0 张"


def test_a_tap_on_accept_accepts_the_case_and_the_card_says_who(wechat, fake_platform, run_worker, live_url, clock,
                                                                  db):
    freeze(clock, TUESDAY_9AM)
    number, card = dispatched_card(wechat, fake_platform, run_worker, live_url)

    click = fake_platform.click(MEMBER, card["task_id"], f"accept:{number}", timestamp=clock.time())
    assert click["statuses"] == [200]
    assert the_case(db, number).state == "accepted"
    run_worker()
    [update] = card_updates(fake_platform)
    assert update == {"agentid": 1000002, "response_code": click["response_code"], "atall": 1,
                      "button": {"replace_name": "已由 吴晶晶 签收 11-24 09:00"}}
    assert "已签收" in " ".join(c["body"]["text"]["content"] for c in fake_platform.calls("/cgi-bin/message/custom/send")
                               if c["body"]["touser"] == "oCardResident")


def test_typed_commands_keep_working_beside_the_buttons(wechat, wework, fake_platform, run_worker, live_url, clock,
                                                       db):
    freeze(clock, TUESDAY_9AM)
    number, card = dispatched_card(wechat, fake_platform, run_worker, live_url)
    assert "已签收" in wework.text(MEMBER, f"签收 {number}").text
    fake_platform.click("yuzhiqiang", card["task_id"], f"accept:{number}", timestamp=clock.time())
    run_worker()
    assert card_updates(fake_platform)[0]["button"]["replace_name"] == "案件处理中，不能签收"


def test_a_tap_by_a_member_of_another_unit_is_refused_and_the_card_says_why(wechat, fake_platform, run_worker,
                                                                           live_url, clock, db):
    freeze(clock, TUESDAY_9AM)
    number, card = dispatched_card(wechat, fake_platform, run_worker, live_url)

    click = fake_platform.click("fangxiaoyu", card["task_id"], f"accept:{number}", timestamp=clock.time())  # 城区一中队
    assert the_case(db, number).state == "dispatched"
    run_worker()
    [update] = card_updates(fake_platform)
    assert update["userids"] == ["fangxiaoyu"] and "atall" not in update  # only their card changes
    assert update["response_code"] == click["response_code"]
    assert update["button"]["replace_name"] == "非本单位案件，不能签收"


def test_the_same_tap_delivered_twice_acts_once(wechat, fake_platform, run_worker, live_url, clock, db):
    freeze(clock, TUESDAY_9AM)
    number, card = dispatched_card(wechat, fake_platform, run_worker, live_url)

    click = fake_platform.click(MEMBER, card["task_id"], f"accept:{number}", times=2, timestamp=clock.time())
    assert click["statuses"] == [200, 200]  # WeChat Work retried: both answered
    run_worker()
    case = the_case(db, number)
    accepts = db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "accept")).all()
    assert case.state == "accepted" and len(accepts) == 1
    assert len(card_updates(fake_platform)) == 1


def test_a_tap_on_return_sends_the_case_back_with_the_picked_reason(wechat, fake_platform, run_worker, live_url,
                                                                    clock, db):
    freeze(clock, TUESDAY_9AM)
    number, card = dispatched_card(wechat, fake_platform, run_worker, live_url)

    fake_platform.click(MEMBER, card["task_id"], f"return:{number}", selected={"return_reason": "wrong_place"},
                        timestamp=clock.time())
    case = the_case(db, number)
    assert case.state == "returned" and case.events[-1].note == "位置有误" and case.events[-1].actor_name == "吴晶晶"
    run_worker()
    assert card_updates(fake_platform)[0]["button"]["replace_name"] == "已由 吴晶晶 退回 11-24 09:00"


def test_a_tap_on_a_case_already_accepted_is_refused_with_its_state(wechat, fake_platform, run_worker, live_url,
                                                                   clock, db):
    freeze(clock, TUESDAY_9AM)
    number, card = dispatched_card(wechat, fake_platform, run_worker, live_url)
    fake_platform.click(MEMBER, card["task_id"], f"accept:{number}", timestamp=clock.time())
    fake_platform.click("yuzhiqiang", card["task_id"], f"accept:{number}", timestamp=clock.time() + 1)
    run_worker()
    names = [u["button"]["replace_name"] for u in card_updates(fake_platform)]
    assert sorted(names) == sorted(["已由 吴晶晶 签收 11-24 09:00", "案件处理中，不能签收"])
