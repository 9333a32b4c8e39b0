"""Message routing by type, declared once (after WeRoBot's robot.py).

Every handler has one signature ``(msg, ctx) -> Reply | None``; the first reply wins. ``on(kind)``
is the only registration primitive; ``text``, ``event(...)`` and ``click(...)`` are spellings of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.wechat.messages import WeChatMessage


@dataclass(frozen=True)
class Reply:
    """A passive text reply."""

    text: str


Handler = Callable[[WeChatMessage, Any], Reply | None]


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

    def dispatch(self, msg: WeChatMessage, ctx: Any) -> Reply | None:
        for key in msg.route_keys:
            for handler in self._handlers.get(key, ()):
                reply = handler(msg, ctx)
                if reply is not None:
                    return reply
        return None
