"""The report workbook on PostgreSQL: how long the worker takes to make a week's and a month's 一周一报 / 一月公示.

Creates the database ``citybot_bench_reports``, migrates it, loads the demo area and directory, fills it with
``citybot demo-data``'s generator (a year of cases), VACUUM ANALYZE, then times, ``--runs`` times each after a
warm-up, for the last whole week and the last whole month:

- the reference: ``figures()`` of the period, the 汇总 sheet's numbers alone (one call of the statistics service);
- ``build()``: everything the workbook shows (totals and the previous period, per unit, category and channel,
  time to resolve, the daily trend, 超期 and 返工 lists) and the ``.xlsx`` written by XlsxWriter.

Numbers on this shared 2-core machine vary between runs; compare within a run (the ratio).

    .venv/bin/python benchmarks/reports.py [--cases 200000] [--runs 5] [--keep] [--reuse]

``--keep`` leaves the database for a later ``--reuse`` (which skips the fill if it holds cases already).
PostgreSQL is ``postgresql://postgres@127.0.0.1:5432`` unless ``BENCH_PG`` says otherwise.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

import benchmarks.console_queries as console_queries  # noqa: E402
from bot.models import Case  # noqa: E402
from bot.stats.counting import figures  # noqa: E402
from bot.stats.period import Period, Scope  # noqa: E402
from bot.stats.reports import build  # noqa: E402
from bot.stats.snapshots import forget  # noqa: E402

console_queries.DB = "citybot_bench_reports"  # its own database (the same filling as the console's benchmark)


def main() -> None:
    args = console_queries.filled_database_arguments(__doc__, cases=200_000, runs=5)
    with tempfile.TemporaryDirectory() as tmp, console_queries.bench_app(Path(tmp), args.reuse, args.keep) as app:
        run(app, args)


def run(app: Flask, args: argparse.Namespace) -> None:
    db, deps = app.extensions["citybot.db"], app.extensions["citybot.services"].deps
    with db.transaction() as session:
        held = session.scalar(select(func.count()).select_from(Case)) or 0
    if held < args.cases:
        console_queries.fill(app, args.cases - held, args.seed)
        held = args.cases
    today = deps.now().astimezone(deps.calendar.zone).date()
    periods = {"week": Period.week(today - timedelta(days=7)), "month": Period.month(today.replace(day=1) - timedelta(days=1))}
    print(f"{held} cases; {args.runs} runs each after a warm-up; seconds")
    print(f"{'':28}{'p50':>8}{'p95':>8}  ratio to the reference (p50)")
    for kind, period in periods.items():
        with db.transaction() as session:
            reference = timed(lambda p=period: figures(session, p, Scope(), now=deps.now(), zone=deps.calendar.zone),
                              args.runs)
            # Cold, as the worker makes it once a period: nothing kept from the run before (bot.stats.snapshots).
            whole = timed(lambda p=period: build(session, deps, p), args.runs,
                          before=lambda: forget_kept(db))
            size = len(build(session, deps, period)[1])
        print(f"{kind} {period.label:<22}")
        print(f"  {'figures() (reference)':26}{reference[0]:8.3f}{reference[1]:8.3f}")
        print(f"  {'build(): data + .xlsx':26}{whole[0]:8.3f}{whole[1]:8.3f}  {whole[0] / reference[0]:.1f}×"
              f"  ({size // 1024} KB)")


def forget_kept(db: Any) -> None:
    """Drop the kept statistics in a transaction of their own (the snapshots are stored in their own, too)."""
    with db.transaction() as session:
        forget(session)


def timed(call: Callable[[], object], runs: int, before: Callable[[], object] = lambda: None) -> tuple[float, float]:
    before()
    call()  # warm-up
    times = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95


if __name__ == "__main__":
    main()
