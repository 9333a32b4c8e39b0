"""The resident's data: what we keep (我的信息) and removing the link to them (删除我的信息).

Anonymising keeps every case for the statistics but removes the person: cases, photos and ratings
lose their link, the raw messages and outbound rows lose the openid, drafts in progress go, and
the resident row is deleted. A later message starts afresh as a new resident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.models import Case, Draft, InboundMessage, Media, OutboundMessage, Rating, Resident

REDACTED = "deleted"


def mask(openid: str) -> str:
    """What lower console roles and squads may see of a resident: never the openid itself."""
    return f"市民 {openid[:2]}***{openid[-4:]}" if len(openid) > 6 else "市民"


@dataclass(frozen=True)
class ResidentInfo:
    """我的信息: everything we keep about a resident, with the openid masked."""

    masked_id: str
    first_seen: datetime
    cases: int
    photos: int
    last_position: tuple[float, float] | None


def resident_info(session: Session, resident: Resident) -> ResidentInfo:
    cases = session.scalar(select(func.count()).select_from(Case).where(Case.reporter_id == resident.id))
    photos = session.scalar(select(func.count()).select_from(Media).where(Media.resident_id == resident.id,
                                                                          Media.kind == "image"))
    position = None
    if resident.last_lat is not None and resident.last_lng is not None:
        position = (resident.last_lat, resident.last_lng)
    return ResidentInfo(mask(resident.openid), resident.first_seen, cases or 0, photos or 0, position)


def anonymise(session: Session, resident: Resident) -> None:
    openid = resident.openid
    session.execute(update(Case).where(Case.reporter_id == resident.id).values(reporter_id=None))
    session.execute(update(Media).where(Media.resident_id == resident.id).values(resident_id=None, draft_id=None))
    session.execute(update(Rating).where(Rating.resident_id == resident.id).values(resident_id=None))
    session.execute(delete(Draft).where(Draft.resident_id == resident.id))
    session.execute(update(InboundMessage).where(InboundMessage.from_user == openid).values(
        from_user=REDACTED, raw_xml=func.replace(InboundMessage.raw_xml, openid, REDACTED)))
    session.execute(update(OutboundMessage).where(OutboundMessage.target == openid).values(target=REDACTED))
    session.delete(resident)
    session.flush()
