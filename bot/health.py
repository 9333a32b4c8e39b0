"""``/healthz``: 200 with JSON once the database and Redis answer, 503 otherwise, always within a bound.

Each check runs on a small pool of its own with a deadline (``Settings.health_timeout``): a database or a
Redis that hangs (a paused server accepts connections and never answers) costs a probe thread, not the
request's. While a probe of a service is still hanging, the next check reports it at once instead of
starting another.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as ProbeTimeout
from threading import Lock

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

from bot.extensions import get_db, get_redis
from bot.services import get_services

bp = Blueprint("health", __name__)


class Probes:
    """At most one probe in flight per service, per process."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="citybot-health")
        self.running: dict[str, Future[None]] = {}
        self.lock = Lock()

    def start(self, name: str, probe: Callable[[], None]) -> Future[None]:
        with self.lock:
            future = self.running.get(name)
            if future is None or future.done():
                future = self.running[name] = self.pool.submit(probe)
            return future


def outcome(future: Future[None], deadline: float) -> str:
    try:
        future.result(timeout=max(0.0, deadline - time.monotonic()))
    except ProbeTimeout:
        return "error: no answer in time"
    except Exception as exc:  # noqa: BLE001 - report, don't crash
        return f"error: {type(exc).__name__}"
    return "ok"


def _in_app(app: Flask, probe: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            probe()

    return run


def _database() -> None:
    with get_db().engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _redis() -> None:
    get_redis().ping()


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    probes: Probes = app.extensions.setdefault("citybot.health", Probes())
    deadline = time.monotonic() + get_services().settings.health_timeout
    running = {name: probes.start(name, _in_app(app, probe)) for name, probe in (("database", _database),
                                                                                 ("redis", _redis))}
    checks = {name: outcome(future, deadline) for name, future in running.items()}
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "unavailable", **checks), 200 if healthy else 503
