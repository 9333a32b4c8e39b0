"""The case lifecycle, declared in one table. An illegal transition raises; nothing is ignored.

信息收集 → 立案 → 派遣 → 处置 → 反馈 → 核查结案 → 评价, as states (see DESIGN.md):
``received`` → ``dispatched`` → ``accepted`` → ``resolved`` → ``closed``, with the side paths
``returned``, ``reopened``, ``merged``, ``invalid`` and ``cancelled``. Category and grid may still
be empty in ``received``: triage fills them before dispatch.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from bot.models import Case, CaseEvent


class State(StrEnum):
    RECEIVED = "received"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    RESOLVED = "resolved"
    CLOSED = "closed"
    RETURNED = "returned"
    REOPENED = "reopened"
    MERGED = "merged"
    INVALID = "invalid"
    CANCELLED = "cancelled"


# (from state, action) -> to state. ``None`` as from state: the case is being created.
TRANSITIONS: dict[tuple[State | None, str], State] = {
    (None, "receive"): State.RECEIVED,
    (State.RECEIVED, "dispatch"): State.DISPATCHED,
    (State.RECEIVED, "cancel"): State.CANCELLED,
    (State.RECEIVED, "invalidate"): State.INVALID,
    (State.RECEIVED, "merge"): State.MERGED,
    (State.DISPATCHED, "accept"): State.ACCEPTED,
    (State.DISPATCHED, "return"): State.RETURNED,
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

# 延期 is a request about the deadline, not a transition: allowed while the squad holds the case.
EXTENDABLE_STATES = frozenset({State.DISPATCHED, State.ACCEPTED})

OPEN_STATES = frozenset(
    {State.RECEIVED, State.DISPATCHED, State.ACCEPTED, State.RETURNED, State.REOPENED}
)


class IllegalTransition(Exception):
    def __init__(self, case_number: str, state: str | None, action: str) -> None:
        super().__init__(f"case {case_number}: cannot {action} from {state}")
        self.state = state
        self.action = action


def can(state: str | None, action: str) -> bool:
    return (State(state) if state else None, action) in TRANSITIONS


def transition(
    session: Session,
    case: Case,
    action: str,
    *,
    actor_kind: str,
    actor_id: str | None = None,
    note: str | None = None,
    media_ids: list[int] | None = None,
    at: datetime,
) -> CaseEvent:
    """Move ``case`` by ``action`` and record the step as a ``CaseEvent``."""
    current = State(case.state) if case.state else None
    target = TRANSITIONS.get((current, action))
    if target is None:
        raise IllegalTransition(case.number, case.state, action)
    event = _event(session, case, action, target.value, actor_kind, actor_id, note, media_ids, at)
    case.state = target.value
    case.updated_at = at
    return event


def record_event(
    session: Session,
    case: Case,
    action: str,
    *,
    actor_kind: str,
    actor_id: str | None = None,
    note: str | None = None,
    at: datetime,
) -> CaseEvent:
    """A step that is not a state change (reminder, overdue, extension requested …), in the same trail."""
    return _event(session, case, action, case.state, actor_kind, actor_id, note, None, at)


def _event(session: Session, case: Case, action: str, to_state: str, actor_kind: str, actor_id: str | None,
           note: str | None, media_ids: list[int] | None, at: datetime) -> CaseEvent:
    event = CaseEvent(case=case, at=at, action=action, from_state=case.state, to_state=to_state,
                      actor_kind=actor_kind, actor_id=actor_id, note=note, media_ids=list(media_ids or []))
    session.add(event)
    return event
