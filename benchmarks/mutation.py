"""Mutation testing of the rule modules: mutmut 3 on the files listed in pyproject.toml, then a score.

The modules are the ``only_mutate`` list of ``[tool.mutmut]`` in pyproject.toml (the one place to
update when a module moves); this refuses to start while an entry names no file. mutmut copies the
code and the tests into ``mutants/`` and, for each mutant, runs only the tests that executed the
mutated function, one mutant at a time (every run empties the test database), under ``nice -n 19``.
The tests use ``TEST_DATABASE_URL`` and ``TEST_REDIS_URL`` as ``make test`` does.

    .venv/bin/python benchmarks/mutation.py                      # everything, from scratch
    .venv/bin/python benchmarks/mutation.py 'bot.links.*'        # some mutants, keeping earlier results
    .venv/bin/python benchmarks/mutation.py --report             # the table of the last run

Without a pattern ``mutants/`` is removed first: mutmut keeps a mutant's verdict until its function
changes, so a test written since the last run would not count. Named mutants are always re-run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
COLUMNS = ("killed", "survived", "timeout", "no tests", "not checked", "other")


def rule_modules() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]["only_mutate"]


def module_counts(module: str) -> Counter[str]:
    """Verdicts of one module's mutants ("other": suspicious, segfault, interrupted)."""
    meta = MUTANTS / f"{module}.meta"
    if not meta.exists():
        return Counter()
    statuses = (status_by_exit_code[code] for code in json.loads(meta.read_text())["exit_code_by_key"].values())
    return Counter(status if status in COLUMNS else "other" for status in statuses)


def score(counts: Counter[str]) -> str:
    """Killed (timeouts included) out of the mutants that were checked: no tests counts as not killed."""
    checked = sum(counts.values()) - counts["not checked"]
    return f"{100 * (counts['killed'] + counts['timeout']) / checked:.1f} %" if checked else "–"


def report(modules: list[str]) -> str:
    rows = ["| module | mutants | " + " | ".join(COLUMNS) + " | score |", "|---" * (len(COLUMNS) + 3) + "|"]
    total: Counter[str] = Counter()
    for module in modules:
        counts = module_counts(module)
        total += counts
        cells = [str(counts[column]) for column in COLUMNS]
        rows.append(f"| `{module}` | {sum(counts.values())} | " + " | ".join(cells) + f" | {score(counts)} |")
    cells = [f"**{total[column]}**" for column in COLUMNS]
    rows.append(f"| **total** | **{sum(total.values())}** | " + " | ".join(cells) + f" | **{score(total)}** |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("patterns", nargs="*", help="mutant names or globs, e.g. 'bot.links.*' (default: all)")
    parser.add_argument("--report", action="store_true", help="print the table of the last run and stop")
    args = parser.parse_args()

    modules = rule_modules()
    missing = [module for module in modules if not (ROOT / module).is_file()]
    if missing:
        print("pyproject.toml [tool.mutmut] only_mutate names files that do not exist (moved or renamed?):",
              *missing, sep="\n  ", file=sys.stderr)
        return 2
    if args.report:
        print(report(modules))
        return 0

    os.nice(max(0, 19 - os.nice(0)))  # the machine is shared: mutants run at the lowest priority
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL"):
        print(f"{name}={os.environ.get(name, '(unset: the tests use their default)')}")
    if not args.patterns and MUTANTS.exists():
        shutil.rmtree(MUTANTS)
    mutmut = Path(sys.executable).parent / "mutmut"
    started = time.monotonic()
    run = subprocess.run([str(mutmut), "run", "--max-children", "1", *args.patterns], cwd=ROOT, check=False)
    minutes = (time.monotonic() - started) / 60
    print(f"\nmutmut run: exit {run.returncode} after {minutes:.0f} min\n")
    print(report(modules))
    print("\nSurvivors: .venv/bin/mutmut results; one of them: .venv/bin/mutmut show NAME (or mutmut browse)")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
