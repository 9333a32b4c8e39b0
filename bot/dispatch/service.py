"""Dispatching a routed case to its unit, and telling the reporter.

``dispatch`` moves a case to ``dispatched``, sets its deadline (and the 75 % reminder moment) from
the category's limit in working time, and queues the WeChat Work card for the unit's department.
A unit without a WeChat Work department leaves the case with the dispatcher (``unit_unreachable``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot import texts
from bot.dispatch.calendar import Limit
from bot.dispatch.routing import unit_for
from bot.dispatch.states import IllegalTransition, State, transition
from bot.links import case_link
from bot.models import Case, Grid, OutboundMessage, Unit
from bot.notifications.followers import push
from bot.outbound import queue_to_party
from bot.services import Services
from bot.understanding.taxonomy import Category


@dataclass
class Sent:
    """Outbound rows queued by a service call, to be delivered after the commit."""

    messages: list[OutboundMessage] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [m.id for m in self.messages]


PUSHES: dict[str, str] = {State.RETURNED: texts.PUSH_REDISPATCHED, State.REOPENED: texts.PUSH_REOPENED}


class Dispatcher:
    def __init__(self, session: Session, services: Services) -> None:
        self.session = session
        self.services = services
        self.settings = services.settings

    def category_of(self, case: Case) -> Category:
        """The category of a case past triage (dispatching requires one)."""
        assert case.category_code is not None, f"case {case.number} has no category"
        return self.services.understanding.taxonomy[case.category_code]

    def limit_of(self, case: Case) -> Limit:
        return Limit.parse(self.category_of(case).limit)

    def dispatch(self, case: Case, now: datetime, *, actor_kind: str = "system", actor_id: str | None = None,
                 unit_code: str | None = None, note: str | None = None, rework: str | None = None) -> Sent:
        """Send ``case`` to ``unit_code`` (default: the one routing chose). Illegal states raise.

        Also used again after 退回 (redispatch) and after a dissatisfied rating (``rework``: the
        resident's words, shown on the card); the followers are told which.
        """
        code = unit_code or case.unit_code or self.route(case)
        unit = self.session.get(Unit, code) if code else None
        if case.category_code is None or unit is None or not unit.wework_party_id:
            if case.state != State.RECEIVED:
                raise IllegalTransition(case.number, case.state, "dispatch")
            case.triage_reason = "unit_unreachable" if unit is None or not unit.wework_party_id else "no_category"
            return Sent()
        limit = self.limit_of(case)
        calendar = self.services.calendar
        template = PUSHES.get(case.state, texts.PUSH_DISPATCHED)
        transition(self.session, case, "dispatch", actor_kind=actor_kind, actor_id=actor_id, at=now,
                   note=note or f"派遣至{unit.name}")
        case.unit_code, case.triage_reason = unit.code, None
        case.dispatched_at = now
        case.deadline = calendar.deadline(now, limit)
        case.remind_at = calendar.deadline(now, Limit(limit.amount * 0.75, limit.unit))
        case.reminded_at = case.overdue_at = None
        sent = Sent([self._card(case, unit, rework)])
        sent.messages += self.notify(case, template, unit=unit.name, deadline=self.when(case.deadline))
        return sent

    def route(self, case: Case) -> str | None:
        """The unit for the case's category and grid (used when triage fixed the category)."""
        if case.category_code is None:
            return None
        grid = self.session.get(Grid, case.grid_code) if case.grid_code else None
        return unit_for(self.category_of(case).handler, grid.squad_code if grid else None)

    def invalidate(self, case: Case, reason: str, now: datetime, actor_id: str) -> Sent:
        """不予立案 (out of scope, spam …): the followers are told why."""
        transition(self.session, case, "invalidate", actor_kind="dispatcher", actor_id=actor_id, at=now, note=reason)
        case.triage_reason = None
        return Sent(self.notify(case, texts.PUSH_INVALID, reason=reason))

    def _card(self, case: Case, unit: Unit, rework: str | None) -> OutboundMessage:
        category = self.category_of(case).name
        assert unit.wework_party_id, "dispatch() cards only units with a WeChat Work department"
        grid = self.session.get(Grid, case.grid_code) if case.grid_code else None
        where = " ".join(x for x in (case.address, grid.name if grid else None) if x) or f"{case.lat:.5f},{case.lng:.5f}"
        photos = sum(1 for m in case.media if m.kind == "image")
        link = case_link(self.settings.public_base_url, self.settings.secret_key, case.id)
        card = texts.dispatch_card(case.number, category, where, case.description, self.when(case.deadline),
                                   photos, link, rework)
        return queue_to_party(self.session, unit.wework_party_id, card, case.id)

    def notify(self, case: Case, template: str, image_media_id: int | None = None, **values: str) -> list[OutboundMessage]:
        """Queue a push to everyone following the case (its reporter and merged duplicates' reporters)."""
        return push(self.session, case, template.format(number=case.number, **values), image_media_id)

    def when(self, moment: datetime | None) -> str:
        return texts.local_time(moment, self.settings.timezone) if moment else "—"
