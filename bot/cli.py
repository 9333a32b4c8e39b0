"""``citybot``: the operators' command line (a Flask CLI group; every command honours DATABASE_URL/REDIS_URL)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, cast

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from bot.extensions import get_db
from bot.services import get_services


def init_app(app: Flask) -> None:
    for command in (init_db, worker, run_embedded, load_area, load_directory, classify, geotag, deadline,
                    extension, dispatch, invalidate, overdue, close, split, train_classifier, evaluate_classifier):
        app.cli.add_command(command)


def json_lines(stream: TextIO, handle: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """JSON lines in, one JSON line out per input line, same order; a bad line gives {"error": …}."""
    for line in stream:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("each line must be a JSON object")
            result = handle(item)
        except (ValueError, KeyError, TypeError) as exc:
            result = {"error": str(exc) or type(exc).__name__}
        click.echo(json.dumps(result, ensure_ascii=False))


def _load_file(path: Path, read: Callable[[Path], Any], load: Callable[[Any, Any], Any],
               error: type[Exception]) -> Any:
    """Validate the whole file first, then load it in one transaction: all or nothing."""
    try:
        data = read(path)
    except error as exc:
        raise click.ClickException(f"{path}: {exc}; nothing was loaded") from exc
    with get_db().transaction() as session:
        return load(session, data)


@click.command("load-area")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_area(path: Path) -> None:
    """Load grids and places from a GeoJSON file (GCJ-02); idempotent, all or nothing."""
    from bot.geo.area_file import AreaFileError, read_area_file
    from bot.geo.loading import load_area as load

    report = _load_file(path, read_area_file, load, AreaFileError)
    get_services().understanding.area_cache.bump()
    click.echo(f"loaded {report.grids} grids, {report.places} places, {report.squads} squads from {path}")


@click.command("load-directory")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_directory(path: Path) -> None:
    """Load units (squads, departments) and staff from a YAML file; idempotent, all or nothing."""
    from bot.dispatch.directory import DirectoryError, read_directory
    from bot.dispatch.directory import load_directory as load

    report = _load_file(path, read_directory, load, DirectoryError)
    click.echo(f"loaded {report.units} units and {report.staff} staff from {path}"
               + (f"; {report.deactivated} staff no longer listed were deactivated" if report.deactivated else ""))


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


@click.command("extension")
@with_appcontext
@click.argument("decision", type=click.Choice(["approve", "refuse"]))
@click.argument("request_id", type=int)
@click.option("--by", "decided_by", default="dispatcher", help="Who decides (recorded in the case trail).")
def extension(decision: str, request_id: int, decided_by: str) -> None:
    """Approve or refuse a squad's 延期 request (until the console does it)."""
    from bot.dispatch.squad import SquadDesk

    services = get_services()
    with get_db().transaction() as session:
        try:
            request = SquadDesk(session, services).decide_extension(request_id, decision == "approve", decided_by,
                                                                    services.clock.now())
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"extension request {request.id}: {request.state}")


def _case(session, number: str):  # noqa: ANN001, ANN202
    from sqlalchemy import select

    from bot.models import Case

    case = session.scalar(select(Case).where(Case.number == number).with_for_update())
    if case is None:
        raise click.ClickException(f"no case {number}")
    return case


def _send(ids: list[int]) -> None:
    from bot.extensions import get_queues
    from bot.jobs import enqueue

    for pk in ids:
        enqueue(get_queues(), "send_outbound", pk)


@click.command("dispatch")
@with_appcontext
@click.argument("number")
@click.option("--unit", "unit_code", default=None, help="Unit code (default: the routed unit).")
@click.option("--category", default=None, help="Correct the category first (triage).")
@click.option("--by", "actor", default="dispatcher")
def dispatch(number: str, unit_code: str | None, category: str | None, actor: str) -> None:
    """(Re)dispatch a case: triaged, returned, reopened, or reassigned to another unit."""
    from bot.dispatch.service import Dispatcher
    from bot.dispatch.states import IllegalTransition

    services = get_services()
    with get_db().transaction() as session:
        case = _case(session, number)
        if category is not None:
            if category not in services.understanding.taxonomy:
                raise click.BadParameter(f"unknown category {category}", param_hint="--category")
            case.category_code = category
        try:
            sent = Dispatcher(session, services).dispatch(case, services.clock.now(), actor_kind="dispatcher",
                                                          actor_id=actor, unit_code=unit_code)
        except IllegalTransition as exc:
            raise click.ClickException(str(exc)) from exc
        state, reason, ids = case.state, case.triage_reason, sent.ids
    _send(ids)
    click.echo(f"{number}: {state}" + (f" ({reason})" if reason else ""))


