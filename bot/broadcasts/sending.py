"""Sending a broadcast, once, whatever the number of workers and retries.

1. ``start_due`` claims due scheduled broadcasts with a conditional ``UPDATE … WHERE state = 'scheduled'``
   (two workers racing: one claims, the other's update matches no row) and plans each: its recipients are
   the audience minus those already at the monthly limit, inserted with ``INSERT … SELECT`` and split into
   parts of at most 10,000; one ``BroadcastSend`` per WeChat call, each with its own ``clientmsgid``.
2. ``send_parts`` (the ``send_broadcast`` job) sends each pending part under a row lock (``SKIP LOCKED``).
   A part marked sent is never sent again; a retry after a lost answer carries the same ``clientmsgid``, so
   WeChat answers 45065 with the first job's ``msg_id`` instead of sending twice.
3. ``record_finish`` stores WeChat's ``MASSSENDJOBFINISH`` counts on the part with that ``msg_id``.

When nobody in an "all" or "area" audience is at the limit, one ``sendall`` goes out (to all, or by
``tag_id``); otherwise the residents under the limit are sent to by openid list, and the rest are counted
in ``over_limit`` (shown in the console), never silently dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, literal, select, true, update
from sqlalchemy.orm import Session

from bot.broadcasts import audience as audiences
from bot.broadcasts.compose import audience_of, message_text
from bot.broadcasts.subscriptions import sync_area
from bot.core.after_commit import after_commit
from bot.dispatch.deps import Deps
from bot.models import AreaTag, Broadcast, BroadcastRecipient, BroadcastSend, Resident
from bot.models.broadcast import AudienceKind, BroadcastState
from bot.wechat.client import MASS_SEND_MAX, MASS_SEND_MIN, MassMessage, OfficialAccountClient
from bot.wechat.errors import WeChatAPIError

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6  # the first call and RQ's 5 retries (bot.jobs)
Transaction = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class Finish:
    """WeChat's MASSSENDJOBFINISH event."""

    msg_id: str
    status: str
    total: int
    filtered: int
    sent: int
    errors: int


def start_due(session: Session, deps: Deps, broadcast_id: int | None = None) -> list[int]:
    """Claim and plan the due scheduled broadcasts (or just ``broadcast_id``); the ids this call started."""
    now = deps.now()
    due = select(Broadcast.id).where(Broadcast.state == BroadcastState.SCHEDULED, Broadcast.send_at <= now)
    if broadcast_id is not None:
        due = due.where(Broadcast.id == broadcast_id)
    started = []
    for pk in session.scalars(due.order_by(Broadcast.send_at).with_for_update(skip_locked=True)).all():
        claimed = session.execute(update(Broadcast).where(Broadcast.id == pk, Broadcast.state == BroadcastState.SCHEDULED)
                                  .values(state=BroadcastState.SENDING, started_at=now)
                                  .execution_options(synchronize_session=False))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another worker had it
        _plan(session, deps, session.get_one(Broadcast, pk, populate_existing=True), now)
        started.append(pk)
    return started


