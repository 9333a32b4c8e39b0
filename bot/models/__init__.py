"""Tables, one module per aggregate. Importing this package registers them all on ``Base``."""

from bot.models.account import ConsoleUser
from bot.models.area import Grid, Place
from bot.models.base import Base
from bot.models.broadcast import AreaSubscription, AreaTag, Broadcast, BroadcastRecipient, BroadcastSend
from bot.models.case import Case, CaseEvent, CaseNumberCounter, Draft, ExtensionRequest, Rating
from bot.models.contact import Contact
from bot.models.directory import Staff, Unit
from bot.models.media import Media
from bot.models.message import InboundMessage
from bot.models.outbound import OutboundMessage
from bot.models.resident import Resident
from bot.models.snapshot import StatsSnapshot

__all__ = [
    "AreaSubscription",
    "AreaTag",
    "Base",
    "Broadcast",
    "BroadcastRecipient",
    "BroadcastSend",
    "Case",
    "CaseEvent",
    "CaseNumberCounter",
    "ConsoleUser",
    "Contact",
    "Draft",
    "ExtensionRequest",
    "Grid",
    "InboundMessage",
    "OutboundMessage",
    "Place",
    "Rating",
    "Media",
    "Resident",
    "Staff",
    "StatsSnapshot",
    "Unit",
]
