"""Classifier speed on one core: in process, and ``citybot classify`` as a whole process (as a batch user runs it).

In process: start-up (import, load the model) and messages/s after it, on the held-out chat-style set
and on the letter-style set (337 letters of 100–141 characters, repeated: letters/s). Reference in the
same run: jieba segmentation alone (``jieba.lcut``, when the ``[train]`` extra is installed), what any
classifier cutting words with jieba pays.

Whole process: ``citybot classify`` with 0 lines (start-up alone), 1,000 and 21,000 JSON lines of
chat-style messages; messages/s = 20,000 / (time of 21,000 lines − time of 1,000 lines), so the start-up
is excluded, as the issue's harness measured it. The same with letters: 1,000 and 11,000 lines,
letters/s = 10,000 / (difference). Every line is distinct (a number appended after the first round). The
in-process figure on the same lines is the reference. Wall-clock time and CPU time (user + system) are
both printed: on a machine shared with other work the wall clock counts the waiting too, the CPU time
does not.

    .venv/bin/python benchmarks/classify.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CITYBOT = Path(sys.executable).parent / "citybot"


def run_cli(path: Path | None) -> tuple[float, float, int]:
    """One ``citybot classify`` process: wall seconds, CPU seconds, lines of output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(path or os.devnull, "rb") as stdin, tempfile.TemporaryFile() as stdout:
        subprocess.run([str(CITYBOT), "classify"], stdin=stdin, stdout=stdout, check=True)
        wall = time.perf_counter() - started
        stdout.seek(0)
        lines = sum(1 for _ in stdout)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), lines


def best_of(runs: int, path: Path | None) -> tuple[float, float, int]:
    """The fastest of a few runs (by CPU time): the least disturbed by other work on the machine."""
    return min((run_cli(path) for _ in range(runs)), key=lambda r: r[1])


def distinct_lines(texts: list[str], count: int, path: Path) -> Path:
    """``count`` JSON lines of the texts, every one distinct (a number appended after the first round), as a real
    batch would be."""
    lines = (json.dumps({"text": texts[i % len(texts)] + (f" {i}" if i >= len(texts) else "")}, ensure_ascii=False)
             for i in range(count))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="runs of each whole-process measurement (best kept)")
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core (the CLI processes inherit it)

    started, cpu_started = time.perf_counter(), time.process_time()
    from bot.understanding.classify import Classifier
    from bot.understanding.taxonomy import load_taxonomy

    classifier = Classifier.load(load_taxonomy())
    classifier.classify("预热")
    startup_times = time.perf_counter() - started, time.process_time() - cpu_started

    from bot.understanding.training import EVAL_FILE, LETTERS_EVAL_FILE, read_examples

    chat = [example.text for example in read_examples(EVAL_FILE)]
    letters = [example.text for example in read_examples(LETTERS_EVAL_FILE)]

    def rate(texts: list[str], classify: object = classifier.classify) -> tuple[float, float]:
        assert callable(classify)
        started, cpu_started = time.perf_counter(), time.process_time()
        for text in texts:
            classify(text)
        return len(texts) / (time.perf_counter() - started), len(texts) / (time.process_time() - cpu_started)

    ours_chat, ours_letters = rate(chat * args.rounds), rate(letters * args.rounds)
    with tempfile.TemporaryDirectory() as folder:
        empty = best_of(args.runs, None)
        cli = {}  # set -> (1,000 lines, large lines, in process on the large lines, large count)
        for name, texts, count in (("chat", chat, 21000), ("letters", letters, 11000)):
            files = {size: distinct_lines(texts, size, Path(folder) / f"{name}-{size}.jsonl") for size in (1000, count)}
            in_process = rate([json.loads(line)["text"] for line in files[count].read_text(encoding="utf-8").splitlines()])
            cli[name] = best_of(args.runs, files[1000]), best_of(args.runs, files[count]), in_process, count
    # last: jieba's 350,000-word dictionary in memory slows this process's garbage collector
    reference: tuple[float, float] | None = None
    try:
        import jieba
    except ImportError:
        pass
    else:
        jieba.setLogLevel(60)
        jieba.lcut("预热")
        reference = rate(chat * args.rounds, jieba.lcut)

    assert empty[2] == 0 and all((small[2], large[2]) == (1000, count) for small, large, _, count in cli.values()), \
        "citybot classify answers every line"

    def line(label: str, wall: float, cpu: float, unit: str) -> None:
        digits = 2 if unit == " s" else 0
        print(f"  {label:<53}{wall:8.{digits}f}{unit:<4}{cpu:8.{digits}f}{unit}")

    print(f"classifier benchmark, one core ({len(chat)} chat-style and {len(letters)} letter-style messages "
          f"× {args.rounds}; whole process: best of {args.runs} runs)")
    print(f"{'wall clock':>65}{'CPU time':>14}")
    line("in process: start-up (import, load model)", *startup_times, " s")
    line("in process: chat-style messages", *ours_chat, "/s")
    line("in process: letter-style messages (letters/s)", *ours_letters, "/s")
    if reference:
        line("reference: jieba.lcut alone, chat-style", *reference, "/s")
    line("citybot classify, 0 lines (start-up alone)", *empty[:2], " s")
    for name, (small, large, in_process, count) in cli.items():
        kind = "chat-style messages" if name == "chat" else "letters"
        lines = f"{count:,} − 1,000 {name}"
        end_to_end = ((count - 1000) / (large[0] - small[0]), (count - 1000) / (large[1] - small[1]))
        line(f"citybot classify, 1,000 {kind}", *small[:2], " s")
        line(f"citybot classify, {count:,} {kind}", *large[:2], " s")
        line(f"citybot classify end to end ({lines})", *end_to_end, "/s")
        line(f"reference: in process, the same {count:,} {name}", *in_process, "/s")
        print(f"  ratio end to end / in process, {kind}: {end_to_end[0] / in_process[0]:.2f}× (wall), "
              f"{end_to_end[1] / in_process[1]:.2f}× (CPU)")
    if reference:
        print(f"  ratio in process / jieba.lcut alone: {ours_chat[1] / reference[1]:.2f}× (CPU)")


if __name__ == "__main__":
    main()
