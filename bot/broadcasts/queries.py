"""Read models of the notices, shared by the chat (通知), the console's list and the public notice page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.models import AreaSubscription, Broadcast, BroadcastRecipient, BroadcastSend, Resident
from bot.models.broadcast import AudienceKind, BroadcastState

PUBLISHED = (BroadcastState.SENDING, BroadcastState.SENT)


@dataclass(frozen=True)
class Counts:
    """A broadcast's WeChat calls and the MASSSENDJOBFINISH totals reported so far."""

    calls: int
    accepted: int  # calls WeChat accepted (a msg_id)
    finished: int  # calls whose finish event arrived
    total: int
    filtered: int
    sent: int
    errors: int


@dataclass(frozen=True)
class Row:
    broadcast: Broadcast
    counts: Counts


def recent_notices(session: Session, resident: Resident, limit: int = 5) -> list[Broadcast]:
    """The last notices that concern the resident: to all followers, to an area they follow, or received."""
    mine = select(AreaSubscription.area).where(AreaSubscription.resident_id == resident.id, AreaSubscription.active)
    received = select(BroadcastRecipient.broadcast_id).where(BroadcastRecipient.resident_id == resident.id)
    return list(session.scalars(select(Broadcast).where(
        Broadcast.state.in_(PUBLISHED),
        or_(Broadcast.audience == AudienceKind.ALL, Broadcast.area.in_(mine), Broadcast.id.in_(received)),
    ).order_by(Broadcast.started_at.desc(), Broadcast.id.desc()).limit(limit)))


def published(session: Session, broadcast_id: int) -> Broadcast | None:
    """A notice anyone may read: sent (or being sent). Drafts and cancelled ones are not public."""
    found = session.get(Broadcast, broadcast_id)
    return found if found is not None and found.state in PUBLISHED else None


def listing(session: Session, limit: int = 100) -> list[Row]:
    """The newest broadcasts with their sends' counts (one grouped query for the counts)."""
    broadcasts = list(session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)))
    ids = [b.id for b in broadcasts]
    sums = {row[0]: row[1:] for row in session.execute(select(
        BroadcastSend.broadcast_id, func.count(), func.count(BroadcastSend.msg_id), func.count(BroadcastSend.finished_at),
        func.coalesce(func.sum(BroadcastSend.total_count), 0), func.coalesce(func.sum(BroadcastSend.filter_count), 0),
        func.coalesce(func.sum(BroadcastSend.sent_count), 0), func.coalesce(func.sum(BroadcastSend.error_count), 0),
    ).where(BroadcastSend.broadcast_id.in_(ids)).group_by(BroadcastSend.broadcast_id))}
    return [Row(b, Counts(*(int(x or 0) for x in sums.get(b.id, (0,) * 7)))) for b in broadcasts]
