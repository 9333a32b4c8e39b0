"""派遣: sending a case to its unit, redispatching, reassigning, and 不予立案.

``dispatch`` moves a case to ``dispatched``, sets its deadline (and the 75 % reminder moment) from
the category's limit in working time, and queues the WeChat Work card for the unit's department.
A unit without a WeChat Work department leaves the case with the dispatcher (``unit_unreachable``), and so
does a card that cannot be delivered (``card_undeliverable``).
The routing job, the console, the CLI and the rework after a dissatisfied rating all call it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.dispatch.actor import Actor
from bot.dispatch.calendar import Limit
from bot.dispatch.deps import Deps
from bot.dispatch.errors import IllegalTransition, UnknownCategory
from bot.dispatch.routing import unit_for
from bot.dispatch.states import transition
from bot.models import Case, Grid, Unit
from bot.models.enums import ActorKind, State, TriageReason
from bot.notifications.queue import notify_followers, notify_unit

# What the followers are told, by the state the case is dispatched from.
NOTICES: dict[str, str] = {State.RETURNED: "redispatched", State.REOPENED: "reopened"}


@dataclass(frozen=True)
class Dispatched:
    """The outcome: the unit it went to, or why it stays with the dispatcher."""

    case: Case
    unit: Unit | None
    triage_reason: TriageReason | None = None


def dispatch(session: Session, deps: Deps, case: Case, actor: Actor, *, unit_code: str | None = None,
             category_code: str | None = None, note: str | None = None, rework: str | None = None,
             rating: int | None = None, told: int | None = None) -> Dispatched:
    """Send ``case`` to ``unit_code`` (default: the routed unit), optionally correcting its category first.

    Also used after 退回 (redispatch) and after a dissatisfied rating (``rework``: the resident's words and
    ``rating``, shown on the card); the followers are told which, except the resident ``told`` already
    (by the reply to their rating). Illegal states raise.
    """
    if category_code is not None:
        if category_code not in deps.taxonomy:
            raise UnknownCategory(category_code)
        case.category_code = category_code
    code = unit_code or case.unit_code or route(session, deps, case)
    unit = session.get(Unit, code) if code else None
    if case.category_code is None or unit is None or not unit.wework_party_id:
        if case.state != State.RECEIVED:
            raise IllegalTransition(case.number, case.state, "dispatch")
        reason = TriageReason.NO_CATEGORY if case.category_code is None else TriageReason.UNIT_UNREACHABLE
        case.triage_reason = reason
        return Dispatched(case, None, reason)
    now = deps.now()
    limit = Limit.parse(deps.category(case.category_code).limit)
    by_bureau = rework is not None and actor.kind != ActorKind.RESIDENT  # 核查不通过, not a resident's 不满意
    notice = "reworked" if by_bureau else NOTICES.get(case.state, "dispatched")
    event = transition(session, case, "dispatch", actor, at=now, note=note or f"派遣至{unit.name}")
    case.unit_code, case.triage_reason = unit.code, None
    case.dispatched_at = now
    case.first_dispatched_at = case.first_dispatched_at or now
    case.deadline = event.deadline = deps.calendar.deadline(now, limit)
    case.remind_at = deps.calendar.deadline(now, Limit(limit.amount * 0.75, limit.unit))
    case.reminded_at = case.overdue_at = None
    notify_unit(session, unit, "dispatch_card", case, rework=rework, rating=rating, by_bureau=by_bureau)
    notify_followers(session, case, notice, unit=unit.name, deadline=case.deadline.isoformat(), exclude=told)
    return Dispatched(case, unit)


def card_undeliverable(session: Session, deps: Deps, case: Case, party: str, error: str | None) -> bool:
    """The dispatch card to WeChat Work department ``party`` failed for good (a permanent error, or every
    retry used): no unit has the case, so it goes back to the dispatcher's queue (``unit_unreachable``).

    Only while the case still waits for that unit (``dispatched`` to it); True if it was moved back.
    """
    unit = session.get(Unit, case.unit_code) if case.unit_code else None
    if case.state != State.DISPATCHED or unit is None or unit.wework_party_id != party:
        return False
    transition(session, case, "unreachable", Actor.system(), at=deps.now(),
               note=f"派遣消息未能送达{unit.name}（{error or '企业微信发送失败'}），退回待分拨")
    case.triage_reason = TriageReason.UNIT_UNREACHABLE
    return True


def route(session: Session, deps: Deps, case: Case) -> str | None:
    """The unit for the case's category and grid (used when triage fixed the category)."""
    if case.category_code is None:
        return None
    grid = session.get(Grid, case.grid_code) if case.grid_code else None
    return unit_for(deps.category(case.category_code).handler, grid.squad_code if grid else None)


def invalidate(session: Session, deps: Deps, case: Case, actor: Actor, reason: str) -> Case:
    """不予立案 (out of scope, spam …): the followers are told why."""
    transition(session, case, "invalidate", actor, at=deps.now(), note=reason)
    case.triage_reason = None
    notify_followers(session, case, "invalid", reason=reason)
    return case
