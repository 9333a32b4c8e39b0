"""Residents' rules, each pinned just inside and just outside its number: WeChat's 48-hour window
(opened by messages, not by LOCATION events) and its quota of 5, the 7-day rating window, the
duplicate window (48 h) and radius (100 m), the 10-minute draft window and location memory, and
anonymisation reaching the outbound rows."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.models import Case, OutboundMessage, Rating
from tests.images import street_photo
from tests.support import (
    MARKET,
    MEMBER,
    advance,
    freeze,
    freeze_now,
    make_case,
    make_resident,
    pushes,
    report,
    report_case,
    resolve,
    the_case,
)

OPENID, NEIGHBOUR = "oResidentRules0000000000001", "oResidentRules0000000000002"
METRES_PER_DEGREE_OF_LATITUDE = 111_195  # on WeChat's sphere (radius 6 371 km)


def held_rows(db) -> list[OutboundMessage]:  # noqa: ANN001
    db.expire_all()
    return list(db.scalars(select(OutboundMessage).where(OutboundMessage.state == "window_closed")))


def squad_accepts(wework, run_worker, fake_platform, db, number: str) -> bool:  # noqa: ANN001
    """签收 by the squad: whether the resident's push about it reached the phone (else it is held)."""
    wework.text(MEMBER, f"签收 {number}")
    run_worker()
    delivered = any(number in text and "已签收" in text for text in pushes(fake_platform, OPENID))
    assert len(held_rows(db)) == (0 if delivered else 1)
    return delivered


# -- WeChat's 48-hour customer-service window -----------------------------------------------------
@pytest.mark.parametrize(("since_last_message", "delivered"), [
    (timedelta(hours=48) - timedelta(minutes=1), True),
    (timedelta(hours=48) + timedelta(minutes=1), False),
], ids=["just inside 48 h: sent", "just outside 48 h: held"])
def test_pushes_reach_the_resident_for_48_hours_after_their_last_message(
        wechat, wework, run_worker, fake_platform, db, clock, since_last_message, delivered):
    reported = freeze_now(clock)
    number = report_case(wechat, OPENID)
    run_worker()
    freeze(clock, reported + since_last_message)
    assert squad_accepts(wework, run_worker, fake_platform, db, number) is delivered


@pytest.mark.parametrize(("sent_49_hours_later", "delivered"), [("LOCATION event", False), ("text", True)],
                         ids=["a LOCATION event: the window stays closed", "a text: it opens"])
def test_a_location_event_does_not_reopen_the_48_hour_window(wechat, wework, run_worker, fake_platform, db, clock,
                                                             sent_49_hours_later, delivered):
    """WeChat's periodic position report is not the resident writing to us."""
    freeze_now(clock)
    number = report_case(wechat, OPENID)
    run_worker()
    advance(clock, hours=49)
    if sent_49_hours_later == "text":
        wechat.text(OPENID, "查询")
    else:
        assert wechat.event(OPENID, "LOCATION", Latitude="29.6012", Longitude="119.0423", Precision="30").text == ""
    assert squad_accepts(wework, run_worker, fake_platform, db, number) is delivered


def test_the_fifth_push_in_a_window_goes_out_and_the_sixth_waits(app, wechat, wework, run_worker, fake_platform, db,
                                                                 clock):
    """Quota of 5 customer-service messages per window: each 退回 and re-dispatch pushes one more."""
    freeze_now(clock)
    number = report_case(wechat, OPENID)
    run_worker()  # push 1: 已派遣
    for push in range(2, 7):
        wework.text(MEMBER, f"退回 {number} 需核实位置")
        assert app.test_cli_runner().invoke(args=["dispatch", number]).exit_code == 0
        run_worker()  # push n: 已重新派遣
        assert len(pushes(fake_platform, OPENID)) == min(push, 5)
    [held] = held_rows(db)
    assert held.payload["notice"] == "redispatched"  # 已重新派遣, put into words when it is delivered

    advance(clock, minutes=10)
    wechat.text(OPENID, "查询")  # a new window: what waited arrives as one summary
    run_worker()
    summary = pushes(fake_platform, OPENID)[-1]
    assert summary.startswith("您反映的问题有以下新进展") and "已重新派遣" in summary


# -- ratings --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("since_resolution", "reply", "ratings"), [
    (timedelta(days=7) - timedelta(minutes=1), "感谢您的评价（满意）", 1),
    (timedelta(days=7) + timedelta(minutes=1), "拍一张现场照片", 0),
], ids=["just inside 7 days: rated", "just outside 7 days: help"])
def test_a_1_rates_the_case_for_7_days_after_resolution(wechat, db, clock, since_resolution, reply, ratings):
    resolved = freeze_now(clock)
    resident = make_resident(db, openid=OPENID, last_interaction_at=resolved)
    make_case(db, resident, state="resolved", dispatched_at=resolved - timedelta(hours=1), resolved_at=resolved)
    freeze(clock, resolved + since_resolution)
    assert reply in wechat.text(OPENID, "1").text
    assert db.scalar(select(func.count()).select_from(Rating)) == ratings


