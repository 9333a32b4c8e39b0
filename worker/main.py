"""The worker process: an RQ worker on all queues, plus a ticker thread that keeps the cluster moving.

Every ``TICK`` seconds the ticker of every worker:

* marks its worker alive (``citybot:alive:<worker name>``, expiring after ``ALIVE_TTL``): a worker killed
  with SIGKILL stops doing so, and the job it had started is requeued by the next tick of any worker
  (``rescue_abandoned``) instead of waiting for RQ's own cleanup (ten minutes and more);
* moves scheduled jobs that are due (RQ ``Retry`` intervals, ``enqueue_in``) to their queues
  (``enqueue_due``). This replaces RQ's scheduler process, which a Redis outage killed and RQ restarted
  only every ten minutes, and whose lock outlived a killed worker;
* enqueues the periodic jobs of ``PERIODIC``, each once per interval cluster-wide (``SET NX EX``).

The ticker survives Redis outages (it logs and tries again at the next tick), and so does the worker,
which retries Redis at most every ``MAX_REDIS_WAIT`` seconds.
"""

from __future__ import annotations

import logging
import threading

import redis
from flask import Flask
from rq import Queue, SimpleWorker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.scheduler import RQScheduler

from bot.extensions import QUEUE_NAMES, get_queues, get_redis
from bot.jobs import enqueue

log = logging.getLogger(__name__)

# job name -> interval in seconds ("reports" makes the due 一周一报 / 一月公示 that are missing)
PERIODIC: dict[str, int] = {"escalate": 60, "auto_close": 300, "sweep": 60, "start_due_broadcasts": 30,
                            "sync_area_tags": 600, "refresh_stats": 240, "reports": 300, "recover_inbound": 10}
TICK = 5
ALIVE_TTL = 3 * TICK  # a worker that missed three ticks is dead
MAX_REDIS_WAIT = 5.0


def alive_key(worker_name: str) -> str:
    return f"citybot:alive:{worker_name}"


def tick(app: Flask, worker_name: str | None = None) -> None:
    with app.app_context():
        connection, queues = get_redis(), get_queues()
        if worker_name is not None:
            connection.set(alive_key(worker_name), "1", ex=ALIVE_TTL)
        if connection.set("citybot:ticking", "1", nx=True, ex=TICK - 1):  # one worker per tick does these
            enqueue_due(connection, list(queues.values()))
            rescue_abandoned(connection, list(queues.values()))
        for name, interval in PERIODIC.items():
            if connection.set(f"citybot:periodic:{name}", "1", nx=True, ex=interval):
                enqueue(queues, name)


def enqueue_due(connection: redis.Redis, queues: list[Queue]) -> None:
    """Scheduled jobs whose time has come go to their queues (what RQ's scheduler process did)."""
    scheduler = RQScheduler(queues, connection=connection)
    scheduler.prepare_registries([queue.name for queue in queues])
    scheduler.enqueue_scheduled_jobs()


def rescue_abandoned(connection: redis.Redis, queues: list[Queue]) -> list[str]:
    """Requeue jobs marked started by a worker that is no longer alive; returns their ids."""
    rescued = []
    for queue in queues:
        registry = StartedJobRegistry(queue=queue)
        for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
            try:
                job = Job.fetch(job_id, connection=connection)
            except NoSuchJobError:
                continue
            if job.get_status() != JobStatus.STARTED or not job.worker_name:
                continue
            if connection.exists(alive_key(job.worker_name)):
                continue
            connection.zrem(registry.key, f"{job_id}:{execution_id}")
            try:
                queue.enqueue_job(job)
            except InvalidJobOperation:
                continue
            log.warning("job %s was started by %s, which is gone: requeued", job_id, job.worker_name)
            rescued.append(job_id)
    return rescued


def _ticker(app: Flask, current: list[str], stop: threading.Event) -> None:
    """Tick every ``TICK`` seconds for the worker named ``current[0]`` (a new one after a restart)."""
    while True:
        try:
            tick(app, current[0])
        except Exception:  # noqa: BLE001 - Redis away: try again next tick
            log.warning("periodic tick failed", exc_info=True)
        if stop.wait(TICK):
            return


class AppWorker(SimpleWorker):
    """Runs each job in this process inside a fresh app context of ``app`` (its own DB session).

    SimpleWorker rather than RQ's forking worker: no fork per job (dispatch latency), and jobs
    guard themselves (size limits, timeouts) instead of relying on a child process dying.
    """

    max_connection_wait_time = MAX_REDIS_WAIT  # back at work within seconds of Redis returning

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
    """Work all queues in priority order, with the ticker unless ``burst``.

    RQ's worker quits when Redis goes away while it finishes a job; this process then starts a new worker
    as soon as Redis answers (the job it was finishing is requeued by the ticker once the old name's alive
    mark expires).
    """
    worker = make_worker(app)
    current, stop = [worker.name], threading.Event()
    if not burst:
        threading.Thread(target=_ticker, args=(app, current, stop), daemon=True, name="citybot-ticker").start()
    try:
        while True:
            try:
                worker.work(burst=burst, with_scheduler=False)  # the ticker schedules (see the module's docstring)
                return
            except (redis.ConnectionError, redis.TimeoutError):
                if burst:
                    raise
                log.warning("Redis went away while the worker was busy; a new worker starts", exc_info=True)
            worker = _new_worker(app, stop)
            current[0] = worker.name
    finally:
        stop.set()


def _new_worker(app: Flask, stop: threading.Event) -> AppWorker:
    """A new worker, once Redis answers again (building one registers it in Redis)."""
    while True:
        stop.wait(MAX_REDIS_WAIT)
        try:
            return make_worker(app)
        except (redis.ConnectionError, redis.TimeoutError):
            log.warning("Redis still unreachable: trying again in %s s", MAX_REDIS_WAIT)
