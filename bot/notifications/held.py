"""Pushes held while WeChat's window was closed, delivered as one summary when the resident writes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot import texts
from bot.models import OutboundMessage, Resident
from bot.outbound import held_for, queue_text_to_resident


def summarize_held(session: Session, resident: Resident) -> OutboundMessage | None:
    held = held_for(session, resident)
    resident.held_pushes = False
    if not held:
        return None
    lines = [row.payload["text"]["content"] for row in held if row.payload.get("msgtype") == "text"]
    photos = sum(1 for row in held if row.payload.get("msgtype") == "image")
    for row in held:
        row.state = "summarized"
    return queue_text_to_resident(session, resident, texts.held_summary(lines, photos), None)
