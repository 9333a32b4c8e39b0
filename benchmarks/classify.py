"""Classifier speed on one core: in process, and ``citybot classify`` as a whole process (as a batch user runs it).

In process: start-up (import, load the model) and messages/s after it, on the held-out chat-style set
and on the letter-style set (repeated). Reference in the same run: jieba segmentation alone
(``jieba.lcut``, when the ``[train]`` extra is installed), what any classifier cutting words with jieba pays.

Whole process: ``citybot classify`` with 0 lines (start-up alone), 1,000 and 21,000 JSON lines of
chat-style messages; messages/s = 20,000 / (time of 21,000 lines − time of 1,000 lines), so the start-up
is excluded, as the issue's harness measured it. The in-process figure on the same messages is the
reference. Wall-clock time and CPU time (user + system) are both printed: on a machine shared with
other work the wall clock counts the waiting too, the CPU time does not.

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
    startup, startup_cpu = time.perf_counter() - started, time.process_time() - cpu_started

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
        files = {}
        for count in (1000, 21000):
            files[count] = Path(folder) / f"{count}.jsonl"
            # every line distinct (a number appended after the first round), as a real batch would be
            lines = (json.dumps({"text": chat[i % len(chat)] + (f" {i}" if i >= len(chat) else "")}, ensure_ascii=False)
                     for i in range(count))
            files[count].write_text("\n".join(lines) + "\n", encoding="utf-8")
        empty = best_of(args.runs, None)
        small = best_of(args.runs, files[1000])
        large = best_of(args.runs, files[21000])
        in_process = rate([json.loads(line)["text"] for line in files[21000].read_text(encoding="utf-8").splitlines()])
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

    assert (empty[2], small[2], large[2]) == (0, 1000, 21000), "citybot classify answers every line"
    cli_wall = 20000 / (large[0] - small[0])
    cli_cpu = 20000 / (large[1] - small[1])

    print(f"classifier benchmark, one core ({len(chat)} chat-style and {len(letters)} letter-style messages "
          f"× {args.rounds}; whole process: best of {args.runs} runs)")
    print("                                                      wall clock     CPU time")
    print(f"  in process: start-up (import, load model)        {startup:8.2f} s   {startup_cpu:8.2f} s")
    print(f"  in process: chat-style messages                  {ours_chat[0]:8.0f}/s   {ours_chat[1]:8.0f}/s")
    print(f"  in process: letter-style messages                {ours_letters[0]:8.0f}/s   {ours_letters[1]:8.0f}/s")
    if reference:
        print(f"  reference: jieba.lcut alone, chat-style          {reference[0]:8.0f}/s   {reference[1]:8.0f}/s")
    print(f"  citybot classify, 0 lines (start-up alone)       {empty[0]:8.2f} s   {empty[1]:8.2f} s")
    print(f"  citybot classify, 1,000 lines                    {small[0]:8.2f} s   {small[1]:8.2f} s")
    print(f"  citybot classify, 21,000 lines                   {large[0]:8.2f} s   {large[1]:8.2f} s")
    print(f"  citybot classify end to end (21,000 − 1,000)     {cli_wall:8.0f}/s   {cli_cpu:8.0f}/s")
    print(f"  reference: in process, the same 21,000 messages  {in_process[0]:8.0f}/s   {in_process[1]:8.0f}/s")
    print(f"  ratio end to end / in process: {cli_wall / in_process[0]:.2f}× (wall), {cli_cpu / in_process[1]:.2f}× (CPU)")
    if reference:
        print(f"  ratio in process / jieba.lcut alone: {ours_chat[1] / reference[1]:.2f}× (CPU)")


if __name__ == "__main__":
    main()
