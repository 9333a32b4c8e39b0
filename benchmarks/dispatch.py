"""Dispatch latency: a resident's report creates a case → the squad's card reaches WeChat Work.

Runs the real thing: gunicorn (our app), one ``citybot worker``, the fake platform in its own
process, PostgreSQL + Redis (or the embedded profile). Residents report at a steady rate (default
20 cases/s); for each case we time from the webhook's reply carrying the case number to the fake
platform receiving the card. Reference in the same run: the bare queue hop (enqueue → a no-op job
starting on the same worker), the floor any job-based dispatch pays.

    .venv/bin/python benchmarks/dispatch.py [--cases 200 --rate 20]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.webhook import TOKEN, bench_env  # noqa: E402
from bot.wechat.envelope import sign  # noqa: E402

WEB, FAKE = 5821, 5822
NUMBER = re.compile(r"\d{8}-\d{4}")


def post(session: requests.Session, xml: str) -> str:
    ts, nonce = str(int(time.time())), "1"
    response = session.post(f"http://127.0.0.1:{WEB}/wechat", data=xml.encode(), timeout=10,
                            params={"signature": sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce})
    response.raise_for_status()
    return response.text


def spot(n: int) -> tuple[float, float]:
    """Report n's place: a 20 × 12 lattice over the town, 250–330 m apart, so no two are duplicates."""
    return 29.588 + (n // 20) * 0.003, 119.013 + (n % 20) * 0.0028


def report(session: requests.Session, n: int, run: str) -> tuple[str, float]:
    openid, now = f"oBench{run}{n}", int(time.time())
    lat, lng = spot(n)
    head = f"<xml><ToUserName>gh</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>{now}</CreateTime>"
    post(session, head + f"<MsgType>location</MsgType><Location_X>{lat:.6f}</Location_X><Location_Y>{lng:.6f}"
                         f"</Location_Y><Label>测试点{n}</Label><MsgId>{run}{n}1</MsgId></xml>")
    reply = post(session, head + f"<MsgType>text</MsgType><Content>路边有人烤串，烟很大</Content>"
                                 f"<MsgId>{run}{n}2</MsgId></xml>")
    return NUMBER.search(reply).group(0), time.time()


def percentiles(values: list[float]) -> str:
    values = sorted(values)
    return (f"p50 {statistics.median(values) * 1000:7.1f} ms   p95 {values[int(len(values) * 0.95)] * 1000:7.1f} ms"
            f"   max {values[-1] * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=1, help="citybot worker processes")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent

    with tempfile.TemporaryDirectory() as tmp:
        env = bench_env(Path(tmp), f"http://127.0.0.1:{FAKE}")
        citybot = str(bin_dir / "citybot")
        for command in (["init-db"], ["load-area", "demo/area.geojson"], ["load-directory", "demo/directory.yaml"]):
            subprocess.run([citybot, *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        quiet = {"cwd": ROOT, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        procs = [
            subprocess.Popen([sys.executable, "-m", "bot.wechat.fake", "--port", str(FAKE)], **quiet),
            subprocess.Popen([str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{WEB}", "--workers", "2",
                              "--threads", "4", "wsgi:app"], **quiet),
        ] + [subprocess.Popen([citybot, "worker"], **quiet) for _ in range(args.workers)]
        try:
            for url in (f"http://127.0.0.1:{WEB}/healthz", f"http://127.0.0.1:{FAKE}/_fake/calls"):
                for _ in range(150):
                    try:
                        requests.get(url, timeout=0.5).raise_for_status()
                        break
                    except requests.RequestException:
                        time.sleep(0.2)
            time.sleep(3)  # the worker loads the classifier-free job path and registers
            created: dict[str, float] = {}
            local = threading.local()
            run = str(int(time.time()))
            report(requests.Session(), 0, run)  # warm-up: tokens, connections

            def one(n: int) -> tuple[str, float]:
                local.session = getattr(local, "session", None) or requests.Session()
                return report(local.session, n, run)

            started = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:  # residents report at a steady rate, whatever each reply takes
                futures = []
                for n in range(1, args.cases + 1):
                    time.sleep(max(0.0, started + n / args.rate - time.perf_counter()))
                    futures.append(pool.submit(one, n))
                for future in futures:
                    number, at = future.result()
                    created[number] = at
            achieved = args.cases / (time.perf_counter() - started)

            received: dict[str, float] = {}
            deadline = time.time() + 120
            while len(received) < len(created) and time.time() < deadline:
                calls = requests.get(f"http://127.0.0.1:{FAKE}/_fake/calls",
                                     params={"path": "/cgi-bin/message/send"}).json()["calls"]
                for call in calls:
                    card = call["body"].get("template_card") or {}
                    title = (card.get("main_title") or {}).get("title", "")
                    match = NUMBER.search(title)
                    if match and match.group(0) in created:
                        received.setdefault(match.group(0), call["at"])
                time.sleep(0.5)
            latencies = [received[n] - created[n] for n in received]

            connection = redis.Redis.from_url(env["REDIS_URL"]) if "REDIS_URL" in env else None
            hops: list[float] = []
            if connection is not None:
                from rq import Queue

                connection.delete("bench:ping")
                queue = Queue("high", connection=connection)
                for _ in range(100):
                    queue.enqueue("benchmarks.jobs.ping", time.time())
                    time.sleep(1 / args.rate)
                for _ in range(100):
                    if connection.llen("bench:ping") >= 100:
                        break
                    time.sleep(0.1)
                hops = [float(v) for v in connection.lrange("bench:ping", 0, -1)]
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait()

    print(f"\ndispatch latency: {args.cases} cases at {achieved:.1f} cases/s, {args.workers} worker(s), "
          f"{len(received)}/{len(created)} cards received")
    print(f"  case number given → card at the fake WeChat Work   {percentiles(latencies)}")
    if hops:
        print(f"  reference: enqueue → no-op job on the same worker  {percentiles(hops)}")
        print(f"  ratio (p50): {statistics.median(latencies) / statistics.median(hops):.1f}×")


if __name__ == "__main__":
    main()
