"""Typed refusals of the case services. Each surface turns them into its own words (chat, console, API)."""

from __future__ import annotations


class DomainError(Exception):
    """A decision that cannot be taken; nothing was changed."""


class CaseNotFound(DomainError):
    def __init__(self, number: str) -> None:
        super().__init__(f"no case {number}")
        self.number = number


class NotYourCase(DomainError):
    """The actor's unit does not hold the case."""

    def __init__(self, number: str) -> None:
        super().__init__(f"case {number} belongs to another unit")
        self.number = number


class IllegalTransition(DomainError):
    def __init__(self, number: str, state: str | None, action: str) -> None:
        super().__init__(f"case {number}: cannot {action} from {state}")
        self.number = number
        self.state = state
        self.action = action


class NeedsPhoto(DomainError):
    """办结 of a category that requires an after-photo, without one."""

    def __init__(self, number: str) -> None:
        super().__init__(f"case {number}: an after-photo is required")
        self.number = number


class NoPendingRequest(DomainError):
    def __init__(self, request_id: int) -> None:
        super().__init__(f"no pending extension request {request_id}")
        self.request_id = request_id


class NotMerged(DomainError):
    def __init__(self, number: str) -> None:
        super().__init__(f"case {number} is not merged")
        self.number = number


class UnknownCategory(DomainError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown category {code}")
        self.code = code
