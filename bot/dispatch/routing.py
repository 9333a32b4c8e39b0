"""Routing: category × grid → the squad owning the grid, or the category's specialist department.

Anything the machine is unsure about goes to the dispatcher's triage queue with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.understanding.classify import Classification
from bot.understanding.geotag import GeoResult
from bot.understanding.taxonomy import Taxonomy


@dataclass(frozen=True)
class Routing:
    unit_code: str | None
    triage_reason: str | None  # low_confidence | outside | no_location

    @property
    def needs_triage(self) -> bool:
        return self.triage_reason is not None


def unit_for(handler: str, squad_code: str | None) -> str | None:
    """The taxonomy's handler names a department, or ``squad``: the squad owning the grid."""
    return squad_code if handler == "squad" else handler


def decide(taxonomy: Taxonomy, classification: Classification, geo: GeoResult, min_confidence: float) -> Routing:
    if classification.confidence < min_confidence:
        return Routing(None, "low_confidence")
    if not geo.inside:
        return Routing(None, geo.reason or "outside")  # outside the jurisdiction: the dispatcher decides
    return Routing(unit_for(taxonomy[classification.code].handler, geo.squad_code), None)
