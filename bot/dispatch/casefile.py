"""The case file (案卷): everything the bureau knows about one case, for the console's case page.

A read model like ``queries``: residents appear only masked (``bot.residents.privacy.mask``), never by
openid, so no surface can leak one by accident. What a surface may show of it per role is the surface's rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dispatch.calendar import Limit, WorkCalendar
from bot.dispatch.deps import Deps
from bot.dispatch.states import HANDLING_STATES
from bot.models import Case, CaseEvent, Draft, ExtensionRequest, Grid, InboundMessage, Media, OutboundMessage, Rating
from bot.notifications.render import Renderer
from bot.residents.privacy import REDACTED, mask
from bot.wechat.messages import BadXML, parse_xml

SHOWN_MESSAGES = ("text", "voice", "location", "image")


@dataclass(frozen=True)
class ResidentMessage:
    at: datetime
    kind: str  # text | voice | location | image
    text: str  # the words, the voice's recognition, the location's label or coordinates; '' for a photo


@dataclass(frozen=True)
class Outbound:
    """A message the service sent (or tried to) about the case, as its receiver got it."""

    at: datetime
    channel: str  # wechat (a resident) | wework (a unit or its leaders)
    to: str  # masked resident, or the WeChat Work target
    kind: str
    text: str
    state: str
    error: str | None


@dataclass(frozen=True)
class Follower:
    """A duplicate merged into the case: its number and (masked) reporter."""

    number: str
    reporter: str
    at: datetime


@dataclass
class CaseFile:
    case: Case
    reporter: str  # masked id, '市民' when anonymised, or the contact's channel
    grid: Grid | None
    events: list[CaseEvent]
    messages: list[ResidentMessage]
    photos: list[Media]  # the resident's (before) photos, stored
    after_photos: list[Media]  # the squad's, stored
    outbound: list[Outbound]
    followers: list[Follower]
    ratings: list[Rating]
    extensions: list[ExtensionRequest]
    minutes_left: float | None = None  # handling time to the deadline (negative: overdue), while being handled


def case_file(session: Session, deps: Deps, case: Case) -> CaseFile:
    now = deps.now()
    reporter = mask(case.reporter.openid) if case.reporter else _contact(case)
    stored = [m for m in case.media if m.kind == "image" and m.state == "stored"]
    merged = session.scalars(select(Case).where(Case.merged_into_id == case.id).order_by(Case.id))
    renderer = Renderer(session, deps.settings, deps.taxonomy, deps.clock)
    rows = session.scalars(select(OutboundMessage).where(OutboundMessage.case_id == case.id).order_by(OutboundMessage.id))
    left = None
    if case.deadline is not None and case.state in HANDLING_STATES and case.category_code:
        clock_hours = Limit.parse(deps.category(case.category_code).limit).unit == "n"
        left = ((case.deadline - now).total_seconds() / 60 if clock_hours
                else working_minutes(deps.calendar, now, case.deadline))
    return CaseFile(
        case=case, reporter=reporter, grid=session.get(Grid, case.grid_code) if case.grid_code else None,
        events=list(case.events), messages=_messages(session, deps, case),
        photos=[m for m in stored if m.staff_userid is None], after_photos=[m for m in stored if m.staff_userid],
        outbound=[_outbound(renderer, row) for row in rows],
        followers=[Follower(c.number, mask(c.reporter.openid) if c.reporter else "市民", c.created_at) for c in merged],
        ratings=list(session.scalars(select(Rating).where(Rating.case_id == case.id).order_by(Rating.id))),
        extensions=list(session.scalars(select(ExtensionRequest).where(ExtensionRequest.case_id == case.id)
                                        .order_by(ExtensionRequest.id))),
        minutes_left=left,
    )


def _contact(case: Case) -> str:
    """A caller or another system's user: its label and masked phone (the number itself stays encrypted)."""
    contact = case.contact
    if contact is None:
        return "市民" if case.channel == "wechat" else case.channel
    label = case.channel if contact.name in (None, case.channel) else f"{case.channel} {contact.name}"
    return f"{label}（{contact.phone_masked}）" if contact.phone_masked else label


def _messages(session: Session, deps: Deps, case: Case) -> list[ResidentMessage]:
    """What the reporter sent from the start of the report until the case ended (or their next case began)."""
    if case.reporter is None:
        return []
    draft = session.scalar(select(Draft.created_at).where(Draft.case_id == case.id).order_by(Draft.id).limit(1))
    start = draft or case.created_at - timedelta(seconds=deps.settings.draft_window_seconds)
    following = session.scalar(select(Case.created_at).where(Case.reporter_id == case.reporter_id, Case.id > case.id)
                               .order_by(Case.id).limit(1))
    end = min(t for t in (case.closed_at, following, deps.now()) if t is not None)
    rows = session.scalars(select(InboundMessage).where(
        InboundMessage.channel == "wechat", InboundMessage.from_user == case.reporter.openid,
        InboundMessage.msg_type.in_(SHOWN_MESSAGES), InboundMessage.received_at >= start,
        InboundMessage.received_at <= end).order_by(InboundMessage.id))
    return [m for m in (_message(row) for row in rows) if m is not None]


def _message(row: InboundMessage) -> ResidentMessage | None:
    try:
        fields = parse_xml(row.raw_xml)
    except BadXML:
        return None
    text = {"text": fields.get("Content", ""), "voice": fields.get("Recognition", ""),
            "location": fields.get("Label") or f"{fields.get('Location_X', '')}, {fields.get('Location_Y', '')}",
            "image": ""}[row.msg_type]
    return ResidentMessage(row.received_at, row.msg_type, text)


def _outbound(renderer: Renderer, row: OutboundMessage) -> Outbound:
    payload = row.payload.get("sent") or renderer.render(row)
    kind = payload.get("msgtype", row.kind)
    if kind == "text":
        text = payload["text"]["content"]
    elif kind == "textcard":
        text = payload["textcard"]["title"]
    elif kind == "template_card":
        text = payload["template_card"]["main_title"]["title"]
    elif kind == "card_update":
        text = payload["replace_name"]
    elif kind in ("template", "subscribe"):
        text = " ".join(field["value"] for field in payload["data"].values())
    else:
        text = "（图片）"
    to = row.target if row.channel != "wechat" else "市民（信息已删除）" if row.target == REDACTED else mask(row.target)
    return Outbound(row.created_at, row.channel, to, kind, text, row.state, row.last_error)


def working_minutes(calendar: WorkCalendar, start: datetime, end: datetime) -> float:
    """Working minutes from ``start`` to ``end`` (negative when ``end`` is earlier): the time left to a deadline."""
    if end < start:
        return -working_minutes(calendar, end, start)
    total, day = 0.0, start.astimezone(calendar.zone).date()
    last = end.astimezone(calendar.zone).date()
    while day <= last:
        if calendar.is_workday(day):
            for open_, close in calendar.windows:
                begin = max(start, datetime.combine(day, open_, calendar.zone))
                finish = min(end, datetime.combine(day, close, calendar.zone))
                if finish > begin:
                    total += (finish - begin).total_seconds() / 60
        day += timedelta(days=1)
    return total
