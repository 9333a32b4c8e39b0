"""Fault drills (issue 17): the database cut and frozen, Redis stopped and started, the worker killed with
SIGKILL in the middle of a job. Nothing a resident sent is lost, and the service recovers within a minute.

Marked ``drill``: ``make test`` skips them, ``make drills`` (CI) runs them. The database is the test
database behind a TCP proxy of the test's own; Redis is a private ``redis-server`` (``tests/drills.py``).
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from rq.registry import StartedJobRegistry
from sqlalchemy import func, make_url, select

from bot import texts
from bot.core.spool import Spool
from bot.extensions import get_queues, get_redis
from bot.models import Case, InboundMessage, Media
from tests.conftest import HAVE_POSTGRES, PG_URL
from tests.drills import PrivateRedis, TcpProxy, WorkerProcess, wait_for, worker_environment
from tests.images import street_photo
from tests.support import BARBECUE, MARKET, case_number, pushes, report_case, the_case
from worker.jobs import recover_inbound

pytestmark = [pytest.mark.drill, pytest.mark.skipif(not HAVE_POSTGRES, reason="the drills need PostgreSQL")]

OPENID = "oResidentDrill0000000000001"


@pytest.fixture
def proxy(database_url):  # noqa: ANN001, ANN201
    url = make_url(database_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    yield proxy
    proxy.close()


@pytest.fixture
def private_redis(tmp_path):  # noqa: ANN001, ANN201
    directory = tmp_path / "redis"
    directory.mkdir()
    server = PrivateRedis(directory)
    yield server
    server.stop()


@pytest.fixture
def settings(settings, proxy, private_redis):  # noqa: ANN001, ANN201
    """The app reaches the database through the proxy and uses the private Redis."""
    url = make_url(settings.database_url).set(port=proxy.port)
    return settings.replace(database_url=url.render_as_string(hide_password=False), redis_url=private_redis.url,
                            database_connect_timeout=2, health_timeout=1.0)


@pytest.fixture
def recover(app, run_worker):  # noqa: ANN001, ANN201
    """The worker's recovery job, then the jobs it queued (the replies as customer-service messages)."""

    def run() -> dict[str, int]:
        with app.app_context():
            counts = recover_inbound()
        run_worker()
        return counts

    return run


def replies_in_order(db, openid: str) -> list[str]:  # noqa: ANN001
    """The replies the service gave to ``openid``'s messages, in the order they arrived."""
    db.expire_all()
    rows = db.scalars(select(InboundMessage).where(InboundMessage.from_user == openid)
                      .order_by(InboundMessage.received_at, InboundMessage.id))
    return [row.reply_text for row in rows if row.reply_text]


# -- finding 1: the database down when messages arrive ---------------------------------------------
@pytest.mark.parametrize("redis_too", [False, True], ids=["kept-in-redis", "kept-on-disk"])
def test_database_down_messages_are_kept_and_replayed_in_order_once(
    app, settings, wechat, fake_platform, proxy, private_redis, recover, db, redis_too
):
    photo = fake_platform.upload(street_photo(gps=None))
    proxy.cut()
    if redis_too:
        private_redis.stop()
    answers = [
        wechat.event(OPENID, "subscribe"),
        wechat.image(OPENID, photo),
        wechat.location(OPENID, *MARKET, label="明珠菜场", msg_id=5001),
        wechat.location(OPENID, *MARKET, label="明珠菜场", msg_id=5001),  # WeChat's retry of the same message
        wechat.text(OPENID, BARBECUE),
        wechat.text(OPENID, "谢谢"),
    ]
    assert [(a.status, a.text) for a in answers] == [(200, texts.KEPT_FOR_LATER)] * 6  # never a 500
    kept = Spool(None if redis_too else get_redis_of(app), settings.instance_dir / "spool")
    assert len(kept.pending()) == 6

    proxy.restore()
    if redis_too:
        private_redis.start()
    recover()

    rows = db.scalars(select(InboundMessage).where(InboundMessage.from_user == OPENID)).all()
    assert len(rows) == 5 and {r.state for r in rows} == {"processed"}  # once each, the retry included
    [case] = db.scalars(select(Case)).all()
    assert case.description == BARBECUE and case.address == "明珠菜场"
    assert db.scalar(select(func.count()).select_from(Media).where(Media.case_id == case.id)) == 1  # the photo
    told = pushes(fake_platform, OPENID)
    assert told[: len(replies_in_order(db, OPENID))] == replies_in_order(db, OPENID)  # each reply, in order
    assert told[0].startswith("您好，感谢关注") and any(f"已受理，编号 {case.number}" in t for t in told)
    assert Spool(get_redis_of(app), settings.instance_dir / "spool").pending() == []
    assert recover() == {"rows": 0, "spooled": 0}  # a second run replays nothing


def get_redis_of(app):  # noqa: ANN001, ANN201
    with app.app_context():
        return get_redis()


