"""Notices (群发): area subscriptions as WeChat tags, the monthly limit, approval of sends to all, sending once
whatever the workers and retries, WeChat's finish report, and what residents see (通知, the notice page).

Everything goes through the real webhook, worker, database and fake WeChat platform over HTTP.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from bot.broadcasts import compose, subscriptions
from bot.broadcasts.audience import parse_audience
from bot.broadcasts.errors import NeedsConfirmation, SelfApproval
from bot.broadcasts.sending import start_due
from bot.dispatch.actor import Actor
from bot.extensions import get_db, get_queues
from bot.jobs import enqueue
from bot.models import Broadcast, BroadcastSend, Resident
from tests.conftest import TOKEN
from tests.console import add_user
from tests.images import street_photo
from tests.support import ZONE, advance, freeze, make_resident, report

ALICE, CAROL = Actor.dispatcher("alice", "李调度"), Actor.dispatcher("carol", "王值班")


def mass_jobs(fake_platform) -> list[dict]:  # noqa: ANN001
    return requests.get(f"{fake_platform.url}/_fake/mass-jobs").json()["jobs"]


def residents(db, count: int, prefix: str = "oBroadcastResident") -> list[Resident]:  # noqa: ANN001
    return [make_resident(db, openid=f"{prefix}{i:010d}") for i in range(count)]


def subscribe_all(app, people: list[Resident], area: str) -> None:  # noqa: ANN001
    with app.app_context(), get_db().transaction() as session:
        for person in people:
            subscriptions.subscribe(session, session.get_one(Resident, person.id), area, datetime.now(ZONE))


def broadcast(app, to: str, title: str = "道路施工通知", text: str = "11月25日起新安路夜间施工，请绕行。",  # noqa: ANN001
              by: Actor = ALICE, at: datetime | None = None, image=None, confirm: bool = False) -> int:  # noqa: ANN001
    """Compose and submit, as the console and the CLI do; the broadcast's id."""
    with app.app_context(), get_db().transaction() as session:
        deps = app.extensions["citybot.services"].deps
        created = compose.compose(session, deps, by, compose.Draft(title, text, parse_audience(session, to), at, image))
        compose.submit(session, deps, by, created, confirm_over_limit=confirm)
        return created.id


def the_broadcast(db, pk: int) -> Broadcast:  # noqa: ANN001
    db.expire_all()
    return db.get_one(Broadcast, pk)


# -- residents: 订阅 / 退订 / 我的订阅 ------------------------------------------------------------------
def test_residents_choose_areas_by_name(wechat, db):
    me = "oSubscriberResident00000001"
    listed = wechat.text(me, "订阅").text
    assert "千岛湖镇" in listed and "明珠社区" in listed and "订阅 " in listed
    assert wechat.text(me, "订阅 明珠").text.startswith("已订阅“明珠社区”的通知")  # fuzzy: 明珠 → 明珠社区
    assert "已订阅“明珠社区”" in wechat.text(me, "订阅 明珠社区").text
    assert "多个区域" in wechat.text(me, "订阅 坪山").text  # 坪山街道 and 坪山社区
    assert "未找到“火星”" in wechat.text(me, "订阅 火星").text
    assert "排岭街道" in wechat.text(me, "订阅 排岭街道").text
    assert "排岭街道、明珠社区" in wechat.text(me, "我的订阅").text
    assert wechat.text(me, "退订 明珠").text == "已退订“明珠社区”的通知。"
    assert "没有订阅“明珠社区”" in wechat.text(me, "退订 明珠").text
    assert "明珠社区" not in wechat.text(me, "我的订阅").text


