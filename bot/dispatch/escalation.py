"""Deadlines watched: a reminder at 75 % of the handling time, 督办 when the deadline passes.

Run by the worker's periodic scheduler (``escalate`` job, every minute); idempotent, because the
moments it acts on are stamped on the case (``reminded_at``, ``overdue_at``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.dispatch.service import Dispatcher, Sent
from bot.dispatch.states import record_event
from bot.links import case_link
from bot.models import Case, Staff, Unit
from bot.outbound import queue_to_party, queue_to_users
from bot.services import Services

RUNNING = ("dispatched", "accepted")


def escalate(session: Session, services: Services, now: datetime) -> Sent:
    sent = Sent()
    dispatcher = Dispatcher(session, services)
    settings = services.settings
    due_reminders = session.scalars(select(Case).where(
        Case.state.in_(RUNNING), Case.remind_at <= now, Case.reminded_at.is_(None), Case.deadline > now,
    ).with_for_update(skip_locked=True))
    for case in due_reminders:
        unit = session.get(Unit, case.unit_code)
        case.reminded_at = now
        record_event(session, case, "remind", actor_kind="system", at=now, note="已用去 75% 处置时间")
        if unit is not None and unit.wework_party_id:
            link = case_link(settings.public_base_url, settings.secret_key, case.id)
            card = texts.reminder_card(case.number, dispatcher.category_of(case).name, dispatcher.when(case.deadline),
                                       link)
            sent.messages.append(queue_to_party(session, unit.wework_party_id, card, case.id))

    overdue = session.scalars(select(Case).where(
        Case.state.in_(RUNNING), Case.deadline <= now, Case.overdue_at.is_(None),
    ).with_for_update(skip_locked=True))
    for case in overdue:
        case.overdue_at = now
        record_event(session, case, "overdue", actor_kind="system", at=now, note="超期，列入督办")
        unit = session.get(Unit, case.unit_code)
        leaders = list(session.scalars(select(Staff.wework_userid).where(
            Staff.unit_code == case.unit_code, Staff.role == "leader", Staff.active)))
        if leaders:
            assert case.unit_code is not None, "leaders are found by the case's unit"
            notice = texts.overdue_notice(case.number, dispatcher.category_of(case).name,
                                          unit.name if unit else case.unit_code, dispatcher.when(case.deadline))
            sent.messages.append(queue_to_users(session, leaders, notice, case.id))
    return sent


def supervision_list(session: Session) -> list[Case]:
    """督办: open cases past their deadline, the longest overdue first."""
    return list(session.scalars(select(Case).where(Case.state.in_(RUNNING), Case.overdue_at.is_not(None))
                                .order_by(Case.deadline)))