# -- finding 2: the database dies after the message is recorded, before it is handled --------------
def test_a_message_whose_database_died_mid_handling_is_handled_once(app, settings, wechat, fake_platform, proxy,
                                                                   recover, db):
    wechat.location(OPENID, *MARKET, label="明珠菜场")
    with psycopg.connect(PG_URL, autocommit=False) as blocker:  # the resident's row is busy…
        blocker.execute("SELECT id FROM resident WHERE openid = %s FOR UPDATE", (OPENID,))
        answer: list = []
        sent = threading.Thread(target=lambda: answer.append(wechat.text(OPENID, BARBECUE, msg_id=6001)))
        sent.start()
        wait_for(lambda: blocker.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                         "AND datname = current_database()").fetchone()[0] > 0, timeout=8)
        proxy.cut()  # …and the database goes away after the row was inserted, while the handler waits
        sent.join(timeout=20)
        blocker.rollback()
    assert (answer[0].status, answer[0].text) == (200, texts.KEPT_FOR_LATER)  # kept, not a 500
    assert wechat.text(OPENID, BARBECUE, msg_id=6001).text == texts.KEPT_FOR_LATER  # WeChat's retry, still down
    proxy.restore()
    retried = wechat.text(OPENID, BARBECUE, msg_id=6001)  # WeChat's last retry: handled now
    number = case_number(retried.text)

    assert recover()["spooled"] == 2  # both kept copies: already recorded, so skipped
    [case] = db.scalars(select(Case)).all()
    assert case.number == number and case.description == BARBECUE
    assert db.scalar(select(func.count()).select_from(InboundMessage).where(InboundMessage.msg_id == "6001")) == 1
    assert not any("已受理" in t for t in pushes(fake_platform, OPENID))  # told once, in the reply
    assert Spool(get_redis_of(app), settings.instance_dir / "spool").pending() == []


# -- finding 5: a frozen database ------------------------------------------------------------------
def test_healthz_answers_within_its_bound_while_the_database_is_frozen(app, client, proxy):
    assert client.get("/healthz").status_code == 200
    proxy.freeze()
    try:
        for _ in range(3):  # the probe still hanging is reported at once, not queued behind
            start = time.monotonic()
            response = client.get("/healthz")
            elapsed = time.monotonic() - start
            assert response.status_code == 503 and elapsed < 3  # bound: health_timeout (1 s here)
            assert response.json["database"].startswith("error") and response.json["redis"] == "ok"
    finally:
        proxy.restore()
    wait_for(lambda: client.get("/healthz").status_code == 200, timeout=10)


def test_a_statement_and_a_connection_attempt_are_bounded(app, settings):
    assert settings.database_connect_timeout == 2
    with app.app_context(), app.extensions["citybot.db"].engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "30s"
        assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "10s"


# -- finding 4: the worker killed mid-job; Redis stopped and started --------------------------------
@pytest.fixture
def worker_env(settings, database_url, private_redis, fake_platform):  # noqa: ANN001, ANN201
    """A worker process's environment: the database directly (not through the proxy), the private Redis."""
    return worker_environment(settings, database_url.replace("+psycopg", ""), private_redis.url, fake_platform.url)


def test_a_worker_killed_inside_the_dispatch_transaction_delays_the_case_by_seconds(
    app, wechat, worker_env, tmp_path, db
):
    number = report_case(wechat, OPENID)  # no worker yet: the dispatch job waits in Redis
    case_id = the_case(db, number).id
    with psycopg.connect(PG_URL, autocommit=False) as blocker:
        blocker.execute('SELECT id FROM "case" WHERE id = %s FOR UPDATE', (case_id,))
        first = WorkerProcess(worker_env, tmp_path / "worker-1.log")
        with app.app_context():
            started = StartedJobRegistry(queue=get_queues()["high"])
            wait_for(lambda: started.count > 0, timeout=30)  # the job runs, waiting for the case's row
        first.kill()
        blocker.rollback()
    second = WorkerProcess(worker_env, tmp_path / "worker-2.log")
    try:
        took = wait_for(lambda: the_case(db, number).state == "dispatched", timeout=60, step=0.5)
    finally:
        second.stop()
    assert took < 45, f"the case waited {took:.0f} s"  # RQ's own cleanup alone: over ten minutes


def test_a_push_due_during_a_redis_outage_goes_out_soon_after(
    app, wechat, worker_env, private_redis, fake_platform, tmp_path, db
):
    worker = WorkerProcess(worker_env, tmp_path / "worker.log")
    try:
        fake_platform.fault("/cgi-bin/message/custom/send", errcode=-1)  # the first push fails: retried in 5 s
        report_case(wechat, OPENID)
        wait_for(lambda: fake_platform.calls("/cgi-bin/message/custom/send"), timeout=30)
        private_redis.stop()  # Redis away while the retry is due
        threading.Event().wait(8)
        private_redis.start()
        took = wait_for(lambda: any("已派遣" in t for t in pushes(fake_platform, OPENID)), timeout=60, step=0.5)
        assert worker.process.poll() is None  # the worker lived through it
    finally:
        worker.stop()
    assert took < 30, f"the push went out {took:.0f} s after Redis came back"

