"""Deadlines watched: a reminder at 75 % of the handling time, 督办 when the deadline passes.

Run by the worker's periodic scheduler (``escalate`` job, every minute); idempotent, because the
moments it acts on are stamped on the case (``reminded_at``, ``overdue_at``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dispatch.actor import Actor
from bot.dispatch.deps import Deps
from bot.dispatch.queries import unit_name
from bot.dispatch.states import HANDLING_STATES, record_event, values
from bot.models import Case, Staff, Unit
from bot.notifications.queue import notify_staff, notify_unit


@dataclass(frozen=True)
class Escalated:
    reminded: int
    overdue: int


def escalate(session: Session, deps: Deps) -> Escalated:
    now, system = deps.now(), Actor.system()
    due_reminders = list(session.scalars(select(Case).where(
        Case.state.in_(values(HANDLING_STATES)), Case.remind_at <= now, Case.reminded_at.is_(None), Case.deadline > now,
    ).with_for_update(skip_locked=True)))
    for case in due_reminders:
        case.reminded_at = now
        record_event(session, case, "remind", system, at=now, note="已用去 75% 处置时间")
        unit = session.get(Unit, case.unit_code) if case.unit_code else None
        if unit is not None:
            notify_unit(session, unit, "reminder_card", case)

    overdue = list(session.scalars(select(Case).where(
        Case.state.in_(values(HANDLING_STATES)), Case.deadline <= now, Case.overdue_at.is_(None),
    ).with_for_update(skip_locked=True)))
    for case in overdue:
        case.overdue_at = now
        record_event(session, case, "overdue", system, at=now, note="超期，列入督办")
        leaders = list(session.scalars(select(Staff.wework_userid).where(
            Staff.unit_code == case.unit_code, Staff.role == "leader", Staff.active)))
        if leaders:
            notify_staff(session, leaders, "overdue", case, unit=unit_name(session, case.unit_code))
    return Escalated(len(due_reminders), len(overdue))
