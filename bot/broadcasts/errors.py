"""Typed refusals of the broadcast services; each surface puts them into its own words."""

from __future__ import annotations

from bot.dispatch.errors import DomainError


class BroadcastError(DomainError):
    """A broadcast decision that cannot be taken; nothing was changed."""


class BadContent(BroadcastError):
    """Title or text missing or over WeChat's limits (``field``: title | text | image)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class UnknownArea(BroadcastError):
    """No street or community of the loaded area matches; ``choices`` are the close ones (or all)."""

    def __init__(self, query: str, choices: list[str]) -> None:
        super().__init__(f"no area {query!r}")
        self.query = query
        self.choices = choices


class AmbiguousArea(UnknownArea):
    """Several areas match equally well."""


class NotSubscribed(BroadcastError):
    def __init__(self, area: str) -> None:
        super().__init__(f"not subscribed to {area}")
        self.area = area


class BadAudience(BroadcastError):
    """An audience that cannot be read (``all``, ``area:<name>``, ``reported:<name>:<days>``)."""


class BroadcastNotFound(BroadcastError):
    def __init__(self, broadcast_id: int) -> None:
        super().__init__(f"no broadcast {broadcast_id}")
        self.broadcast_id = broadcast_id


class WrongState(BroadcastError):
    """The broadcast is not in a state that allows ``action``."""

    def __init__(self, broadcast_id: int, state: str, action: str) -> None:
        super().__init__(f"broadcast {broadcast_id}: cannot {action} while {state}")
        self.state = state
        self.action = action


class SelfApproval(BroadcastError):
    """A send to all followers needs a second person: its author cannot approve it."""


class NotAnApprover(BroadcastError):
    """Only an active dispatcher or admin approves a send to all followers."""


class NeedsConfirmation(BroadcastError):
    """Most followers are at the monthly limit: sending to everyone must be confirmed explicitly."""

    def __init__(self, total: int, over_limit: int) -> None:
        super().__init__(f"{over_limit} of {total} followers are at the monthly limit")
        self.total = total
        self.over_limit = over_limit
