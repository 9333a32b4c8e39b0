"""``citybot stats``: the bureau's figures for a period, as JSON for scripts or as lines for people."""

from __future__ import annotations

import json
from datetime import datetime

import click
from flask.cli import with_appcontext

from bot.cli.context import get_db, get_services


@click.command("stats")
@with_appcontext
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (local).")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Day after the last (exclusive).")
@click.option("--unit", default=None, help="One unit's code.")
@click.option("--category", default=None, help="A category code (E0512) or a big class (E05).")
@click.option("--channel", default=None, help="One channel (wechat, hotline, …).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: counts and rates (fractions, null if undefined).")
def stats(start: datetime, end: datetime, unit: str | None, category: str | None, channel: str | None, as_json: bool) -> None:
    """The figures of [--from, --to) in the bureau's time zone, as of the period's end (definitions: README).
    A finished period's figures are computed once and kept (they never change); a running one's are at most
    five minutes old."""
    from bot.stats.figures import SUMMARY, percent
    from bot.stats.period import Period, Scope
    from bot.stats.snapshots import Snapshots

    try:
        period = Period(start.date(), end.date())
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--to") from None
    deps = get_services().deps
    stats = Snapshots(get_db().session, now=deps.now(), zone=deps.calendar.zone)
    result = stats.figures(period, Scope(unit=unit, category=category, channel=channel))
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    click.echo(period.label)
    for line in SUMMARY:
        value = line.of(result)
        click.echo(f"{line.label}\t{percent(value) if line.is_rate else value}")


COMMANDS = (stats,)
