"""Turning a queued notice (kind + case + parameters) into the message WeChat receives, when it is sent.

The only module below the surfaces that imports the wording (``bot.texts``): services queue facts, the
words are chosen here at delivery, from the case as it is then and the parameters captured at the time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import texts
from bot.clock import Clock
from bot.config import Settings
from bot.core.signing import case_link
from bot.models import Case, Grid, OutboundMessage, Unit
from bot.understanding.taxonomy import Taxonomy

Payload = dict[str, Any]

# Resident pushes that are one sentence about the case: kind -> template (formatted with number + params).
SENTENCES: dict[str, str] = {
    "dispatched": texts.PUSH_DISPATCHED,
    "redispatched": texts.PUSH_REDISPATCHED,
    "reopened": texts.PUSH_REOPENED,
    "reworked": texts.PUSH_REWORKED,
    "accepted": texts.PUSH_ACCEPTED,
    "resolved": texts.PUSH_RESOLVED,
    "closed": texts.PUSH_CLOSED,
    "invalid": texts.PUSH_INVALID,
    "reply": texts.PUSH_REPLY,  # the bureau's own words, from the console
}


class Renderer:
    def __init__(self, session: Session, settings: Settings, taxonomy: Taxonomy, clock: Clock) -> None:
        self.session = session
        self.settings = settings
        self.taxonomy = taxonomy
        self.clock = clock
        self.kinds: dict[str, Callable[[Case | None, dict[str, Any]], Payload]] = {
            "after_photo": lambda case, p: {"msgtype": "image", "media_pk": p["media_pk"]},
            "opened": self._opened,
            "merged": lambda case, p: _text(texts.merged(_need(case).number, p["primary"], p["own"],
                                                         texts.place_of(p.get("address"), p.get("near")))),
            "held_summary": self._held_summary,
            "late_reply": lambda case, p: _text(p["text"]),  # the reply a message would have had, sent later
            "photo_failed": lambda case, p: _text(texts.PHOTO_FAILED[p["reason"]].format(
                mb=f"{self.settings.max_media_bytes / 1024 / 1024:g}", mp=self.settings.max_decoded_pixels // 10_000)),
            "dispatch_card": self._dispatch_card,
            "reminder_card": self._reminder_card,
            "overdue": self._overdue,
            "report_summary": lambda case, p: _text(texts.report_summary(p["report_kind"], p["label"], p["current"],
                                                                         p["previous"])),
            "report_file": lambda case, p: {"msgtype": "file", "report_pk": p["report_pk"]},
            "card_update": self._card_update,
        }

    def render(self, row: OutboundMessage) -> Payload:
        """The WeChat payload for ``row`` (rows queued before notices existed carry their payload as is)."""
        notice = row.payload.get("notice")
        if notice is None:
            return dict(row.payload)
        case = self.session.get(Case, row.case_id) if row.case_id else None
        params = dict(row.payload.get("params") or {})
        if notice in SENTENCES:
            return _text(self.sentence(notice, _need(case), params))
        payload = self.kinds[notice](case, params)
        if payload["msgtype"] == "template_card":  # unique per app: the case and this very message
            payload["template_card"]["task_id"] = f"case{row.case_id}-{row.id}"
        return payload

    def facts(self, row: OutboundMessage) -> dict[str, str]:
        """The case facts a template or subscription message maps onto its keys (``bot.notifications.fields``)."""
        case = _need(self.session.get(Case, row.case_id) if row.case_id else None)
        unit = self.session.get(Unit, case.unit_code) if case.unit_code else None
        notice = str(row.payload.get("notice") or "")
        note = texts.PUSH_NOTES.get(notice)
        if note is None:
            rendered = self.render(row)
            note = rendered["text"]["content"] if rendered.get("msgtype") == "text" else ""
        zone = ZoneInfo(self.settings.timezone)
        return {"number": case.number, "state": texts.STATE_LABELS.get(case.state, case.state),
                "unit": unit.name if unit else "", "time": f"{self.clock.now().astimezone(zone):%Y-%m-%d %H:%M}",
                "note": note}

    def sentence(self, kind: str, case: Case, params: dict[str, Any]) -> str:
        values = {k: self.when(v) if k == "deadline" else v for k, v in params.items()}
        return SENTENCES[kind].format(number=case.number, **values)

    def when(self, moment: str | datetime | None) -> str:
        if moment is None:
            return "—"
        value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
        return texts.local_time(value, self.settings.timezone)

    # -- residents ------------------------------------------------------------------------------
    def _opened(self, case: Case | None, params: dict[str, Any]) -> Payload:
        return _text(texts.case_opened(_need(case), params.get("category"), params.get("grid"), params.get("unit"),
                                       params.get("triage_reason"), params.get("near")))

    def _held_summary(self, case: Case | None, params: dict[str, Any]) -> Payload:
        held = [self.session.get_one(OutboundMessage, pk) for pk in params["held"]]
        payloads = [self.render(row) for row in held]
        lines = [p["text"]["content"] for p in payloads if p.get("msgtype") == "text"]
        photos = sum(1 for p in payloads if p.get("msgtype") == "image")
        return _text(texts.held_summary(lines, photos))

    # -- squads ---------------------------------------------------------------------------------
    def _dispatch_card(self, case: Case | None, params: dict[str, Any]) -> Payload:
        case = _need(case)
        photos = sum(1 for m in case.media if m.kind == "image")
        by_bureau = bool(params.get("by_bureau"))
        rework = params.get("rework") if by_bureau else texts.rework_opinion(params.get("rating"), params.get("rework"))
        return texts.dispatch_card(case.number, self._category(case), self._where(case), case.description,
                                   self.when(case.deadline), photos, self._link(case), rework, by_bureau)

    def _reminder_card(self, case: Case | None, params: dict[str, Any]) -> Payload:
        case = _need(case)
        return texts.reminder_card(case.number, self._category(case), self.when(case.deadline), self._link(case))

    def _overdue(self, case: Case | None, params: dict[str, Any]) -> Payload:
        case = _need(case)
        return texts.overdue_notice(case.number, self._category(case), params["unit"], self.when(case.deadline))

    def _card_update(self, case: Case | None, params: dict[str, Any]) -> Payload:
        """The words replacing a clicked card's buttons: who did what, or why the click was refused."""
        if params.get("refused"):
            name = texts.card_refused(params["refused"], params["action"], params.get("state"))
        else:
            name = texts.card_done(params["name"], params["action"], datetime.fromisoformat(params["at"]),
                                   self.settings.timezone)
        return {"msgtype": "card_update", "response_code": params["response_code"], "replace_name": name}

    def _category(self, case: Case) -> str:
        return self.taxonomy[case.category_code].name if case.category_code else "待分类"

    def _where(self, case: Case) -> str:
        grid = self.session.get(Grid, case.grid_code) if case.grid_code else None
        return " ".join(x for x in (case.address, grid.name if grid else None) if x) or f"{case.lat:.5f},{case.lng:.5f}"

    def _link(self, case: Case) -> str:
        return case_link(self.settings.public_base_url, self.settings.secret_key, case.id, self.clock.time())


def _text(content: str) -> Payload:
    return {"msgtype": "text", "text": {"content": content}}


def _need(case: Case | None) -> Case:
    assert case is not None, "this notice is about a case"
    return case
