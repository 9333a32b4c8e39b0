"""``citybot``: the operators' command line (a Flask CLI group; every command honours DATABASE_URL/REDIS_URL).

Commands live by area: ``setup`` (schema, area, directory, processes), ``cases`` (the dispatcher's
decisions until the console, and after it for scripts), ``understanding`` (classifier, geotag, deadlines).
Each command parses its arguments, calls one service and prints the result.

The commands are registered on the group itself, and their modules import the services only when a
command runs: ``citybot --help`` lists them without building the app (no database, no Redis, no model).
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from bot.cli import api_keys, broadcasts, cases, demo, setup, stats, understanding, users

COMMANDS = (*setup.COMMANDS, *cases.COMMANDS, *understanding.COMMANDS, *demo.COMMANDS, *users.COMMANDS,
            *stats.COMMANDS, *broadcasts.COMMANDS, *api_keys.COMMANDS)


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app() -> Flask:
    from bot import create_app

    return create_app()


class CommandLine(FlaskGroup):
    """Flask's group, except that listing the commands does not load the app (ours are all on the group)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Ours directly: Flask's lookup first scans every installed package for plugin commands (0.2 s)."""
        return self.commands.get(name) or super().get_command(ctx, name)


@click.group(cls=CommandLine, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """有问题发微信 — operators' commands."""


for _command in COMMANDS:
    main.add_command(_command)
