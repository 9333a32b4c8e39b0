"""Signing in: the password, and a lock-out after repeated failures shared by every web process.

Failures are counted per (normalised) username in Redis, within ``WINDOW`` seconds of the app's clock;
the ``LIMIT``-th locks the name for ``WINDOW`` seconds, during which even the right password is refused.
Unknown usernames are counted too, so the answer never tells which names exist. Each lock is logged.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

import redis
from sqlalchemy.orm import Session

from bot.accounts.passwords import hash_password, needs_rehash, verify
from bot.accounts.users import find_user, normalise_username
from bot.models import ConsoleUser

log = logging.getLogger(__name__)
LIMIT = 5  # failed sign-ins ...
WINDOW = 15 * 60  # ... within this many seconds lock the username for as long


class SignInError(Exception):
    """Sign-in refused."""


class BadCredentials(SignInError):
    """Unknown user, wrong password or disabled account (one answer for all three)."""


@dataclass
class LockedOut(SignInError):
    seconds_left: int


class Lockout:
    """The failure count and the lock of each username, in Redis (so every process agrees)."""

    def __init__(self, connection: redis.Redis, prefix: str = "citybot:signin") -> None:
        self.redis = connection
        self.prefix = prefix

    def _keys(self, username: str) -> tuple[str, str]:
        name = normalise_username(username)
        return f"{self.prefix}:failures:{name}", f"{self.prefix}:locked:{name}"

    def seconds_left(self, username: str, now: float) -> int:
        """How long ``username`` stays locked (0: not locked)."""
        until = self.redis.get(self._keys(username)[1])
        return max(0, int(float(until) - now + 0.999)) if until is not None else 0

    def failed(self, username: str, now: float) -> int:
        """Count a failure; returns the failures in the window (the ``LIMIT``-th locks the name)."""
        failures, locked = self._keys(username)
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(failures, "-inf", now - WINDOW)
        pipe.zadd(failures, {uuid.uuid4().hex: now})
        pipe.zcard(failures)
        pipe.expire(failures, WINDOW + 60)
        count = int(pipe.execute()[2])
        if count >= LIMIT:
            pipe.set(locked, str(now + WINDOW), ex=WINDOW + 60)
            pipe.delete(failures)
            pipe.execute()
            log.warning("console sign-in locked for %s for %d minutes after %d failures",
                        normalise_username(username), WINDOW // 60, count)
        return count

    def succeeded(self, username: str) -> None:
        self.redis.delete(self._keys(username)[0])


def authenticate(session: Session, lockout: Lockout, username: str, password: str, now: datetime) -> ConsoleUser:
    """The active user with this username and password, or ``LockedOut`` / ``BadCredentials``.

    On success ``last_login_at`` is set and an outdated hash is upgraded (the caller commits)."""
    stamp = now.timestamp()
    left = lockout.seconds_left(username, stamp)
    if left:
        log.info("console sign-in refused for %s: locked for %d s more", normalise_username(username), left)
        raise LockedOut(left)
    user = find_user(session, username)
    if not verify(user.password_hash if user else None, password) or user is None or not user.active:
        count = lockout.failed(username, stamp)
        log.info("console sign-in failed for %s (%d in %d minutes)", normalise_username(username), count,
                 WINDOW // 60)
        if count >= LIMIT:
            raise LockedOut(WINDOW)
        raise BadCredentials()
    lockout.succeeded(username)
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user
