"""What a report is about: Chinese text → a category code with a confidence.

Features: words (cut on a small dictionary shipped with the model, see ``Segmenter``; the lexicon and
taxonomy keywords are added to it), character 1–3-grams (robust to typos and unseen words), and one
``LEX:<code>`` token per lexicon phrase found (so a phrase the bureau adds to ``lexicon.yaml`` counts
without retraining). A multinomial logistic regression is trained by scikit-learn
(``bot.understanding.training``); only its numbers are shipped (``classifier.npz``: dictionary,
vocabularies, idf, weights), and inference is plain Python and numpy, so the service needs neither
scikit-learn nor jieba and the model does not break with their versions.

Letters (a hotline work order, a letter to the bureau) wrap one problem in a form: a greeting, months
of history, a suggestion at the end. The whole text is scored, and so is each sentence of a long one:
the sentence that describes a field problem wins over the form (a consultation, suggestion or
not-our-duty class is kept only when no sentence describes a field problem), and sentences that
describe problems of different kinds mark the report as several problems, for the dispatcher.
"""

from __future__ import annotations

import io
import json
import math
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

import numpy as np

from bot.understanding.taxonomy import DATA, Taxonomy

DEFAULT_MODEL = DATA / "classifier.npz"
PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)
DIGITS = re.compile(r"\d+")
SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
PHRASE_FREQ = 2000  # a lexicon phrase is cut as one word, like a common word

Streams = tuple[list[str], list[str]]  # the tokens a text gives the model: words + lexicon hits, character n-grams


@dataclass(frozen=True)
class Classification:
    code: str
    name: str
    confidence: float
    also: tuple[str, ...] = ()  # other field problems the text describes (several problems: the dispatcher splits)


def normalise(text: str) -> str:
    """Full-width → half-width, lower case, digits folded, punctuation and emoji dropped."""
    text = unicodedata.normalize("NFKC", text).lower()
    return DIGITS.sub("0", PUNCTUATION.sub(" ", text)).strip()


