"""``citybot api-key add|revoke NAME``: keys for the systems that report through Open311. The key is printed
once, when it is made; only its digest is stored, so a lost key is revoked and a new one added."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("api-key")
def api_key() -> None:
    """Open311 API keys: add, revoke."""


@api_key.command("add")
@with_appcontext
@click.argument("name")
def add(name: str) -> None:
    """Make a key for the system NAME (its cases' channel) and print it once."""
    from bot.accounts import api_keys
    from bot.extensions import get_db
    from bot.services import get_services

    try:
        with get_db().transaction() as session:
            made = api_keys.add_key(session, name, get_services().deps.now())
    except api_keys.ApiKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(made.key)
    click.echo(f"key for {made.name}: shown once, stored only as a digest", err=True)


@api_key.command("revoke")
@with_appcontext
@click.argument("name")
def revoke(name: str) -> None:
    """Refuse NAME's key from now on (its cases keep the name as their channel)."""
    from bot.accounts import api_keys
    from bot.extensions import get_db
    from bot.services import get_services

    try:
        with get_db().transaction() as session:
            api_keys.revoke_key(session, name, get_services().deps.now())
    except api_keys.ApiKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"revoked {name}")


COMMANDS = (api_key,)
