"""The app's notion of "now": real time, or a fixed instant a test sets (e.g. WeChat's old sample)."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    def __init__(self) -> None:
        self.frozen: float | None = None

    def time(self) -> float:
        return self.frozen if self.frozen is not None else time.time()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def freeze(self, timestamp: float | None) -> None:
        """Pin the clock to ``timestamp`` (seconds since the epoch); ``None`` releases it."""
        self.frozen = timestamp
