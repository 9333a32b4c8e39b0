"""What a handler gets besides the message: the transaction, the services and the sender.

Follow-up work (downloads, dispatch, pushes) is registered on the session by the services and runs
after the commit; a handler only chooses the reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.dispatch.actor import Actor
from bot.dispatch.deps import Deps
from bot.intake.reports import Intake

if TYPE_CHECKING:
    from bot.models import Resident, Staff
    from bot.services import Services


@dataclass
class Context:
    session: Session
    services: Services
    now: datetime

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def deps(self) -> Deps:
        return self.services.deps


@dataclass(kw_only=True)
class ResidentContext(Context):
    resident: Resident

    def intake(self) -> Intake:
        return Intake(self.session, self.deps)


@dataclass(kw_only=True)
class SquadContext(Context):
    userid: str
    staff: Staff | None  # None: a WeChat Work member who is not in the directory

    @property
    def actor(self) -> Actor:
        assert self.staff is not None, "only members in the directory act on cases"
        return Actor.squad(self.staff)
