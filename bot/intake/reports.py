"""Gathering a resident's messages into one report, and turning it into a case.

A resident may send text, photos, voice and a location in any order within the draft window
(10 minutes of inactivity by default). As soon as the draft has a description and a location it
becomes a case (``received``), classified, geotagged and routed in the same transaction. Photos
sent after that, within the window, attach to the case; new text or a new location starts a new
report.

Where the location comes from, in order of trust: a location message, a fresh LOCATION event,
a photo's EXIF GPS (read by the worker), a place named in the description (gazetteer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.core.after_commit import after_commit
from bot.dispatch.actor import Actor
from bot.dispatch.deps import Deps
from bot.dispatch.dispatching import route
from bot.dispatch.duplicates import split
from bot.dispatch.opening import Opened, Report, open_case
from bot.dispatch.states import OPEN_STATES, record_event
from bot.geo.datum import distance_m, wgs84_to_gcj02
from bot.models import Case, Draft, Media, Resident
from bot.models.enums import State, TriageReason
from bot.notifications.queue import notify_resident
from bot.understanding.geotag import locate_text


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float
    source: str  # message | event | exif | text
    label: str | None = None
    datum: str = "gcj02"


# Drafts still gathering messages: ``unsure`` asked "is this a new problem?"; ``confirmed`` got "是".
GATHERING = ("open", "unsure", "confirmed")
# The resident's draft still in its window (built once: every message of a resident reads it).
_CURRENT_DRAFT = (select(Draft).where(Draft.resident_id == bindparam("resident_id"),
                                      Draft.state.in_((*GATHERING, "promoted")), Draft.updated_at >= bindparam("since"))
                  .order_by(Draft.id.desc()).limit(1).with_for_update())


@dataclass(frozen=True)
class PlaceConflict:
    """The text names a place far from the location sent with it (the case was opened where it was sent)."""

    place: str
    distance_m: float


@dataclass
class Progress:
    """What a message did to the resident's report; the handler turns it into a reply."""

    draft: Draft | None = None
    case: Case | None = None  # the case created now, or the one a late photo joined
    opened: Opened | None = None  # the case created now: its category, grid, routing, duplicate
    attached: bool = False
    missing: list[str] = field(default_factory=list)  # "description" | "location"
    relocated: bool = False  # a location message refined the place a case had guessed from its text
    separated: bool = False  # ... and so it is no longer a duplicate of the case it had joined
    unsure: bool = False  # the words describe no problem (yet): the resident is asked
    conflict: PlaceConflict | None = None


