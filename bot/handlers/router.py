"""Message routing by type, declared once (after WeRoBot's robot.py).

Every handler has one signature ``(msg, ctx) -> Reply | None``; the first reply wins. ``on(kind)``
is the only registration primitive; ``text``, ``event(...)`` and ``click(...)`` are spellings of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.intake.reports import Intake
from bot.intake.understand import Understanding
from bot.jobs import Deferred
from bot.wechat.messages import WeChatMessage

if TYPE_CHECKING:
    from bot.models import Resident


@dataclass(frozen=True)
class Reply:
    """A passive text reply."""

    text: str


@dataclass
class Context:
    session: Session
    settings: Settings
    now: datetime
    resident: Resident
    understanding: Understanding
    jobs: list[Deferred] = field(default_factory=list)

    def intake(self) -> Intake:
        return Intake(self.session, self.settings, self.understanding)

    def defer(self, job: str, *args: Any) -> None:
        """Enqueue job ``job`` (a name from ``bot.jobs.JOBS``) after the commit."""
        self.jobs.append(Deferred(job, args))


Handler = Callable[[WeChatMessage, Context], Reply | None]


class Router:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def on(self, kind: str) -> Callable[[Handler], Handler]:
        """Register for a route key: ``text``, ``image``, ``event:subscribe``, ``click:HELP``, ``*``."""

        def register(handler: Handler) -> Handler:
            self._handlers[kind].append(handler)
            return handler

        return register

    def text(self, handler: Handler) -> Handler:
        return self.on("text")(handler)

    def event(self, name: str) -> Callable[[Handler], Handler]:
        return self.on(f"event:{name}")

    def click(self, key: str) -> Callable[[Handler], Handler]:
        return self.on(f"click:{key}")

    def dispatch(self, msg: WeChatMessage, ctx: Context) -> Reply | None:
        for key in msg.route_keys:
            for handler in self._handlers.get(key, ()):
                reply = handler(msg, ctx)
                if reply is not None:
                    return reply
        return None
