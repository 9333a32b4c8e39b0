"""A service request POSTed by another system (Open311 GeoReport v2) becomes a case through ``open_case``,
like a WeChat report, with the client's API key name as its channel.

The client chose the service (our category), so the classifier is not asked; the point comes in WGS-84 as
the specification says and is converted to GCJ-02, or from an address the gazetteer knows. A ``media_url``
is fetched afterwards by a job (``bot.intake.remote_media``). Every accepted request gets a token too, so a
client written for servers that answer tokens can follow it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from bot.core.after_commit import after_commit
from bot.dispatch.actor import Actor
from bot.dispatch.deps import Deps
from bot.dispatch.opening import Opened, Report, open_case
from bot.geo.datum import wgs84_to_gcj02
from bot.intake.contacts import BadReport, Person, description, new_contact, place_of
from bot.models import ApiKey, Media, Open311Token
from bot.models.enums import ActorKind
from bot.understanding.classify import Classification
from bot.understanding.geotag import BadCoordinates, check_point

MAX_URL = 2048


@dataclass(frozen=True)
class Submission:
    """The request's parameters as sent (strings; checked here)."""

    service_code: str | None
    description: str | None = None
    lat: str | None = None
    long: str | None = None
    address_string: str | None = None
    media_url: str | None = None
    person: Person = Person()


@dataclass(frozen=True)
class Submitted:
    opened: Opened
    token: str


def api_actor(key: ApiKey) -> Actor:
    return Actor(ActorKind.API, key.name, key.name)


def _point(deps: Deps, session: Session, sub: Submission) -> tuple[float, float, str, str | None]:
    """(lat, lng) in GCJ-02, the location source and the address: exactly one of lat+long or address_string."""
    has_point = bool((sub.lat or "").strip() or (sub.long or "").strip())
    address = (sub.address_string or "").strip()
    if has_point and address:
        raise BadReport("address_string", "send either lat and long, or address_string, not both")
    if has_point:
        try:
            lat, lng = check_point((sub.lat or "").strip(), (sub.long or "").strip())
        except BadCoordinates as exc:
            raise BadReport("lat", f"lat/long: {exc}") from None
        lat, lng = wgs84_to_gcj02(lat, lng)
        return lat, lng, "open311", None
    if not address:
        raise BadReport("lat", "a location is required: lat and long (WGS-84), or address_string")
    try:
        place = place_of(deps.understanding.area(session), address)
    except BadReport:
        raise BadReport("address_string", "address_string could not be resolved to a known place") from None
    return place.lat, place.lng, "address", address[:255]


def _media_url(raw: str | None) -> str | None:
    url = (raw or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadReport("media_url", "media_url must be an http or https URL")
    return url


def submit(session: Session, deps: Deps, key: ApiKey, sub: Submission) -> Submitted:
    """Open the case a client's request reports; ``BadReport`` (nothing kept) when a parameter is unusable."""
    code = (sub.service_code or "").strip()
    if not code:
        raise BadReport("service_code", "service_code is required")
    if code not in deps.taxonomy:
        raise BadReport("service_code", f"unknown service_code {code}")
    category = deps.category(code)
    words = description(sub.description) if (sub.description or "").strip() else category.name
    lat, lng, source, address = _point(deps, session, sub)
    url = _media_url(sub.media_url)
    contact = new_contact(session, deps, key.name, sub.person, key.name)
    media = [Media(kind="image", channel="url", media_id="media_url", url=url)] if url else []
    session.add_all(media)
    session.flush()
    report = Report(words, lat, lng, source, address=address, channel=key.name, contact=contact,
                    category=Classification(code, category.name, 1.0))
    opened = open_case(session, deps, report, api_actor(key), media)
    token = secrets.token_hex(12)
    session.add(Open311Token(token=token, case_id=opened.case.id, api_key_id=key.id, created_at=deps.now()))
    for item in media:
        after_commit(session, "fetch_media_url", item.id)
    return Submitted(opened, token)
