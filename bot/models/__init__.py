"""Tables, one module per aggregate. Importing this package registers them all on ``Base``."""

from bot.models.area import Grid, Place, Unit
from bot.models.base import Base
from bot.models.case import Case, CaseEvent, CaseNumberCounter, Draft
from bot.models.media import Media
from bot.models.message import InboundMessage
from bot.models.outbound import OutboundMessage
from bot.models.resident import Resident

__all__ = [
    "Base",
    "Case",
    "CaseEvent",
    "CaseNumberCounter",
    "Draft",
    "Grid",
    "InboundMessage",
    "OutboundMessage",
    "Place",
    "Media",
    "Resident",
    "Unit",
]
