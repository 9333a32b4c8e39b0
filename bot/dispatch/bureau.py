"""The bureau's own decisions on a case besides dispatching and closing: an internal note, a reply to the
residents, a manual merge, and 核查不通过 (verification failed → 返工). The console and the CLI call these.

Each takes the deciding ``Actor``, records a ``CaseEvent`` with it and raises a typed ``DomainError`` before
changing anything when the decision cannot be taken.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.dispatch.actor import Actor
from bot.dispatch.deps import Deps
from bot.dispatch.errors import DomainError, IllegalTransition
from bot.dispatch.feedback import RatingOutcome, reopen
from bot.dispatch.states import OPEN_STATES, can, record_event, transition
from bot.models import Case, Resident
from bot.models.enums import State
from bot.notifications.followers import followers
from bot.notifications.queue import notify_followers, notify_resident
from bot.notifications.window import window_open

MAX_TEXT = 500  # characters of a note or a reply (WeChat's customer-service text allows far more)


class EmptyText(DomainError):
    def __init__(self, what: str) -> None:
        super().__init__(f"the {what} is empty or longer than {MAX_TEXT} characters")
        self.what = what


class WindowClosed(DomainError):
    """No follower wrote within WeChat's 48-hour window (or its quota is used up): a reply cannot reach them."""

    def __init__(self, number: str) -> None:
        super().__init__(f"case {number}: no follower can be reached with a customer-service message now")
        self.number = number


class NobodyToTell(DomainError):
    """The case has no reachable resident (a hotline case, an anonymised or unsubscribed reporter)."""

    def __init__(self, number: str) -> None:
        super().__init__(f"case {number} has no resident following it on WeChat")
        self.number = number


class CannotMerge(DomainError):
    def __init__(self, number: str, into: str, why: str) -> None:
        super().__init__(f"case {number} cannot be merged into {into}: {why}")
        self.number, self.into, self.why = number, into, why


def _text(text: str, what: str) -> str:
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise EmptyText(what)
    return text


def add_note(session: Session, deps: Deps, case: Case, actor: Actor, text: str) -> None:
    """An internal note on the case's trail; residents and squads never see it."""
    record_event(session, case, "note", actor, at=deps.now(), note=_text(text, "note"))


def reply_window(session: Session, deps: Deps, case: Case) -> tuple[list[Resident], list[Resident]]:
    """The case's followers, and those a customer-service message can reach now (48-hour window and quota)."""
    everyone = followers(session, case)
    now = deps.now()
    return everyone, [r for r in everyone if window_open(session, r, deps.settings, now)]


def reply_to_residents(session: Session, deps: Deps, case: Case, actor: Actor, text: str) -> list[Resident]:
    """A customer-service message to the case's followers whose 48-hour window is open; refused when none is.
    Returns the residents it is queued for."""
    text = _text(text, "reply")
    everyone, reachable = reply_window(session, deps, case)
    if not everyone:
        raise NobodyToTell(case.number)
    if not reachable:
        raise WindowClosed(case.number)
    now = deps.now()
    for resident in reachable:
        notify_resident(session, resident, "reply", case, text=text)
    record_event(session, case, "reply", actor, at=now, note=text)
    return reachable


def merge_into(session: Session, deps: Deps, case: Case, primary: Case, actor: Actor) -> None:
    """合并: ``case`` is the same problem as the open ``primary``; its followers follow ``primary`` from now on
    (and are told so), the squad gets no card for it."""
    if primary.id == case.id:
        raise CannotMerge(case.number, primary.number, "the same case")
    if primary.state not in OPEN_STATES or primary.merged_into_id is not None:
        raise CannotMerge(case.number, primary.number, f"{primary.number} is not open")
    if not can(case.state, "merge"):
        raise IllegalTransition(case.number, case.state, "merge")
    transition(session, case, "merge", actor, at=deps.now(), note=f"与 {primary.number} 为同一问题，合并处理")
    case.merged_into_id, case.triage_reason = primary.id, None
    notify_followers(session, case, "merged", primary=primary.number, own=primary.reporter_id == case.reporter_id,
                     address=primary.address, near=None)


def verification_failed(session: Session, deps: Deps, case: Case, actor: Actor, note: str) -> RatingOutcome:
    """核查不通过 → 返工: reopened and dispatched again to the same unit, the note on the squad's new card."""
    note = _text(note, "note")
    if case.state != State.RESOLVED:
        raise IllegalTransition(case.number, case.state, "reopen")
    return reopen(session, deps, case, actor, note)
