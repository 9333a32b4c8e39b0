"""People who sign in to the bureau's console, with the one role that says what they may see and do."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class Role(StrEnum):
    """What a console user is (the rules per role are in ``bot.console.access``)."""

    ADMIN = "admin"  # users, areas, directory, settings; everything a dispatcher does
    DISPATCHER = "dispatcher"  # 派遣员 / 值班长: every case and every decision
    LEADER = "leader"  # a unit's leader: that unit's cases, read and internal notes
    VIEWER = "viewer"  # statistics and the map, no resident data, no actions
    OPERATOR = "operator"  # hotline intake: create and read cases


class ConsoleUser(Base):
    """A console account; only an argon2 hash of the password is kept. Disabled accounts stay for the trail."""

    __tablename__ = "console_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # a Role
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("unit.code"))  # a leader's unit
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
