"""Training and evaluating the classifier (needs scikit-learn and jieba: ``pip install -e '.[train]'``).

    citybot train-classifier       # training/classifier/train*.jsonl → bot/data/classifier.npz
    citybot evaluate-classifier    # both held-out sets: chat messages (eval.jsonl), letters (eval_letters.jsonl)

Training reads only ``train.jsonl`` (chat-style messages) and ``train_letters.jsonl`` (the same kind of
problems in the form of hotline work orders and letters); the evaluation sets are never read here.
Deterministic: same data, same model.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.config import ROOT
from bot.understanding.classify import Classifier, Featuriser, normalise
from bot.understanding.taxonomy import Taxonomy

DATA_DIR = ROOT / "training" / "classifier"
TRAIN_FILES = (DATA_DIR / "train.jsonl", DATA_DIR / "train_letters.jsonl")
TRAIN_FILE = TRAIN_FILES[0]
EVAL_FILE = DATA_DIR / "eval.jsonl"
LETTERS_EVAL_FILE = DATA_DIR / "eval_letters.jsonl"
EVAL_SETS = {"chat-style": EVAL_FILE, "letter-style": LETTERS_EVAL_FILE}


@dataclass(frozen=True)
class Example:
    text: str
    code: str
    also: str | None = None  # a second plausible category (a letter about two problems, a borderline case)


def read_examples(path: Path) -> list[Example]:
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Example(row["text"], row["code"], row.get("also")) for row in rows]


def read_training(paths: tuple[Path, ...] = TRAIN_FILES) -> list[Example]:
    return [example for path in paths if path.exists() for example in read_examples(path)]


def dictionary_for(texts: list[str], taxonomy: Taxonomy) -> dict[str, int]:
    """The segmenter's dictionary: every word jieba finds in the training texts, with jieba's frequency."""
    import jieba

    jieba.setLogLevel(60)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    phrases = {normalise(p).replace(" ", "") for p in taxonomy.phrases()}
    for phrase in phrases:
        tokenizer.add_word(phrase, freq=2000)
    words: set[str] = set()
    for text in texts:
        words.update(tokenizer.lcut(normalise(text), HMM=False))
    return {word: int(tokenizer.FREQ[word]) for word in sorted(words - phrases)
            if len(word) > 1 and tokenizer.FREQ.get(word)}


def train(taxonomy: Taxonomy, examples: list[Example], c: float = 10.0) -> Classifier:
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [example.text for example in examples]
    labels = [example.code for example in examples]
    unknown = sorted({code for code in labels if code not in taxonomy})
    if unknown:
        raise ValueError(f"training data uses codes the taxonomy lacks: {unknown}")
    dictionary = dictionary_for(texts, taxonomy)
    featuriser = Featuriser(taxonomy, dictionary)
    vectorizers = [
        TfidfVectorizer(analyzer=featuriser.words, sublinear_tf=True),
        TfidfVectorizer(analyzer=featuriser.chars, sublinear_tf=True, min_df=2),
    ]
    matrix = hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
    model = LogisticRegression(C=c, max_iter=5000, random_state=0)
    model.fit(matrix, labels)
    vocabularies = [{term: int(i) for term, i in v.vocabulary_.items()} for v in vectorizers]
    return Classifier(taxonomy, featuriser, vocabularies, [v.idf_ for v in vectorizers],
                      model.coef_.T.astype(np.float32), model.intercept_, list(model.classes_), dictionary)


@dataclass
class Evaluation:
    total: int
    correct: int
    lenient: int  # the answer is the expected category or the example's second plausible one
    top2: int  # the expected category is among the two most probable
    recall: dict[str, tuple[int, int]]  # code -> (correct, total)
    confusions: Counter[tuple[str, str]]  # (expected, predicted) -> count
    routed: int  # confidence at or above the threshold and one problem: routed without the dispatcher
    routed_correct: int
    routed_lenient: int
    several: int  # marked as several problems (to triage)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def routed_share(self) -> float:
        return self.routed / self.total if self.total else 0.0

    @property
    def routed_accuracy(self) -> float:
        return self.routed_correct / self.routed if self.routed else 0.0


def evaluate(classifier: Classifier, examples: list[Example], min_confidence: float) -> Evaluation:
    recall: dict[str, list[int]] = {}
    confusions: Counter[tuple[str, str]] = Counter()
    correct = lenient = top2 = routed = routed_correct = routed_lenient = several = 0
    for example in examples:
        result = classifier.classify(example.text)
        hit = result.code == example.code
        near = hit or result.code == example.also
        ranked = np.argsort(-classifier.probabilities(example.text))[:2]
        correct += hit
        lenient += near
        top2 += hit or example.code in {classifier.classes[i] for i in ranked}
        stats = recall.setdefault(example.code, [0, 0])
        stats[0] += hit
        stats[1] += 1
        if not hit:
            confusions[(example.code, result.code)] += 1
        several += bool(result.also)
        if result.confidence >= min_confidence and not result.also:
            routed += 1
            routed_correct += hit
            routed_lenient += near
    return Evaluation(len(examples), correct, lenient, top2, {k: (v[0], v[1]) for k, v in recall.items()},
                      confusions, routed, routed_correct, routed_lenient, several)


def report(evaluation: Evaluation, taxonomy: Taxonomy, min_confidence: float) -> str:
    e = evaluation
    lines = [f"top-1 accuracy: {e.accuracy:.1%} ({e.correct}/{e.total}); counting a second plausible category "
             f"{e.lenient / e.total:.1%}; top-2 (expected among the two most probable) {e.top2 / e.total:.1%}",
             f"confidence ≥ {min_confidence} and one problem: {e.routed_share:.1%} of messages routed automatically, "
             f"{e.routed_accuracy:.1%} of those correct ({e.routed_lenient / max(e.routed, 1):.1%} counting a second "
             f"plausible category); {e.several} marked as several problems (the rest go to triage)",
             "", "per-category recall:"]
    for code, (hit, total) in sorted(e.recall.items(), key=lambda kv: (kv[1][0] / kv[1][1], kv[0])):
        lines.append(f"  {code} {taxonomy[code].name:10s} {hit / total:6.1%} ({hit}/{total})")
    lines += ["", "confusion pairs (expected → predicted):"]
    for (expected, predicted), count in e.confusions.most_common(15):
        lines.append(f"  {count}× {expected} {taxonomy[expected].name} → {predicted} {taxonomy[predicted].name}")
    return "\n".join(lines)
