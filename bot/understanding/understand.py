"""The per-process, read-only helpers that understand a report: the classifier (loaded on first use)
and the area index cache. ``bot.dispatch.opening`` applies them to a new case."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session

from bot.geo.index import AreaIndex, AreaIndexCache
from bot.understanding.classify import Classification, Classifier
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
        """Loaded on first use: commands that never classify don't pay for the model."""
        if self._classifier is None:
            with self._lock:
                if self._classifier is None:
                    self._classifier = self._load_classifier()
        return self._classifier

    def classify(self, text: str) -> Classification:
        """The classifier's answer, remembered for recent texts (a report's words are read at each step)."""
        return self._classify_cached(text)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one Understanding per app, kept for the process's life
    def _classify_cached(self, text: str) -> Classification:
        return self.classifier.classify(text)

    def area(self, session: Session) -> AreaIndex:
        return self.area_cache.get(session)

