"""WeChat's rules for reaching a resident: following the account, and the 48-hour customer-service window.

A customer-service message may reach a resident only within ``service_window_hours`` (48) of their last
message or menu click, and at most ``service_quota`` (5) times in that window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.models import OutboundMessage, Resident


def reachable(resident: Resident | None) -> bool:
    """Whether anything may be sent to ``resident`` at all (they still follow the account)."""
    return resident is not None and resident.subscribed


def window_open(session: Session, resident: Resident, settings: Settings, now: datetime) -> bool:
    """Whether a customer-service message may reach ``resident`` now (48-hour window and its quota)."""
    last = resident.last_interaction_at
    if last is None or now - last >= timedelta(hours=settings.service_window_hours):
        return False
    used = session.scalars(select(func.count()).select_from(OutboundMessage).where(
        OutboundMessage.target == resident.openid, OutboundMessage.state == "sent",
        OutboundMessage.kind.not_in(("template", "subscribe")), OutboundMessage.sent_at >= last)).one()
    return used < settings.service_quota


def held_for(session: Session, resident: Resident) -> list[OutboundMessage]:
    """Pushes held while the window was closed, oldest first."""
    return list(session.scalars(select(OutboundMessage).where(
        OutboundMessage.target == resident.openid, OutboundMessage.state == "window_closed")
        .order_by(OutboundMessage.id)))