def _plan(session: Session, deps: Deps, broadcast: Broadcast, now: datetime) -> None:
    audience = audience_of(broadcast)
    month = audiences.month_of(now, ZoneInfo(deps.settings.timezone))
    limit = deps.settings.broadcast_monthly_limit
    included = audiences.members(audience, now).where(Resident.id.not_in(audiences.at_limit(month, limit)))
    total = session.scalar(select(func.count()).select_from(audiences.members(audience, now).subquery())) or 0
    count = session.scalar(select(func.count()).select_from(included.subquery())) or 0
    broadcast.month, broadcast.recipients, broadcast.over_limit = month, count, total - count
    if count == 0:
        _finish(broadcast, now, "empty audience: nobody under the monthly limit")
        return
    whole = count == total and audience.kind in (AudienceKind.ALL, AudienceKind.AREA)
    if not whole and count < MASS_SEND_MIN:
        _finish(broadcast, now, f"WeChat sends by openid list to at least {MASS_SEND_MIN} residents")
        return
    parts = 1 if whole else -(-count // MASS_SEND_MAX)
    ids = included.subquery()
    # Balanced parts (rank * parts // count): never a last part of one openid, which WeChat refuses.
    part = ((func.row_number().over(order_by=ids.c.id) - 1) * parts) // count
    session.execute(insert(BroadcastRecipient).from_select(
        ["broadcast_id", "resident_id", "part", "month", "counted"],
        select(literal(broadcast.id), ids.c.id, part, literal(month), true())))
    sizes = dict(session.execute(select(BroadcastRecipient.part, func.count()).where(
        BroadcastRecipient.broadcast_id == broadcast.id).group_by(BroadcastRecipient.part)).all())
    method = ("all" if audience.kind is AudienceKind.ALL else "tag") if whole else "openids"
    for number in range(parts):
        session.add(BroadcastSend(broadcast_id=broadcast.id, part=number, method=method, size=sizes.get(number, 0),
                                  clientmsgid=f"citybot-{broadcast.id}-{number}"))
    after_commit(session, "send_broadcast", broadcast.id)


def _finish(broadcast: Broadcast, now: datetime, error: str | None) -> None:
    broadcast.state = BroadcastState.FAILED if error else BroadcastState.SENT
    broadcast.error = error
    broadcast.finished_at = now


def ensure_image(transaction: Transaction, deps: Deps, client: OfficialAccountClient, broadcast_id: int) -> None:
    """Upload the broadcast's image as permanent material once (under the broadcast's row lock)."""
    with transaction() as session:
        broadcast = session.get_one(Broadcast, broadcast_id, with_for_update=True)
        if broadcast.image_path and not broadcast.image_media_id:
            broadcast.image_media_id = client.add_image_material(deps.settings.media_dir / broadcast.image_path)


def message_of(deps: Deps, broadcast: Broadcast) -> MassMessage:
    return MassMessage(message_text(deps, broadcast), broadcast.image_media_id)


def send_parts(transaction: Transaction, deps: Deps, client: OfficialAccountClient, broadcast_id: int) -> str:
    """Send every pending part; raises the first transient error (after recording it) so RQ retries the job."""
    ensure_image(transaction, deps, client, broadcast_id)
    with transaction() as session:
        pending = list(session.scalars(select(BroadcastSend.id).where(
            BroadcastSend.broadcast_id == broadcast_id, BroadcastSend.state == "pending").order_by(BroadcastSend.part)))
    retry: WeChatAPIError | None = None
    for send_id in pending:
        with transaction() as session:
            failure = _send_one(session, deps, client, send_id)
        if failure is not None and retry is None:
            retry = failure
    with transaction() as session:
        state = _conclude(session, deps, broadcast_id)
    if retry is not None:
        raise retry
    return state


def _send_one(session: Session, deps: Deps, client: OfficialAccountClient, send_id: int) -> WeChatAPIError | None:
    """One part, locked; the transient error to retry later, if any (permanent ones fail the part)."""
    send = session.scalar(select(BroadcastSend).where(BroadcastSend.id == send_id, BroadcastSend.state == "pending")
                          .with_for_update(skip_locked=True))
    if send is None:
        return None  # sent meanwhile, or another worker is sending it right now
    broadcast = session.get_one(Broadcast, send.broadcast_id)
    send.attempts += 1
    try:
        if send.method == "openids":
            sent = client.mass_send(_openids(session, send), message_of(deps, broadcast), send.clientmsgid)
        else:
            tag_id = _tag_for(session, client, broadcast) if send.method == "tag" else None
            send.tag_id = tag_id
            sent = client.mass_send_all(message_of(deps, broadcast), send.clientmsgid, tag_id=tag_id)
    except WeChatAPIError as exc:
        send.error = str(exc)
        if exc.transient and send.attempts < MAX_ATTEMPTS:
            return exc
        send.state = "failed"
        session.execute(update(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == send.broadcast_id,
                                                         BroadcastRecipient.part == send.part).values(counted=False))
        return None
    send.state, send.msg_id, send.msg_data_id, send.sent_at, send.error = "sent", sent.msg_id, sent.msg_data_id, \
        deps.now(), None
    if sent.repeated:
        log.info("broadcast %s part %s: WeChat already had clientmsgid %s (msg_id %s): not sent again",
                 send.broadcast_id, send.part, send.clientmsgid, sent.msg_id)
    return None


def _openids(session: Session, send: BroadcastSend) -> list[str]:
    """The part's openids (one range of the recipients' key)."""
    return list(session.scalars(select(Resident.openid).join(BroadcastRecipient,
                                                             BroadcastRecipient.resident_id == Resident.id)
                                .where(BroadcastRecipient.broadcast_id == send.broadcast_id,
                                       BroadcastRecipient.part == send.part).order_by(BroadcastRecipient.resident_id)))


def _tag_for(session: Session, client: OfficialAccountClient, broadcast: Broadcast) -> int:
    """The area's WeChat tag, its members brought up to date first."""
    assert broadcast.area is not None
    sync_area(session, client, broadcast.area)
    tag_id = session.scalar(select(AreaTag.tag_id).where(AreaTag.name == broadcast.area))
    assert tag_id is not None, "sync_area creates the tag"
    return tag_id


def _conclude(session: Session, deps: Deps, broadcast_id: int) -> str:
    """All parts done: the broadcast is sent, or failed with the first part's error."""
    broadcast = session.get_one(Broadcast, broadcast_id, with_for_update=True)
    states = dict(session.execute(select(BroadcastSend.state, func.min(BroadcastSend.error)).where(
        BroadcastSend.broadcast_id == broadcast_id).group_by(BroadcastSend.state)).all())
    if broadcast.state == BroadcastState.SENDING and "pending" not in states:
        _finish(broadcast, deps.now(), states.get("failed") if "failed" in states else None)
        if "failed" in states and not broadcast.error:
            broadcast.error = "a part failed"
    return broadcast.state


def preview(session: Session, deps: Deps, client: OfficialAccountClient, broadcast_id: int, openid: str) -> None:
    broadcast = session.get_one(Broadcast, broadcast_id)
    if broadcast.image_path and not broadcast.image_media_id:
        broadcast.image_media_id = client.add_image_material(deps.settings.media_dir / broadcast.image_path)
    client.mass_preview(openid, message_of(deps, broadcast))


def record_finish(session: Session, finish: Finish, now: datetime) -> BroadcastSend | None:
    """Store the counts WeChat reports for a job; None when no part of ours has that msg_id."""
    send = session.scalar(select(BroadcastSend).where(BroadcastSend.msg_id == finish.msg_id).with_for_update())
    if send is None:
        log.warning("MASSSENDJOBFINISH for unknown msg_id %s", finish.msg_id)
        return None
    send.status, send.total_count, send.filter_count = finish.status[:64], finish.total, finish.filtered
    send.sent_count, send.error_count, send.finished_at = finish.sent, finish.errors, now
    if send.state == "sent":
        send.state = "finished"
    return send


def resume_stalled(session: Session) -> list[int]:
    """Broadcasts still sending with pending parts (their job was lost): the ids to enqueue again."""
    return list(session.scalars(select(BroadcastSend.broadcast_id).join(Broadcast).where(
        Broadcast.state == BroadcastState.SENDING, BroadcastSend.state == "pending").distinct()))
