"""The webhook under load, as an independent harness measures it: citybot's /wechat against two references.

Three apps run in turn under gunicorn ``-w 2`` with our ``gunicorn.conf.py`` on PostgreSQL + Redis, in the
same run, on the same machine:

- the bare echo: Flask + wechatpy, verify and echo (``benchmarks/echo_app.py``);
- the recording echo: the same, plus one durable INSERT and commit per message to PostgreSQL — the floor for
  any service that records a message before it answers;
- citybot's ``/wechat``: record, dedupe, handle (a resident's draft), reply.

Closed loop: ``wrk`` (when installed; else a Python client with as many threads as connections) with 2
threads and 16 connections for 10 s; every request is a new signed plain-mode text from one of 2,000
residents in turn, so residents write again while their draft is open. Open loop: a steady 100 requests/s
for 20 s, latency counted from each request's scheduled time (no coordinated omission). Prints req/s and
p50/p95/p99 for each app and the ratios, the CPU time per request of the app's processes and of PostgreSQL's
in the closed loop (where the time goes when the machine's two cores are the limit), and checks that citybot
recorded every message it answered.

    .venv/bin/python benchmarks/webhook.py [--duration 10] [--connections 16] [--rate 100] [--runs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.wechat.envelope import sign  # noqa: E402

TOKEN = "bench-token"
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
BENCH_DB = "citybot_bench"
TEXT = "路边垃圾堆了好几天没人清理"
APPS = (("bare echo", "benchmarks.echo_app:app", False), ("recording echo", "benchmarks.echo_app:app", True),
        ("citybot /wechat", "wsgi:app", False))

WRK_SCRIPT = """
local counter, thread_id = 0, 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  thread_id = tonumber(wrk.thread:get("tid"))
end
function request()
  counter = counter + 1
  local n = counter * 8 + thread_id
  local body = "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[oBench%(run)s"
    .. (n %% %(residents)d) .. "]]></FromUserName><CreateTime>%(ts)s</CreateTime><MsgType><![CDATA[text]]>"
    .. "</MsgType><Content><![CDATA[%(text)s]]></Content><MsgId>%(run)s" .. n .. "</MsgId></xml>"
  return wrk.format("POST", "%(path)s", {["Content-Type"] = "text/xml"}, body)
end
function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format('{"requests": %%d, "seconds": %%f, "p50": %%f, "p95": %%f, "p99": %%f, "errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, non2xx + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"""


def message(run: str, n: int, residents: int) -> bytes:
    return (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[oBench{run}{n % residents}]]>"
            f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{TEXT}]]></Content><MsgId>{run}{n}</MsgId></xml>").encode()


def signed_path(port: int | None = None) -> str:
    ts, nonce = str(int(time.time())), "4242"
    path = f"/wechat?signature={sign(TOKEN, ts, nonce)}&timestamp={ts}&nonce={nonce}"
    return f"http://127.0.0.1:{port}{path}" if port else path


def fresh_database() -> str:
    with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=2) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    return f"{PG}/{BENCH_DB}"


def bench_env(tmp: Path, database_url: str, platform_url: str = "http://127.0.0.1:9") -> dict[str, str]:
    """A production-profile environment (every secret set), pointed at ``platform_url`` for WeChat."""
    return {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:6379/14",
            "CITYBOT_PROFILE": "production", "SECRET_KEY": "bench", "CITYBOT_FAKE_PLATFORM": "0",
            "WECHAT_TOKEN": TOKEN, "WECHAT_APPID": "wxbench", "WECHAT_SECRET": "bench",
            "WEWORK_CORP_ID": "wwbench", "WEWORK_SECRET": "bench", "WEWORK_AGENT_ID": "1000002",
            "WEWORK_TOKEN": "bench", "WEWORK_AES_KEY": "citybotDevWeWorkAesKey0123456789abcdefghijk",
            "CONTACT_ENCRYPTION_KEY": "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=",
            "WECHAT_API_BASE_URL": platform_url, "WEWORK_API_BASE_URL": platform_url, "MEDIA_DIR": str(tmp),
            "PYTHONPATH": str(ROOT)}


@contextmanager
def served(app: str, port: int, env: dict[str, str], workers: int) -> Iterator[int]:
    """``gunicorn -w workers`` with the repository's gunicorn.conf.py (gthread, preload), until the block ends."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "-w", str(workers), "--bind",
                             f"127.0.0.1:{port}", "--log-level", "warning", app],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"{app} did not start") from None
                time.sleep(0.2)
        yield proc.pid
    finally:
        proc.terminate()
        proc.wait()


def closed_loop(port: int, run: str, args: argparse.Namespace) -> dict[str, float]:
    """As many requests as ``connections`` keep in flight for ``duration`` seconds."""
    requests.post(signed_path(port), data=message(run, 0, args.residents), timeout=10)  # warm-up
    if shutil.which("wrk"):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT % dict(run=run, residents=args.residents, ts=int(time.time()), text=TEXT,
                                           path=signed_path()))
        out = subprocess.run(["wrk", "-t", str(args.wrk_threads), "-c", str(args.connections), "-d",
                              f"{args.duration}s", "-s", script.name, f"http://127.0.0.1:{port}"],
                             capture_output=True, text=True, check=True).stdout
        os.unlink(script.name)
        result = json.loads(out.strip().splitlines()[-1])
        return {"rps": result["requests"] / result["seconds"], "p50": result["p50"], "p95": result["p95"],
                "p99": result["p99"], "errors": result["errors"], "requests": result["requests"]}
    return _python_closed_loop(port, run, args)


def _python_closed_loop(port: int, run: str, args: argparse.Namespace) -> dict[str, float]:
    local, counter, lock = threading.local(), [0], threading.Lock()
    stop_at = time.perf_counter() + args.duration
    url = signed_path(port)

    def worker(_: int) -> list[float]:
        session = local.session = requests.Session()
        latencies = []
        while time.perf_counter() < stop_at:
            with lock:
                counter[0] += 1
                n = counter[0]
            started = time.perf_counter()
            session.post(url, data=message(run, n, args.residents), timeout=10).raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies

    started = time.perf_counter()
    with ThreadPoolExecutor(args.connections) as pool:
        latencies = sorted(x for part in pool.map(worker, range(args.connections)) for x in part)
    return {"rps": len(latencies) / (time.perf_counter() - started), **_percentiles(latencies), "errors": 0,
            "requests": len(latencies)}


def open_loop(port: int, run: str, args: argparse.Namespace) -> dict[str, float]:
    """A steady ``rate`` requests/s; each latency counts from the request's scheduled moment."""
    url, total = signed_path(port), args.rate * args.open_seconds
    local = threading.local()
    errors = [0]

    def send(n: int, scheduled: float) -> float:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        response = session.post(url, data=message(run, 10_000_000 + n, args.residents), timeout=10)
        if response.status_code != 200:
            errors[0] += 1
        return (time.perf_counter() - scheduled) * 1000

    start = time.perf_counter() + 0.5
    with ThreadPoolExecutor(64) as pool:
        futures = [pool.submit(send, n, start + n / args.rate) for n in range(total)]
        latencies = sorted(f.result() for f in futures)
    return {**_percentiles(latencies), "errors": errors[0]}


