"""The per-app service objects handlers, jobs, views and commands share (read-only after start-up)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import redis
from flask import current_app

from bot.clock import Clock
from bot.config import Settings
from bot.dispatch.calendar import WorkCalendar
from bot.understanding.understand import Understanding

if TYPE_CHECKING:
    from bot.handlers.router import Router


@dataclass
class Services:
    settings: Settings
    clock: Clock
    understanding: Understanding
    calendar: WorkCalendar
    routers: dict[str, Router]  # channel ("wechat" | "wework") -> router
    redis: redis.Redis  # short-lived conversation state (confirmations)


def get_services() -> Services:
    return current_app.extensions["citybot.services"]
