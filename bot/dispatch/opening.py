"""立案 from any channel: one function opens a case — number, understanding, routing, duplicates, trail, jobs.

WeChat drafts (``bot.intake``), the photo-GPS job, the hotline page and Open311 all call ``open_case``;
the case records its ``channel`` and its reporter (a WeChat resident or a contact).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.core.after_commit import after_commit
from bot.dispatch.actor import Actor
from bot.dispatch.deps import Deps
from bot.dispatch.duplicates import find_primary
from bot.dispatch.duplicates import merge as merge_into
from bot.dispatch.numbers import next_case_number
from bot.dispatch.queries import unit_name
from bot.dispatch.routing import Routing, decide
from bot.dispatch.states import transition
from bot.models import Case, Contact, Media, Resident
from bot.models.enums import Channel
from bot.understanding.classify import Classification
from bot.understanding.geotag import GeoResult, locate_point


@dataclass(frozen=True)
class Report:
    """What a case is opened from: words and a point (GCJ-02), from some channel and reporter."""

    description: str
    lat: float
    lng: float
    location_source: str  # message | event | exif | text | map | address …
    address: str | None = None
    datum: str = "gcj02"
    channel: str = Channel.WECHAT  # a Channel, or the name of the Open311 client's API key
    reporter: Resident | None = None
    contact: Contact | None = None
    # The category a person chose (a hotline operator correcting the suggestion): used instead of the classifier.
    category: Classification | None = None


@dataclass(frozen=True)
class Opened:
    case: Case
    classification: Classification
    geo: GeoResult
    routing: Routing
    unit_name: str | None
    merged_into: Case | None = None
    near: str | None = None  # the named place nearest to a point that came without a label
    primary_near: str | None = None  # the same for the open case it joined

    def merged_facts(self) -> dict[str, Any]:
        """What the reporter is told when the case joined an open one: which, and where it is."""
        primary = self.merged_into
        assert primary is not None, "only for a merged case"
        return {"primary": primary.number, "own": primary.reporter_id == self.case.reporter_id,
                "address": primary.address, "near": self.primary_near}

    def facts(self) -> dict[str, Any]:
        """What the reporter is told about the new case (the category only when the classifier was sure)."""
        sure = self.routing.category_sure
        return {"category": self.classification.name if sure else None, "grid": self.geo.grid_name,
                "unit": self.unit_name, "triage_reason": self.routing.triage_reason, "near": self.near}


def open_case(session: Session, deps: Deps, report: Report, actor: Actor, media: list[Media] | None = None,
              *, merge: bool = True) -> Opened:
    """Open a case from ``report``: it is received, classified, geotagged and routed in the caller's
    transaction, merged into an open duplicate if there is one (and ``merge``), and otherwise dispatched
    after the commit (unless the dispatcher must triage it)."""
    now, settings = deps.now(), deps.settings
    case = Case(number=next_case_number(session, now.astimezone(deps.calendar.zone).date()), state=None,
                description=report.description, channel=report.channel,
                reporter_id=report.reporter.id if report.reporter else None,
                contact_id=report.contact.id if report.contact else None,
                lat=report.lat, lng=report.lng, datum=report.datum, location_source=report.location_source,
                address=report.address, created_at=now)
    session.add(case)
    transition(session, case, "receive", actor, at=now)
    understanding = deps.understanding
    area = understanding.area(session)
    classification = report.category or understanding.classify(case.description)
    geo = locate_point(area, report.lat, report.lng, report.location_source)
    near = None if report.address else area.nearest_place(report.lat, report.lng, settings.near_place_m)
    routing = decide(deps.taxonomy, classification, geo, understanding.min_confidence)
    case.category_code, case.category_confidence = classification.code, classification.confidence
    case.grid_code, case.unit_code, case.triage_reason = geo.grid_code, routing.unit_code, routing.triage_reason
    session.flush()
    for item in media or []:
        item.case_id = case.id
    primary = primary_near = None
    if merge and routing.category_sure:
        window = timedelta(hours=settings.duplicate_window_hours)
        primary = find_primary(session, case, deps.taxonomy.same_problem(classification.code),
                               settings.duplicate_radius_m, window)
        if primary is not None:
            merge_into(session, case, primary, now)
            assert primary.lat is not None and primary.lng is not None, "a duplicate was found by its point"
            primary_near = area.nearest_place(primary.lat, primary.lng, settings.near_place_m)
    if primary is None and not routing.needs_triage:
        after_commit(session, "dispatch_case", case.id)
    return Opened(case, classification, geo, routing, unit_name(session, routing.unit_code), primary,
                  near.name if near else None, primary_near.name if primary_near else None)
