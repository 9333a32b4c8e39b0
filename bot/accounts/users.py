"""Creating, changing and listing console accounts. A refusal raises an ``AccountError`` and changes nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.accounts.passwords import MIN_LENGTH, hash_password
from bot.models import ConsoleUser, Unit
from bot.models.account import Role


class AccountError(Exception):
    """An account change that cannot be made; nothing was changed."""


class UsernameTaken(AccountError):
    def __init__(self, username: str) -> None:
        super().__init__(f"user {username} already exists")


class NoSuchUser(AccountError):
    def __init__(self, username: str) -> None:
        super().__init__(f"no user {username}")


class WeakPassword(AccountError):
    def __init__(self) -> None:
        super().__init__(f"the password must have at least {MIN_LENGTH} characters")


class BadUnit(AccountError):
    """A leader without a known unit, or a unit given to another role."""


def normalise_username(username: str) -> str:
    """Usernames are compared case-insensitively (and lock-outs counted per normalised name)."""
    return username.strip().lower()


def find_user(session: Session, username: str) -> ConsoleUser | None:
    return session.scalar(select(ConsoleUser).where(ConsoleUser.username == normalise_username(username)))


def _check_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise WeakPassword()
    return hash_password(password)


def create_user(session: Session, username: str, role: Role, password: str, *, display_name: str | None = None,
                unit_code: str | None = None) -> ConsoleUser:
    """A new account; a leader needs the unit they lead, other roles have none."""
    username = normalise_username(username)
    if not username:
        raise AccountError("a username is required")
    if find_user(session, username) is not None:
        raise UsernameTaken(username)
    if role == Role.LEADER:
        if unit_code is None or session.get(Unit, unit_code) is None:
            raise BadUnit(f"a leader needs a known unit (--unit), not {unit_code!r}")
    elif unit_code is not None:
        raise BadUnit(f"only a leader has a unit ({role} given {unit_code})")
    user = ConsoleUser(username=username, display_name=display_name or username, role=role.value,
                       unit_code=unit_code, password_hash=_check_password(password))
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, username: str, password: str) -> ConsoleUser:
    """A new password; the user's open sessions end (their session id is derived from the hash)."""
    user = _existing(session, username)
    user.password_hash = _check_password(password)
    return user


def disable(session: Session, username: str) -> ConsoleUser:
    """The account can no longer sign in and its open sessions end; it stays for the case trails."""
    user = _existing(session, username)
    user.active = False
    return user


def list_users(session: Session) -> list[ConsoleUser]:
    return list(session.scalars(select(ConsoleUser).order_by(ConsoleUser.role, ConsoleUser.username)))


def _existing(session: Session, username: str) -> ConsoleUser:
    user = find_user(session, username)
    if user is None:
        raise NoSuchUser(username)
    return user
