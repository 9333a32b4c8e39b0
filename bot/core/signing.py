"""Signed, expiring tokens for links into the service (squads' case pages and photos).

A token carries only an id and is signed with ``SECRET_KEY``; it expires after ``link_max_age``.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

SALT = "citybot-links"
RESIDENT_SALT = "citybot-resident-case"  # a resident's own page: never valid as a squad's link, nor back


def _signer(secret_key: str, now: float | None = None, salt: str = SALT) -> URLSafeTimedSerializer:
    """A serializer whose tokens are stamped ``now`` (the app's clock), not the machine's time."""
    if now is None:
        return URLSafeTimedSerializer(secret_key, salt=salt)

    stamp = int(now)

    class StampedNow(TimestampSigner):
        def get_timestamp(self) -> int:
            return stamp

    return URLSafeTimedSerializer(secret_key, salt=salt, signer=StampedNow)


def case_link(base_url: str, secret_key: str, case_id: int, now: float) -> str:
    return f"{base_url}/s/{_signer(secret_key, now).dumps({'c': case_id})}"


def media_link(base_url: str, secret_key: str, media_id: int, now: float, thumb: bool = False) -> str:
    return f"{base_url}/m/{_signer(secret_key, now).dumps({'m': media_id, 't': int(thumb)})}"


def resident_link(base_url: str, secret_key: str, case_id: int, resident_id: int, now: float) -> str:
    """A resident's page of one of their cases (``/r/<token>``): per case and resident."""
    return f"{base_url}/r/{_signer(secret_key, now, RESIDENT_SALT).dumps({'c': case_id, 'r': resident_id})}"


def read_token(token: str, secret_key: str, max_age: int, now: float, salt: str = SALT) -> dict[str, Any] | None:
    """The token's content, or None when it is forged, damaged or older than ``max_age`` seconds at ``now``."""
    signer = _signer(secret_key, salt=salt)
    try:
        value, signed_at = signer.loads(token, return_timestamp=True)
    except BadSignature:
        return None
    if now - signed_at.timestamp() > max_age:
        return None
    return value if isinstance(value, dict) else None
