"""The worker process: an RQ worker on all queues, plus a tiny periodic scheduler.

Periodic jobs are declared once in ``PERIODIC``. Any number of workers may run: each tick takes
a Redis key with ``SET NX EX`` so a periodic job is enqueued once per interval, cluster-wide.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask
from rq import SimpleWorker

from bot.extensions import QUEUE_NAMES, get_queues, get_redis
from bot.jobs import enqueue

log = logging.getLogger(__name__)

PERIODIC: dict[str, int] = {"escalate": 60, "auto_close": 300, "sweep": 60, "recover_inbound": 10}  # job name -> interval in seconds


def tick(app: Flask) -> None:
    with app.app_context():
        connection = get_redis()
        for name, interval in PERIODIC.items():
            if connection.set(f"citybot:periodic:{name}", "1", nx=True, ex=interval):
                enqueue(get_queues(), name)


def _ticker(app: Flask, stop: threading.Event) -> None:
    while not stop.wait(5):
        try:
            tick(app)
        except Exception:  # noqa: BLE001 - Redis away: try again next tick
            log.warning("periodic tick failed", exc_info=True)


class AppWorker(SimpleWorker):
    """Runs each job in this process inside a fresh app context of ``app`` (its own DB session).

    SimpleWorker rather than RQ's forking worker: no fork per job (dispatch latency), and jobs
    guard themselves (size limits, timeouts) instead of relying on a child process dying.
    """

    def __init__(self, *args, app: Flask, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.app = app

    def execute_job(self, job, queue):  # noqa: ANN001, ANN201
        with self.app.app_context():
            return super().execute_job(job, queue)


def make_worker(app: Flask) -> AppWorker:
    with app.app_context():
        queues = [get_queues()[name] for name in QUEUE_NAMES]
        return AppWorker(queues, connection=get_redis(), app=app)


def run_worker(app: Flask, burst: bool = False) -> None:
    """Work all queues in priority order, with the periodic ticker unless ``burst``."""
    stop = threading.Event()
    if not burst:
        threading.Thread(target=_ticker, args=(app, stop), daemon=True, name="citybot-ticker").start()
    try:
        make_worker(app).work(burst=burst, with_scheduler=not burst)
    finally:
        stop.set()
