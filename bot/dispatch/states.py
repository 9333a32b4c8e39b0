"""The case lifecycle, declared in one table. An illegal transition raises; nothing is ignored.

信息收集 → 立案 → 派遣 → 处置 → 反馈 → 核查结案 → 评价, as states (see DESIGN.md):
``received`` → ``dispatched`` → ``accepted`` → ``resolved`` → ``closed``, with the side paths
``returned``, ``reopened``, ``merged``, ``invalid`` and ``cancelled``. Category and grid may still
be empty in ``received``: triage fills them before dispatch. The state sets below are the only
definitions of "open", "being handled" and so on; queries and checks use them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.dispatch.actor import Actor
from bot.dispatch.errors import IllegalTransition
from bot.models import Case, CaseEvent
from bot.models.enums import State

# (from state, action) -> to state. ``None`` as from state: the case is being created.
TRANSITIONS: dict[tuple[State | None, str], State] = {
    (None, "receive"): State.RECEIVED,
    (State.RECEIVED, "dispatch"): State.DISPATCHED,
    (State.RECEIVED, "cancel"): State.CANCELLED,
    (State.RECEIVED, "invalidate"): State.INVALID,
    (State.RECEIVED, "merge"): State.MERGED,
    (State.DISPATCHED, "accept"): State.ACCEPTED,
    (State.DISPATCHED, "return"): State.RETURNED,
    (State.DISPATCHED, "unreachable"): State.RETURNED,  # the unit's card could not be delivered, for good
    (State.DISPATCHED, "dispatch"): State.DISPATCHED,  # reassignment by the bureau
    (State.ACCEPTED, "resolve"): State.RESOLVED,
    (State.ACCEPTED, "return"): State.RETURNED,
    (State.RETURNED, "dispatch"): State.DISPATCHED,
    (State.RETURNED, "invalidate"): State.INVALID,
    (State.RESOLVED, "close"): State.CLOSED,
    (State.RESOLVED, "reopen"): State.REOPENED,
    (State.CLOSED, "reopen"): State.REOPENED,
    (State.REOPENED, "dispatch"): State.DISPATCHED,
    (State.MERGED, "split"): State.RECEIVED,
}

# Not finished: a duplicate may merge into it, a resident's location may refine it.
OPEN_STATES = frozenset({State.RECEIVED, State.DISPATCHED, State.ACCEPTED, State.RETURNED, State.REOPENED})
# A unit holds it and its clock runs: reminders, 督办 and 延期 requests apply.
HANDLING_STATES = frozenset({State.DISPATCHED, State.ACCEPTED})
# On a unit's 待办 list: open and past the bureau's intake.
TODO_STATES = OPEN_STATES - {State.RECEIVED}
# Awaiting the resident's rating (within the rating window).
RATEABLE_STATES = frozenset({State.RESOLVED, State.CLOSED})


def values(states: frozenset[State]) -> list[str]:
    """The states as plain strings, in a stable order, for ``IN (...)`` queries."""
    return sorted(s.value for s in states)


def can(state: str | None, action: str) -> bool:
    return (State(state) if state else None, action) in TRANSITIONS


def transition(session: Session, case: Case, action: str, actor: Actor, *, at: datetime, note: str | None = None,
               media_ids: list[int] | None = None) -> CaseEvent:
    """Move ``case`` by ``action`` and record the step, with who took it, as a ``CaseEvent``."""
    current = State(case.state) if case.state else None
    target = TRANSITIONS.get((current, action))
    if target is None:
        raise IllegalTransition(case.number, case.state, action)
    event = _event(session, case, action, target.value, actor, note, media_ids, at)
    case.state = target.value
    return event


def record_event(session: Session, case: Case, action: str, actor: Actor, *, at: datetime,
                 note: str | None = None) -> CaseEvent:
    """A step that is not a state change (reminder, overdue, extension requested …), in the same trail."""
    return _event(session, case, action, case.state, actor, note, None, at)


def _event(session: Session, case: Case, action: str, to_state: str, actor: Actor, note: str | None,
           media_ids: list[int] | None, at: datetime) -> CaseEvent:
    event = CaseEvent(case=case, at=at, action=action, from_state=case.state, to_state=to_state,
                      actor_kind=actor.kind.value, actor_id=actor.id, actor_name=actor.name, note=note,
                      media_ids=list(media_ids or []))
    session.add(event)
    case.updated_at = at  # statistics trust the row as it was at any moment after its last step
    return event