def _percentiles(latencies: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(latencies), "p95": latencies[int(len(latencies) * 0.95)],
            "p99": latencies[int(len(latencies) * 0.99)]}


def cpu_seconds(master: int) -> dict[str, float]:
    """CPU time (user + system) so far of the app (gunicorn's master and workers) and of PostgreSQL's processes."""
    tick, spent = os.sysconf("SC_CLK_TCK"), {"app": 0.0, "postgres": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue  # gone meanwhile
        owner = "app" if int(pid) == master or int(fields[1]) == master else "postgres" if name == "postgres" else None
        if owner:
            spent[owner] += (int(fields[11]) + int(fields[12])) / tick
    return spent


def recorded(database_url: str, run: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM inbound_message WHERE msg_id LIKE %s", (f"{run}%",)).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="closed-loop seconds per app")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=100, help="open-loop requests/s")
    parser.add_argument("--open-seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn -w")
    parser.add_argument("--runs", type=int, default=1, help="repeat the whole comparison")
    args = parser.parse_args()

    database_url = fresh_database()
    client = "wrk" if shutil.which("wrk") else "Python threads (wrk not installed)"
    print(f"webhook benchmark: gunicorn -w {args.workers} (gunicorn.conf.py), PostgreSQL + Redis, {os.cpu_count()} "
          f"CPUs; closed loop {client} {args.wrk_threads} threads × {args.connections} connections × "
          f"{args.duration} s, {args.residents} residents; open loop {args.rate} req/s × {args.open_seconds} s")
    with tempfile.TemporaryDirectory() as tmp:
        env = bench_env(Path(tmp), database_url)
        subprocess.run([str(Path(sys.executable).parent / "citybot"), "init-db"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        for number in range(1, args.runs + 1):
            results: dict[str, dict[str, float]] = {}
            for name, app, record in APPS:
                app_env = {**env, "ECHO_RECORD_URL": database_url} if record else env
                run = f"{time.time_ns() % 10**12}"
                with served(app, 5812, app_env, args.workers) as master:
                    before = cpu_seconds(master)
                    results[name] = closed_loop(5812, run, args)
                    after = cpu_seconds(master)
                    results[name]["cpu"] = {k: (after[k] - before[k]) * 1000 / results[name]["requests"]  # type: ignore[assignment]
                                            for k in after}
                    results[name]["open"] = open_loop(5812, run, args)  # type: ignore[assignment]
                    if app == "wsgi:app":
                        results[name]["recorded"] = recorded(database_url, run)
            report(number, results, args)


def report(number: int, results: dict[str, dict], args: argparse.Namespace) -> None:
    print(f"\nrun {number}")
    for name, r in results.items():
        o = r["open"]
        print(f"  {name:16s} {r['rps']:7.0f} req/s  p50 {r['p50']:6.1f}  p95 {r['p95']:6.1f}  p99 {r['p99']:6.1f} ms"
              f"  errors {r['errors']:.0f}  | {args.rate}/s: p50 {o['p50']:5.1f}  p95 {o['p95']:5.1f}"
              f"  p99 {o['p99']:6.1f} ms  errors {o['errors']}")
        print(f"  {'':16s} CPU per request in the closed loop: app {r['cpu']['app']:.2f} ms, PostgreSQL "
              f"{r['cpu']['postgres']:.2f} ms")
    ours, floor, bare = results["citybot /wechat"], results["recording echo"], results["bare echo"]
    print(f"  citybot / recording echo: {ours['rps'] / floor['rps']:.2f}× throughput (target ≥ 0.7×); "
          f"citybot / bare echo: {ours['rps'] / bare['rps']:.2f}×; recording / bare: {floor['rps'] / bare['rps']:.2f}×")
    print(f"  citybot p99 at the steady rate: {ours['open']['p99']:.1f} ms (target ≤ 50 ms); recording echo "
          f"{floor['open']['p99']:.1f} ms")
    sent = ours["requests"] + 1 + args.rate * args.open_seconds  # closed loop, its warm-up, open loop
    print(f"  citybot recorded {ours['recorded']:.0f} inbound rows for {sent:.0f} messages answered")


if __name__ == "__main__":
    main()
