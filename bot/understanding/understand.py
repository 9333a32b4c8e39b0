"""Understanding a received case: what it is (classification), where (geotag), who handles it (routing).

``Understanding`` holds the per-process, read-only helpers (the classifier, loaded on first use,
and the area index cache); ``understand_case`` applies them to a case in the caller's transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.dispatch.routing import Routing, decide
from bot.geo.index import AreaIndex, AreaIndexCache
from bot.models import Case
from bot.understanding.classify import Classification, Classifier
from bot.understanding.geotag import GeoResult, locate_point
from bot.understanding.taxonomy import Taxonomy


class Understanding:
    def __init__(self, taxonomy: Taxonomy, load_classifier: Callable[[], Classifier], area: AreaIndexCache,
                 min_confidence: float) -> None:
        self.taxonomy = taxonomy
        self._load_classifier = load_classifier
        self._classifier: Classifier | None = None
        self._lock = threading.Lock()
        self.area_cache = area
        self.min_confidence = min_confidence

    def preload(self, classifier: Classifier) -> None:
        """Use an already loaded classifier (tests share one across apps)."""
        self._classifier = classifier

    @property
    def classifier(self) -> Classifier:
        """Loaded on first use (jieba's dictionary takes a second): commands that never classify don't pay."""
        if self._classifier is None:
            with self._lock:
                if self._classifier is None:
                    self._classifier = self._load_classifier()
        return self._classifier

    def classify(self, text: str) -> Classification:
        return self.classifier.classify(text)

    def area(self, session: Session) -> AreaIndex:
        return self.area_cache.get(session)


@dataclass(frozen=True)
class Understood:
    classification: Classification
    geo: GeoResult
    routing: Routing


def understand_case(session: Session, understanding: Understanding, case: Case) -> Understood:
    """Classify, geotag and route ``case`` (already holding a GCJ-02 point); write the result on it."""
    assert case.lat is not None and case.lng is not None, f"case {case.number} has no location"
    classification = understanding.classify(case.description)
    geo = locate_point(understanding.area(session), case.lat, case.lng, case.location_source or "message")
    routing = decide(understanding.taxonomy, classification, geo, understanding.min_confidence)
    case.category_code = classification.code
    case.category_confidence = classification.confidence
    case.grid_code = geo.grid_code
    case.unit_code = routing.unit_code
    case.triage_reason = routing.triage_reason
    return Understood(classification, geo, routing)
