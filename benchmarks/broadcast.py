"""A notice to 200,000 followers by openid list (20 calls of 10,000) on PostgreSQL, against the fake platform.

    .venv/bin/python benchmarks/broadcast.py [--followers 200000]

Creates the database ``citybot_bench_broadcast``, migrates it, loads the demo area and inserts the followers
(one of them already at WeChat's 4 a month, so the send cannot be one ``sendall`` and goes by openid list).
The fake WeChat platform runs in its own process (``python -m bot.wechat.fake``), so its memory is not counted.
Then, with the real functions the worker runs:

- **audience**: ``start_due`` claims the scheduled broadcast, counts the audience and the residents at the
  limit, and inserts the recipients in parts of ≤ 10,000 (``INSERT … SELECT``);
- **send**: ``send_parts`` sends each part (``message/mass/send`` over HTTP, one transaction per part).

Each step reports its wall time and its peak resident memory above where it started. References in the same run:
the same pipeline for a quarter of the followers (flat memory: the peak should not grow with the audience),
the 20 HTTP calls alone (``requests`` posting the same bodies to the fake: what the send cannot beat), and
loading every openid into a Python list first (the naive way: what the SQL-side planning avoids).
Numbers on this shared 2-core machine vary between runs; compare within a run. Target: < 10 s in all.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import requests  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from bot import create_app  # noqa: E402
from bot.broadcasts import compose  # noqa: E402
from bot.broadcasts.audience import Audience  # noqa: E402
from bot.broadcasts.sending import send_parts, start_due  # noqa: E402
from bot.config import Settings, normalise_database_url  # noqa: E402
from bot.dispatch.actor import Actor  # noqa: E402
from bot.extensions import get_redis  # noqa: E402
from bot.geo.area_file import read_area_file  # noqa: E402
from bot.geo.loading import load_area  # noqa: E402
from bot.models import Broadcast, Resident  # noqa: E402
from bot.models.broadcast import AudienceKind  # noqa: E402
from bot.schema import upgrade  # noqa: E402
from bot.wechat.client import MASS_SEND_MAX, OfficialAccountClient  # noqa: E402

PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = "citybot_bench_broadcast"
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/11")
APPID, SECRET = "wxbenchbroadcast01", "bench-secret"


def rss() -> int:
    """This process's resident memory in bytes (Linux)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure(step: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, seconds, peak MB of resident memory above the start) of ``step``, sampled every 5 ms.

    RSS rather than tracemalloc: tracemalloc slows every allocation several times and would distort the times.
    """
    gc.collect()
    base, peak, done = rss(), [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            peak[0] = max(peak[0], rss() - base)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return result, seconds, max(peak[0], rss() - base) / 1e6


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_fake(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "WECHAT_APPID": APPID, "WECHAT_SECRET": SECRET, "CITYBOT_PROFILE": "embedded"}
    fake = subprocess.Popen([sys.executable, "-m", "bot.wechat.fake", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            return fake
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("the fake platform did not start")


def fill(app: Flask, followers: int) -> None:
    """``followers`` residents; the first already had 4 mass messages this month."""
    db = app.extensions["citybot.db"]
    with db.transaction() as session:
        session.execute(text("TRUNCATE broadcast_recipient, broadcast_send, broadcast, resident RESTART IDENTITY CASCADE"))
        session.execute(text(
            "INSERT INTO resident (openid, subscribed, first_seen, last_seen, held_pushes) "
            "SELECT 'oBench' || lpad(i::text, 22, '0'), true, now(), now(), false FROM generate_series(1, :n) i"),
            {"n": followers + 1})
        deps = app.extensions["citybot.services"].deps
        month = deps.now().astimezone(deps.calendar.zone).strftime("%Y-%m")
        for n in range(4):
            earlier = Broadcast(title=f"earlier {n}", text="x", audience="all", state="sent", created_by="bench",
                                created_by_name="bench", month=month)
            session.add(earlier)
            session.flush()
            session.execute(text("INSERT INTO broadcast_recipient (broadcast_id, resident_id, part, month, counted) "
                                 "VALUES (:b, 1, 0, :m, true)"), {"b": earlier.id, "m": month})
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def pipeline(app: Flask, followers: int) -> dict[str, Any]:
    """Fill, schedule a notice to all (approved), then time the planning and the sending."""
    fill(app, followers)
    db, deps = app.extensions["citybot.db"], app.extensions["citybot.services"].deps
    with db.transaction() as session:
        notice = compose.compose(session, deps, Actor.dispatcher("bench"), compose.Draft(
            "道路施工通知", "新安路夜间施工，请绕行。", Audience(AudienceKind.ALL)))
        compose.submit(session, deps, Actor.dispatcher("bench"), notice, confirm_over_limit=True)
        compose.approve(session, deps, Actor.dispatcher("second"), notice)
        notice.send_at = deps.now() - timedelta(seconds=1)
        pk = notice.id
    with app.app_context():
        client = OfficialAccountClient(deps.settings, get_redis())

        def plan() -> list[int]:
            with db.transaction() as session:
                return start_due(session, deps, pk)

        started, plan_s, plan_mb = measure(plan)
        assert started == [pk]
        state, send_s, send_mb = measure(lambda: send_parts(db.transaction, deps, client, pk))
    with db.transaction() as session:
        sent = session.get_one(Broadcast, pk)
        row = (sent.state, sent.recipients, sent.over_limit)
    assert state == "sent" and row == ("sent", followers, 1), row
    return {"plan_s": plan_s, "plan_mb": plan_mb, "send_s": send_s, "send_mb": send_mb}


def raw_http(base: str, token: str, followers: int) -> tuple[float, float]:
    """The same number of 10,000-openid calls, posted straight to the fake with requests (seconds, peak MB)."""

    def post_all() -> None:
        http = requests.Session()
        for part in range(-(-followers // MASS_SEND_MAX)):
            openids = [f"oBench{n:022d}" for n in range(part * MASS_SEND_MAX, (part + 1) * MASS_SEND_MAX)]
            body = {"touser": openids, "msgtype": "text", "text": {"content": "x"}, "clientmsgid": f"raw-{part}"}
            http.post(f"{base}/cgi-bin/message/mass/send", params={"access_token": token},
                      data=json.dumps(body).encode(), timeout=30).raise_for_status()

    _, seconds, peak = measure(post_all)
    return seconds, peak


def naive_list(app: Flask) -> tuple[float, float]:
    """Every openid loaded into one Python list (the naive planner)."""

    def load() -> int:
        with app.extensions["citybot.db"].transaction() as session:
            return len(session.scalars(select(Resident.openid).where(Resident.subscribed)).all())

    _, seconds, peak = measure(load)
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--followers", type=int, default=200_000)
    args = parser.parse_args()
    port = free_port()
    fake = start_fake(port)
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")
        admin.execute(f"CREATE DATABASE {DB}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app(Settings(profile="embedded", instance_dir=Path(tmp), redis_url=REDIS,
                                      database_url=normalise_database_url(f"{PG}/{DB}"), wechat_appid=APPID,
                                      wechat_secret=SECRET, wechat_api_base_url=f"http://127.0.0.1:{port}",
                                      wechat_http_timeout=30.0))
            engine = app.extensions["citybot.db"].engine
            upgrade(engine)
            with app.app_context():
                get_redis().flushdb()
            with app.extensions["citybot.db"].transaction() as session:
                load_area(session, read_area_file(ROOT / "demo" / "area.geojson"))
            quarter = pipeline(app, args.followers // 4)
            full = pipeline(app, args.followers)
            naive_s, naive_mb = naive_list(app)
            with app.app_context():
                token = OfficialAccountClient(app.extensions["citybot.services"].settings, get_redis())._api.tokens.get()
            http_s, http_mb = raw_http(f"http://127.0.0.1:{port}", token, args.followers)
            engine.dispose()
        report(args.followers, quarter, full, naive_s, naive_mb, http_s, http_mb)
    finally:
        fake.terminate()
        fake.wait()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DB}")


def report(followers: int, quarter: dict[str, Any], full: dict[str, Any], naive_s: float, naive_mb: float,
           http_s: float, http_mb: float) -> None:
    calls = -(-followers // MASS_SEND_MAX)
    total = full["plan_s"] + full["send_s"]
    print(f"notice to {followers:,} followers by openid list ({calls} calls of ≤ {MASS_SEND_MAX:,}), PostgreSQL + fake")
    print(f"  {'step':<44}{'seconds':>9}{'peak MB':>10}")
    rows = [
        (f"audience + plan ({followers // 4:,} followers)", quarter["plan_s"], quarter["plan_mb"]),
        (f"send ({followers // 4:,} followers)", quarter["send_s"], quarter["send_mb"]),
        (f"audience + plan ({followers:,} followers)", full["plan_s"], full["plan_mb"]),
        (f"send ({followers:,} followers)", full["send_s"], full["send_mb"]),
        (f"reference: {calls} HTTP calls alone (requests)", http_s, http_mb),
        ("reference: all openids into one Python list", naive_s, naive_mb),
    ]
    for name, seconds, peak in rows:
        print(f"  {name:<44}{seconds:>9.2f}{peak:>10.1f}")
    print(f"  total (plan + send, {followers:,}): {total:.2f} s (target < 10 s)")
    print(f"  send / HTTP alone: {full['send_s'] / http_s:.2f}×; audience + plan {followers:,} / {followers // 4:,}: "
          f"{full['plan_s'] / quarter['plan_s']:.2f}× the time for 4× the followers")
    print(f"  peak memory above the start, {followers // 4:,} → {followers:,} followers: plan {quarter['plan_mb']:.1f} → "
          f"{full['plan_mb']:.1f} MB, send {quarter['send_mb']:.1f} → {full['send_mb']:.1f} MB (flat); "
          f"one Python list of the openids instead: {naive_mb:.1f} MB")

if __name__ == "__main__":
    main()
