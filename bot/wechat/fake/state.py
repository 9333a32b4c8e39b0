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
    errcode: int
    status: int = 200
    times: int = 1


@dataclass
class FakeState:
    apps: dict[str, str]  # appid or corpid -> secret
    tokens: dict[str, str] = field(default_factory=dict)  # token -> appid
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, Fault] = field(default_factory=dict)  # path -> fault
    lock: threading.Lock = field(default_factory=threading.Lock)
    # WeChat Work: button cards by task_id, click codes (code -> issued at, used), OAuth codes (code -> userid),
    # where and how to post callbacks, departments' members, the per-member limit, and who sent what when.
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)
    response_codes: dict[str, list[Any]] = field(default_factory=dict)
    oauth_codes: dict[str, tuple[str, float]] = field(default_factory=dict)
    callback: dict[str, str] = field(default_factory=dict)
    departments: dict[str, list[str]] = field(default_factory=dict)
    member_limit: int | None = None  # messages a minute to one member; None: not enforced
    member_sends: dict[str, list[float]] = field(default_factory=dict)
    # Official account: openids whose subscription (订阅通知) was refused or withdrawn.
    unsubscribed: set[str] = field(default_factory=set)

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

    def issue_code(self, table: dict[str, Any], value: Any) -> str:
        code = secrets.token_urlsafe(18)
        with self.lock:
            table[code] = value
        return code

    def reset(self) -> None:
        with self.lock:
            for table in (self.cards, self.response_codes, self.oauth_codes, self.departments, self.member_sends):
                table.clear()
            self.unsubscribed.clear()
            self.member_limit = None
            self.tokens.clear()
            self.media.clear()
            self.calls.clear()
            self.faults.clear()
