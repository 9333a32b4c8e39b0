"""What the fake platform knows and remembers: credentials, tokens, media, calls, injected faults.

It lives in the fake's own process (one process by construction), guarded by a lock because the
fake serves requests on threads.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Fault:
    """The next ``times`` calls of a path fail (``errcode`` or HTTP ``status``), or, with ``delay``, succeed
    but answer only after ``delay`` seconds (the caller times out although the message was delivered)."""

    errcode: int
    status: int = 200
    times: int = 1
    delay: float = 0.0


@dataclass
class FakeState:
    apps: dict[str, str]  # appid or corpid -> secret
    tokens: dict[str, str] = field(default_factory=dict)  # token -> appid
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, Fault] = field(default_factory=dict)  # path -> fault
    sent: dict[str, float] = field(default_factory=dict)  # WeChat Work message content -> when delivered
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, path: str, params: dict[str, str], body: Any) -> dict[str, Any]:
        with self.lock:
            call = {"seq": len(self.calls) + 1, "path": path, "params": params, "body": body, "at": time.time()}
            self.calls.append(call)
            return call

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            fault = self.faults.get(path)
            if fault is None:
                return None
            fault.times -= 1
            if fault.times <= 0:
                del self.faults[path]
            return fault

    def first_within(self, content: str, interval: float, now: float) -> bool:
        """WeChat Work's duplicate check: True if ``content`` was not delivered in the last ``interval`` s."""
        with self.lock:
            if now - self.sent.get(content, float("-inf")) < interval:
                return False
            self.sent[content] = now
            return True

    def issue_token(self, appid: str, reuse: bool) -> str:
        with self.lock:
            if reuse:
                for token, owner in self.tokens.items():
                    if owner == appid:
                        return token
            token = f"FAKE-{appid[-6:]}-{secrets.token_hex(12)}"
            self.tokens = {t: a for t, a in self.tokens.items() if a != appid}  # old ones die
            self.tokens[token] = appid
            return token

    def add_media(self, data: bytes, content_type: str) -> str:
        media_id = secrets.token_urlsafe(24)
        with self.lock:
            self.media[media_id] = (data, content_type)
        return media_id

    def reset(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.media.clear()
            self.calls.clear()
            self.faults.clear()
            self.sent.clear()
