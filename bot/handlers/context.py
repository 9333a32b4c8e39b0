"""What a handler gets besides the message: the transaction, the services, the sender, a job list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.intake.reports import Intake
from bot.jobs import Deferred

if TYPE_CHECKING:
    from bot.models import Resident, Staff
    from bot.services import Services


@dataclass
class Context:
    session: Session
    services: Services
    now: datetime
    jobs: list[Deferred] = field(default_factory=list)

    @property
    def settings(self):  # noqa: ANN201
        return self.services.settings

    def defer(self, job: str, *args: Any) -> None:
        """Enqueue job ``job`` (a name from ``bot.jobs.JOBS``) after the commit."""
        self.jobs.append(Deferred(job, args))


@dataclass(kw_only=True)
class ResidentContext(Context):
    resident: Resident

    def intake(self) -> Intake:
        return Intake(self.session, self.settings, self.services.understanding)


@dataclass(kw_only=True)
class SquadContext(Context):
    userid: str
    staff: Staff | None  # None: a WeChat Work member who is not in the directory
