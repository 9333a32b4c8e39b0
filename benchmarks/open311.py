"""Open311 answer times with 20 000 cases: the app in-process (Flask's test client, no network), PostgreSQL and
Redis as in production. Reference in the same run: ``discovery.json``, which touches neither the database nor
the taxonomy (the cost of the app, the rate limiter and the rendering alone); every other line is a ratio to it.

    .venv/bin/python benchmarks/open311.py [--cases 20000] [--redis redis://127.0.0.1:6379/13]

Creates (and drops) its own database ``bench_open311``; flushes the given Redis database.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import redis  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from bot import create_app  # noqa: E402
from bot.accounts.api_keys import add_key  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.extensions import get_db  # noqa: E402
from bot.geo.area_file import read_area_file  # noqa: E402
from bot.geo.datum import gcj02_to_wgs84  # noqa: E402
from bot.geo.loading import load_area  # noqa: E402
from bot.models import Case  # noqa: E402
from bot.schema import upgrade  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB = "bench_open311"


def timed(call: Callable[[], object], runs: int) -> list[float]:
    call()  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")
    redis.Redis.from_url(args.redis).flushdb()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(profile="test", instance_dir=Path(tmp), media_dir=Path(tmp) / "media",
                                  database_url=f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}",
                                  redis_url=args.redis, open311_rate_limit="1000000/minute"))
        engine = app.extensions["citybot.db"].engine
        upgrade(engine)
        rng = random.Random(7)
        codes = list(app.extensions["citybot.services"].deps.taxonomy.categories)
        now = datetime.now(UTC)
        states = ["received", "dispatched", "accepted", "resolved", "closed"]
        rows = [{"number": f"20260101-{i:06d}", "state": rng.choice(states), "description": "路边有人烤串，烟很大",
                 "category_code": rng.choice(codes), "lat": rng.uniform(29.585, 29.625), "lng": rng.uniform(119.01, 119.07),
                 "datum": "gcj02", "round": 1, "reopen_count": 0, "channel": "wechat",
                 "created_at": now - timedelta(days=rng.uniform(0, 180)), "updated_at": now} for i in range(args.cases)]
        with engine.begin() as connection:
            for start in range(0, len(rows), 10_000):
                connection.execute(insert(Case), rows[start : start + 10_000])
            connection.execute(text('ANALYZE "case"'))
        with app.app_context(), get_db().transaction() as session:
            load_area(session, read_area_file(ROOT / "demo" / "area.geojson"))
            key = add_key(session, "bench", now).key
        client = app.test_client()
        lat, lng = gcj02_to_wgs84(29.609943, 119.053925)
        counter = iter(range(10**9))

        def post() -> object:
            # A new place each time, so no report merges into the last one.
            n = next(counter)
            return client.post("/open311/v2/requests.json", data={
                "api_key": key, "service_code": codes[n % len(codes)], "lat": f"{lat + (n % 40) * 0.002:.6f}",
                "long": f"{lng + (n // 40) * 0.002:.6f}", "description": "路边有人烤串，烟很大"})

        def get(path: str) -> Callable[[], object]:
            def call() -> object:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                return response
            return call

        lines = [
            ("discovery.json (reference)", get("/open311/v2/discovery.json")),
            ("services.json", get("/open311/v2/services.json")),
            ("requests/{id}.json", get("/open311/v2/requests/20260101-000042.json?extensions=true")),
            ("requests.json, 90 days, 1000 of them", get("/open311/v2/requests.json")),
            ("requests.xml, 90 days, 1000 of them", get("/open311/v2/requests.xml")),
            ("requests.json?page_size=50", get("/open311/v2/requests.json?page_size=50")),
            ("POST requests.json (a case opened)", post),
        ]
        print(f"Open311 with {args.cases} cases on PostgreSQL, {args.runs} runs each, in-process (ms)")
        reference = None
        for name, call in lines:
            times = timed(call, args.runs)
            p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[-1]
            reference = reference or p50
            print(f"  {name:40s} p50 {p50:7.1f}  p95 {p95:7.1f}  ×{p50 / reference:6.1f}")
        engine.dispose()
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")


if __name__ == "__main__":
    main()
