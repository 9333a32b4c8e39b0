"""API keys of the systems that report through Open311 (the 12345 platform, another bureau's app …).

A key is shown once, when it is made; only its SHA-256 digest is stored. The key's name is the channel of
the cases its system opens, so the monthly split shows each system: it is short and plain.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import ApiKey
from bot.models.enums import Channel

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,15}$")
RESERVED = frozenset({Channel.WECHAT.value, Channel.HOTLINE.value, Channel.VISIT.value, Channel.PATROL.value})


class ApiKeyError(ValueError):
    pass


@dataclass(frozen=True)
class NewKey:
    name: str
    key: str  # shown once


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def add_key(session: Session, name: str, now: datetime) -> NewKey:
    """A new key for the system ``name`` (lower-case letters, digits, '-', '_'; at most 16)."""
    if not NAME.match(name) or name in RESERVED:
        raise ApiKeyError(f"a key name is 1-16 lower-case letters, digits, '-' or '_', and not {', '.join(sorted(RESERVED))}")
    if session.scalar(select(ApiKey).where(ApiKey.name == name)) is not None:
        raise ApiKeyError(f"a key named {name} exists (revoked keys keep their name for the case trail)")
    key = f"c311_{secrets.token_urlsafe(32)}"
    session.add(ApiKey(name=name, digest=digest(key), created_at=now))
    session.flush()
    return NewKey(name, key)


def revoke_key(session: Session, name: str, now: datetime) -> ApiKey:
    row = session.scalar(select(ApiKey).where(ApiKey.name == name).with_for_update())
    if row is None:
        raise ApiKeyError(f"no key named {name}")
    if row.revoked_at is None:
        row.revoked_at = now
    return row


def authenticate(session: Session, key: str | None) -> ApiKey | None:
    """The active key ``key`` is, or None."""
    if not key:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.digest == digest(key)))
    return row if row is not None and row.revoked_at is None else None