class Intake:
    """The report-assembly service for one database session. New media are downloaded by a job
    registered on the session (after the commit)."""

    def __init__(self, session: Session, deps: Deps) -> None:
        self.session = session
        self.deps = deps
        self.settings = deps.settings
        self.window = timedelta(seconds=deps.settings.draft_window_seconds)

    # -- inbound pieces -----------------------------------------------------------------------
    def add_text(self, resident: Resident, text: str, now: datetime) -> Progress:
        """Words for the report. Words that describe no problem ("没修好" with nothing awaiting a rating,
        "asdf") never become a case by themselves: a later, real description replaces them."""
        draft = self._open_draft(resident, now)
        if draft.description and not self.is_noise(draft.description):
            draft.description = f"{draft.description} {text}".strip()
        else:
            draft.description = text
            if draft.state == "confirmed":
                draft.state = "open"  # new words: ask again if they say nothing either
        return self._advance(resident, draft, now)

    def confirm(self, resident: Resident, yes: bool, now: datetime) -> Progress | None:
        """The answer to "您是要反映新问题吗？": 是 submits the report as it is (the dispatcher will look at it),
        不是 drops it. None when nothing was asked."""
        draft = self._current_draft(resident, now)
        if draft is None or draft.state != "unsure":
            return None
        if not yes:
            draft.state = "expired"
            return Progress(draft=draft)
        draft.state, draft.updated_at = "confirmed", now
        return self._advance(resident, draft, now)

    def add_location(self, resident: Resident, point: Point, now: datetime) -> Progress:
        """A location message. Right after a case located only by a place name in its text, it refines that
        case's location instead of starting a new report; a case merged by that guess is separated again
        when the real place is not near the case it joined."""
        current = self._current_draft(resident, now)
        if current is not None and current.state == "promoted" and current.location_source == "text":
            case = self.session.get_one(Case, current.case_id, with_for_update=True)
            if case.location_source == "text" and (case.state in OPEN_STATES or case.state == State.MERGED):
                self._relocate(case, point, now)
                current.location_source, current.updated_at = point.source, now
                separated = case.state == State.MERGED and not self._still_duplicate(case)
                if separated:
                    self._separate(case, resident)
                return Progress(draft=current, case=case, relocated=True, separated=separated)
        draft = self._open_draft(resident, now, current)
        self._set_location(draft, point)
        return self._advance(resident, draft, now)

    def separate_last_merge(self, resident: Resident, now: datetime) -> Case | None:
        """The resident says the open case their report joined is another problem: it is handled on its own."""
        since = now - timedelta(hours=self.settings.duplicate_window_hours)
        case = self.session.scalar(select(Case).where(
            Case.reporter_id == resident.id, Case.state == State.MERGED.value, Case.created_at >= since)
            .order_by(Case.id.desc()).limit(1).with_for_update())
        if case is not None:
            self._separate(case, resident)
        return case

    def is_noise(self, text: str) -> bool:
        """Words that describe no city-management problem: no Chinese at all, or unsure and either very short
        or out of scope (the classifier's Z categories)."""
        hanzi = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
        if hanzi == 0:
            return True
        understanding = self.deps.understanding
        found = understanding.classify(text)
        return found.confidence < understanding.min_confidence and (found.code.startswith("Z") or hanzi < 6)

    def keep_media(self, resident: Resident, kind: str, media_id: str) -> Media:
        """Media that belongs to no report (a voice command): downloaded and kept all the same."""
        media = Media(kind=kind, media_id=media_id, resident_id=resident.id)
        self.session.add(media)
        self.session.flush()
        after_commit(self.session, "fetch_media", media.id)
        return media

    def add_media(self, resident: Resident, kind: str, media_id: str, now: datetime) -> Progress:
        """A photo or voice note. Late photos join the case their draft became while it is open; after a
        withdrawal, a closing, a 不予立案 or a merge they start a new report."""
        media = self.keep_media(resident, kind, media_id)
        draft = self._current_draft(resident, now)
        if draft is not None and draft.state == "promoted" and kind == "image":
            case = self.session.get_one(Case, draft.case_id)
            if case.state in OPEN_STATES:
                media.case_id = case.id
                draft.updated_at = now
                return Progress(draft=draft, case=case, attached=True)
        draft = self._open_draft(resident, now, draft)
        if draft.id is None:
            self.session.flush()  # the new draft's id: photos find their draft by it
        media.draft_id = draft.id
        return self._advance(resident, draft, now)

    def _relocate(self, case: Case, point: Point, now: datetime) -> None:
        before = case.grid_code
        case.lat, case.lng, case.datum = point.lat, point.lng, point.datum
        case.location_source, case.address = point.source, point.label or case.address
        grid = self.deps.understanding.area(self.session).grid_at(point.lat, point.lng)
        case.grid_code = grid.code if grid else None
        moved = "" if case.grid_code == before else f"，网格由 {before or '辖区外'} 变为 {case.grid_code or '辖区外'}，请核实派遣"
        actor = Actor.resident(case.reporter) if case.reporter else Actor.system()
        record_event(self.session, case, "relocate", actor, at=now,
                     note=f"市民补充位置：{point.label or ''}（{point.lat:.5f}, {point.lng:.5f}）{moved}")

    def _still_duplicate(self, case: Case) -> bool:
        primary = case.merged_into
        if primary is None or primary.lat is None or primary.lng is None or case.lat is None or case.lng is None:
            return False
        return distance_m(case.lat, case.lng, primary.lat, primary.lng) <= self.settings.duplicate_radius_m

    def _separate(self, case: Case, resident: Resident) -> None:
        """Split ``case`` from the one it joined and route it by its own place (dispatched after the commit)."""
        split(self.session, self.deps, case, Actor.resident(resident))
        case.unit_code = route(self.session, self.deps, case) if case.grid_code else None
        case.triage_reason = None if case.unit_code else TriageReason.OUTSIDE

    def locate_by_photo(self, media_pk: int, now: datetime) -> Opened | None:
        """The worker read GPS from a photo: it locates the photo's draft if nothing better did. A case
        opened that way is told to its reporter by a push (there is no message to reply to)."""
        media = self.session.get(Media, media_pk)
        if media is None or media.gps_lat is None or media.draft_id is None:
            return None
        resident = self.session.get(Resident, media.resident_id, with_for_update=True)
        draft = self.session.get(Draft, media.draft_id, with_for_update=True)
        if draft is None or resident is None or draft.state not in GATHERING or draft.has_location:
            return None
        self._set_location(draft, _photo_point(media))
        opened = self._advance(resident, draft, now).opened
        if opened is not None:
            if opened.merged_into is not None:
                notify_resident(self.session, resident, "merged", opened.case, **opened.merged_facts())
            else:
                notify_resident(self.session, resident, "opened", opened.case, **opened.facts())
        return opened

    def remember_location(self, resident: Resident, lat: float, lng: float, now: datetime) -> None:
        """A LOCATION event: kept on the resident, used by a report that sends no location."""
        resident.last_lat, resident.last_lng, resident.last_location_at = lat, lng, now

    # -- drafts -------------------------------------------------------------------------------
    def _current_draft(self, resident: Resident, now: datetime) -> Draft | None:
        return self.session.scalar(_CURRENT_DRAFT, {"resident_id": resident.id, "since": now - self.window})

    def _open_draft(self, resident: Resident, now: datetime, current: Draft | None = None) -> Draft:
        draft = current or self._current_draft(resident, now)
        if draft is None or draft.state not in GATHERING:
            draft = Draft(resident_id=resident.id, created_at=now, description="", updated_at=now)
            self.session.add(draft)  # inserted with the rest of the message's changes (a photo flushes it first)
        draft.updated_at = now  # an open draft: written once with the rest of the message's changes
        return draft

    def _set_location(self, draft: Draft, point: Point) -> None:
        draft.lat, draft.lng, draft.datum = point.lat, point.lng, point.datum
        draft.location_source, draft.address = point.source, point.label

    def _advance(self, resident: Resident, draft: Draft, now: datetime) -> Progress:
        if not draft.has_location:
            fallback = self._remembered_location(resident, now) or self._photo_location(draft, now)
            if fallback is None and draft.description:
                fallback = self._named_place(draft.description)
            if fallback is not None:
                self._set_location(draft, fallback)
        missing = [
            name
            for name, present in (("description", bool(draft.description)), ("location", draft.has_location))
            if not present
        ]
        unsure = bool(draft.description) and draft.state != "confirmed" and self.is_noise(draft.description)
        if unsure and not missing:
            draft.state = "unsure"
        if missing or unsure:
            return Progress(draft=draft, missing=missing, unsure=unsure)
        return self._promote(resident, draft, now)

    def _remembered_location(self, resident: Resident, now: datetime) -> Point | None:
        fresh = timedelta(seconds=self.settings.location_memory_seconds)
        if resident.last_lat is None or resident.last_lng is None or resident.last_location_at is None:
            return None
        if now - resident.last_location_at > fresh:
            return None
        return Point(resident.last_lat, resident.last_lng, source="event")

    def _photo_location(self, draft: Draft, now: datetime) -> Point | None:
        """A photo of the draft whose GPS was read but has not located it yet (the worker stopped between the two)."""
        if draft.created_at >= now or draft.located_photo_id is None:  # a draft begun now has no photo read yet
            return None
        return _photo_point(self.session.get_one(Media, draft.located_photo_id))

    def _named_place(self, text: str) -> Point | None:
        found = locate_text(self.deps.understanding.area(self.session), text)
        if found.lat is None or found.lng is None:
            return None
        return Point(found.lat, found.lng, source="text", label=found.place)

    def _promote(self, resident: Resident, draft: Draft, now: datetime) -> Progress:
        assert draft.lat is not None and draft.lng is not None, "a draft is promoted once it has a location"
        report = Report(description=draft.description, lat=draft.lat, lng=draft.lng, datum=draft.datum or "gcj02",
                        location_source=draft.location_source or "message", address=draft.address, reporter=resident)
        conflict = self._place_conflict(draft)
        opened = open_case(self.session, self.deps, report, Actor.resident(resident), list(draft.media),
                           merge=conflict is None)
        draft.state, draft.case_id = "promoted", opened.case.id
        return Progress(draft=draft, case=opened.case, opened=opened, conflict=conflict)

    def _place_conflict(self, draft: Draft) -> PlaceConflict | None:
        """A place named in the words far from the location that was sent: which one the resident means is
        unclear, so the case is opened where it was sent and not merged into anything."""
        if draft.location_source == "text" or draft.lat is None or draft.lng is None:
            return None
        named = self._named_place(draft.description)
        if named is None:
            return None
        apart = distance_m(draft.lat, draft.lng, named.lat, named.lng)
        if apart <= self.settings.place_conflict_m:
            return None
        return PlaceConflict(named.label or "", apart)


def _photo_point(media: Media) -> Point:
    assert media.gps_lat is not None and media.gps_lng is not None, f"media {media.id} has no GPS"
    lat, lng = wgs84_to_gcj02(media.gps_lat, media.gps_lng)  # EXIF is WGS-84; we keep GCJ-02
    return Point(lat, lng, source="exif")
