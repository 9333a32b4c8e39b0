"""RQ job functions. Each takes ids, calls services, and raises on failure so RQ records it.

They run inside the app context the worker pushed (``worker.main``); they never render HTML. What a
job's transaction registers (pushes, cards, dispatch) is enqueued when it commits, like anywhere else.
"""

from __future__ import annotations

import math
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from redis.exceptions import LockError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import inbox
from bot.broadcasts import sending
from bot.broadcasts.subscriptions import areas_to_sync, sync_area
from bot.core.rate_limit import MemberRateLimiter
from bot.core.spool import Spool
from bot.dispatch import feedback
from bot.dispatch.actor import Actor
from bot.dispatch.dispatching import card_undeliverable, dispatch
from bot.dispatch.escalation import escalate as escalate_cases
from bot.extensions import get_db, get_queues, get_redis
from bot.handlers import handle_resident, handle_squad
from bot.handlers.router import Reply
from bot.intake import media, remote_media
from bot.intake.reports import Intake
from bot.jobs import JOBS, enqueue
from bot.models import Case, InboundMessage, Media, OutboundMessage, Resident
from bot.notifications.held import summarize_held
from bot.notifications.queue import notify_resident, notify_staff
from bot.outbound import Delivery
from bot.services import get_services
from bot.stats.reports import produce_due
from bot.stats.snapshots import default_views
from bot.wechat.client import OfficialAccountClient, WeWorkClient
from bot.wechat.errors import WeChatAPIError
from bot.wechat.messages import WeChatMessage
from worker.main import alive_key

LIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def client_for(channel: str) -> OfficialAccountClient | WeWorkClient:
    settings = get_services().settings
    cls = WeWorkClient if channel == "wework" else OfficialAccountClient
    return cls(settings, get_redis())


def fetch_media(media_pk: int) -> str:
    """Download a photo or voice note; a resident's photo GPS may locate the report it belongs to."""
    deps = get_services().deps
    with get_db().transaction() as session:
        channel = session.get_one(Media, media_pk).channel
    state = media.fetch_media(get_db().sessions, client_for(channel), deps.settings, deps.clock, media_pk)
    if channel != "wechat":
        return state
    with get_db().transaction() as session:
        if state == "stored":
            Intake(session, deps).locate_by_photo(media_pk, deps.now())
        elif state == "failed":
            media.tell_photo_failed(session, session.get_one(Media, media_pk))
    return state


def fetch_media_url(media_pk: int) -> str:
    """Fetch a photo an Open311 client gave by URL (never from a private address)."""
    services = get_services()
    return remote_media.fetch_url_media(get_db().sessions, services.settings, services.clock, media_pk)


def dispatch_case(case_pk: int) -> str:
    """Send a routed case to its unit (the card and the residents' pushes follow in their own jobs)."""
    deps = get_services().deps
    with get_db().transaction() as session:
        case = session.get(Case, case_pk, with_for_update=True)
        if case is None or not case.awaiting_dispatch:
            return "skipped"
        return dispatch(session, deps, case, Actor.system()).case.state


def send_outbound(message_pk: int) -> str:
    """Deliver one message; a dispatch card that failed for good sends its case back to the dispatcher."""
    services = get_services()
    settings = services.settings
    limiter = MemberRateLimiter(get_redis(), settings.wework_member_per_minute, settings.wework_member_per_hour)
    delivery = Delivery(get_db().sessions, client_for, settings, services.deps.taxonomy, services.clock, limiter,
                        later=_send_later)
    state = delivery.deliver(message_pk)
    if state == "failed":
        with get_db().transaction() as session:
            row = session.get_one(OutboundMessage, message_pk)
            kind, party = row.target.partition(":")[::2]
            if row.payload.get("notice") == "dispatch_card" and row.case_id is not None and kind == "party":
                case = session.get_one(Case, row.case_id, with_for_update=True)
                card_undeliverable(session, services.deps, case, party, row.last_error)
    return state


def send_later(message_pk: int, not_before: int) -> str:
    """A squad's message that waited for a member's rate window (``not_before``: when it ends, in the job id)."""
    return send_outbound(message_pk)


def _send_later(message_pk: int, wait: float) -> None:
    not_before = int(get_services().clock.time() + wait)
    enqueue(get_queues(), "send_later", message_pk, not_before, delay=math.ceil(wait))


def deliver_held(resident_pk: int) -> str:
    """The resident wrote again: what was held while the 48-hour window was closed goes out as one summary."""
    with get_db().transaction() as session:
        resident = session.get(Resident, resident_pk)
        summary = summarize_held(session, resident) if resident is not None else None
        return "nothing held" if summary is None else "queued"


def start_broadcasts(broadcast_id: int | None = None) -> list[int]:
    """Claim and plan due scheduled broadcasts (one, or all due); each then goes out in ``send_broadcast``."""
    with get_db().transaction() as session:
        return sending.start_due(session, get_services().deps, broadcast_id)


def send_broadcast(broadcast_id: int) -> str:
    """Send a broadcast's pending parts; a transient WeChat error is raised for RQ to retry the rest."""
    client = OfficialAccountClient(get_services().settings, get_redis())
    return sending.send_parts(get_db().transaction, get_services().deps, client, broadcast_id)


def preview_broadcast(broadcast_id: int, openid: str) -> str:
    client = OfficialAccountClient(get_services().settings, get_redis())
    with get_db().transaction() as session:
        sending.preview(session, get_services().deps, client, broadcast_id, openid)
    return "sent"


