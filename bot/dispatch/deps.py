"""What the case services need besides the session and the actor, built once per app (no Flask in it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from bot.clock import Clock
from bot.config import Settings
from bot.core.crypto import PersonalData
from bot.dispatch.calendar import WorkCalendar
from bot.understanding.taxonomy import Category, Taxonomy
from bot.understanding.understand import Understanding


@dataclass(frozen=True)
class Deps:
    settings: Settings
    clock: Clock  # every "now" in the service comes from here (tests move it)
    understanding: Understanding
    calendar: WorkCalendar

    @property
    def taxonomy(self) -> Taxonomy:
        return self.understanding.taxonomy

    @cached_property
    def personal(self) -> PersonalData:
        """The cipher for contacts' phone numbers, e-mails and names."""
        return PersonalData.from_settings(self.settings)

    def now(self) -> datetime:
        return self.clock.now()

    def category(self, code: str) -> Category:
        return self.understanding.taxonomy[code]
