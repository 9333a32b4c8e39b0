"""Understanding from the command line: classify and geotag JSON lines, deadlines, the classifier's training."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import click
from flask.cli import with_appcontext

from bot.cli.context import get_db, get_services


def json_lines(handle: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """JSON lines on stdin, one JSON line out per input line, same order; a bad line gives {"error": …}.

    Reads whatever input is ready and writes the answers to it at once: one write and one flush per chunk,
    not per line (a batch of 20,000 lines costs a few system calls), while a program that writes one line
    and waits still gets its answer at once.
    """
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    read = getattr(stdin, "read1", stdin.read)
    pending = b""
    while chunk := read(1 << 16):
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        _answer(lines, handle, stdout)
    _answer([pending], handle, stdout)


def _answer(lines: list[bytes], handle: Callable[[dict[str, Any]], dict[str, Any]], stdout: BinaryIO) -> None:
    out: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("each line must be a JSON object")
            result = handle(item)
        except (ValueError, KeyError, TypeError) as exc:
            result = {"error": str(exc) or type(exc).__name__}
        out.append(json.dumps(result, ensure_ascii=False))
    if out:
        stdout.write(("\n".join(out) + "\n").encode())
        stdout.flush()


@click.command("classify")
def classify() -> None:
    """JSON lines {"text"} on stdin → {"code", "name", "confidence"} on stdout.

    Needs neither the database nor Redis: it loads only the taxonomy and the model (TAXONOMY_FILE,
    LEXICON_FILE, CLASSIFIER_MODEL), not the app, so a batch starts in well under a second.
    """
    from bot.config import Settings
    from bot.understanding.classify import Classifier
    from bot.understanding.taxonomy import load_taxonomy

    settings = Settings.from_env()
    classifier = Classifier.load(load_taxonomy(settings.taxonomy_file, settings.lexicon_file),
                                 settings.classifier_model)

    def handle(item: dict[str, Any]) -> dict[str, Any]:
        text = item["text"]
        if not isinstance(text, str) or not text.strip():
            raise ValueError("text must be a non-empty string")
        result = classifier.classify(text)
        return {"code": result.code, "name": result.name, "confidence": result.confidence}

    json_lines(handle)


@click.command("geotag")
@with_appcontext
def geotag() -> None:
    """JSON lines {"lat","lng","crs"} or {"text"} → {"grid_code","squad_code","lat","lng","source"}."""
    from bot.understanding.geotag import locate_point, locate_text

    index = get_services().understanding.area(get_db().session)

    def handle(item: dict[str, Any]) -> dict[str, Any]:
        if "text" in item:
            result = locate_text(index, str(item["text"]))
        elif "lat" in item and "lng" in item:
            crs = item.get("crs", "gcj02")
            result = locate_point(index, item["lat"], item["lng"], source=crs, crs=crs)
        else:
            raise ValueError('give "lat" and "lng" (with "crs"), or "text"')
        if result.grid_code is None:
            return {"grid_code": None, "reason": result.reason, "lat": result.lat, "lng": result.lng}
        assert result.lat is not None and result.lng is not None, "a point inside a grid has coordinates"
        return {"grid_code": result.grid_code, "squad_code": result.squad_code, "lat": round(result.lat, 7),
                "lng": round(result.lng, 7), "source": result.source}

    json_lines(handle)


@click.command("deadline")
@with_appcontext
@click.argument("code")
@click.option("--start", required=True, help="Dispatch moment, ISO 8601 (local time if no offset).")
def deadline(code: str, start: str) -> None:
    """Print the deadline a case of category CODE dispatched at --start gets."""
    from datetime import datetime

    from bot.dispatch.calendar import Limit

    services = get_services()
    taxonomy = services.understanding.taxonomy
    if code not in taxonomy:
        raise click.BadParameter(f"unknown category {code}", param_hint="CODE")
    try:
        moment = datetime.fromisoformat(start)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--start") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=services.calendar.zone)
    result = services.calendar.deadline(moment, Limit.parse(taxonomy[code].limit))
    click.echo(result.astimezone(services.calendar.zone).isoformat())


@click.command("train-classifier")
@with_appcontext
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def train_classifier(output: Path | None) -> None:
    """Train the classifier on training/classifier/train*.jsonl (needs the [train] extra)."""
    from bot.understanding.training import read_training, train

    settings = get_services().settings
    taxonomy = get_services().understanding.taxonomy
    model = train(taxonomy, read_training())
    target = output or settings.classifier_model
    model.save(target)
    click.echo(f"wrote {target} ({target.stat().st_size // 1024} KiB)")


@click.command("evaluate-classifier")
@with_appcontext
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
def evaluate_classifier(path: Path | None) -> None:
    """Accuracy, routing, per-category recall and confusion pairs on the held-out sets (chat-style, letter-style)."""
    from bot.understanding.training import EVAL_SETS, evaluate, read_examples, report

    understanding = get_services().understanding
    for name, file in ({path.name: path} if path else EVAL_SETS).items():
        result = evaluate(understanding.classifier, read_examples(file), understanding.min_confidence)
        click.echo(f"== {name} ({file.name}) ==")
        click.echo(report(result, understanding.taxonomy, understanding.min_confidence) + "\n")


COMMANDS = (classify, geotag, deadline, train_classifier, evaluate_classifier)
