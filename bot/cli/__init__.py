"""``citybot``: the operators' command line (a Flask CLI group; every command honours DATABASE_URL/REDIS_URL).

Commands live by area: ``setup`` (schema, area, directory, processes), ``cases`` (the dispatcher's
decisions until the console, and after it for scripts), ``understanding`` (classifier, geotag, deadlines).
Each command parses its arguments, calls one service and prints the result.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from bot.cli import cases, demo, setup, understanding, users


def init_app(app: Flask) -> None:
    for module in (setup, cases, understanding, demo, users):
        for command in module.COMMANDS:
            app.cli.add_command(command)


def _create_app() -> Flask:
    from bot import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """有问题发微信 — operators' commands."""