def sync_area_tags() -> dict[str, int]:
    """Bring every area's WeChat tag in line with its subscribers (one transaction per area)."""
    client = OfficialAccountClient(get_services().settings, get_redis())
    with get_db().transaction() as session:
        names = areas_to_sync(session)
    done, failure = {}, None
    for name in names:
        try:
            with get_db().transaction() as session:
                synced = sync_area(session, client, name)
        except WeChatAPIError as exc:  # the other areas still go; RQ retries this one with the job
            failure = failure or exc
            continue
        done[name] = synced.tagged + synced.untagged
    if failure is not None:
        raise failure
    return done


def escalate() -> int:
    """Reminders at 75 % of the handling time; 督办 at the deadline."""
    with get_db().transaction() as session:
        done = escalate_cases(session, get_services().deps)
        return done.reminded + done.overdue


def auto_close() -> int:
    """Resolved cases without objection for AUTO_CLOSE_HOURS are closed."""
    with get_db().transaction() as session:
        return feedback.auto_close(session, get_services().deps)


def refresh_stats() -> int:
    """The statistics pages' default views, recomputed so people read them instead of waiting for them."""
    deps = get_services().deps
    with get_db().transaction() as session:
        return default_views(session, now=deps.now(), zone=deps.calendar.zone)

def reports() -> list[str]:
    """The due weekly and monthly reports that are missing, made and announced once: one worker at a time
    (a Redis lock), and the database refuses a second report of a period whatever happens to the lock."""
    lock = get_redis().lock("citybot:lock:reports", timeout=JOBS["reports"].timeout, blocking=False)
    if not lock.acquire():
        return []
    try:
        with get_db().transaction() as session:
            return [f"{made.report.kind} {made.report.period_start}: told {made.recipients} leaders"
                    for made in produce_due(session, get_services().deps)]
    finally:
        with suppress(LockError):  # expired meanwhile: the unique constraint still holds
            lock.release()


def sweep() -> dict[str, int]:
    """Re-enqueue work whose job was lost (Redis was down when it was due)."""
    services = get_services()
    cutoff = services.clock.now() - timedelta(seconds=services.settings.sweep_after_seconds)
    with get_db().transaction() as session:
        pending_media = media.stale_pending(session, cutoff)
        pending_urls = media.stale_pending(session, cutoff, by_url=True)
        undispatched = list(session.scalars(select(Case.id).where(Case.awaiting_dispatch, Case.created_at < cutoff)))
        unsent = list(session.scalars(select(OutboundMessage.id).where(
            OutboundMessage.state == "queued", OutboundMessage.created_at < cutoff)))
        stalled = sending.resume_stalled(session)
    counts = {}
    for name, ids in (("fetch_media", pending_media), ("fetch_media_url", pending_urls), ("dispatch_case", undispatched),
                      ("send_outbound", unsent), ("send_broadcast", stalled)):
        counts[name] = sum(enqueue(get_queues(), name, pk) for pk in ids if not _is_live(JOBS[name].job_id(pk)))
    return counts


def _is_live(job_id: str) -> bool:
    """Queued, scheduled or deferred; or started by a worker that is still alive (``worker.main``)."""
    try:
        job = Job.fetch(job_id, connection=get_redis())
    except NoSuchJobError:
        return False
    status = job.get_status()
    if status == JobStatus.STARTED:
        return bool(job.worker_name and get_redis().exists(alive_key(job.worker_name)))
    return status in LIVE


HANDLERS = {"wechat": handle_resident, "wework": handle_squad}


def recover_inbound() -> dict[str, int]:
    """Messages that never got their answer: ``failed`` rows (a handler's error), then the spool (the database
    was unreachable when they arrived), each in arrival order and once. The sender gets the reply they would
    have had as a customer-service message.
    """
    if not get_redis().set("citybot:recover_inbound", "1", nx=True, ex=JOBS["recover_inbound"].timeout):
        return {"busy": 1}  # another worker is at it
    try:
        return {"rows": _retry_rows(), "spooled": _replay_spool()}
    finally:
        get_redis().delete("citybot:recover_inbound")


def _retry_rows() -> int:
    services = get_services()
    settings = services.settings
    cutoff = services.clock.now() - timedelta(seconds=settings.inbound_retry_after_seconds)
    with get_db().sessions() as session:
        rows = list(session.execute(
            select(InboundMessage.id, InboundMessage.channel).where(
                InboundMessage.state == "failed", InboundMessage.received_at < cutoff,
                InboundMessage.attempts < settings.inbound_max_attempts,
            ).order_by(InboundMessage.received_at, InboundMessage.id).limit(500)))
    done = 0
    for pk, channel in rows:
        with get_db().sessions() as session:
            outcome = inbox.retry(session, pk, _answering_later(channel), settings.inbound_max_attempts)
            done += outcome is not None and not outcome.failed
    return done


def _replay_spool() -> int:
    services = get_services()
    spool = Spool(get_redis(), services.settings.instance_dir / "spool")
    items = spool.pending()
    for item in items:
        with get_db().sessions() as session:
            at = datetime.fromtimestamp(item.at, UTC)
            inbox.process(session, item.channel, WeChatMessage.from_xml(item.xml), item.xml, at,
                          _answering_later(item.channel))
        spool.done(item)  # recorded (handled, or failed for ``_retry_rows``): never replayed twice
    spool.finish_file()
    return len(items)


def _answering_later(channel: str) -> inbox.Handle:
    """The channel's handler, whose reply is queued as a message to the sender in the same transaction."""
    services = get_services()

    def handle(session: Session, msg: WeChatMessage, now: datetime) -> Reply | None:
        reply = HANDLERS[channel](services, session, msg, now)
        if reply is not None and reply.text:
            if channel == "wechat":
                resident = session.scalars(select(Resident).where(Resident.openid == msg.source)).one()
                notify_resident(session, resident, "late_reply", None, text=reply.text)
            else:
                notify_staff(session, [msg.source], "late_reply", None, text=reply.text)
        return reply

    return handle
