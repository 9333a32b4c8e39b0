"""Reading Redis replies: connections are made without ``decode_responses``, so values are bytes."""

from __future__ import annotations


def reply_bytes(value: bytes | str | None) -> bytes | None:
    """A Redis reply as the bytes it is: connections are made without ``decode_responses``."""
    if isinstance(value, str):
        raise TypeError("Redis connection decodes responses; citybot expects bytes")
    return value
