"""Builds the letter-style files from hand-written parts (deterministic; run from the repository root):

    python training/classifier/letters.py

- ``train_letters.jsonl``: every message of ``train.jsonl`` wrapped in a letter (``letters_train_parts``).
- ``eval_letters.jsonl``: the held-out letters (``letters_eval_parts``: problems and form written for this
  set only), with ``also`` naming a second plausible category where a letter describes two problems.

Letters have the shape of hotline work orders and letters to the government: a formal opening, who and
where, months of history, the problem, its consequences, a suggestion, a closing; 100–200 characters.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import letters_eval_parts  # noqa: E402
import letters_train_parts  # noqa: E402

MIN_CHARS, MAX_CHARS = 100, 200


def letter(rng: random.Random, parts: ModuleType, problems: list[str], field: bool) -> str:
    """One letter about ``problems`` (one or two sentences); a consultation or suggestion has no consequences."""
    place = rng.choice(parts.PLACES)
    body = "，".join(p.rstrip("。！，") for p in problems) + "。"
    for _ in range(50):
        opening = rng.choice(parts.OPENINGS)
        intro = rng.choice(parts.INTROS).format(place=place)
        if field:
            history, impact = rng.choice(parts.HISTORIES), rng.choice(parts.IMPACTS)
            pieces = [opening, intro + history + body, impact]
            if rng.random() < 0.35:  # the history after the problem, as letters often tell it
                pieces = [opening, intro + body, history.rstrip("，") + "，" + impact]
            extras, ending = parts.EXTRAS, [rng.choice(parts.SUGGESTIONS), rng.choice(parts.CLOSINGS)]
        else:
            pieces = [opening, intro + rng.choice(parts.Z_HISTORIES) + body]
            extras, ending = parts.Z_EXTRAS, [rng.choice(parts.Z_CLOSINGS)]
        for extra in rng.sample(extras, len(extras)):
            if len("".join(pieces + ending)) >= MIN_CHARS:
                break
            pieces.append(extra.rstrip("，") + "。")
        text = "".join(pieces + ending)
        if MIN_CHARS <= len(text) <= MAX_CHARS or len(body) < 30 and len(text) <= MAX_CHARS:
            return text
    return text[:MAX_CHARS]


def train_letters(rng: random.Random) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in (HERE / "train.jsonl").read_text(encoding="utf-8").splitlines() if line]
    # one form for every class, consultations included: the form must say nothing about the category
    return [{"text": letter(rng, letters_train_parts, [row["text"]], True), "code": row["code"]} for row in rows]


def eval_letters(rng: random.Random) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for code, (count, problems) in letters_eval_parts.PROBLEMS.items():
        for i in range(count):
            out.append({"text": letter(rng, letters_eval_parts, [problems[i % len(problems)]], not code.startswith("Z")),
                        "code": code})
    for first, second in letters_eval_parts.PAIRS:
        a = rng.choice(letters_eval_parts.PROBLEMS[first][1])
        b = rng.choice(letters_eval_parts.PROBLEMS[second][1])
        b = rng.choice(["另外，", "还有，", "此外，", "同时，"]) + b
        out.append({"text": letter(rng, letters_eval_parts, [a + "。" + b], True), "code": first, "also": second})
    return out


def write(path: Path, rows: list[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


if __name__ == "__main__":
    write(HERE / "train_letters.jsonl", train_letters(random.Random(16)))
    write(HERE / "eval_letters.jsonl", eval_letters(random.Random(61)))
