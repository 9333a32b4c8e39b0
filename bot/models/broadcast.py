"""The bureau's notices (群发): broadcasts, the WeChat calls that carry them, who received them, and the
area subscriptions (each area a WeChat user tag) that choose a street's or a community's residents."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class BroadcastState(StrEnum):
    """draft → (awaiting_approval →) scheduled → sending → sent | failed; cancelled from any state before sending."""

    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"  # to all followers: a second person must approve
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class AudienceKind(StrEnum):
    ALL = "all"  # every follower (sendall, is_to_all)
    AREA = "area"  # residents subscribed to a street or community (sendall by tag_id)
    REPORTED = "reported"  # residents who reported in an area in the last N days (send by openid list)


class Broadcast(Base):
    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    image_path: Mapped[str | None] = mapped_column(String(255))  # relative to MEDIA_DIR
    image_media_id: Mapped[str | None] = mapped_column(String(128))  # permanent material, once uploaded
    audience: Mapped[str] = mapped_column(String(16))  # an AudienceKind
    area: Mapped[str | None] = mapped_column(String(64))  # street or community name (area, reported)
    days: Mapped[int | None]  # reported: the last N days
    state: Mapped[str] = mapped_column(String(20), default=BroadcastState.DRAFT, index=True)
    # Sending to everyone while most followers are at the monthly limit was confirmed explicitly.
    confirmed_over_limit: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_by_name: Mapped[str] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_by_name: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    send_at: Mapped[datetime | None] = mapped_column(index=True)  # when it goes (scheduled)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    month: Mapped[str | None] = mapped_column(String(7))  # "2026-11" in the bureau's zone, when it went out
    recipients: Mapped[int | None]  # audience under the monthly limit, sent to
    over_limit: Mapped[int | None]  # audience left out: already at the monthly limit
    error: Mapped[str | None] = mapped_column(Text)


class BroadcastSend(Base):
    """One mass-send call (``sendall`` or one ``send`` of ≤ 10,000 openids) with its idempotency key and outcome.

    ``state``: pending → sent (WeChat accepted the job: ``msg_id``) → finished (``MASSSENDJOBFINISH`` counts);
    or failed (permanent error, or retries exhausted). ``clientmsgid`` makes WeChat refuse a second job.
    """

    __tablename__ = "broadcast_send"
    __table_args__ = (UniqueConstraint("broadcast_id", "part"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcast.id"), index=True)
    part: Mapped[int]  # 0 for sendall; the openid chunk otherwise
    method: Mapped[str] = mapped_column(String(16))  # all | tag | openids
    tag_id: Mapped[int | None]
    size: Mapped[int]  # recipients this call is meant for (as we count them)
    clientmsgid: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    msg_id: Mapped[str | None] = mapped_column(String(32), index=True)
    msg_data_id: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    # From the MASSSENDJOBFINISH event.
    status: Mapped[str | None] = mapped_column(String(64))
    total_count: Mapped[int | None]
    filter_count: Mapped[int | None]
    sent_count: Mapped[int | None]
    error_count: Mapped[int | None]
    finished_at: Mapped[datetime | None]


class BroadcastRecipient(Base):
    """A resident a broadcast went to, in the month it went (the monthly limit counts these rows).

    A notice to every follower writes one row per follower (200,000 in one ``INSERT … SELECT``), so the table has
    no foreign keys: their per-row checks were two thirds of that insert's time, and the rows come only from the
    planner's ``SELECT`` of existing residents for an existing broadcast, in the same transaction. The key leads
    with ``(broadcast_id, part)``: sending a part reads its openids by that range.
    """

    __tablename__ = "broadcast_recipient"
    __table_args__ = (Index("ix_broadcast_recipient_month_resident", "month", "resident_id"),)

    broadcast_id: Mapped[int] = mapped_column(primary_key=True)
    part: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    counted: Mapped[bool] = mapped_column(default=True)  # False when its call failed for good


class AreaTag(Base):
    """A street or community as a WeChat user tag (created on the first subscription)."""

    __tablename__ = "area_tag"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # street | community
    tag_id: Mapped[int | None]


class AreaSubscription(Base):
    """订阅 <area>: ``active`` is the resident's wish, ``tagged`` what WeChat holds; the sync job reconciles them."""

    __tablename__ = "area_subscription"
    __table_args__ = (UniqueConstraint("resident_id", "area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    area: Mapped[str] = mapped_column(ForeignKey("area_tag.name"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    tagged: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

