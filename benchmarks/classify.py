"""Classifier speed on one core: start-up time, and messages/s after start-up.

Reference in the same run: jieba segmentation alone (``jieba.lcut``), the floor any word-based
classifier pays. Messages: the held-out evaluation set, repeated.

    .venv/bin/python benchmarks/classify.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    started = time.perf_counter()
    from bot.understanding.classify import Classifier
    from bot.understanding.taxonomy import load_taxonomy

    classifier = Classifier.load(load_taxonomy())
    classifier.classify("预热")
    startup = time.perf_counter() - started

    from bot.understanding.training import EVAL_FILE, read_examples

    texts = [text for text, _ in read_examples(EVAL_FILE)] * args.rounds
    started = time.perf_counter()
    for text in texts:
        classifier.classify(text)
    ours = len(texts) / (time.perf_counter() - started)

    import jieba

    jieba.setLogLevel(60)
    jieba.lcut("预热")
    started = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    reference = len(texts) / (time.perf_counter() - started)

    print(f"classifier benchmark: {len(texts)} messages, one core")
    print(f"  start-up (import, load model, jieba dictionary)  {startup:6.2f} s")
    print(f"  citybot classify                                 {ours:8.0f} msg/s")
    print(f"  reference: jieba.lcut alone                      {reference:8.0f} msg/s")
    print(f"  ratio classify / segmentation alone: {ours / reference:.2f}×")


if __name__ == "__main__":
    main()
