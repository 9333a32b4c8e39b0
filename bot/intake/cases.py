"""What a resident can do with their own cases: list, look up, withdraw."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dispatch.states import can, transition
from bot.models import Case, Resident


class CancelOutcome(Enum):
    CANCELLED = "cancelled"
    NOT_FOUND = "not_found"
    TOO_LATE = "too_late"


def recent_cases(session: Session, resident: Resident, limit: int = 5) -> list[Case]:
    return list(
        session.scalars(
            select(Case).where(Case.reporter_id == resident.id).order_by(Case.id.desc()).limit(limit)
        )
    )


def find_own_case(session: Session, resident: Resident, number: str) -> Case | None:
    """A case by number, only if this resident reported it (others' cases are not shown)."""
    return session.scalar(select(Case).where(Case.number == number, Case.reporter_id == resident.id))


def cancel_case(session: Session, resident: Resident, number: str, now: datetime) -> tuple[CancelOutcome, Case | None]:
    case = find_own_case(session, resident, number)
    if case is None:
        return CancelOutcome.NOT_FOUND, None
    if not can(case.state, "cancel"):
        return CancelOutcome.TOO_LATE, case
    transition(session, case, "cancel", actor_kind="resident", actor_id=str(resident.id), at=now,
               note="市民撤销")
    return CancelOutcome.CANCELLED, case
