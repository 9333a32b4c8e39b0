"""The console's queries with 1,000,000 cases on PostgreSQL: p50/p95 of the real functions, with references.

Creates the database ``citybot_bench_console``, migrates it, loads the demo area and directory, fills it
with ``citybot demo-data``'s generator (``bot.cli.demo_data.generate``, a year of cases), VACUUM ANALYZE, then
times with the functions the console calls (``bot.dispatch.case_search``, ``--runs`` each, after a warm-up):

- the dashboard: ``counters`` + ``newest`` (reference: a plain ``SELECT count(*)`` of the cases);
- filtered first pages (a squad's open cases by deadline, a category this month, 超期, a grid's closed
  cases, a leader's list, a channel, a word of the description);
- deep pages: the page after following 2000 cursors (100 000 cases in), and after 500 000 cases, newest
  and by deadline (reference: the same page by OFFSET, checked to be the same cases);
- a case by number with its events (what the case page loads);
- when the console is on this branch (``bot/console``), the real pages over HTTP: Flask's test client signed
  in as a dispatcher through the login form gets the dashboard, two filtered lists, a deep page and case pages.

It prints each query's plan (EXPLAIN ANALYZE of the statements the function ran: which index, how long).
Numbers on this shared 2-core machine vary between runs; compare within a run.

    .venv/bin/python benchmarks/console_queries.py [--cases 1000000] [--runs 50] [--keep] [--reuse]

``--keep`` leaves the database for a later ``--reuse`` (which skips the fill if it holds cases already).
PostgreSQL is ``postgresql://postgres@127.0.0.1:5432`` unless ``BENCH_PG`` says otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import Engine, event, func, select, text  # noqa: E402
from sqlalchemy.orm import Session, selectinload  # noqa: E402

from bot import create_app  # noqa: E402
from bot.cli.demo_data import generate  # noqa: E402
from bot.config import Settings, normalise_database_url  # noqa: E402
from bot.dispatch.case_search import CaseFilter, counters, newest, search  # noqa: E402
from bot.dispatch.directory import load_directory, read_directory  # noqa: E402
from bot.geo.area_file import read_area_file  # noqa: E402
from bot.geo.loading import load_area  # noqa: E402
from bot.models import Case  # noqa: E402
from bot.schema import upgrade  # noqa: E402

PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = "citybot_bench_console"


def filled_database_arguments(description: str | None, cases: int, runs: int) -> argparse.Namespace:
    """The command line of a benchmark on a database filled with demo cases (this one, the statistics', the
    reports'): how many cases, runs and the seed, and whether to keep the database or reuse a kept one."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=cases)
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the database for --reuse")
    parser.add_argument("--reuse", action="store_true", help="use the database if it already holds the cases")
    return parser.parse_args()


def main() -> None:
    args = filled_database_arguments(__doc__, cases=1_000_000, runs=50)
    with tempfile.TemporaryDirectory() as tmp, bench_app(Path(tmp), args.reuse, args.keep) as app:
        with Session(app.extensions["citybot.db"].engine) as session:
            have = session.scalar(select(func.count()).select_from(Case))
        if have < args.cases:
            fill(app, args.cases - have, args.seed)
        Bench(app, args.runs).run()


@contextmanager
def bench_app(tmp: Path, reuse: bool, keep: bool) -> Iterator[Flask]:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone() is not None
        if exists and not reuse:
            admin.execute(f"DROP DATABASE {DB}")
        if not exists or not reuse:
            admin.execute(f"CREATE DATABASE {DB}")
    app = create_app(Settings(profile="embedded", instance_dir=tmp, database_url=normalise_database_url(f"{PG}/{DB}"),
                              redis_url=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/7")))
    engine = app.extensions["citybot.db"].engine
    upgrade(engine)
    try:
        yield app
    finally:
        engine.dispose()
        if not keep:
            with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE {DB}")


def fill(app: Flask, cases: int, seed: int) -> None:
    db, deps = app.extensions["citybot.db"], app.extensions["citybot.services"].deps
    started = time.perf_counter()
    with db.transaction() as session:
        load_area(session, read_area_file(ROOT / "demo" / "area.geojson"))
        load_directory(session, read_directory(ROOT / "demo" / "directory.yaml"))
    with db.transaction() as session:
        report = generate(session, deps.taxonomy, deps.calendar, cases=cases, seed=seed, now=deps.now(),
                          progress=lambda done: print(f"\r  demo-data: {done}/{cases} cases", end="", flush=True))
    generated = time.perf_counter() - started
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    print(f"\rdemo-data: {report.cases} cases, {report.events} events in {generated:.0f} s "
          f"(+ VACUUM ANALYZE {time.perf_counter() - started - generated:.0f} s)")


class Bench:
    def __init__(self, app: Flask, runs: int) -> None:
        self.app, self.runs = app, runs
        self.engine: Engine = app.extensions["citybot.db"].engine
        deps = app.extensions["citybot.services"].deps
        self.now, self.zone = deps.now(), deps.calendar.zone
        self.today = self.now.astimezone(self.zone).date()
        self.cursors: dict[tuple[str, int], str | None] = {}

    def run(self) -> None:
        with Session(self.engine) as session:
            total = session.scalar(select(func.count()).select_from(Case))
            grid = session.scalar(select(Case.grid_code).where(Case.grid_code.is_not(None)).limit(1))
        print(f"\n{total} cases on PostgreSQL; {self.runs} runs each after a warm-up; milliseconds\n")
        reference = self.time("reference: SELECT count(*) FROM case", lambda s: s.scalar(
            select(func.count()).select_from(Case)))
        dashboard = self.time("dashboard: counters + newest 10", lambda s: (
            counters(s, self.now, self.zone), newest(s, 10)), plan=True)
        print(f"  ratio dashboard / count(*): {dashboard / reference:.2f}\n")

        filters = {
            "a squad's open cases by deadline": (CaseFilter(unit="SQ02", states=("dispatched", "accepted")), "deadline"),
            "one category, last 30 days": (CaseFilter(category="E0512", created_from=self.today - timedelta(days=30)),
                                           "newest"),
            "超期 by deadline": (CaseFilter(overdue=True), "deadline"),
            "open cases by deadline": (CaseFilter(states=("received", "dispatched", "accepted", "returned", "reopened")),
                                       "deadline"),
            "this week by deadline": (CaseFilter(created_from=self.today - timedelta(days=7)), "deadline"),
            "a grid's closed cases": (CaseFilter(grid=grid, states=("closed",)), "newest"),
            "a leader's list (unit scope)": (CaseFilter(unit_scope="路灯所"), "newest"),
            "hotline cases": (CaseFilter(channel="hotline"), "newest"),
            "a word of the description": (CaseFilter(text="井盖"), "newest"),
        }
        for label, (f, order) in filters.items():
            self.time(f"first page: {label}", lambda s, f=f, order=order: search(
                s, f, now=self.now, zone=self.zone, order=order), plan=True)
        print()
        for order in ("newest", "deadline"):
            self.deep(order, pages=2000)
            self.deep(order, pages=10_000, walk_limit=1000)
        print()
        numbers = self.sample_numbers()
        self.time("case page: a case by number with its events", lambda s: s.scalars(
            select(Case).where(Case.number == random.choice(numbers)).options(selectinload(Case.events))).one(), plan=True)
        self.console_pages(numbers)

    def deep(self, order: str, pages: int, walk_limit: int = 50) -> None:
        """The page after ``pages`` pages of 50 (walked ``walk_limit`` at a time), by cursor and by OFFSET."""
        depth, cursor, started = pages * 50, None, time.perf_counter()
        with Session(self.engine) as session:
            for _ in range(depth // walk_limit):
                cursor = search(session, CaseFilter(), now=self.now, zone=self.zone, order=order, after=cursor,
                                limit=walk_limit).next_cursor
                session.expunge_all()
        walked = time.perf_counter() - started
        self.cursors[(order, depth)] = cursor
        keyset = self.time(f"deep page {order}, {depth} cases in (cursor)", lambda s: search(
            s, CaseFilter(), now=self.now, zone=self.zone, order=order, after=cursor), plan=True)
        by = (Case.created_at.desc(), Case.id.desc()) if order == "newest" else (
            Case.deadline.asc().nulls_last(), Case.id)  # as deep as this, every case has a deadline
        offset = select(Case).order_by(*by).offset(depth).limit(50)
        with Session(self.engine) as session:
            same = [c.id for c in session.scalars(offset)] == [c.id for c in search(
                session, CaseFilter(), now=self.now, zone=self.zone, order=order, after=cursor).cases]
        reference = self.time(f"  reference: the same page by OFFSET {depth}", lambda s: list(s.scalars(offset)))
        print(f"  ratio cursor / OFFSET: {keyset / reference:.3f} (same cases: {same}; walking there "
              f"{depth // walk_limit} pages of {walk_limit}: {walked:.1f} s)")

    def console_pages(self, numbers: list[str]) -> None:
        """The real pages over HTTP (Flask's test client, signed in as a dispatcher), when the console is here."""
        if importlib.util.find_spec("bot.console") is None:
            print("\nconsole pages: bot/console is not on this branch; only the queries were timed")
            return
        from bot.accounts.users import create_user  # the console's accounts (branch h-console)
        from bot.models.account import Role

        with self.app.app_context(), self.app.extensions["citybot.db"].transaction() as session:
            create_user(session, f"bench{os.getpid()}", Role("dispatcher"), "bench-password-1", display_name="压测")
        client = self.app.test_client()
        token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"',
                          client.get("/console/login").get_data(as_text=True))
        assert token, "no CSRF token on the login page"
        signed = client.post("/console/login", data={"username": f"bench{os.getpid()}", "password": "bench-password-1",
                                                     "csrf_token": token.group(1)})
        assert signed.status_code == 302, signed.status_code
        pages: dict[str, Callable[[], str]] = {
            "dashboard /console/": lambda: "/console/",
            "cases: a squad's open cases by deadline": lambda: "/console/cases?unit=SQ02&state=dispatched,accepted"
                                                               "&order=deadline",
            "cases: one category, last 30 days": lambda: f"/console/cases?category=E0512&from={self.today - timedelta(30)}",
            "cases: deep page, 100000 cases in": lambda: f"/console/cases?after={self.cursors[('newest', 100_000)]}",
            "case page": lambda: f"/console/cases/{random.choice(numbers)}",
        }
        print(f"\nconsole pages over HTTP (test client, signed in as a dispatcher), {self.runs} runs each")

        def get(path: str) -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        for label, path in pages.items():
            self.measure(label, lambda path=path: get(path()))

    def sample_numbers(self) -> list[str]:
        with Session(self.engine) as session:
            top = session.scalar(select(func.max(Case.id))) or 1
            ids = random.Random(5).sample(range(1, top + 1), k=min(200, top))
            return list(session.scalars(select(Case.number).where(Case.id.in_(ids))))

    def measure(self, label: str, once: Callable[[], Any]) -> float:
        """p50 (returned) and p95 of ``once`` over ``runs`` runs after 3 to warm up, in milliseconds."""
        for _ in range(3):
            once()
        ms = []
        for _ in range(self.runs):
            started = time.perf_counter()
            once()
            ms.append((time.perf_counter() - started) * 1000)
        ms.sort()
        p50, p95 = statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.95))]
        print(f"{label:<58} p50 {p50:8.2f}   p95 {p95:8.2f}")
        return p50

    def time(self, label: str, call: Callable[[Session], Any], plan: bool = False) -> float:
        """``measure`` of ``call`` in a fresh session each run, and the plans of the statements it runs."""

        def once() -> None:
            with Session(self.engine) as session:
                call(session)

        p50 = self.measure(label, once)
        if plan:
            for line in plans(self.engine, call):
                print(f"      {line}")
        return p50


def plans(engine: Engine, call: Callable[[Session], Any]) -> list[str]:
    """EXPLAIN ANALYZE of every statement ``call`` runs: its scan nodes and execution time, one line each."""
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with Session(engine) as session:
            call(session)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    lines = []
    with engine.connect() as connection:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            plan = [r[0] for r in connection.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + statement, parameters)]
            scans = [_scan(p) for p in plan if "Scan" in p]
            took = next((p.split(":")[1].strip() for p in plan if p.startswith("Execution Time")), "?")
            lines.append(f"{took:>10}  " + "; ".join(dict.fromkeys(scans)))
    return lines


def _scan(line: str) -> str:
    """``Index Scan using ix_case_created_at_id on "case" (rows=51)`` from an EXPLAIN ANALYZE line."""
    node, _, actual = line.strip().removeprefix("-> ").partition(" (actual")
    rows = next((part for part in actual.split() if part.startswith("rows=")), "")
    return f"{node} ({rows})"


if __name__ == "__main__":
    main()
