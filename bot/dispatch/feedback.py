"""Ratings, reopening (返工) and closing (核查结案).

After ``resolved`` every follower is asked: 1 满意 / 2 基本满意 / 3 不满意 (words too). One rating
per follower, case and handling round. 不满意, or "没修好"-like words while a rating is awaited,
reopens the case: back to the same unit with the resident's words and a new deadline, counted in
返工率 (``reopen_count``). A second dissatisfaction goes to the dispatcher instead of round and round.
A resolved case closes when the bureau verifies it, or by itself after ``AUTO_CLOSE_HOURS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot import texts
from bot.dispatch.service import Dispatcher, Sent
from bot.dispatch.states import State, record_event, transition
from bot.models import Case, Rating, Resident
from bot.services import Services

WORDS = {"满意": 1, "非常满意": 1, "很满意": 1, "基本满意": 2, "还行": 2, "一般": 2, "不满意": 3, "很不满意": 3,
         "非常不满意": 3}
# Said while a rating is awaited, these mean "not fixed" whatever else the message says.
NOT_FIXED = re.compile(r"没修好|没有修好|还是老样子|没解决|没有解决|问题还在|根本没处理|没处理|又来了|还没弄|还没修|没人来")
RATING = re.compile(r"^([123])(?:\s*(\d{8}-\d{4,}))?$")
MAX_AUTOMATIC_REWORK = 1  # a second dissatisfaction goes to the dispatcher


@dataclass(frozen=True)
class ParsedRating:
    value: int
    number: str | None
    words: str


def parse_rating(text: str, awaiting: bool) -> ParsedRating | None:
    """``1``/``2``/``3`` (optionally with a case number) or the words; "没修好" only while awaited."""
    clean = text.strip().strip("。！!.， ")
    match = RATING.match(clean)
    if match:
        return ParsedRating(int(match.group(1)), match.group(2), clean)
    if clean in WORDS:
        return ParsedRating(WORDS[clean], None, clean)
    if awaiting and NOT_FIXED.search(clean):
        return ParsedRating(3, None, clean)
    return None


@dataclass
class RatingOutcome:
    reply: str
    sent: Sent


class Feedback:
    def __init__(self, session: Session, services: Services) -> None:
        self.session = session
        self.services = services
        self.dispatcher = Dispatcher(session, services)

    def awaiting(self, resident: Resident, now: datetime, number: str | None = None) -> Case | None:
        """The resolved (or recently closed) case this resident follows and has not rated this round."""
        window = now - timedelta(days=self.services.settings.rating_window_days)
        followed = or_(Case.reporter_id == resident.id, Case.id.in_(
            select(Case.merged_into_id).where(Case.reporter_id == resident.id, Case.merged_into_id.is_not(None))))
        query = (select(Case).where(followed, Case.state.in_([State.RESOLVED.value, State.CLOSED.value]),
                                    Case.resolved_at >= window)
                 .order_by(Case.resolved_at.desc()))
        if number is not None:
            query = query.where(Case.number == number)
        for case in self.session.scalars(query):
            rated = self.session.scalar(select(Rating.id).where(
                Rating.case_id == case.id, Rating.round == case.round, Rating.resident_id == resident.id))
            if rated is None:
                return case
        return None

    def rate(self, resident: Resident, case: Case, rating: ParsedRating, now: datetime) -> RatingOutcome:
        self.session.add(Rating(case_id=case.id, round=case.round, resident_id=resident.id, value=rating.value,
                                text=rating.words, at=now))
        record_event(self.session, case, "rate", actor_kind="resident", actor_id=str(resident.id), at=now,
                     note=f"{texts.RATING_LABELS[rating.value]}：{rating.words}")
        if rating.value < 3:
            return RatingOutcome(texts.RATED.format(label=texts.RATING_LABELS[rating.value]), Sent())
        return self.reopen(resident, case, rating.words, now)

    def reopen(self, resident: Resident, case: Case, words: str, now: datetime) -> RatingOutcome:
        transition(self.session, case, "reopen", actor_kind="resident", actor_id=str(resident.id), at=now, note=words)
        case.round += 1
        case.reopen_count += 1
        case.resolved_at = case.closed_at = case.on_time = None
        if case.reopen_count > MAX_AUTOMATIC_REWORK:
            case.triage_reason = "dissatisfied_again"  # the dispatcher looks at it, not round and round
            return RatingOutcome(texts.ESCALATED_REPLY.format(number=case.number), Sent())
        sent = self.dispatcher.dispatch(case, now, unit_code=case.unit_code, note=f"返工：{words}", rework=words)
        return RatingOutcome(texts.REOPENED_REPLY.format(number=case.number), sent)


def close_case(session: Session, services: Services, case: Case, now: datetime, *, actor_kind: str,
               actor_id: str | None = None, note: str | None = None) -> Sent:
    """核查结案: verified by the bureau, or automatically; every follower is told."""
    transition(session, case, "close", actor_kind=actor_kind, actor_id=actor_id, at=now, note=note)
    case.closed_at = now
    return Sent(Dispatcher(session, services).notify(case, texts.PUSH_CLOSED))


def auto_close(session: Session, services: Services, now: datetime) -> Sent:
    hours = services.settings.auto_close_hours
    sent = Sent()
    if hours <= 0:
        return sent
    due = session.scalars(select(Case).where(Case.state == State.RESOLVED.value,
                                             Case.resolved_at <= now - timedelta(hours=hours))
                          .with_for_update(skip_locked=True))
    for case in due:
        sent.messages += close_case(session, services, case, now, actor_kind="system",
                                    note=f"处置后 {hours:g} 小时无异议，自动结案").messages
    return sent
