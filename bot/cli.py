"""``citybot``: the operators' command line (a Flask CLI group; every command honours DATABASE_URL/REDIS_URL)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup

from bot.extensions import get_db


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(worker)
    app.cli.add_command(run_embedded)


@click.command("init-db")
def init_db() -> None:
    """Create or migrate the schema (idempotent)."""
    from bot.schema import upgrade

    upgrade(get_db().engine)
    click.echo("database schema is up to date")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Process what is queued, then exit.")
def worker(burst: bool) -> None:
    """An RQ worker with the periodic scheduler, on all the service's queues."""
    from worker.main import run_worker

    run_worker(current_app, burst=burst)


@click.command("run-embedded")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--fake-port", default=5001, type=int)
def run_embedded(host: str, port: int, fake_port: int) -> None:
    """Web + worker + fake WeChat platform on the embedded profile (what `make run` starts)."""
    from bot.devserver import run_embedded as run

    settings = current_app.extensions["citybot.settings"]
    if not settings.fake_platform:
        raise click.UsageError("run-embedded needs the fake platform (embedded profile)")
    run(settings, host, port, fake_port)


def _create_app() -> Flask:
    from bot import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """有问题发微信 — operators' commands."""
