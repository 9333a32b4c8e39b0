"""Who hears about a case: its reporter and the reporters of the duplicates merged into it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Case, OutboundMessage, Resident
from bot.outbound import queue_image_to_resident, queue_text_to_resident


def followers(session: Session, case: Case) -> list[Resident]:
    """Subscribed residents following ``case``, reporter first, each once."""
    merged_reporters = session.scalars(
        select(Resident).join(Case, Case.reporter_id == Resident.id).where(Case.merged_into_id == case.id)
        .order_by(Case.id))
    seen: dict[int, Resident] = {}
    for resident in ([case.reporter] if case.reporter else []) + list(merged_reporters):
        if resident.subscribed:
            seen.setdefault(resident.id, resident)
    return list(seen.values())


def push(session: Session, case: Case, text: str, image_media_id: int | None = None) -> list[OutboundMessage]:
    """Queue ``text`` (and an after-photo) for every follower of ``case``."""
    messages = []
    for resident in followers(session, case):
        messages.append(queue_text_to_resident(session, resident, text, case.id))
        if image_media_id is not None:
            messages.append(queue_image_to_resident(session, resident, image_media_id, case.id))
    return messages
