"""订阅 / 退订 / 我的订阅: residents choose streets and communities; each area is a WeChat user tag.

The chat only records the wish (``AreaSubscription.active``); ``sync_area`` (the ``sync_area_tags`` job, and
every send by tag just before it goes) makes WeChat agree: ``tags/create`` once per area, then
``batchtagging`` / ``batchuntagging`` in batches of 50 for the residents whose wish and tag differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.broadcasts.audience import Area, find_area
from bot.broadcasts.errors import NotSubscribed
from bot.core.after_commit import after_commit
from bot.models import AreaSubscription, AreaTag, Resident
from bot.wechat.client import OfficialAccountClient


@dataclass(frozen=True)
class Subscribed:
    area: Area
    already: bool


@dataclass(frozen=True)
class Synced:
    tagged: int
    untagged: int


def subscribe(session: Session, resident: Resident, query: str, now: datetime) -> Subscribed:
    area = find_area(session, query)
    if session.get(AreaTag, area.name) is None:
        session.add(AreaTag(name=area.name, kind=area.kind))
        session.flush()
    found = session.scalar(select(AreaSubscription).where(AreaSubscription.resident_id == resident.id,
                                                          AreaSubscription.area == area.name))
    if found is not None and found.active:
        return Subscribed(area, already=True)
    if found is None:
        session.add(AreaSubscription(resident_id=resident.id, area=area.name, created_at=now, changed_at=now))
    else:
        found.active, found.changed_at = True, now
    after_commit(session, "sync_area_tags")
    return Subscribed(area, already=False)


def unsubscribe(session: Session, resident: Resident, query: str, now: datetime) -> Area:
    area = find_area(session, query)
    found = session.scalar(select(AreaSubscription).where(AreaSubscription.resident_id == resident.id,
                                                          AreaSubscription.area == area.name,
                                                          AreaSubscription.active))
    if found is None:
        raise NotSubscribed(area.name)
    found.active, found.changed_at = False, now
    after_commit(session, "sync_area_tags")
    return area


def forget_all(session: Session, resident: Resident, now: datetime) -> int:
    """The resident unfollowed: every subscription ends (and is untagged by the job)."""
    found = list(session.scalars(select(AreaSubscription).where(AreaSubscription.resident_id == resident.id,
                                                                AreaSubscription.active)))
    for subscription in found:
        subscription.active, subscription.changed_at = False, now
    if found:
        after_commit(session, "sync_area_tags")
    return len(found)


def subscribed_areas(session: Session, resident: Resident) -> list[str]:
    return list(session.scalars(select(AreaSubscription.area).where(
        AreaSubscription.resident_id == resident.id, AreaSubscription.active).order_by(AreaSubscription.area)))


def areas_to_sync(session: Session) -> list[str]:
    """Areas whose tag is missing or whose members differ from the residents' wishes."""
    differs = or_(AreaSubscription.active != AreaSubscription.tagged,
                  AreaSubscription.tagged & Resident.subscribed.is_(False))
    return list(session.scalars(select(AreaSubscription.area).join(Resident).where(differs).distinct()))


def sync_area(session: Session, client: OfficialAccountClient, name: str) -> Synced:
    """Make WeChat's tag of area ``name`` hold exactly its active subscribers who still follow us."""
    tag = session.get_one(AreaTag, name, with_for_update=True)
    if tag.tag_id is None:
        tag.tag_id = client.create_tag(name)
    rows = session.execute(select(AreaSubscription, Resident.openid, Resident.subscribed).join(Resident).where(
        AreaSubscription.area == name).order_by(AreaSubscription.id).with_for_update(of=AreaSubscription)).all()
    to_tag = [(sub, openid) for sub, openid, follows in rows if sub.active and follows and not sub.tagged]
    to_untag = [(sub, openid) for sub, openid, follows in rows if sub.tagged and not (sub.active and follows)]
    if to_tag:
        client.tag_users(tag.tag_id, [openid for _, openid in to_tag])
        for sub, _ in to_tag:
            sub.tagged = True
    if to_untag:
        client.untag_users(tag.tag_id, [openid for _, openid in to_untag])
        for sub, _ in to_untag:
            sub.tagged = False
    return Synced(len(to_tag), len(to_untag))

