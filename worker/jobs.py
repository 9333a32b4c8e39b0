"""RQ job functions. Each takes ids, calls a service, and raises on failure so RQ records it.

They run inside the app context the worker pushed (``worker.main``); they never render HTML.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from bot import texts
from bot.extensions import get_db, get_queues, get_redis
from bot.intake import media
from bot.intake.reports import Intake
from bot.intake.units import unit_name
from bot.jobs import JOBS, enqueue
from bot.outbound import deliver, queue_text_to_resident
from bot.wechat.client import OfficialAccountClient

LIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def fetch_media(media_pk: int) -> str:
    """Download a photo or voice note; a photo's GPS may locate the report it belongs to."""
    settings = current_app.extensions["citybot.settings"]
    client = OfficialAccountClient(settings, get_redis())
    state = media.fetch_media(get_db().sessions, client, settings, media_pk)
    if state == "stored":
        with get_db().transaction() as session:
            intake = Intake(session, settings, current_app.extensions["citybot.understanding"])
            progress = intake.locate_by_photo(media_pk, datetime.now(UTC))
            if progress is None or progress.case is None or progress.understood is None:
                return state
            resident = progress.case.reporter
            unit = unit_name(session, progress.understood.routing.unit_code)
            message = queue_text_to_resident(session, resident, texts.case_created(progress.case, progress.understood,
                                                                                   unit), progress.case.id)
        enqueue(get_queues(), "send_outbound", message.id)
    return state


def send_outbound(message_pk: int) -> str:
    settings = current_app.extensions["citybot.settings"]
    return deliver(get_db().sessions, OfficialAccountClient(settings, get_redis()), message_pk)


def sweep() -> dict[str, int]:
    """Re-enqueue work whose job was lost (Redis was down when it was due)."""
    with get_db().transaction() as session:
        pending = media.stale_pending(session, older_than=timedelta(minutes=2))
    requeued = 0
    for pk in pending:
        if not _is_live(JOBS["fetch_media"].job_id(pk)):
            requeued += enqueue(get_queues(), "fetch_media", pk)
    return {"media_requeued": requeued}


def _is_live(job_id: str) -> bool:
    try:
        return Job.fetch(job_id, connection=get_redis()).get_status() in LIVE
    except NoSuchJobError:
        return False
