"""Hotline intake (受理): an operator types what a caller said and opens the case through ``open_case``,
like a WeChat report (same numbering, routing, duplicate merging, deadlines), with the call's channel.

The place is a point picked on the map (GCJ-02, the console's map datum) or an address the gazetteer
resolves; the category is the classifier's unless the operator chose another.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.dispatch.actor import Actor
from bot.dispatch.deps import Deps
from bot.dispatch.opening import Opened, Report, open_case
from bot.intake.contacts import BadReport, Person, chosen_category, description, new_contact, place_of, uploaded_photo
from bot.models.enums import Channel
from bot.understanding.geotag import BadCoordinates, check_point

# What an operator may record as the channel, in the order the page offers them.
HOTLINE_CHANNELS = (Channel.HOTLINE_12319, Channel.HOTLINE_96310, Channel.HOTLINE_12345, Channel.VISIT, Channel.PATROL)


@dataclass(frozen=True)
class Call:
    description: str
    channel: str
    phone: str | None = None
    lat: float | None = None  # picked on the map (GCJ-02)
    lng: float | None = None
    address: str | None = None  # typed; resolved by the gazetteer when no point was picked
    category_code: str | None = None  # the operator's choice; None: the classifier's
    photo: bytes | None = None


def take_call(session: Session, deps: Deps, actor: Actor, call: Call) -> Opened:
    """Open the case a call reports, in the caller's transaction; ``BadReport`` (nothing kept) otherwise."""
    if call.channel not in HOTLINE_CHANNELS:
        raise BadReport("channel", "请选择来源渠道")
    words = description(call.description)
    category = chosen_category(deps, call.category_code)
    address = (call.address or "").strip()[:255] or None
    if call.lat is not None and call.lng is not None:
        try:
            lat, lng = check_point(call.lat, call.lng)
        except BadCoordinates:
            raise BadReport("place", "地图选点无效") from None
        source = "map"
    else:
        place = place_of(deps.understanding.area(session), address or "")
        lat, lng, source = place.lat, place.lng, "address"
    label = {Channel.VISIT: "来访市民", Channel.PATROL: "巡查发现"}.get(Channel(call.channel), "来电市民")
    contact = new_contact(session, deps, call.channel, Person(phone=call.phone), label)
    media = [uploaded_photo(session, deps, call.photo)] if call.photo else []
    session.flush()
    report = Report(words, lat, lng, source, address=address, channel=call.channel, contact=contact, category=category)
    return open_case(session, deps, report, actor, media)
