"""Read models every surface shares: a resident's cases, a unit's 待办, the 督办 list, the case awaiting a rating.

One home for each question, so the chat, the console and the API answer it the same way, and the rule
of who may see what is written once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.dispatch.states import HANDLING_STATES, RATEABLE_STATES, TODO_STATES, values
from bot.models import Case, Rating, Resident, Unit


def unit_name(session: Session, code: str | None) -> str | None:
    """The unit's display name; a department not yet in the directory is named by its code (环卫处)."""
    if code is None:
        return None
    unit = session.get(Unit, code)
    return unit.name if unit else code


def recent_cases(session: Session, resident: Resident, limit: int = 5) -> list[Case]:
    return list(session.scalars(
        select(Case).where(Case.reporter_id == resident.id).order_by(Case.id.desc()).limit(limit)))


def own_case(session: Session, resident: Resident, number: str) -> Case | None:
    """A case by number, only if this resident reported it (others' cases are not shown)."""
    return session.scalar(select(Case).where(Case.number == number, Case.reporter_id == resident.id))


def unit_todo(session: Session, unit_code: str) -> list[Case]:
    """The unit's open cases past intake, nearest deadline first."""
    return list(session.scalars(
        select(Case).where(Case.unit_code == unit_code, Case.state.in_(values(TODO_STATES)))
        .order_by(Case.deadline.is_(None), Case.deadline, Case.id)))


def supervision_list(session: Session) -> list[Case]:
    """督办: cases being handled past their deadline, the longest overdue first."""
    return list(session.scalars(select(Case).where(Case.state.in_(values(HANDLING_STATES)),
                                                   Case.overdue_at.is_not(None)).order_by(Case.deadline)))


def awaiting_rating(session: Session, resident: Resident, since: datetime, number: str | None = None) -> Case | None:
    """The resolved (or closed) case this resident follows, resolved after ``since``, not yet rated this round."""
    followed = or_(Case.reporter_id == resident.id, Case.id.in_(
        select(Case.merged_into_id).where(Case.reporter_id == resident.id, Case.merged_into_id.is_not(None))))
    query = (select(Case).where(followed, Case.state.in_(values(RATEABLE_STATES)), Case.resolved_at >= since)
             .order_by(Case.resolved_at.desc()))
    if number is not None:
        query = query.where(Case.number == number)
    for case in session.scalars(query):
        rated = session.scalar(select(Rating.id).where(
            Rating.case_id == case.id, Rating.round == case.round, Rating.resident_id == resident.id))
        if rated is None:
            return case
    return None

