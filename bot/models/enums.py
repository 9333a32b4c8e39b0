"""The vocabularies every layer shares, defined once: case states, triage reasons, channels, actors.

They are ``StrEnum``s, so a member is stored as (and compares equal to) its plain string value.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    """A case's place in the lifecycle (DESIGN.md); the transitions are in ``bot.dispatch.states``."""

    RECEIVED = "received"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    RESOLVED = "resolved"
    CLOSED = "closed"
    RETURNED = "returned"
    REOPENED = "reopened"
    MERGED = "merged"
    INVALID = "invalid"
    CANCELLED = "cancelled"


class TriageReason(StrEnum):
    """Why a case waits for the dispatcher instead of going to a unit by itself."""

    LOW_CONFIDENCE = "low_confidence"  # the classifier is unsure of the category
    SEVERAL_PROBLEMS = "several_problems"  # the text describes problems of different kinds (a letter): to split
    OUTSIDE = "outside"  # the point lies outside every grid
    NO_LOCATION = "no_location"
    NO_CATEGORY = "no_category"
    UNIT_UNREACHABLE = "unit_unreachable"  # the unit has no WeChat Work department, or its card failed for good
    RETURNED = "returned"  # 退回 by the squad
    DISSATISFIED_AGAIN = "dissatisfied_again"  # a second 不满意 after a rework


class Channel(StrEnum):
    """Where a case came from (the monthly report splits by it).

    An Open311 client's case carries the name of its API key instead (``citybot api-key add NAME``), so the
    split shows each connected system; ``OPEN311`` is the channel of a key named so.
    """

    WECHAT = "wechat"
    HOTLINE = "hotline"  # a hotline call not attributed to one number (older records)
    HOTLINE_12319 = "12319"  # the city-management hotline
    HOTLINE_96310 = "96310"  # 淳安's city-management service line
    HOTLINE_12345 = "12345"  # the city's government service hotline / platform
    VISIT = "visit"  # 来访: a resident came to the bureau
    PATROL = "patrol"  # 巡查: the bureau's own patrols found it
    OPEN311 = "open311"


class ActorKind(StrEnum):
    """Who took a decision recorded as a ``CaseEvent``."""

    RESIDENT = "resident"
    SQUAD = "squad"
    DISPATCHER = "dispatcher"  # bureau staff: the console or the operators' CLI
    API = "api"  # another system (Open311 client)
    SYSTEM = "system"  # the service itself (routing, deadlines, auto-close)
