"""撤销: a resident withdraws their own report before it is dispatched."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.dispatch.actor import Actor
from bot.dispatch.deps import Deps
from bot.dispatch.errors import CaseNotFound
from bot.dispatch.queries import own_case
from bot.dispatch.states import transition
from bot.models import Case, Resident


def withdraw(session: Session, deps: Deps, resident: Resident, number: str) -> Case:
    """Cancel the resident's own case ``number``; another resident's case is not found, a dispatched one
    raises ``IllegalTransition``."""
    case = own_case(session, resident, number)
    if case is None:
        raise CaseNotFound(number)
    transition(session, case, "cancel", Actor.resident(resident), at=deps.now(), note="市民撤销")
    return case
