"""Who may do what in the console: the one place the role rules live.

* admin, dispatcher: everything (admin also manages accounts);
* leader: their unit's cases only (another unit's case is a 404), read and internal notes, no decisions;
* viewer: statistics and the map, no resident data, no actions;
* operator: creates (hotline intake, later) and reads cases.

Residents are shown only to admin and dispatcher, and then only masked (``bot.dispatch.casefile``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from hashlib import sha256
from typing import Any, TypeVar, cast

from flask import abort
from flask_login import UserMixin, current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dispatch.actor import Actor
from bot.models import Case, ConsoleUser
from bot.models.account import Role
from bot.models.enums import ActorKind

ADMIN, DISPATCHER, LEADER, VIEWER, OPERATOR = Role.ADMIN, Role.DISPATCHER, Role.LEADER, Role.VIEWER, Role.OPERATOR
RULES: dict[str, frozenset[Role]] = {
    "stats": frozenset({ADMIN, DISPATCHER, LEADER, VIEWER}),  # dashboard counters, the map, units' load
    "cases": frozenset({ADMIN, DISPATCHER, LEADER, OPERATOR}),  # case lists and pages (a leader: own unit)
    "residents": frozenset({ADMIN, DISPATCHER}),  # masked reporters, residents' messages, pushes to them
    "decide": frozenset({ADMIN, DISPATCHER}),  # every decision on a case, extensions
    "note": frozenset({ADMIN, DISPATCHER, LEADER}),  # internal notes
    "areas": frozenset({ADMIN}),  # grid files
    "accounts": frozenset({ADMIN}),  # console users
    "broadcasts": frozenset({ADMIN, DISPATCHER}),  # notices to followers (群发)
}
# What each action on a case needs.
ACTIONS: dict[str, str] = {"dispatch": "decide", "close": "decide", "rework": "decide", "invalidate": "decide",
                           "reply": "decide", "merge": "decide", "split": "decide", "note": "note"}
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class ConsoleLogin(UserMixin):
    """The signed-in user, as Flask-Login keeps it. The session id includes a digest of the password hash, so a
    new password (``citybot user passwd``) ends every open session."""

    pk: int
    username: str
    display_name: str
    role: Role
    unit_code: str | None
    digest: str

    @classmethod
    def of(cls, user: ConsoleUser) -> ConsoleLogin:
        return cls(user.id, user.username, user.display_name, Role(user.role), user.unit_code,
                   sha256(user.password_hash.encode()).hexdigest()[:16])

    def get_id(self) -> str:
        return f"{self.pk}:{self.digest}"

    def can(self, permission: str) -> bool:
        return self.role in RULES[permission]

    @property
    def actor(self) -> Actor:
        return Actor(ActorKind.DISPATCHER, self.username, self.display_name, self.unit_code)


def load(session: Session, session_id: str) -> ConsoleLogin | None:
    """The user of a session id, if the account is still active and its password unchanged."""
    pk, _, digest = session_id.partition(":")
    user = session.get(ConsoleUser, int(pk)) if pk.isdigit() else None
    if user is None or not user.active:
        return None
    login = ConsoleLogin.of(user)
    return login if login.digest == digest else None


def me() -> ConsoleLogin:
    return cast(ConsoleLogin, current_user)


def require(permission: str) -> Callable[[F], F]:
    """Signed in, and allowed ``permission`` (403 otherwise)."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not me().can(permission):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, checked)

    return decorate


def visible_case(session: Session, number: str, *, lock: bool = False) -> Case:
    """The case, if this user may see it: a leader sees only their unit's cases (others are a 404)."""
    query = select(Case).where(Case.number == number)
    case = session.scalar(query.with_for_update() if lock else query)
    user = me()
    if case is None or (user.role == LEADER and case.unit_code != user.unit_code):
        abort(404)
    return case


def unit_scope() -> str | None:
    """The unit every list is limited to (a leader's), or None."""
    user = me()
    return user.unit_code if user.role == LEADER else None
