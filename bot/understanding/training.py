"""Training and evaluating the classifier (needs scikit-learn: ``pip install -e '.[train]'``).

    citybot train-classifier       # training/classifier/train.jsonl → bot/data/classifier.npz
    citybot evaluate-classifier    # accuracy, per-category recall, confusion pairs on eval.jsonl

Deterministic: same data, same model.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.config import ROOT
from bot.understanding.classify import Classifier, Featuriser
from bot.understanding.taxonomy import Taxonomy

TRAIN_FILE = ROOT / "training" / "classifier" / "train.jsonl"
EVAL_FILE = ROOT / "training" / "classifier" / "eval.jsonl"


def read_examples(path: Path) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row["text"], row["code"]) for row in rows]


def train(taxonomy: Taxonomy, examples: list[tuple[str, str]], c: float = 20.0) -> Classifier:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    featuriser = Featuriser(taxonomy)
    texts = [text for text, _ in examples]
    labels = [code for _, code in examples]
    unknown = sorted({code for code in labels if code not in taxonomy})
    if unknown:
        raise ValueError(f"training data uses codes the taxonomy lacks: {unknown}")
    vectorizers = [
        TfidfVectorizer(analyzer=featuriser.words, sublinear_tf=True),
        TfidfVectorizer(analyzer=featuriser.chars, sublinear_tf=True, min_df=2),
    ]
    from scipy.sparse import hstack

    matrix = hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
    model = LogisticRegression(C=c, max_iter=5000, random_state=0)
    model.fit(matrix, labels)
    vocabularies = [{term: int(i) for term, i in v.vocabulary_.items()} for v in vectorizers]
    return Classifier(taxonomy, featuriser, vocabularies, [v.idf_ for v in vectorizers],
                      model.coef_.T.astype(np.float32), model.intercept_, list(model.classes_))


@dataclass
class Evaluation:
    total: int
    correct: int
    recall: dict[str, tuple[int, int]]  # code -> (correct, total)
    confusions: Counter[tuple[str, str]]  # (expected, predicted) -> count
    confident_share: float
    confident_accuracy: float

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def evaluate(classifier: Classifier, examples: list[tuple[str, str]], min_confidence: float) -> Evaluation:
    recall: dict[str, list[int]] = {}
    confusions: Counter[tuple[str, str]] = Counter()
    correct = confident = confident_correct = 0
    for text, expected in examples:
        result = classifier.classify(text)
        hit = result.code == expected
        correct += hit
        stats = recall.setdefault(expected, [0, 0])
        stats[0] += hit
        stats[1] += 1
        if not hit:
            confusions[(expected, result.code)] += 1
        if result.confidence >= min_confidence:
            confident += 1
            confident_correct += hit
    return Evaluation(len(examples), correct, {k: (v[0], v[1]) for k, v in recall.items()}, confusions,
                      confident / len(examples), confident_correct / confident if confident else 0.0)


def report(evaluation: Evaluation, taxonomy: Taxonomy, min_confidence: float) -> str:
    lines = [f"top-1 accuracy: {evaluation.accuracy:.1%} ({evaluation.correct}/{evaluation.total})",
             f"confidence ≥ {min_confidence}: {evaluation.confident_share:.1%} of messages routed automatically, "
             f"{evaluation.confident_accuracy:.1%} of those correct (the rest go to triage)",
             "", "per-category recall:"]
    for code, (hit, total) in sorted(evaluation.recall.items(), key=lambda kv: kv[1][0] / kv[1][1]):
        lines.append(f"  {code} {taxonomy[code].name:10s} {hit / total:6.1%} ({hit}/{total})")
    lines += ["", "confusion pairs (expected → predicted):"]
    for (expected, predicted), count in evaluation.confusions.most_common(15):
        lines.append(f"  {count}× {expected} {taxonomy[expected].name} → {predicted} {taxonomy[predicted].name}")
    return "\n".join(lines)
