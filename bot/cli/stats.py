"""``citybot stats``: the bureau's figures for a period, as JSON for scripts or as lines for people;
``citybot report``: the same period as the report workbook."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from bot.cli.context import get_db, get_services


@click.command("stats")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (local).")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Day after the last (exclusive).")
@click.option("--unit", default=None, help="One unit's code.")
@click.option("--category", default=None, help="A category code (E0512) or a big class (E05).")
@click.option("--channel", default=None, help="One channel (wechat, hotline, …).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: counts and rates (fractions, null if undefined).")
def stats(start: datetime, end: datetime, unit: str | None, category: str | None, channel: str | None,
          as_json: bool) -> None:
    """The figures of [--from, --to) in the bureau's time zone, as of the period's end (definitions: README).
    A finished period's figures are computed once and kept (they never change); a running one's are at most
    five minutes old. Needs the database only (DATABASE_URL, CITYBOT_TIMEZONE), not the app: it starts quickly."""
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

    from bot.config import Settings
    from bot.extensions import engine_for
    from bot.stats.figures import SUMMARY, percent
    from bot.stats.period import Period, Scope
    from bot.stats.snapshots import Snapshots

    try:
        period = Period(start.date(), end.date())
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--to") from None
    settings = Settings.from_env()
    engine = engine_for(settings)
    with Session(engine) as session:
        stats = Snapshots(session, now=datetime.now(UTC), zone=ZoneInfo(settings.timezone))
        result = stats.figures(period, Scope(unit=unit, category=category, channel=channel))
    engine.dispose()
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    click.echo(period.label)
    for line in SUMMARY:
        value = line.of(result)
        click.echo(f"{line.label}\t{percent(value) if line.is_rate else value}")


@click.command("report")
@with_appcontext
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (local).")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Day after the last (exclusive).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The workbook to write (.xlsx).")
def report(start: datetime, end: datetime, out: Path) -> None:
    """Write the report workbook of [--from, --to) (the sheets of 一周一报 / 一月公示); nothing is stored or sent."""
    from bot.stats.period import Period
    from bot.stats.reports import as_calendar, build

    try:
        period = as_calendar(Period(start.date(), end.date()))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--to") from None
    _, workbook = build(get_db().session, get_services().deps, period)
    out.write_bytes(workbook)
    click.echo(f"{out}: {period.label}, {len(workbook)} bytes")


COMMANDS = (stats, report)