@click.command("invalidate")
@with_appcontext
@click.argument("number")
@click.option("--reason", required=True, help="Told to the residents, e.g. 不属于城管职责，已转公安部门")
@click.option("--by", "actor", default="dispatcher")
def invalidate(number: str, reason: str, actor: str) -> None:
    """不予立案: close a received or returned case as out of scope; the residents are told why."""
    from bot.dispatch.service import Dispatcher
    from bot.dispatch.states import IllegalTransition

    services = get_services()
    with get_db().transaction() as session:
        try:
            ids = Dispatcher(session, services).invalidate(_case(session, number), reason, services.clock.now(),
                                                           actor).ids
        except IllegalTransition as exc:
            raise click.ClickException(str(exc)) from exc
    _send(ids)
    click.echo(f"{number}: invalid")


@click.command("overdue")
@with_appcontext
def overdue() -> None:
    """The 督办 list: open cases past their deadline, the longest overdue first."""
    from bot.dispatch.escalation import supervision_list

    services = get_services()
    for case in supervision_list(get_db().session):
        assert case.deadline is not None, "overdue cases have a deadline"
        deadline = case.deadline.astimezone(services.calendar.zone)
        click.echo(f"{case.number}\t{case.unit_code}\t{case.state}\tdeadline {deadline:%Y-%m-%d %H:%M}")


@click.command("close")
@with_appcontext
@click.argument("number")
@click.option("--by", "actor", default="dispatcher")
def close(number: str, actor: str) -> None:
    """核查结案: close a resolved case after verification (the followers are told)."""
    from bot.dispatch.feedback import close_case
    from bot.dispatch.states import IllegalTransition

    services = get_services()
    with get_db().transaction() as session:
        try:
            ids = close_case(session, services, _case(session, number), services.clock.now(), actor_kind="dispatcher",
                             actor_id=actor, note="核查通过").ids
        except IllegalTransition as exc:
            raise click.ClickException(str(exc)) from exc
    _send(ids)
    click.echo(f"{number} closed")


@click.command("split")
@with_appcontext
@click.argument("number")
@click.option("--by", "actor", default="dispatcher")
def split(number: str, actor: str) -> None:
    """Undo a wrong merge: the case is handled on its own (and dispatched if it is routed)."""
    from bot.dispatch.duplicates import split as split_case

    services = get_services()
    with get_db().transaction() as session:
        case = _case(session, number)
        try:
            split_case(session, case, services.clock.now(), actor)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        case_id = case.id
    from bot.extensions import get_queues
    from bot.jobs import enqueue

    enqueue(get_queues(), "dispatch_case", case_id)
    click.echo(f"{number} split; it will be dispatched on its own")


@click.command("classify")
@with_appcontext
def classify() -> None:
    """JSON lines {"text"} on stdin → {"code", "name", "confidence"} on stdout."""
    understanding = get_services().understanding

    def handle(item: dict[str, Any]) -> dict[str, Any]:
        text = item["text"]
        if not isinstance(text, str) or not text.strip():
            raise ValueError("text must be a non-empty string")
        result = understanding.classify(text)
        return {"code": result.code, "name": result.name, "confidence": result.confidence}

    json_lines(sys.stdin, handle)


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

    json_lines(sys.stdin, handle)


@click.command("train-classifier")
@with_appcontext
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def train_classifier(output: Path | None) -> None:
    """Train the classifier on training/classifier/train.jsonl (needs the [train] extra)."""
    from bot.understanding.training import TRAIN_FILE, read_examples, train

    settings = get_services().settings
    taxonomy = get_services().understanding.taxonomy
    model = train(taxonomy, read_examples(TRAIN_FILE))
    target = output or settings.classifier_model
    model.save(target)
    click.echo(f"wrote {target} ({target.stat().st_size // 1024} KiB)")


@click.command("evaluate-classifier")
@with_appcontext
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
def evaluate_classifier(path: Path | None) -> None:
    """Top-1 accuracy, per-category recall and confusion pairs on the held-out evaluation set."""
    from bot.understanding.training import EVAL_FILE, evaluate, read_examples, report

    understanding = get_services().understanding
    result = evaluate(understanding.classifier, read_examples(path or EVAL_FILE), understanding.min_confidence)
    click.echo(report(result, understanding.taxonomy, understanding.min_confidence))


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or migrate the schema (idempotent)."""
    from bot.schema import upgrade

    upgrade(get_db().engine)
    click.echo("database schema is up to date")


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Process what is queued, then exit.")
def worker(burst: bool) -> None:
    """An RQ worker with the periodic scheduler, on all the service's queues."""
    from worker.main import run_worker

    # The real app, not the proxy: the ticker thread needs it. current_app is typed as Flask, which hides
    # LocalProxy._get_current_object (the documented way to unwrap it), hence the cast.
    run_worker(cast(Any, current_app)._get_current_object(), burst=burst)


@click.command("run-embedded")
@with_appcontext
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--fake-port", default=5001, type=int)
def run_embedded(host: str, port: int, fake_port: int) -> None:
    """Web + worker + fake WeChat platform on the embedded profile (what `make run` starts)."""
    from bot.devserver import run_embedded as run

    settings = get_services().settings
    if not settings.fake_platform:
        raise click.UsageError("run-embedded needs the fake platform (embedded profile)")
    run(settings, host, port, fake_port)


def _create_app() -> Flask:
    from bot import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """有问题发微信 — operators' commands."""
