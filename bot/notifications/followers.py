"""Who hears about a case: its reporter and the reporters of the duplicates merged into it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Case, Resident
from bot.notifications.window import reachable


def followers(session: Session, case: Case) -> list[Resident]:
    """Reachable residents following ``case``, reporter first, each once."""
    merged_reporters = session.scalars(
        select(Resident).join(Case, Case.reporter_id == Resident.id).where(Case.merged_into_id == case.id)
        .order_by(Case.id))
    seen: dict[int, Resident] = {}
    for resident in ([case.reporter] if case.reporter else []) + list(merged_reporters):
        if reachable(resident):
            seen.setdefault(resident.id, resident)
    return list(seen.values())
