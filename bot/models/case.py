"""The case aggregate: drafts that become cases, cases, their numbers and their event trail."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ColumnElement, Date, ForeignKey, Index, String, Text, UniqueConstraint, select, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from bot.models.base import Base, utcnow
from bot.models.contact import Contact
from bot.models.enums import Channel, State
from bot.models.media import Media
from bot.models.resident import Resident


class Location:
    """Location columns shared by drafts and cases (GCJ-02 unless ``datum`` says otherwise)."""

    lat: Mapped[float | None]
    lng: Mapped[float | None]
    datum: Mapped[str | None] = mapped_column(String(8))
    location_source: Mapped[str | None] = mapped_column(String(16))  # message|event|exif|text
    address: Mapped[str | None] = mapped_column(String(255))

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lng is not None


class Draft(Location, Base):
    """Messages of one resident being gathered into a report (``open``) until it becomes a case.

    After promotion the draft stays ``promoted`` for the rest of its window, so late photos
    attach to the case it became.
    """

    __tablename__ = "draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open|promoted|expired
    description: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    media: Mapped[list[Media]] = relationship(foreign_keys=[Media.draft_id], order_by=Media.id)
    # Its first photo whose GPS the worker has read, loaded with the draft: a message that reads the draft
    # learns whether a photo can locate it without loading the photos.
    located_photo_id: Mapped[int | None] = column_property(
        select(Media.id).where(Media.draft_id == id, Media.gps_lat.is_not(None)).order_by(Media.id).limit(1)
        .correlate_except(Media).scalar_subquery())


# bot.dispatch.states.OPEN_STATES, as SQL (models import nothing of ours; a test keeps the two equal).
OPEN_STATES_SQL = "state IN ('accepted', 'dispatched', 'received', 'reopened', 'returned')"


class Case(Location, Base):
    __tablename__ = "case"
    __table_args__ = (
        # Duplicate check: same category, open, within a bounding box (PostgreSQL and SQLite alike).
        Index("ix_case_category_lat_lng", "category_code", "lat", "lng"),
        # The console's lists and counters (bot.dispatch.case_search, docs/console-performance.md): keyset
        # pages newest first and by deadline, per state by deadline, and open cases by deadline (partial).
        Index("ix_case_created_at_id", "created_at", "id"),
        Index("ix_case_updated_at", "updated_at"),  # statistics: which cases changed after a period ended
        Index("ix_case_deadline_id", "deadline", "id"),
        Index("ix_case_state_deadline_id", "state", "deadline", "id"),
        Index("ix_case_open_deadline", "deadline", "id", postgresql_where=text(OPEN_STATES_SQL),
              sqlite_where=text(OPEN_STATES_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16), default=Channel.WECHAT, server_default=Channel.WECHAT.value)
    # The reporter: a WeChat resident, or a contact (a caller, another system's user), or neither (anonymised).
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"), index=True)
    category_code: Mapped[str | None] = mapped_column(String(8))
    category_confidence: Mapped[float | None]
    grid_code: Mapped[str | None] = mapped_column(String(20))
    unit_code: Mapped[str | None] = mapped_column(String(32))  # squad or department handling it
    # Why the dispatcher must look at it first (a ``TriageReason``), None when routed.
    triage_reason: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Handling clock (set at dispatch; an approved extension moves the deadline).
    dispatched_at: Mapped[datetime | None]
    first_dispatched_at: Mapped[datetime | None] = mapped_column(index=True)  # 派遣 in the statistics: set once
    deadline: Mapped[datetime | None]
    remind_at: Mapped[datetime | None]  # 75 % of the handling time used
    reminded_at: Mapped[datetime | None]
    overdue_at: Mapped[datetime | None]  # set when the deadline passed unresolved (督办)
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # 按期 (True) / 超期 (False), frozen when the case is resolved, so statistics never recompute it.
    on_time: Mapped[bool | None]
    # Feedback loop: handling rounds (a reopening starts the next), 返工 count, and duplicates.
    round: Mapped[int] = mapped_column(default=1, server_default="1")
    reopen_count: Mapped[int] = mapped_column(default=0, server_default="0")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)

    reporter: Mapped[Resident | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    merged_into: Mapped[Case | None] = relationship(remote_side="Case.id")
    media: Mapped[list[Media]] = relationship(foreign_keys=[Media.case_id], order_by=Media.id)
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id"
    )

    @hybrid_property
    def awaiting_dispatch(self) -> bool:
        """Routed to a unit and waiting for the dispatch job: one definition for Python and SQL."""
        return (self.state == State.RECEIVED) & (self.unit_code != None) & (self.triage_reason == None)  # noqa: E711

    @awaiting_dispatch.inplace.expression
    @classmethod
    def _awaiting_dispatch_sql(cls) -> ColumnElement[bool]:
        return (cls.state == State.RECEIVED.value) & cls.unit_code.is_not(None) & cls.triage_reason.is_(None)


class CaseEvent(Base):
    """One step of a case: who did what, when, from which state to which. Never deleted."""

    __tablename__ = "case_event"
    # The statistics count steps of one kind in a period (bot.stats.figures).
    __table_args__ = (Index("ix_case_event_action_at", "action", "at", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_kind: Mapped[str] = mapped_column(String(16))  # an ActorKind
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str | None] = mapped_column(String(64))  # the person, as the case trail shows them
    note: Mapped[str | None] = mapped_column(Text)
    media_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Facts frozen at the step, so statistics for a past period never recompute them from today's case row:
    # the deadline a dispatch or an approved extension set; on a resolve or close, whether the resolution was
    # on time, and on a resolve the working minutes since dispatch.
    deadline: Mapped[datetime | None]
    on_time: Mapped[bool | None]
    work_minutes: Mapped[int | None]

    case: Mapped[Case] = relationship(back_populates="events")


class CaseNumberCounter(Base):
    """Per-day sequence behind case numbers like ``20261121-0042`` (safe across processes)."""

    __tablename__ = "case_number_counter"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class ExtensionRequest(Base):
    """延期: a squad asks for more days; the bureau approves (the deadline moves) or refuses."""

    __tablename__ = "extension_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    days: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending | approved | refused
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]


class Rating(Base):
    """满意 (1) / 基本满意 (2) / 不满意 (3): once per resident, case and handling round."""

    __tablename__ = "rating"
    __table_args__ = (UniqueConstraint("case_id", "round", "resident_id"),
                      Index("ix_rating_at", "at", "case_id", "value"))  # statistics: the ratings given in a period

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    round: Mapped[int]
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"))
    value: Mapped[int]
    text: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
