"""Ratings, reopening (返工) and closing (核查结案).

After ``resolved`` every follower is asked: 1 满意 / 2 基本满意 / 3 不满意. One rating per follower,
case and handling round. 不满意 reopens the case: back to the same unit with the resident's words and
a new deadline, counted in 返工率 (``reopen_count``). A second dissatisfaction goes to the dispatcher
instead of round and round. A resolved case closes when the bureau verifies it, or by itself after
``AUTO_CLOSE_HOURS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dispatch.actor import Actor
from bot.dispatch.deps import Deps
from bot.dispatch.dispatching import dispatch
from bot.dispatch.queries import awaiting_rating
from bot.dispatch.states import record_event, transition
from bot.models import Case, Rating, Resident
from bot.models.enums import State, TriageReason
from bot.notifications.queue import notify_followers

DISSATISFIED = 3
MAX_AUTOMATIC_REWORK = 1  # a second dissatisfaction goes to the dispatcher


class RatingOutcome(StrEnum):
    RATED = "rated"
    REOPENED = "reopened"  # 返工: dispatched again to the same unit
    ESCALATED = "escalated"  # dissatisfied again: the dispatcher looks at it


@dataclass(frozen=True)
class Rated:
    case: Case
    value: int
    outcome: RatingOutcome


def awaiting(session: Session, deps: Deps, resident: Resident, number: str | None = None) -> Case | None:
    """The case this resident may rate now (resolved within the rating window, not yet rated this round)."""
    since = deps.now() - timedelta(days=deps.settings.rating_window_days)
    return awaiting_rating(session, resident, since, number)


def rate(session: Session, deps: Deps, resident: Resident, case: Case, value: int, words: str) -> Rated:
    """Record ``value`` (1–3) with the resident's ``words``; 不满意 reopens the case."""
    actor, now = Actor.resident(resident), deps.now()
    session.add(Rating(case_id=case.id, round=case.round, resident_id=resident.id, value=value, text=words, at=now))
    record_event(session, case, "rate", actor, at=now, note=f"{value}：{words}")
    if value < DISSATISFIED:
        return Rated(case, value, RatingOutcome.RATED)
    return Rated(case, value, reopen(session, deps, case, actor, words, value, told=resident.id))


def reopen(session: Session, deps: Deps, case: Case, actor: Actor, words: str, rating: int | None = None,
           told: int | None = None) -> RatingOutcome:
    """返工: the next handling round, dispatched again to the same unit (or, the second time, to the dispatcher).
    ``told``: a resident already told in a reply, left out of the push."""
    transition(session, case, "reopen", actor, at=deps.now(), note=words)
    case.round += 1
    case.reopen_count += 1
    case.resolved_at = case.closed_at = case.on_time = None
    if case.reopen_count > MAX_AUTOMATIC_REWORK:
        case.triage_reason = TriageReason.DISSATISFIED_AGAIN  # the dispatcher looks at it, not round and round
        return RatingOutcome.ESCALATED
    dispatch(session, deps, case, actor, unit_code=case.unit_code, note=f"返工：{words}", rework=words, rating=rating,
             told=told)
    return RatingOutcome.REOPENED


def close_case(session: Session, deps: Deps, case: Case, actor: Actor, note: str | None = None) -> Case:
    """核查结案: verified by the bureau, or automatically; every follower is told."""
    now = deps.now()
    event = transition(session, case, "close", actor, at=now, note=note)
    event.on_time = case.on_time
    case.closed_at = now
    notify_followers(session, case, "closed")
    return case


def auto_close(session: Session, deps: Deps) -> int:
    """Close resolved cases nobody objected to within ``auto_close_hours``; returns how many."""
    hours = deps.settings.auto_close_hours
    if hours <= 0:
        return 0
    due = list(session.scalars(select(Case).where(Case.state == State.RESOLVED.value,
                                                  Case.resolved_at <= deps.now() - timedelta(hours=hours))
                               .with_for_update(skip_locked=True)))
    for case in due:
        close_case(session, deps, case, Actor.system(), note=f"处置后 {hours:g} 小时无异议，自动结案")
    return len(due)