# -- duplicates -----------------------------------------------------------------------------------
def north_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0] + metres / METRES_PER_DEGREE_OF_LATITUDE, point[1]


def merged_cases(db) -> int:  # noqa: ANN001
    return db.scalar(select(func.count()).select_from(Case).where(Case.state == "merged"))


@pytest.mark.parametrize(("later", "merged"), [
    (timedelta(hours=48) - timedelta(minutes=1), True),
    (timedelta(hours=48) + timedelta(minutes=1), False),
], ids=["just inside 48 h: merged", "just outside 48 h: a case of its own"])
def test_the_same_problem_50_m_away_is_merged_for_48_hours(wechat, db, clock, later, merged):
    first_reported = freeze_now(clock)
    first = report_case(wechat, OPENID)
    freeze(clock, first_reported + later)
    reply = report(wechat, NEIGHBOUR, at=north_of(MARKET, 50))
    assert ("已有市民反映" in reply and first in reply) is merged
    assert merged_cases(db) == int(merged)


@pytest.mark.parametrize(("metres", "merged"), [(99, True), (101, False)],
                         ids=["just inside 100 m: merged", "just outside 100 m: a case of its own"])
def test_the_same_problem_within_100_m_is_merged(wechat, db, metres, merged):
    first = report_case(wechat, OPENID)
    reply = report(wechat, NEIGHBOUR, at=north_of(MARKET, metres))
    assert ("已有市民反映" in reply and first in reply) is merged
    assert merged_cases(db) == int(merged)


# -- the draft window and the location memory -----------------------------------------------------
@pytest.mark.parametrize(("minutes", "joined"), [(9, True), (11, False)],
                         ids=["9 min after the text: joins the report", "11 min after: starts a new one"])
def test_a_photo_joins_the_report_begun_less_than_10_minutes_before(wechat, fake_platform, db, clock, minutes,
                                                                   joined):
    freeze_now(clock)
    assert "请发送问题位置" in wechat.text(OPENID, "小区门口井盖没了，很危险").text
    advance(clock, minutes=minutes)
    photo = wechat.image(OPENID, fake_platform.upload(street_photo(gps=None))).text
    assert ("一句话描述" not in photo) is joined  # inside, only the location is still missing
    located = wechat.location(OPENID, *MARKET, label="明珠菜场").text
    assert ("已受理" in located) is joined
    if joined:
        case = db.scalars(select(Case)).one()
        assert case.description == "小区门口井盖没了，很危险" and len(case.media) == 1
    else:
        assert "一句话描述问题" in located and db.scalar(select(func.count()).select_from(Case)) == 0


@pytest.mark.parametrize(("age", "used"), [(timedelta(minutes=10), True), (timedelta(minutes=10, seconds=1), False)],
                         ids=["10 min old: used", "older: not used"])
def test_a_location_event_locates_reports_for_10_minutes(wechat, db, clock, age, used):
    freeze_now(clock)
    wechat.event(OPENID, "LOCATION", Latitude="29.6012", Longitude="119.0423", Precision="30")
    advance(clock, seconds=age.total_seconds())
    reply = wechat.text(OPENID, "路灯不亮好几天了").text
    assert ("已受理" in reply) is used and ("请发送问题位置" in reply) is not used
    located = db.scalars(select(Case).where(Case.location_source == "event")).all()
    assert [(c.lat, c.lng) for c in located] == ([(29.6012, 119.0423)] if used else [])


# -- the resident's data --------------------------------------------------------------------------
def test_deleting_my_information_removes_my_openid_from_the_outbound_messages(wechat, wework, run_worker,
                                                                               fake_platform, db):
    number = report_case(wechat, OPENID)
    run_worker()
    resolve(wework, fake_platform, number)
    run_worker()
    sent = db.scalar(select(func.count()).select_from(OutboundMessage).where(OutboundMessage.target == OPENID))
    assert sent >= 4  # 已派遣, 已签收, 已处置 and the after-photo

    wechat.text(OPENID, "删除我的信息")
    assert "已删除" in wechat.text(OPENID, "确认删除").text
    db.expire_all()
    rows = db.scalars(select(OutboundMessage)).all()
    assert len([row for row in rows if row.channel == "wechat"]) == sent  # kept for the statistics…
    assert [row.id for row in rows if OPENID in row.target or OPENID in json.dumps(row.payload)] == []  # …not whose
    assert the_case(db, number).reporter_id is None
