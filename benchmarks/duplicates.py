"""Duplicate check with 100 000 open cases: the indexed bounding-box query vs scanning in Python.

Creates its own database (PostgreSQL when reachable, else SQLite), fills it with open cases spread
over the demo town in 49 categories, then times ``find_primary`` for new reports and prints the
query plan. Reference in the same run: loading every open case of the category and measuring
distances in Python (what the check must not do).

    .venv/bin/python benchmarks/duplicates.py [--cases 100000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from benchmarks.webhook import database_env  # noqa: E402
from bot.config import normalise_database_url  # noqa: E402
from bot.dispatch.duplicates import find_primary  # noqa: E402
from bot.geo.datum import distance_m  # noqa: E402
from bot.models import Case  # noqa: E402
from bot.schema import upgrade  # noqa: E402
from bot.understanding.taxonomy import load_taxonomy  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--checks", type=int, default=500)
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    codes = list(taxonomy.categories)
    rng = random.Random(3)
    with tempfile.TemporaryDirectory() as tmp:
        env = database_env(Path(tmp))
        url = normalise_database_url(env.get("DATABASE_URL") or f"sqlite:///{tmp}/dup.sqlite3")
        engine = create_engine(url)
        upgrade(engine)
        now = datetime.now(UTC)
        rows = [{"number": f"20260101-{i:06d}", "state": rng.choice(["received", "dispatched", "accepted"]),
                 "description": "bench", "category_code": rng.choice(codes), "lat": rng.uniform(29.585, 29.625),
                 "lng": rng.uniform(119.01, 119.07), "datum": "gcj02", "round": 1, "reopen_count": 0,
                 "created_at": now - timedelta(hours=rng.uniform(0, 47)), "updated_at": now}
                for i in range(args.cases)]
        with engine.begin() as connection:
            for start in range(0, len(rows), 10_000):
                connection.execute(insert(Case), rows[start : start + 10_000])
            if engine.dialect.name == "postgresql":
                connection.execute(text('ANALYZE "case"'))
        probes = [Case(category_code=rng.choice(codes), lat=rng.uniform(29.59, 29.62), lng=rng.uniform(119.02, 119.06),
                       created_at=now, id=-1) for _ in range(args.checks)]
        with Session(engine) as session:
            timings, found = [], 0
            for probe in probes:
                started = time.perf_counter()
                group = taxonomy.same_problem(probe.category_code)
                found += find_primary(session, probe, group, 100.0, timedelta(hours=48)) is not None
                timings.append(time.perf_counter() - started)
            sample = probes[: max(20, args.checks // 25)]
            naive = []
            for probe in sample:
                started = time.perf_counter()
                candidates = session.execute(select(Case.id, Case.lat, Case.lng).where(
                    Case.category_code == probe.category_code, Case.state.in_(["received", "dispatched", "accepted"])))
                next((c for c in candidates if distance_m(probe.lat, probe.lng, c.lat, c.lng) <= 100), None)
                naive.append(time.perf_counter() - started)
            plan = ""
            if engine.dialect.name == "postgresql":
                probe = probes[0]
                plan = "\n".join(r[0] for r in session.execute(text(
                    'EXPLAIN SELECT id FROM "case" WHERE category_code = :c AND lat BETWEEN :a AND :b '
                    "AND lng BETWEEN :d AND :e"), {"c": probe.category_code, "a": probe.lat - 0.001,
                                                   "b": probe.lat + 0.001, "d": probe.lng - 0.001,
                                                   "e": probe.lng + 0.001}))
        engine.dispose()
    ms = sorted(t * 1000 for t in timings)
    print(f"duplicate check: {args.cases} open cases ({engine.dialect.name}), {len(probes)} new reports, "
          f"{found} duplicates found")
    print(f"  find_primary (indexed bounding box)   p50 {statistics.median(ms):6.2f} ms   p95 {ms[int(len(ms) * .95)]:6.2f} ms")
    print(f"  reference: scan the category in Python  p50 {statistics.median(naive) * 1000:6.2f} ms")
    print(f"  ratio: {statistics.median(naive) / statistics.median(timings):.0f}×")
    if plan:
        print("  plan: " + plan.replace("\n", "\n        "))


if __name__ == "__main__":
    main()
