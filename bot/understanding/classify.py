"""What a report is about: Chinese text → a category code with a confidence.

Features: jieba words (with the lexicon and taxonomy keywords added to its dictionary), character
1–3-grams (robust to typos and unseen words), and one ``LEX:<code>`` token per lexicon phrase found
(so a phrase the bureau adds to ``lexicon.yaml`` counts without retraining). A multinomial logistic
regression is trained by scikit-learn (``bot.understanding.training``); only its numbers are shipped
(``classifier.npz``: vocabularies, idf, weights), and inference is plain numpy, so the service needs
no scikit-learn and the model does not break with its versions.
"""

from __future__ import annotations

import io
import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import jieba
import numpy as np

from bot.understanding.taxonomy import DATA, Taxonomy

DEFAULT_MODEL = DATA / "classifier.npz"
PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)
DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Classification:
    code: str
    name: str
    confidence: float


def normalise(text: str) -> str:
    """Full-width → half-width, lower case, digits folded, punctuation and emoji dropped."""
    text = unicodedata.normalize("NFKC", text).lower()
    return DIGITS.sub("0", PUNCTUATION.sub(" ", text)).strip()


class Featuriser:
    """Text → the two token streams the model reads (words + lexicon hits, and character n-grams)."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        phrases = taxonomy.phrases()
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()
        for phrase in phrases:
            self.tokenizer.add_word(normalise(phrase).replace(" ", ""), freq=2000)
        ordered = sorted(phrases, key=len, reverse=True)
        self.phrase_code = {normalise(p).replace(" ", ""): c for p, c in phrases.items()}
        self.phrase_pattern = re.compile("|".join(re.escape(k) for k in sorted(self.phrase_code, key=len,
                                                                              reverse=True) if k))
        del ordered

    def words(self, text: str) -> list[str]:
        clean = normalise(text)
        compact = clean.replace(" ", "")
        tokens = [w for w in self.tokenizer.lcut(clean) if w.strip()]
        tokens += [f"LEX:{self.phrase_code[m.group(0)]}" for m in self.phrase_pattern.finditer(compact)]
        return tokens

    @staticmethod
    def chars(text: str) -> list[str]:
        compact = normalise(text).replace(" ", "")
        grams = list(compact)
        grams += [compact[i : i + 2] for i in range(len(compact) - 1)]
        grams += [compact[i : i + 3] for i in range(len(compact) - 2)]
        return grams


class Classifier:
    """Inference from an exported model; ``classify`` is all the service needs."""

    def __init__(self, taxonomy: Taxonomy, featuriser: Featuriser, vocabularies: list[dict[str, int]],
                 idfs: list[np.ndarray], weights: np.ndarray, bias: np.ndarray, classes: list[str]) -> None:
        self.taxonomy = taxonomy
        self.featuriser = featuriser
        self.vocabularies = vocabularies
        self.idfs = idfs
        self.offsets = np.cumsum([0] + [len(v) for v in vocabularies[:-1]]).tolist()
        self.weights = weights  # (n_features, n_classes), float32
        self.bias = bias
        self.classes = classes

    def _scores(self, text: str) -> np.ndarray:
        scores = self.bias.astype(np.float64).copy()
        streams = (self.featuriser.words(text), self.featuriser.chars(text))
        for stream, vocabulary, idf, offset in zip(streams, self.vocabularies, self.idfs, self.offsets, strict=True):
            counts = Counter(t for t in stream if t in vocabulary)
            if not counts:
                continue
            index = np.fromiter((vocabulary[t] for t in counts), dtype=np.int64, count=len(counts))
            values = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts))
            values *= idf[index]
            values /= np.linalg.norm(values)
            scores += values @ self.weights[index + offset]
        return scores

    def probabilities(self, text: str) -> np.ndarray:
        scores = self._scores(text)
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()

    def classify(self, text: str) -> Classification:
        probabilities = self.probabilities(text)
        best = int(probabilities.argmax())
        code = self.classes[best]
        return Classification(code, self.taxonomy[code].name, round(float(probabilities[best]), 4))

    # -- persistence --------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        meta = {"classes": self.classes, "vocabularies": self.vocabularies}
        buffer = io.BytesIO()
        np.savez_compressed(buffer, meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), np.uint8),
                            idf_words=self.idfs[0].astype(np.float32), idf_chars=self.idfs[1].astype(np.float32),
                            weights=self.weights.astype(np.float16), bias=self.bias.astype(np.float32))
        Path(path).write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, taxonomy: Taxonomy, path: Path = DEFAULT_MODEL) -> Classifier:
        with np.load(path) as data:
            meta = json.loads(data["meta"].tobytes().decode())
            idfs = [data["idf_words"].astype(np.float64), data["idf_chars"].astype(np.float64)]
            weights = data["weights"].astype(np.float32)
            bias = data["bias"].astype(np.float64)
        unknown = [c for c in meta["classes"] if c not in taxonomy]
        if unknown:
            raise ValueError(f"model knows categories the taxonomy lacks: {unknown}; retrain the classifier")
        return cls(taxonomy, Featuriser(taxonomy), meta["vocabularies"], idfs, weights, bias, meta["classes"])
