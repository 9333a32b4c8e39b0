"""The statistics with 1,000,000 cases on PostgreSQL: p50/p95 of ``citybot stats``, ``figures`` and ``/console/stats``.

Fills ``citybot_bench_stats`` with ``citybot demo-data``'s generator (a year of cases, as
``benchmarks/console_queries.py`` does; ``--reuse`` keeps a filled database), migrates it, then times, ``--runs``
each after a warm-up:

- ``citybot stats --from … --to … --json`` as a whole process, for this month and for the last twelve months
  (reference: the same process running ``citybot --help``: interpreter, imports, app factory);
- ``bot.stats.counting.figures`` in-process for the month and the year (reference: ``SELECT count(*)`` of the
  cases in the same run);
- the worker's ``refresh_stats`` job once, cold (it keeps the pages' default views: ``bot.stats.snapshots``);
- ``/console/stats`` (this month, all units; a week) and ``/public/`` through Flask's test client, signed in as a
  dispatcher through the login form, as people read them (kept results), and two views nobody asked for yet
  (a custom month, one unit), cold: what their first reader waits for.

``citybot stats`` reads through the same snapshots: a finished period is computed once, a running one is kept five
minutes; ``figures()`` is the raw computation every time.

It prints the EXPLAIN ANALYZE of the statements behind the month's and the year's figures (which index, how long).
The virtualenv's and the project's bytecode is compiled first (as an install leaves it): without it a process
spends ~17 s compiling modules. Numbers on this shared 2-core machine vary between runs; compare within a run.

    .venv/bin/python benchmarks/stats.py [--cases 1000000] [--runs 10] [--keep] [--reuse]
"""

from __future__ import annotations

import compileall
import os
import re
import statistics
import subprocess
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
from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import benchmarks.console_queries as console_queries  # noqa: E402
from bot.accounts.users import create_user  # noqa: E402
from bot.models import Case  # noqa: E402
from bot.models.account import Role  # noqa: E402
from bot.stats.counting import figures  # noqa: E402
from bot.stats.period import Period, Scope  # noqa: E402
from bot.stats.snapshots import default_views, forget  # noqa: E402

console_queries.DB = "citybot_bench_stats"  # its own database: the console benchmark may run beside it
PASSWORD = "bench-stats-password-1"


def main() -> None:
    args = console_queries.filled_database_arguments(__doc__, cases=1_000_000, runs=10)
    # A process's start-up is part of `citybot stats`: time it with bytecode, as `make install` (uv
    # --compile-bytecode) and a wheel install leave it, even where PYTHONDONTWRITEBYTECODE stops Python writing it.
    for folder in (ROOT / "bot", ROOT / "worker", *(Path(p) for p in sys.path if p.endswith("site-packages"))):
        compileall.compile_dir(folder, quiet=2, workers=0)
    with tempfile.TemporaryDirectory() as tmp, console_queries.bench_app(Path(tmp), args.reuse, args.keep) as app:
        with Session(app.extensions["citybot.db"].engine) as session:
            have = session.scalar(select(func.count()).select_from(Case))
        if have < args.cases:
            console_queries.fill(app, args.cases - have, args.seed)
        StatsBench(app, args.runs, Path(tmp)).run()