def test_subscriptions_become_tags_in_batches_of_50_and_leave_them(app, wechat, run_worker, fake_platform, db):
    people = residents(db, 119)
    subscribe_all(app, people, "明珠社区")
    wechat.text("oSubscriberResident00000120", "订阅 明珠")  # the 120th, through the chat
    run_worker()
    created = fake_platform.calls("/cgi-bin/tags/create")
    assert [c["body"] for c in created] == [{"tag": {"name": "明珠社区"}}]
    tagging = [c["body"] for c in fake_platform.calls("/cgi-bin/tags/members/batchtagging")]
    assert [len(b["openid_list"]) for b in tagging] == [50, 50, 20]
    tag_id = tagging[0]["tagid"]
    assert {b["tagid"] for b in tagging} == {tag_id}

    for person in people[:58]:
        wechat.text(person.openid, "退订 明珠社区")
    wechat.event(people[58].openid, "unsubscribe")  # unfollowing leaves every tag
    wechat.text(people[59].openid, "退订 明珠社区")  # and a resident changes their mind:
    wechat.text(people[59].openid, "订阅 明珠社区")  # nothing to untag for them
    run_worker()
    untagging = [c["body"] for c in fake_platform.calls("/cgi-bin/tags/members/batchuntagging")]
    assert [len(b["openid_list"]) for b in untagging] == [50, 9]
    assert people[58].openid in untagging[1]["openid_list"] and people[59].openid not in sum(
        (b["openid_list"] for b in untagging), [])
    assert len(fake_platform.calls("/cgi-bin/tags/create")) == 1  # the tag is made once


# -- sending ---------------------------------------------------------------------------------------
def test_an_area_notice_goes_out_by_tag_id_with_its_link_and_image(app, run_worker, fake_platform, db, tmp_path):
    subscribe_all(app, residents(db, 3), "明珠")
    photo = tmp_path / "works.jpg"
    photo.write_bytes(street_photo(gps=None))
    pk = broadcast(app, "area:明珠", image=photo)
    run_worker()

    (call,) = fake_platform.calls("/cgi-bin/message/mass/sendall")
    tag_id = fake_platform.calls("/cgi-bin/tags/create")  # synced just before the send
    assert tag_id and call["body"]["filter"] == {"is_to_all": False, "tag_id": 101}  # not group_id
    assert call["body"]["msgtype"] == "image" and call["body"]["clientmsgid"] == f"citybot-{pk}-0"
    images = call["body"]["images"]
    assert images["recommend"] == f"【道路施工通知】\n11月25日起新安路夜间施工，请绕行。\n\nhttp://citybot.test/public/notices/{pk}"
    (material,) = fake_platform.calls("/cgi-bin/material/add_material")
    assert material["params"]["type"] == "image" and len(images["media_ids"]) == 1
    sent = the_broadcast(db, pk)
    assert (sent.state, sent.recipients, sent.over_limit) == ("sent", 3, 0)
    (part,) = db.scalars(select(BroadcastSend).where(BroadcastSend.broadcast_id == pk))
    assert part.msg_id == str(mass_jobs(fake_platform)[0]["msg_id"]) and part.msg_data_id


def test_the_fifth_notice_of_a_month_skips_residents_who_had_four(app, run_worker, fake_platform, db, clock):
    """WeChat's limit per follower and calendar month (in the bureau's zone): 4 inside, the 5th outside."""
    freeze(clock, datetime(2026, 11, 30, 20, 0, tzinfo=ZONE))
    busy, calm, quiet = residents(db, 3)
    subscribe_all(app, [busy], "排岭社区")
    subscribe_all(app, [busy, calm, quiet], "明珠社区")
    for n in range(3):
        broadcast(app, "area:排岭社区", title=f"第{n + 1}条")
    broadcast(app, "area:明珠社区", title="第4条")  # everybody under the limit: by tag
    run_worker()
    assert len(fake_platform.calls("/cgi-bin/message/mass/sendall")) == 4

    fifth = broadcast(app, "area:明珠社区", title="第5条")
    run_worker()
    (by_list,) = fake_platform.calls("/cgi-bin/message/mass/send")  # busy had 4: the rest by openid list
    assert sorted(by_list["body"]["touser"]) == sorted([calm.openid, quiet.openid])
    assert (the_broadcast(db, fifth).recipients, the_broadcast(db, fifth).over_limit) == (2, 1)

    freeze(clock, datetime(2026, 12, 1, 0, 0, tzinfo=ZONE))  # a new month in Shanghai (still November in UTC)
    broadcast(app, "area:明珠社区", title="十二月第1条")
    run_worker()
    assert len(fake_platform.calls("/cgi-bin/message/mass/sendall")) == 5  # everybody again, by tag


