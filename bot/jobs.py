"""The job table: every background job's queue, timeout and retry policy, declared once.

Services register jobs by name on their session (``bot.core.after_commit``); ``enqueue`` turns a name
into an RQ job once the transaction has committed. The functions themselves live in ``worker/jobs.py``
and are referenced by dotted path, so the web process never imports worker code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from rq import Queue, Retry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    func: str
    queue: str
    timeout: int
    retry: Retry | None = None

    def job_id(self, *args: Any) -> str:
        """Stable ids: enqueueing the same work twice (webhook + sweeper) is harmless."""
        return "-".join([self.func.rsplit(".", 1)[-1], *map(str, args)])


JOBS: dict[str, JobSpec] = {
    "fetch_media": JobSpec("worker.jobs.fetch_media", "high", timeout=120,
                           retry=Retry(max=5, interval=[10, 30, 120, 600, 1800])),
    # A photo an Open311 client gave by URL (bot.intake.remote_media).
    "fetch_media_url": JobSpec("worker.jobs.fetch_media_url", "default", timeout=120,
                               retry=Retry(max=3, interval=[30, 300, 1800])),
    "send_outbound": JobSpec("worker.jobs.send_outbound", "default", timeout=60,
                             retry=Retry(max=5, interval=[5, 30, 120, 600, 1800])),
    # The same delivery for squads' cards, ahead of residents' pushes.
    "send_card": JobSpec("worker.jobs.send_outbound", "high", timeout=60,
                         retry=Retry(max=5, interval=[5, 30, 120, 600, 1800])),
    # A squad's message that waits for a member's WeChat Work rate window (30 a minute, 1000 an hour).
    "send_later": JobSpec("worker.jobs.send_later", "high", timeout=60,
                          retry=Retry(max=5, interval=[5, 30, 120, 600, 1800])),
    "dispatch_case": JobSpec("worker.jobs.dispatch_case", "high", timeout=60,
                             retry=Retry(max=5, interval=[5, 30, 120, 600, 1800])),
    "deliver_held": JobSpec("worker.jobs.deliver_held", "default", timeout=60,
                            retry=Retry(max=3, interval=[10, 60, 300])),
    "auto_close": JobSpec("worker.jobs.auto_close", "default", timeout=300),
    "escalate": JobSpec("worker.jobs.escalate", "default", timeout=300),
    "sweep": JobSpec("worker.jobs.sweep", "low", timeout=300),
    "recover_inbound": JobSpec("worker.jobs.recover_inbound", "high", timeout=120),
    "refresh_stats": JobSpec("worker.jobs.refresh_stats", "low", timeout=600),
    # Notices: claim due broadcasts (one worker wins), send their parts (retries never send twice), tags.
    "start_broadcast": JobSpec("worker.jobs.start_broadcasts", "default", timeout=300),
    "start_due_broadcasts": JobSpec("worker.jobs.start_broadcasts", "default", timeout=300),
    "send_broadcast": JobSpec("worker.jobs.send_broadcast", "default", timeout=1800,
                              retry=Retry(max=5, interval=[10, 30, 120, 600, 1800])),
    "preview_broadcast": JobSpec("worker.jobs.preview_broadcast", "high", timeout=60,
                                 retry=Retry(max=2, interval=[5, 30])),
    "sync_area_tags": JobSpec("worker.jobs.sync_area_tags", "low", timeout=600,
                              retry=Retry(max=3, interval=[30, 120, 600])),

    "reports": JobSpec("worker.jobs.reports", "low", timeout=600),
}


@dataclass(frozen=True)
class Deferred:
    """A job to enqueue once the transaction has committed."""

    name: str
    args: tuple[Any, ...]


def enqueue(queues: dict[str, Queue], name: str, *args: Any, delay: int = 0) -> bool:
    """Enqueue a job by name (after ``delay`` seconds); False (logged) when Redis is unreachable."""
    spec = JOBS[name]
    options = dict(job_id=spec.job_id(*args), job_timeout=spec.timeout, retry=spec.retry, failure_ttl=30 * 86400)
    try:
        if delay:
            queues[spec.queue].enqueue_in(timedelta(seconds=delay), spec.func, *args, **options)
        else:
            queues[spec.queue].enqueue(spec.func, *args, **options)
    except Exception:  # noqa: BLE001 - any Redis failure: the database still says "pending"
        log.warning("could not enqueue %s%s; the sweeper will retry", name, args, exc_info=True)
        return False
    return True
