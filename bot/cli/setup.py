"""Setting up and running: the schema, the area and directory files, the worker, the embedded stack."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.cli.context import get_db, get_services

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


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
@click.argument("path", type=FILE)
def load_area(path: Path) -> None:
    """Load grids and places from a GeoJSON file (GCJ-02); idempotent, all or nothing."""
    from bot.geo.area_file import AreaFileError, read_area_file
    from bot.geo.loading import load_area as load

    report = _load_file(path, read_area_file, load, AreaFileError)
    get_services().understanding.area_cache.bump()
    click.echo(f"loaded {report.grids} grids, {report.places} places, {report.squads} squads from {path}")


@click.command("load-directory")
@with_appcontext
@click.argument("path", type=FILE)
def load_directory(path: Path) -> None:
    """Load units (squads, departments) and staff from a YAML file; idempotent, all or nothing."""
    from bot.dispatch.directory import DirectoryError, read_directory
    from bot.dispatch.directory import load_directory as load

    report = _load_file(path, read_directory, load, DirectoryError)
    click.echo(f"loaded {report.units} units and {report.staff} staff from {path}"
               + (f"; {report.deactivated} staff no longer listed were deactivated" if report.deactivated else ""))


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
@click.option("--port", default=5000, type=int, help="The web app's port (the simulator, the webhooks).")
@click.option("--fake-port", default=5001, type=int, help="The fake WeChat platform's port.")
@click.option("--area", type=FILE, default=None, help="An area file to load first (what load-area does).")
@click.option("--directory", type=FILE, default=None, help="A directory file to load first (what load-directory does).")
@click.pass_context
def run_embedded(ctx: click.Context, host: str, port: int, fake_port: int, area: Path | None,
                 directory: Path | None) -> None:
    """Web + worker + fake WeChat platform on the embedded profile (what `make run` starts).

    Migrates the schema first (what init-db does) and loads --area and --directory if given, all in
    this one process, then starts the children; refuses ports already in use. Ctrl-C stops them all.
    """
    from bot.devserver import PortTaken, check_ports_free
    from bot.devserver import run_embedded as run

    if not get_services().settings.fake_platform:
        raise click.UsageError("run-embedded needs the fake platform (embedded profile)")
    try:
        check_ports_free(host, {"web": port, "fake WeChat": fake_port})
    except PortTaken as exc:
        raise click.ClickException(str(exc)) from exc
    ctx.invoke(init_db)
    if area:
        ctx.invoke(load_area, path=area)
    if directory:
        ctx.invoke(load_directory, path=directory)
    ctx.exit(run(host, port, fake_port))


COMMANDS = (init_db, load_area, load_directory, worker, run_embedded)
