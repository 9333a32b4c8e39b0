"""What squad members do to cases from chat: 签收, 办结, 退回, 延期, 待办; and the bureau's 延期 decision.

Every action checks that the case belongs to the member's unit and that the state machine allows
it; a refusal changes nothing and says why. Each success is a ``CaseEvent`` and a push to the reporter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.dispatch.calendar import Limit
from bot.dispatch.service import Dispatcher, Sent
from bot.dispatch.states import EXTENDABLE_STATES, OPEN_STATES, can, record_event, transition
from bot.models import Case, ExtensionRequest, Media, Staff, Unit
from bot.services import Services

PHOTO_WINDOW = timedelta(minutes=10)


@dataclass
class Outcome:
    """A reply for the member, and outbound messages to deliver after the commit."""

    reply: str
    sent: Sent = field(default_factory=Sent)
    ok: bool = False


class SquadDesk:
    def __init__(self, session: Session, services: Services) -> None:
        self.session = session
        self.services = services
        self.dispatcher = Dispatcher(session, services)

    # -- lookups and checks -------------------------------------------------------------------
    def _case_for(self, staff: Staff, number: str, action: str) -> Case | str:
        case = self.session.scalar(select(Case).where(Case.number == number).with_for_update())
        if case is None:
            return texts.SQUAD_NO_CASE.format(number=number)
        if case.unit_code != staff.unit_code:
            return texts.SQUAD_NOT_OURS.format(number=number)
        allowed = case.state in EXTENDABLE_STATES if action == "extend" else can(case.state, action)
        if not allowed:
            return texts.SQUAD_ILLEGAL.format(number=number, state=texts.STATE_LABELS.get(case.state, case.state),
                                              action=texts.ACTION_WORDS[action])
        return case

    def _unit_name(self, staff: Staff) -> str:
        unit = self.session.get(Unit, staff.unit_code)
        return unit.name if unit else staff.unit_code

    # -- actions ------------------------------------------------------------------------------
    def accept(self, staff: Staff, number: str, now: datetime) -> Outcome:
        case = self._case_for(staff, number, "accept")
        if isinstance(case, str):
            return Outcome(case)
        transition(self.session, case, "accept", actor_kind="squad", actor_id=staff.wework_userid, at=now)
        sent = Sent(self.dispatcher.notify(case, texts.PUSH_ACCEPTED, unit=self._unit_name(staff)))
        return Outcome(texts.SQUAD_ACCEPTED.format(number=number, deadline=self.dispatcher.when(case.deadline)),
                       sent, ok=True)

    def resolve(self, staff: Staff, number: str, note: str, now: datetime) -> Outcome:
        case = self._case_for(staff, number, "resolve")
        if isinstance(case, str):
            return Outcome(case)
        photos = list(self.session.scalars(select(Media).where(
            Media.staff_userid == staff.wework_userid, Media.case_id.is_(None), Media.kind == "image",
            Media.state != "failed", Media.created_at >= now - PHOTO_WINDOW).order_by(Media.id)))
        category = self.dispatcher.category_of(case)
        if not photos and category.photo_required:
            return Outcome(texts.SQUAD_NEEDS_PHOTO.format(number=number))
        for photo in photos:
            photo.case_id = case.id
        transition(self.session, case, "resolve", actor_kind="squad", actor_id=staff.wework_userid, at=now,
                   note=note, media_ids=[p.id for p in photos])
        case.resolved_at = now
        case.on_time = case.deadline is None or now <= case.deadline  # frozen: statistics read this
        sent = Sent(self.dispatcher.notify(case, texts.PUSH_RESOLVED, photos[0].id if photos else None, note=note))
        timeliness = "按期办结" if case.on_time else "超期办结"
        return Outcome(texts.SQUAD_RESOLVED.format(number=number, photos=len(photos), timeliness=timeliness), sent,
                       ok=True)

    def return_case(self, staff: Staff, number: str, reason: str, now: datetime) -> Outcome:
        case = self._case_for(staff, number, "return")
        if isinstance(case, str):
            return Outcome(case)
        transition(self.session, case, "return", actor_kind="squad", actor_id=staff.wework_userid, at=now,
                   note=reason)
        case.triage_reason = "returned"  # back in the dispatcher's queue
        return Outcome(texts.SQUAD_RETURNED.format(number=number), ok=True)

    def request_extension(self, staff: Staff, number: str, days: int, reason: str, now: datetime) -> Outcome:
        case = self._case_for(staff, number, "extend")
        if isinstance(case, str):
            return Outcome(case)
        self.session.add(ExtensionRequest(case_id=case.id, requested_by=staff.wework_userid, days=days,
                                          reason=reason, requested_at=now))
        record_event(self.session, case, "extension_requested", actor_kind="squad", actor_id=staff.wework_userid,
                     note=f"申请延期 {days} 个工作日：{reason}", at=now)
        return Outcome(texts.SQUAD_EXTENSION_REQUESTED.format(number=number, days=days), ok=True)

    def decide_extension(self, request_id: int, approve: bool, decided_by: str, now: datetime) -> ExtensionRequest:
        """The bureau's answer. Approval moves the deadline by the days asked, in working days."""
        request = self.session.get(ExtensionRequest, request_id, with_for_update=True)
        if request is None or request.state != "pending":
            raise ValueError("no pending extension request with that id")
        case = self.session.get_one(Case, request.case_id, with_for_update=True)
        request.state, request.decided_by, request.decided_at = ("approved" if approve else "refused"), decided_by, now
        if approve and case.deadline is not None:
            case.deadline = self.services.calendar.deadline(case.deadline, Limit(request.days, "d"))
            if case.overdue_at is not None and case.deadline > now:
                case.overdue_at = None
        record_event(self.session, case, "extension_approved" if approve else "extension_refused",
                     actor_kind="dispatcher", actor_id=decided_by, note=f"{request.days} 个工作日", at=now)
        return request

    def todo(self, staff: Staff) -> str:
        cases = list(self.session.scalars(
            select(Case).where(Case.unit_code == staff.unit_code, Case.state.in_([s.value for s in OPEN_STATES]),
                               Case.state != "received")
            .order_by(Case.deadline.is_(None), Case.deadline, Case.id)))
        if not cases:
            return texts.SQUAD_NO_TODO
        taxonomy = self.services.understanding.taxonomy
        return texts.squad_todo([
            (c.number, taxonomy[c.category_code].name if c.category_code else "—",
             texts.STATE_LABELS.get(c.state, c.state), self.dispatcher.when(c.deadline))
            for c in cases])
