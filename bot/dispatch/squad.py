"""What squad members do to their unit's cases: 签收, 办结, 退回, 延期; and the bureau's 延期 decision.

Every action checks that the case belongs to the actor's unit and that the state machine allows it;
a refusal raises a typed error and changes nothing. Each success is a ``CaseEvent`` and a push to the
followers. The chat commands, and next the one-tap cards and the mobile page, call these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dispatch.actor import Actor
from bot.dispatch.calendar import Limit
from bot.dispatch.deps import Deps
from bot.dispatch.errors import CaseNotFound, IllegalTransition, NeedsPhoto, NoPendingRequest, NotYourCase
from bot.dispatch.states import HANDLING_STATES, can, record_event, transition
from bot.models import Case, ExtensionRequest, Media, Unit
from bot.models.enums import TriageReason
from bot.notifications.queue import notify_followers


@dataclass(frozen=True)
class Resolved:
    case: Case
    photos: int
    on_time: bool


def case_of_unit(session: Session, actor: Actor, number: str, action: str) -> Case:
    """The case, locked, if the actor's unit holds it and ``action`` is allowed in its state."""
    case = session.scalar(select(Case).where(Case.number == number).with_for_update())
    if case is None:
        raise CaseNotFound(number)
    if actor.unit_code is None or case.unit_code != actor.unit_code:
        raise NotYourCase(number)
    allowed = case.state in HANDLING_STATES if action == "extend" else can(case.state, action)
    if not allowed:
        raise IllegalTransition(number, case.state, action)
    return case


def accept(session: Session, deps: Deps, actor: Actor, number: str) -> Case:
    """签收."""
    case = case_of_unit(session, actor, number, "accept")
    transition(session, case, "accept", actor, at=deps.now())
    notify_followers(session, case, "accepted", unit=_unit_name(session, case))
    return case


def resolve(session: Session, deps: Deps, actor: Actor, number: str, note: str) -> Resolved:
    """办结: the photos the member sent within the after-photo window become the after-photos."""
    case = case_of_unit(session, actor, number, "resolve")
    now = deps.now()
    window = timedelta(seconds=deps.settings.after_photo_window_seconds)
    photos = list(session.scalars(select(Media).where(
        Media.staff_userid == actor.id, Media.case_id.is_(None), Media.kind == "image",
        Media.state != "failed", Media.created_at >= now - window).order_by(Media.id)))
    assert case.category_code is not None, "a dispatched case has a category"
    if not photos and deps.category(case.category_code).photo_required:
        raise NeedsPhoto(number)
    for photo in photos:
        photo.case_id = case.id
    event = transition(session, case, "resolve", actor, at=now, note=note, media_ids=[p.id for p in photos])
    case.resolved_at = now
    case.on_time = event.on_time = case.deadline is None or now <= case.deadline  # frozen: statistics read this
    if case.dispatched_at is not None:
        event.work_minutes = round(deps.calendar.working_minutes(case.dispatched_at, now))
    notify_followers(session, case, "resolved", after_photo=photos[0].id if photos else None, note=note)
    return Resolved(case, len(photos), case.on_time)


def return_case(session: Session, deps: Deps, actor: Actor, number: str, reason: str) -> Case:
    """退回: back in the dispatcher's queue."""
    case = case_of_unit(session, actor, number, "return")
    transition(session, case, "return", actor, at=deps.now(), note=reason)
    case.triage_reason = TriageReason.RETURNED
    return case


def request_extension(session: Session, deps: Deps, actor: Actor, number: str, days: int,
                      reason: str) -> ExtensionRequest:
    """延期: a request the bureau decides; the deadline moves only when approved."""
    case = case_of_unit(session, actor, number, "extend")
    now = deps.now()
    request = ExtensionRequest(case_id=case.id, requested_by=actor.id or "", days=days, reason=reason,
                               requested_at=now)
    session.add(request)
    record_event(session, case, "extension_requested", actor, at=now, note=f"申请延期 {days} 个工作日：{reason}")
    session.flush()
    return request


def decide_extension(session: Session, deps: Deps, actor: Actor, request_id: int, approve: bool) -> ExtensionRequest:
    """The bureau's answer. Approval moves the deadline by the days asked, in working days, and takes the
    case off the 督办 list if the new deadline is still ahead."""
    request = session.get(ExtensionRequest, request_id, with_for_update=True)
    if request is None or request.state != "pending":
        raise NoPendingRequest(request_id)
    case = session.get_one(Case, request.case_id, with_for_update=True)
    now = deps.now()
    request.state = "approved" if approve else "refused"
    request.decided_by, request.decided_at = actor.id, now
    if approve and case.deadline is not None:
        case.deadline = deps.calendar.deadline(case.deadline, Limit(request.days, "d"))
        if case.overdue_at is not None and case.deadline > now:
            case.overdue_at = None
    event = record_event(session, case, "extension_approved" if approve else "extension_refused", actor,
                         note=f"{request.days} 个工作日", at=now)
    event.deadline = case.deadline if approve else None
    return request


def _unit_name(session: Session, case: Case) -> str:
    unit = session.get(Unit, case.unit_code) if case.unit_code else None
    return unit.name if unit else (case.unit_code or "")
