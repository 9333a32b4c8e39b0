"""Pushes held while WeChat's window was closed, delivered as one summary when the resident writes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.models import OutboundMessage, Resident
from bot.notifications.queue import notify_resident
from bot.notifications.window import held_for


def summarize_held(session: Session, resident: Resident) -> OutboundMessage | None:
    """Fold the held pushes into one ``held_summary`` notice (rendered from those rows when sent)."""
    held = held_for(session, resident)
    resident.held_pushes = False
    if not held:
        return None
    for row in held:
        row.state = "summarized"
    return notify_resident(session, resident, "held_summary", None, held=[row.id for row in held])
