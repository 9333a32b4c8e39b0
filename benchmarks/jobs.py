"""A reference job for benchmarks/dispatch.py: how long the queue hop alone takes."""

from __future__ import annotations

import time

from bot.extensions import get_redis


def ping(sent_at: float) -> None:
    get_redis().rpush("bench:ping", time.time() - sent_at)