def test_a_send_to_all_waits_for_a_second_person(app, run_worker, fake_platform, db):
    residents(db, 3)
    add_user(app, "carol", "dispatcher", name="王值班")
    add_user(app, "victor", "viewer")
    pk = broadcast(app, "all", title="台风预警")
    run_worker()
    assert the_broadcast(db, pk).state == "awaiting_approval" and not fake_platform.calls("/cgi-bin/message/mass/sendall")

    with app.app_context(), get_db().transaction() as session, pytest.raises(SelfApproval):
        compose.approve(session, app.extensions["citybot.services"].deps, ALICE, compose.get(session, pk))
    cli = app.test_cli_runner()
    refused = cli.invoke(args=["broadcast", "approve", str(pk), "--by", "victor"])
    assert refused.exit_code != 0 and "not an active dispatcher or admin" in refused.output
    approved = cli.invoke(args=["broadcast", "approve", str(pk), "--by", "carol"])
    assert approved.exit_code == 0, approved.output
    run_worker()
    (call,) = fake_platform.calls("/cgi-bin/message/mass/sendall")
    assert call["body"]["filter"] == {"is_to_all": True}
    done = the_broadcast(db, pk)
    assert (done.state, done.approved_by_name) == ("sent", "王值班")


def test_sending_to_all_when_most_followers_are_at_the_limit_must_be_confirmed(app, run_worker, fake_platform, db):
    people = residents(db, 3)
    subscribe_all(app, people[:2], "明珠社区")
    for n in range(4):
        broadcast(app, "area:明珠社区", title=f"第{n + 1}条")
    run_worker()
    with pytest.raises(NeedsConfirmation) as refused:
        broadcast(app, "all", title="全体通知")
    assert (refused.value.total, refused.value.over_limit) == (3, 2)
    pk = broadcast(app, "all", title="全体通知", confirm=True)
    assert the_broadcast(db, pk).state == "awaiting_approval"


def test_two_workers_racing_on_a_scheduled_notice_send_it_once(app, wechat, run_worker, fake_platform, db, clock):
    openids = [f"oReporterResident00000{n:05d}" for n in range(3)]
    for openid in openids:
        report(wechat, openid)
    freeze(clock, datetime.now(ZONE).replace(microsecond=0))
    pk = broadcast(app, "reported:明珠社区:7", at=clock.now() + timedelta(hours=1))
    run_worker()
    assert the_broadcast(db, pk).state == "scheduled"
    advance(clock, hours=1)

    barrier, started = threading.Barrier(2), []

    def worker() -> None:
        with app.app_context(), get_db().transaction() as session:
            barrier.wait()
            started.append(start_due(session, app.extensions["citybot.services"].deps))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(started) == [[], [pk]]
    with app.app_context():  # both workers' jobs, and the periodic one, run
        enqueue(get_queues(), "send_broadcast", pk)
        enqueue(get_queues(), "start_due_broadcasts")
    run_worker()
    run_worker()
    (call,) = fake_platform.calls("/cgi-bin/message/mass/send")
    assert sorted(call["body"]["touser"]) == openids
    assert len(mass_jobs(fake_platform)) == 1 and the_broadcast(db, pk).state == "sent"


def test_a_send_whose_answer_was_lost_is_retried_without_a_second_send(app, wechat, run_worker, fake_platform, db):
    for n in range(3):
        report(wechat, f"oReporterResident00000{n:05d}")
    requests.post(f"{fake_platform.url}/_fake/fault", json={"path": "/cgi-bin/message/mass/send", "lose_answer": True})
    pk = broadcast(app, "reported:明珠:7")
    run_worker()
    part = db.scalar(select(BroadcastSend).where(BroadcastSend.broadcast_id == pk))
    assert (part.state, part.attempts, the_broadcast(db, pk).state) == ("pending", 1, "sending")  # RQ retries later

    with app.app_context():
        enqueue(get_queues(), "send_broadcast", pk)  # RQ's retry
    run_worker()
    calls = fake_platform.calls("/cgi-bin/message/mass/send")
    assert len(calls) == 2 and {c["body"]["clientmsgid"] for c in calls} == {f"citybot-{pk}-0"}
    (job,) = mass_jobs(fake_platform)  # WeChat ran one job: the retry was answered 45065
    db.expire_all()
    part = db.get_one(BroadcastSend, part.id)
    assert (part.state, part.msg_id, the_broadcast(db, pk).state) == ("sent", str(job["msg_id"]), "sent")


