"""RQ job functions. Each takes ids, calls services, and raises on failure so RQ records it.

They run inside the app context the worker pushed (``worker.main``); they never render HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.dispatch.escalation import escalate as escalate_cases
from bot.dispatch.feedback import auto_close as close_resolved
from bot.dispatch.service import Dispatcher, Sent
from bot.extensions import get_db, get_queues, get_redis
from bot.intake import media
from bot.intake.reports import Intake
from bot.intake.units import unit_name
from bot.jobs import JOBS, enqueue
from bot.models import Case, Media, OutboundMessage, Resident
from bot.notifications.held import summarize_held
from bot.outbound import deliver, queue_text_to_resident
from bot.services import Services, get_services
from bot.wechat.client import OfficialAccountClient, WeWorkClient
from bot.wechat.errors import WeChatAPIError

LIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
STALE = timedelta(minutes=2)


def client_for(channel: str) -> OfficialAccountClient | WeWorkClient:
    settings = get_services().settings
    cls = WeWorkClient if channel == "wework" else OfficialAccountClient
    return cls(settings, get_redis())


FIRST_RETRY = 10  # seconds before a message that failed transiently is tried again


def send_now(message_ids: list[int]) -> None:
    """Deliver at once (lowest latency); a transient failure hands the message to a retrying job."""
    for pk in message_ids:
        try:
            deliver(get_db().sessions, client_for, get_services().settings, pk)
        except WeChatAPIError:
            enqueue(get_queues(), "send_outbound", pk, delay=FIRST_RETRY)


def fetch_media(media_pk: int) -> str:
    """Download a photo or voice note; a resident's photo GPS may locate the report it belongs to."""
    services = get_services()
    with get_db().transaction() as session:
        channel = session.get_one(Media, media_pk).channel
    state = media.fetch_media(get_db().sessions, client_for(channel), services.settings, media_pk)
    if state != "stored" or channel != "wechat":
        return state
    with get_db().transaction() as session:
        progress = Intake(session, services.settings, services.understanding).locate_by_photo(
            media_pk, datetime.now(UTC))
        if progress is None or progress.case is None or progress.understood is None:
            return state
        case, understood = progress.case, progress.understood
        if progress.merged_into is not None:
            text = texts.merged(case, progress.merged_into)
        else:
            text = texts.case_created(case, understood, unit_name(session, understood.routing.unit_code))
        assert case.reporter is not None, "a case located by its reporter's photo has a reporter"
        message = queue_text_to_resident(session, case.reporter, text, case.id)
        message_id, case_id = message.id, case.id
        routed = progress.merged_into is None and not understood.routing.needs_triage
    send_now([message_id])
    if routed:
        dispatch_case(case_id)
    return state


def dispatch_case(case_pk: int) -> str:
    services = get_services()
    with get_db().transaction() as session:
        case = session.get(Case, case_pk, with_for_update=True)
        if case is None or case.state != "received" or case.unit_code is None or case.triage_reason:
            return "skipped"
        sent = Dispatcher(session, services).dispatch(case, services.clock.now())
        cards = [m.id for m in sent.messages if m.channel == "wework"]
        pushes = [m.id for m in sent.messages if m.channel != "wework"]
        state = case.state
    send_now(cards)  # the squad first, in this job
    for pk in pushes:  # residents' pushes in their own jobs, so the next case's card is not kept waiting
        enqueue(get_queues(), "send_outbound", pk)
    return state


def send_outbound(message_pk: int) -> str:
    return deliver(get_db().sessions, client_for, get_services().settings, message_pk)


def deliver_held(resident_pk: int) -> str:
    """The resident wrote again: what was held while the 48-hour window was closed goes out as one summary."""
    with get_db().transaction() as session:
        resident = session.get(Resident, resident_pk)
        summary = summarize_held(session, resident) if resident is not None else None
        message_id = summary.id if summary is not None else None
    if message_id is None:
        return "nothing held"
    send_now([message_id])
    return "sent"


def escalate() -> int:
    """Reminders at 75 % of the handling time; 督办 at the deadline."""
    return _run_and_send(escalate_cases)


def auto_close() -> int:
    """Resolved cases without objection for AUTO_CLOSE_HOURS are closed."""
    return _run_and_send(close_resolved)


def _run_and_send(service: Callable[[Session, Services, datetime], Sent]) -> int:
    services = get_services()
    with get_db().transaction() as session:
        ids = service(session, services, services.clock.now()).ids
    send_now(ids)
    return len(ids)


def sweep() -> dict[str, int]:
    """Re-enqueue work whose job was lost (Redis was down when it was due)."""
    cutoff = datetime.now(UTC) - STALE
    with get_db().transaction() as session:
        pending_media = media.stale_pending(session, older_than=STALE)
        undispatched = list(session.scalars(select(Case.id).where(
            Case.state == "received", Case.unit_code.is_not(None), Case.triage_reason.is_(None),
            Case.created_at < cutoff)))
        unsent = list(session.scalars(select(OutboundMessage.id).where(
            OutboundMessage.state == "queued", OutboundMessage.created_at < cutoff)))
    counts = {}
    for name, ids in (("fetch_media", pending_media), ("dispatch_case", undispatched), ("send_outbound", unsent)):
        counts[name] = sum(enqueue(get_queues(), name, pk) for pk in ids if not _is_live(JOBS[name].job_id(pk)))
    return counts


def _is_live(job_id: str) -> bool:
    try:
        return Job.fetch(job_id, connection=get_redis()).get_status() in LIVE
    except NoSuchJobError:
        return False
