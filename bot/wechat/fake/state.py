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
    """The next ``times`` calls of a path fail (``errcode`` or HTTP ``status``), or are carried out and then
    lose their answer (``lose_answer``) or answer ``delay`` seconds late (the caller times out although the
    message was delivered)."""

    errcode: int
    status: int = 200
    times: int = 1
    lose_answer: bool = False  # the call is carried out, then the answer is lost (HTTP 502)
    delay: float = 0.0  # the call is carried out, then answered this many seconds late


@dataclass
class MassJob:
    """A mass-send job WeChat accepted: who it is for, and what its MASSSENDJOBFINISH event will count."""

    msg_id: int
    msg_data_id: int
    clientmsgid: str | None
    openids: list[str]
    msgtype: str


@dataclass
class FakeState:
    apps: dict[str, str]  # appid or corpid -> secret
    tokens: dict[str, str] = field(default_factory=dict)  # token -> appid
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, Fault] = field(default_factory=dict)  # path -> fault
    sent: dict[str, float] = field(default_factory=dict)  # WeChat Work message content -> when delivered
    tags: dict[int, str] = field(default_factory=dict)  # tag id -> name
    tag_members: dict[int, set[str]] = field(default_factory=dict)
    mass_jobs: dict[int, MassJob] = field(default_factory=dict)  # msg_id -> job
    followers: set[str] = field(default_factory=set)  # openids that sendall with is_to_all reaches

    corps: set[str] = field(default_factory=set)  # the ids above that took a WeChat Work token (gettoken)
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

    def is_corp_token(self, token: str) -> bool:
        with self.lock:
            return self.tokens.get(token) in self.corps

    def add_media(self, data: bytes, content_type: str) -> str:
        media_id = secrets.token_urlsafe(24)
        with self.lock:
            self.media[media_id] = (data, content_type)
        return media_id

    def mass_job(self, clientmsgid: str | None, openids: list[str], msgtype: str) -> tuple[MassJob, bool]:
        """A new job, or (``True``) the earlier one with the same clientmsgid (WeChat's errcode 45065)."""
        with self.lock:
            for job in self.mass_jobs.values():
                if clientmsgid and job.clientmsgid == clientmsgid:
                    return job, True
            msg_id = 1000000000 + len(self.mass_jobs) + 1
            job = MassJob(msg_id, 2247483000 + len(self.mass_jobs) + 1, clientmsgid, openids, msgtype)
            self.mass_jobs[msg_id] = job
            return job, False

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
            self.tags.clear()
            self.tag_members.clear()
            self.mass_jobs.clear()
            self.followers.clear()
            self.tokens.clear()
            self.media.clear()
            self.calls.clear()
            self.faults.clear()
            self.sent.clear()