def trie_pattern(words: list[str]) -> str:
    """A regular expression matching any of the words, the longest one where several start at a place (a trie:
    each character is tried once, where an alternation of 900 phrases would try them one by one)."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def pattern(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body  # greedy: the longer word first

    return pattern(trie)


@lru_cache(maxsize=512)
def gram_slices(n: int) -> tuple[slice, ...]:
    """The 2- and 3-grams of a run of n characters, as slices: ``map(run.__getitem__, …)`` cuts them in C."""
    return tuple(slice(i, i + size) for size in (2, 3) for i in range(n - size + 1))


class Segmenter:
    """Words by jieba's method without its HMM (the most probable path through a dictionary), on a small
    dictionary shipped with the model: the words of its training data, with jieba's frequencies.

    A word outside the model's vocabulary is worth nothing to it, so jieba's 350,000-word dictionary (a
    second or more to load) buys nothing here; this one loads in milliseconds and cuts the same way.
    """

    def __init__(self, frequencies: dict[str, int]) -> None:
        self.log_total = math.log(sum(frequencies.values()) or 1)
        self.unknown = -self.log_total  # jieba's score for a character it does not know: log(1 / total)
        # fragment -> (its log probability if it is a word, whether a longer word starts with it): one look-up
        self.entries: dict[str, tuple[float | None, bool]] = {}
        for word, freq in frequencies.items():
            self.add(word, freq)

    def add(self, word: str, freq: int) -> None:
        if word and freq > 0:
            self.entries[word] = (math.log(freq) - self.log_total, self.entries.get(word, (None, False))[1])
            for i in range(1, len(word)):
                self.entries[word[:i]] = (self.entries.get(word[:i], (None, False))[0], True)

    def cut(self, text: str) -> list[str]:
        """Words of a normalised text (runs separated by spaces); ASCII letters and digits stay together."""
        words: list[str] = []
        for run in text.split():
            words += self._cut_run(run)
        return words

    def _cut_run(self, run: str) -> list[str]:
        n = len(run)
        entries, unknown = self.entries, self.unknown
        best = [0.0] * (n + 1)
        end = [0] * n
        for start in range(n - 1, -1, -1):
            score, stop = unknown + best[start + 1], start + 1  # the character alone
            stop_at = start + 1
            while True:
                entry = entries.get(run[start:stop_at])
                if entry is None:
                    break
                p = entry[0]
                if p is not None:
                    p += best[stop_at]
                    if p > score:
                        score, stop = p, stop_at
                if not entry[1] or stop_at == n:  # no longer word starts with this fragment
                    break
                stop_at += 1
            best[start] = score
            end[start] = stop
        words: list[str] = []
        latin = ""  # single ASCII letters and digits, joined
        at = 0
        while at < n:
            stop = end[at]
            if stop == at + 1 and run[at].isascii() and run[at].isalnum():
                latin += run[at]
            else:
                if latin:
                    words.append(latin)
                    latin = ""
                words.append(run[at:stop])
            at = stop
        if latin:
            words.append(latin)
        return words


class Featuriser:
    """Text → the two token streams the model reads (words + lexicon hits, and character n-grams)."""

    def __init__(self, taxonomy: Taxonomy, dictionary: dict[str, int]) -> None:
        self.segmenter = Segmenter(dictionary)
        self.phrase_code = {normalise(p).replace(" ", ""): c for p, c in taxonomy.phrases().items()}
        for phrase in self.phrase_code:
            self.segmenter.add(phrase, PHRASE_FREQ)
        self.phrases = re.compile(trie_pattern([phrase for phrase in self.phrase_code if phrase]))

    def streams(self, clean: str) -> Streams:
        return self.tokens(clean), self.grams(clean)

    def clause_streams(self, runs: list[str]) -> list[Streams]:
        """``streams`` of each run (a clause of a letter), with the lexicon searched once for all of them."""
        hits: list[list[str]] = [[] for _ in runs]
        ends = list(accumulate(len(run) + 1 for run in runs))  # in the runs joined by spaces, after each run
        for match in self.phrases.finditer(" ".join(runs)):
            hits[bisect_right(ends, match.start())].append("LEX:" + self.phrase_code[match.group()])
        return [(self.segmenter.cut(run) + hit, self.grams(run)) for run, hit in zip(runs, hits, strict=True)]

    def tokens(self, clean: str) -> list[str]:
        """Words and lexicon hits of a normalised text."""
        tokens = self.segmenter.cut(clean)
        tokens += self.lexicon_hits(clean)
        return tokens

    def lexicon_hits(self, clean: str) -> list[str]:
        """``LEX:<code>`` for each lexicon phrase in the text: leftmost, longest, not overlapping (phrases hold no
        spaces, so none spans two runs)."""
        return ["LEX:" + self.phrase_code[phrase] for phrase in self.phrases.findall(clean)]

    @staticmethod
    def grams(clean: str) -> list[str]:
        """Character 1–3-grams of a normalised text, within each run (punctuation separates clauses)."""
        grams = list(clean.replace(" ", ""))
        for run in clean.split():
            grams += map(run.__getitem__, gram_slices(len(run)))
        return grams

    def words(self, text: str) -> list[str]:
        return self.tokens(normalise(text))

    def chars(self, text: str) -> list[str]:
        return self.grams(normalise(text))


class Classifier:
    """Inference from an exported model; ``classify`` is all the service needs."""

    #: A text this long (characters, punctuation aside) is read clause by clause too: a letter, not a chat line.
    LONG_TEXT = 40
    #: A clause whose best field category reaches this probability describes a field problem.
    CLAUSE_PROBLEM = 0.5
    #: The whole text's consultation/suggestion/not-ours classes together at least this likely: a letter that only
    #: mentions a thing in the street (asking how to put up a sign) stays a consultation.
    FORM_ONLY = 0.5
    #: A sentence whose problem is this clear, of another kind than the answer's, makes the text several problems.
    SEVERAL = 0.6
    #: Clauses shorter than this (greetings, "谢谢") are not scored alone.
    CLAUSE_MIN_CHARS = 4

    def __init__(self, taxonomy: Taxonomy, featuriser: Featuriser, vocabularies: list[dict[str, int]],
                 idfs: list[np.ndarray], weights: np.ndarray, bias: np.ndarray, classes: list[str],
                 dictionary: dict[str, int]) -> None:
        self.taxonomy = taxonomy
        self.featuriser = featuriser
        self.vocabularies = vocabularies
        self.idfs = idfs
        offsets = np.cumsum([0] + [len(v) for v in vocabularies[:-1]]).tolist()
        self.idf = np.concatenate(idfs)  # of each feature: a row of the weights (words' rows, then characters')
        self.n_features = len(self.idf)
        # token -> stream * n_features + feature, per stream: what scoring needs of a token, in one look-up
        self.codes = [{token: stream * self.n_features + offset + index for token, index in vocabulary.items()}
                      for stream, (vocabulary, offset) in enumerate(zip(vocabularies, offsets, strict=True))]
        self.weights = weights  # (n_features, n_classes), float32
        self.bias = bias
        self.classes = classes
        self.dictionary = dictionary
        self.field = np.array([not code.startswith("Z") for code in classes])
        self.names = [taxonomy[code].name for code in classes]

    def _probabilities(self, clauses: list[Streams]) -> np.ndarray:
        """Class probabilities: a row for each clause and, when there are several, a last row for all of them
        together (the whole text: its streams are the clauses' streams concatenated).

        Per stream, sublinear tf × idf, L2-normalised (as scikit-learn's TfidfVectorizer), then the linear
        scores and a softmax. All rows are computed in one numpy pass (each numpy call costs microseconds; a
        pass per clause cost a letter most of its time): the features of every (row, stream) are counted in
        one sort, and the weights of the whole text's features gathered once.
        """
        # each known token as a key: (row * 2 + stream) * n_features + feature (a token's code holds the last two)
        span = 2 * self.n_features
        found = [start + code for stream, vocabulary in enumerate(self.codes)
                 for start, streams in zip(range(0, len(clauses) * span, span), clauses, strict=True)
                 for code in map(vocabulary.get, streams[stream]) if code is not None]
        keys = np.fromiter(found, np.int64, len(found))
        if len(clauses) > 1:  # the whole text's row: every clause's tokens again
            keys = np.concatenate((keys, keys % span + len(clauses) * span))
        # the distinct keys and their counts: sorted, the copies of a key are side by side
        keys.sort()
        edges = np.empty(keys.size + 1, dtype=bool)
        edges[0] = edges[-1] = True
        np.not_equal(keys[1:], keys[:-1], out=edges[1:-1])
        firsts = edges.nonzero()[0]
        keys = keys[firsts[:-1]]
        group, feature = np.divmod(keys, self.n_features)  # group: row * 2 + stream
        values = self.idf[feature] * (1.0 + np.log(firsts[1:] - firsts[:-1]))
        values /= np.sqrt(np.bincount(group, values * values))[group]
        # rows × the whole text's features (the last row's, sorted), so their weights are gathered once
        last = len(clauses) + (len(clauses) > 1) - 1
        columns = feature[keys.searchsorted(last * span):]
        rows = np.zeros((last + 1, columns.size), dtype=np.float32)
        rows[group >> 1, columns.searchsorted(feature)] = values
        scores = self.bias + rows @ self.weights.take(columns, axis=0)
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return scores / scores.sum(axis=1, keepdims=True)

    def probabilities(self, text: str) -> np.ndarray:
        """The whole text's probability of each class (``classes``), before the clause rules."""
        return self._probabilities([self.featuriser.streams(normalise(text))])[0]

    def classify(self, text: str) -> Classification:
        # sentence by sentence, normalised: joined by spaces, they are normalise(text) (sentence ends are punctuation)
        runs = [(number, run) for number, sentence in enumerate(SENTENCE_END.split(text))
                for run in normalise(sentence).split()]
        if sum(len(run) for _, run in runs) < self.LONG_TEXT:
            probabilities = self._probabilities([self.featuriser.streams(" ".join(run for _, run in runs))])[0]
            best = int(probabilities.argmax())
            return Classification(self.classes[best], self.names[best], round(float(probabilities[best]), 4))
        # a letter: each sentence's problem is its clearest clause; the whole text's words decide among them
        scored = self._probabilities(self.featuriser.clause_streams([run for _, run in runs]))
        probabilities = scored[-1]
        field = scored[: len(runs)] * self.field
        clearest: dict[int, tuple[int, float]] = {}  # sentence -> its clearest clause's (field class, probability)
        for (sentence, run), top, p in zip(runs, field.argmax(axis=1).tolist(), field.max(axis=1).tolist(),
                                           strict=True):
            if len(run) >= self.CLAUSE_MIN_CHARS and p > clearest.get(sentence, (0, 0.0))[1]:
                clearest[sentence] = (top, p)
        problems: dict[int, float] = {}  # field class -> the probability of its clearest clause
        for top, p in clearest.values():
            if p >= self.CLAUSE_PROBLEM:
                problems[top] = max(problems.get(top, 0.0), p)
        best = int(probabilities.argmax())
        if problems and not self.field[best] and probabilities[~self.field].sum() < self.FORM_ONLY:
            # the form (greetings, history, a suggestion) outweighed the content: the field problem wins
            field = probabilities * self.field
            probabilities = field / field.sum()
            best = int(probabilities.argmax())
        code = self.classes[best]
        # several problems: sentences whose problems belong to different groups of the taxonomy
        seen = [self.taxonomy.same_problem(code)]
        also: list[str] = []
        for index in sorted(problems, key=problems.__getitem__, reverse=True):
            other = self.classes[index]
            if problems[index] >= self.SEVERAL and not any(other in group for group in seen):
                seen.append(self.taxonomy.same_problem(other))
                also.append(other)
        return Classification(code, self.names[best], round(float(probabilities[best]), 4), tuple(also))

    # -- persistence --------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        meta = {"classes": self.classes, "vocabularies": self.vocabularies, "dictionary": self.dictionary}
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
        dictionary = meta["dictionary"]
        return cls(taxonomy, Featuriser(taxonomy, dictionary), meta["vocabularies"], idfs, weights, bias,
                   meta["classes"], dictionary)
