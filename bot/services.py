"""The per-app objects the surfaces share (read-only after start-up): the services' dependencies, the
chat routers and Redis for short-lived conversation state. Services themselves receive only ``Deps``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import redis
from flask import current_app

from bot.clock import Clock
from bot.config import Settings
from bot.dispatch.calendar import WorkCalendar
from bot.dispatch.deps import Deps
from bot.understanding.understand import Understanding

if TYPE_CHECKING:
    from bot.handlers.router import Router


@dataclass
class Services:
    deps: Deps
    routers: dict[str, Router]  # channel ("wechat" | "wework") -> router
    redis: redis.Redis  # short-lived conversation state (confirmations)

    @property
    def settings(self) -> Settings:
        return self.deps.settings

    @property
    def clock(self) -> Clock:
        return self.deps.clock

    @property
    def understanding(self) -> Understanding:
        return self.deps.understanding

    @property
    def calendar(self) -> WorkCalendar:
        return self.deps.calendar


def get_services() -> Services:
    return current_app.extensions["citybot.services"]
