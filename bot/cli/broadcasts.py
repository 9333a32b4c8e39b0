"""``citybot broadcast create|approve|list``: the bureau's notices from the command line, with the same
services as the console (a send to all followers still waits for a second person's approval)."""

from __future__ import annotations

import getpass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext

from bot.cli.context import get_db, get_services


@click.group("broadcast")
def broadcast() -> None:
    """Notices to followers (群发): create, approve, list."""


def _when(value: str | None, zone: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not ISO 8601: {value}", param_hint="--at") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))


@broadcast.command("create")
@with_appcontext
@click.option("--title", required=True, help="One line, at most 64 characters.")
@click.option("--text", required=True, help="The notice (title, text and link within WeChat's 2048 bytes).")
@click.option("--image", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="An image sent with it (uploaded to WeChat as permanent material).")
@click.option("--to", "audience", default="all", show_default=True,
              metavar="all|area:<name>|reported:<name>:<days>")
@click.option("--at", "send_at", default=None, help="When to send (ISO 8601; local time if no offset). Default: now.")
@click.option("--by", "author", default=None, help="Who composes it (default: the system user).")
@click.option("--confirm-over-limit", is_flag=True, help="Send to all although most followers had their 4 this month.")
def create(title: str, text: str, image: Path | None, audience: str, send_at: str | None, author: str | None,
           confirm_over_limit: bool) -> None:
    """Compose and submit a broadcast; prints its id (a send to all then waits for `approve`)."""
    from bot.broadcasts import compose
    from bot.broadcasts.audience import parse_audience
    from bot.broadcasts.errors import BroadcastError
    from bot.dispatch.actor import Actor

    deps = get_services().deps
    actor = Actor.dispatcher(author or f"cli:{getpass.getuser()}")
    try:
        with get_db().transaction() as session:
            draft = compose.Draft(title, text, parse_audience(session, audience),
                                  _when(send_at, deps.settings.timezone), image)
            created = compose.compose(session, deps, actor, draft)
            compose.submit(session, deps, actor, created, confirm_over_limit=confirm_over_limit)
            pk, state = created.id, created.state
    except BroadcastError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(pk)
    click.echo(f"broadcast {pk}: {state}", err=True)


@broadcast.command("approve")
@with_appcontext
@click.argument("broadcast_id", type=int)
@click.option("--by", "username", required=True, help="The approving dispatcher or admin (a console user).")
def approve(broadcast_id: int, username: str) -> None:
    """Approve a send to all followers (by someone other than its author)."""
    from bot.broadcasts import compose
    from bot.broadcasts.errors import BroadcastError

    try:
        with get_db().transaction() as session:
            done = compose.approve(session, get_services().deps, compose.approver(session, username),
                                   compose.get(session, broadcast_id, lock=True))
            state = done.state
    except BroadcastError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"broadcast {broadcast_id}: {state}")


@broadcast.command("list")
@with_appcontext
def list_broadcasts() -> None:
    """id, state, audience, send time, recipients / over the limit, WeChat's sent count, title."""
    from bot.broadcasts.compose import audience_of
    from bot.broadcasts.queries import listing

    zone = ZoneInfo(get_services().settings.timezone)
    for row in listing(get_db().session):
        b, counts = row.broadcast, row.counts
        when = b.send_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if b.send_at else "-"
        reached = "-" if b.recipients is None else f"{b.recipients}/{b.over_limit}"
        sent = str(counts.sent) if counts.finished else "-"
        click.echo("\t".join((str(b.id), b.state, str(audience_of(b)), when, reached, sent, b.title)))


COMMANDS = (broadcast,)
