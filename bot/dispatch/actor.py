"""Who takes a decision. Every service that changes a case takes one and records it on the ``CaseEvent``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import Resident, Staff
from bot.models.enums import ActorKind


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: str | None = None  # resident id, WeChat Work userid, console username, API key name
    name: str | None = None  # shown in the case trail (a resident is never named)
    unit_code: str | None = None  # the unit a squad member (or a unit's leader) acts for

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM, name="系统")

    @classmethod
    def resident(cls, resident: Resident) -> Actor:
        return cls(ActorKind.RESIDENT, str(resident.id), "市民")

    @classmethod
    def squad(cls, staff: Staff) -> Actor:
        return cls(ActorKind.SQUAD, staff.wework_userid, staff.name, staff.unit_code)

    @classmethod
    def dispatcher(cls, username: str, name: str | None = None) -> Actor:
        return cls(ActorKind.DISPATCHER, username, name or username)
