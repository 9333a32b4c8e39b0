"""Routing: category × grid → the squad owning the grid, or the category's specialist department.

Anything the machine is unsure about goes to the dispatcher's triage queue with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.models.enums import TriageReason
from bot.understanding.classify import Classification
from bot.understanding.geotag import GeoResult
from bot.understanding.taxonomy import Taxonomy


@dataclass(frozen=True)
class Routing:
    unit_code: str | None
    triage_reason: TriageReason | None

    @property
    def needs_triage(self) -> bool:
        return self.triage_reason is not None

    @property
    def category_sure(self) -> bool:
        """Whether the classifier's category stands (told to the reporter, used to find duplicates)."""
        return self.triage_reason not in (TriageReason.LOW_CONFIDENCE, TriageReason.SEVERAL_PROBLEMS)


def unit_for(handler: str, squad_code: str | None) -> str | None:
    """The taxonomy's handler names a department, or ``squad``: the squad owning the grid."""
    return squad_code if handler == "squad" else handler


def decide(taxonomy: Taxonomy, classification: Classification, geo: GeoResult, min_confidence: float) -> Routing:
    if classification.also:  # several problems of different kinds: the dispatcher splits or chooses
        return Routing(None, TriageReason.SEVERAL_PROBLEMS)
    if classification.confidence < min_confidence:
        return Routing(None, TriageReason.LOW_CONFIDENCE)
    if not geo.inside:
        # outside the jurisdiction (or no point at all): the dispatcher decides
        return Routing(None, TriageReason(geo.reason) if geo.reason else TriageReason.OUTSIDE)
    return Routing(unit_for(taxonomy[classification.code].handler, geo.squad_code), None)
