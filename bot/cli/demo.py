"""``citybot demo-data``: realistic demo cases (the generator is ``bot.cli.demo_data``, imported when it runs)."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from bot.cli.context import get_db, get_services


@click.command("demo-data")
@with_appcontext
@click.option("--cases", "count", type=click.IntRange(1), required=True, help="How many cases to add.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed tells the same stories.")
@click.option("--days", type=click.IntRange(1, 3650), default=365, show_default=True, help="Spread over this many days.")
def demo_data(count: int, seed: int, days: int) -> None:
    """Add COUNT realistic demo cases of the last DAYS in the loaded area and directory (never in production)."""
    from bot.cli.demo_data import DemoError, generate

    services = get_services()
    if services.settings.profile == "production":
        raise click.ClickException("demo cases are never added on the production profile")
    started = time.perf_counter()
    try:
        with get_db().transaction() as session:
            report = generate(session, services.deps.taxonomy, services.calendar, cases=count, seed=seed,
                              now=services.deps.now(), days=days, auto_close_hours=services.settings.auto_close_hours,
                              progress=lambda done: click.echo(f"  {done}/{count} cases", err=True))
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    states = ", ".join(f"{state} {n}" for state, n in sorted(report.states.items(), key=lambda kv: -kv[1]))
    click.echo(f"added {report.cases} cases ({states}), {report.events} events, {report.residents} demo residents, "
               f"{report.ratings} ratings, {report.extensions} extension requests in {time.perf_counter() - started:.0f} s")


COMMANDS = (demo_data,)