class StatsBench:
    def __init__(self, app: Flask, runs: int, tmp: Path) -> None:
        self.app, self.runs, self.tmp = app, runs, tmp
        self.engine = app.extensions["citybot.db"].engine
        deps = app.extensions["citybot.services"].deps
        self.now, self.zone = deps.now(), deps.calendar.zone
        today = self.now.astimezone(self.zone).date()
        self.month = Period.month(today)
        self.year = Period(Period.month(today - timedelta(days=335)).start, self.month.end)

    def run(self) -> None:
        with Session(self.engine) as session:
            total = session.scalar(select(func.count()).select_from(Case))
        print(f"\n{total} cases on PostgreSQL; {self.runs} runs each after a warm-up; milliseconds; "
              f"month {self.month.label}, year {self.year.label}\n")
        print(f"{'':44} {'p50':>8} {'p95':>8} {'× ref':>7}")
        help_ref = self.measure("reference: citybot --help (process)", lambda: self.cli("--help"))
        for label, period in (("month", self.month), ("year", self.year)):
            self.measure(f"citybot stats --json, {label} (process)", lambda p=period: self.cli(*self.cli_args(p)),
                         help_ref)
        count_ref = self.measure("reference: SELECT count(*) (in-process)", self.count)
        for label, period in (("month", self.month), ("year", self.year)):
            self.measure(f"figures(), {label} (in-process)", lambda p=period: self.figures(p), count_ref)
        client = self.signed_in()
        self.forget()
        started = time.perf_counter()
        with self.app.app_context(), Session(self.engine) as session:
            views = default_views(session, now=self.now, zone=self.zone)
        print(f"{'refresh_stats job, cold (background, every 4 min)':44} {(time.perf_counter() - started) * 1000:8.0f}"
              f"          ({views} periods: today, this week, this month and the ones before)")
        for path in ("/console/stats", "/console/stats?period=week", "/public/"):
            self.measure(f"GET {path}", lambda p=path: self.get(client, p), count_ref)
        for path in ("/console/stats?period=custom&from=2026-03-01&to=2026-03-31", "/console/stats?unit=SQ01"):
            self.forget()
            started = time.perf_counter()
            self.get(client, path)
            print(f"{'GET ' + path[:40] + ' (cold: not kept yet)':44} {(time.perf_counter() - started) * 1000:8.0f}")
        for label, period in (("month", self.month), ("year", self.year)):
            print(f"\nEXPLAIN ANALYZE of figures(), {label}:")
            for line in console_queries.plans(self.engine, lambda s, p=period: figures(
                    s, p, Scope(), now=self.now, zone=self.zone)):
                print("  " + line)

    def measure(self, label: str, once: Callable[[], Any], reference: float | None = None) -> float:
        once()  # warm-up
        times = []
        for _ in range(self.runs):
            started = time.perf_counter()
            once()
            times.append((time.perf_counter() - started) * 1000)
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) > 1 else times[0]
        ratio = f"{p50 / reference:7.1f}" if reference else ""
        print(f"{label:44} {p50:8.0f} {p95:8.0f} {ratio}", flush=True)
        return p50

    def cli_args(self, period: Period) -> list[str]:
        return ["stats", "--from", period.start.isoformat(), "--to", period.end.isoformat(), "--json"]

    def cli(self, *args: str) -> None:
        env = {**os.environ, "DATABASE_URL": str(self.engine.url.render_as_string(hide_password=False)),
               "REDIS_URL": os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/7"),
               "CITYBOT_PROFILE": "embedded", "CITYBOT_INSTANCE_DIR": str(self.tmp)}
        subprocess.run([str(Path(sys.executable).parent / "citybot"), *args], env=env, check=True,
                       stdout=subprocess.DEVNULL)

    def forget(self) -> None:
        """Drop the kept statistics: the next read computes them (what the first reader of a new view waits for)."""
        with Session(self.engine) as session, session.begin():
            forget(session)

    def count(self) -> None:
        with Session(self.engine) as session:
            session.execute(text('SELECT count(*) FROM "case"')).scalar()

    def figures(self, period: Period) -> None:
        with Session(self.engine) as session:
            figures(session, period, Scope(), now=self.now, zone=self.zone)

    def signed_in(self) -> Any:
        """Flask's test client signed in as a dispatcher through the login form."""
        username = f"benchstats{os.getpid()}"
        with self.app.app_context(), self.app.extensions["citybot.db"].transaction() as session:
            create_user(session, username, Role.DISPATCHER, PASSWORD, display_name="压测")
        client = self.app.test_client()
        token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"',
                          client.get("/console/login").get_data(as_text=True))
        assert token, "no CSRF token on the login page"
        response = client.post("/console/login", data={"username": username, "password": PASSWORD,
                                                        "csrf_token": token.group(1)})
        assert response.status_code == 302, response.status_code
        return client

    @staticmethod
    def get(client: Any, path: str) -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)


if __name__ == "__main__":
    main()