def test_a_permanent_error_fails_the_notice_with_the_error(app, wechat, run_worker, fake_platform, db):
    for n in range(2):
        report(wechat, f"oReporterResident00000{n:05d}")
    fake_platform.fault("/cgi-bin/message/mass/send", errcode=45028)  # no quota left
    pk = broadcast(app, "reported:明珠:7")
    run_worker()
    failed = the_broadcast(db, pk)
    assert failed.state == "failed" and "45028" in (failed.error or "")


def test_wechat_finish_report_is_recorded_once(app, live_url, run_worker, fake_platform, db):
    subscribe_all(app, residents(db, 4), "明珠社区")
    pk = broadcast(app, "area:明珠社区")
    run_worker()
    (job,) = mass_jobs(fake_platform)
    finish = {"msg_id": job["msg_id"], "url": f"{live_url}/wechat", "token": TOKEN, "filtered": 1, "errors": 1}
    for _ in range(2):  # WeChat retries when it does not hear back in time
        posted = requests.post(f"{fake_platform.url}/_fake/mass-finish", json=finish).json()
        assert posted["status"] == 200 and posted["answer"] == "success"
    db.expire_all()
    part = db.scalar(select(BroadcastSend).where(BroadcastSend.broadcast_id == pk))
    assert (part.state, part.status, part.total_count, part.filter_count, part.sent_count, part.error_count) == (
        "finished", "send success", 4, 3, 2, 1)
    assert db.scalar(select(Resident).where(Resident.openid == "mphelper")) is None  # WeChat is not a resident
    listed = app.test_cli_runner().invoke(args=["broadcast", "list"]).output
    assert f"{pk}\tsent\tarea:明珠社区\t" in listed and "\t4/0\t2\t道路施工通知" in listed


def test_preview_goes_to_one_staff_member(app, run_worker, fake_platform, db):
    pk = broadcast(app, "all", title="预览测试")
    with app.app_context(), get_db().transaction() as session:
        compose.request_preview(session, compose.get(session, pk), "oStaffPreview0000000001")
    run_worker()
    (call,) = fake_platform.calls("/cgi-bin/message/mass/preview")
    assert call["body"]["touser"] == "oStaffPreview0000000001" and "预览测试" in call["body"]["text"]["content"]
    assert the_broadcast(db, pk).state == "awaiting_approval"  # a preview sends nothing to anyone else


def test_content_is_checked_against_wechat_limits(app):
    with pytest.raises(compose.BadContent, match="title"):
        broadcast(app, "all", title="")
    with pytest.raises(compose.BadContent, match="bytes over"):
        broadcast(app, "all", text="长" * 700)  # 2100 bytes in UTF-8
    broadcast(app, "all", text="长" * 600)


# -- residents read the notices -------------------------------------------------------------------
def test_residents_list_the_last_five_notices_and_open_their_pages(app, wechat, run_worker, client, db, clock):
    me = "oNoticeReader000000000001"
    freeze(clock, datetime(2026, 11, 20, 10, 0, tzinfo=ZONE))
    assert wechat.text(me, "通知").text.startswith("暂无通知")
    wechat.text(me, "订阅 明珠")
    subscribe_all(app, residents(db, 1), "明珠社区")
    subscribe_all(app, residents(db, 1, prefix="oElsewhere"), "排岭社区")
    ids = []
    for n in range(6):  # three in November, three in December: within WeChat's 4 a month
        if n == 3:
            freeze(clock, datetime(2026, 12, 2, 10, 0, tzinfo=ZONE))
        ids.append(broadcast(app, "area:明珠社区", title=f"通知{n}"))
        advance(clock, minutes=1)
        run_worker()
    broadcast(app, "area:排岭社区", title="别处的通知")  # not for this resident
    run_worker()
    answer = wechat.text(me, "通知").text
    assert answer.count("http://citybot.test/public/notices/") == 5 and "通知5" in answer and "通知0" not in answer
    assert "别处" not in answer
    assert wechat.event(me, "CLICK", EventKey="NOTICES").text == answer

    page = client.get(f"/public/notices/{ids[-1]}")  # no login
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "通知5" in html and "新安路夜间施工" in html and "城市管理局" in html
    draft = broadcast(app, "all", title="未发出")
    assert client.get(f"/public/notices/{draft}").status_code == 404
