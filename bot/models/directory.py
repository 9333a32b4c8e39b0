"""Who handles cases: units (squads and specialist departments) and their staff in WeChat Work."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class Unit(Base):
    """A handling unit: a squad (中队, owns grids) or a specialist department (环卫处 …).

    ``wework_party_id`` is its WeChat Work department; cards go to ``toparty`` (a string id).
    """

    __tablename__ = "unit"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # squad | department
    wework_party_id: Mapped[str | None] = mapped_column(String(32))


class Staff(Base):
    """A WeChat Work member of a unit; leaders are told when a case of their unit is overdue; the bureau's
    leaders (role ``bureau``, listed under the unit they sit in) receive the weekly and monthly reports."""

    __tablename__ = "staff"

    wework_userid: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")  # member | leader | bureau
    active: Mapped[bool] = mapped_column(default=True)
