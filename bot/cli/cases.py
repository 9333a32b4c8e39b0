"""The dispatcher's decisions from the command line: dispatch, 不予立案, 核查结案, 返工, merge, split, notes, 延期,
the 督办 list.

Each command calls the same service function as the console and the squads' chat; the person is
``--by`` (recorded on the case's trail). A refused decision exits non-zero with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import click
from flask.cli import with_appcontext

from bot.cli.context import get_db, get_services

if TYPE_CHECKING:  # the services are imported when a command runs, so that `citybot --help` stays quick
    from sqlalchemy.orm import Session

    from bot.dispatch.deps import Deps
    from bot.models import Case

T = TypeVar("T")
BY = click.option("--by", "actor", default="dispatcher", help="Who decides (recorded in the case trail).")


@contextmanager
def decision() -> Iterator[tuple[Session, Deps]]:
    """One transaction for one decision; a refusal becomes a clean error message (nothing changed)."""
    from bot.dispatch.errors import DomainError

    try:
        with get_db().transaction() as session:
            yield session, get_services().deps
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc


def _case(session: Session, number: str) -> Case:
    from sqlalchemy import select

    from bot.dispatch.errors import CaseNotFound
    from bot.models import Case

    case = session.scalar(select(Case).where(Case.number == number).with_for_update())
    if case is None:
        raise CaseNotFound(number)
    return case


def on_case(number: str, act: Callable[[Session, Deps, Case], T]) -> T:
    with decision() as (session, deps):
        return act(session, deps, _case(session, number))


@click.command("dispatch")
@with_appcontext
@click.argument("number")
@click.option("--unit", "unit_code", default=None, help="Unit code (default: the routed unit).")
@click.option("--category", default=None, help="Correct the category first (triage).")
@BY
def dispatch(number: str, unit_code: str | None, category: str | None, actor: str) -> None:
    """(Re)dispatch a case: triaged, returned, reopened, or reassigned to another unit."""
    from bot.dispatch.actor import Actor
    from bot.dispatch.dispatching import dispatch as dispatch_case

    done = on_case(number, lambda session, deps, case: dispatch_case(
        session, deps, case, Actor.dispatcher(actor), unit_code=unit_code, category_code=category))
    click.echo(f"{number}: {done.case.state}" + (f" ({done.triage_reason})" if done.triage_reason else ""))


@click.command("invalidate")
@with_appcontext
@click.argument("number")
@click.option("--reason", required=True, help="Told to the residents, e.g. 不属于城管职责，已转公安部门")
@BY
def invalidate(number: str, reason: str, actor: str) -> None:
    """不予立案: close a received or returned case as out of scope; the residents are told why."""
    from bot.dispatch.actor import Actor
    from bot.dispatch.dispatching import invalidate as invalidate_case

    on_case(number, lambda session, deps, case: invalidate_case(session, deps, case, Actor.dispatcher(actor), reason))
    click.echo(f"{number}: invalid")


@click.command("close")
@with_appcontext
@click.argument("number")
@BY
def close(number: str, actor: str) -> None:
    """核查结案: close a resolved case after verification (the followers are told)."""
    from bot.dispatch.actor import Actor
    from bot.dispatch.feedback import close_case

    on_case(number, lambda session, deps, case: close_case(session, deps, case, Actor.dispatcher(actor), "核查通过"))
    click.echo(f"{number} closed")


@click.command("split")
@with_appcontext
@click.argument("number")
@BY
def split(number: str, actor: str) -> None:
    """Undo a wrong merge: the case is handled on its own (and dispatched if it is routed)."""
    from bot.dispatch.actor import Actor
    from bot.dispatch.duplicates import split as split_case

    on_case(number, lambda session, deps, case: split_case(session, deps, case, Actor.dispatcher(actor)))
    click.echo(f"{number} split; it will be dispatched on its own")


@click.command("merge")
@with_appcontext
@click.argument("number")
@click.option("--into", "primary", required=True, help="The open case it is the same problem as.")
@BY
def merge(number: str, primary: str, actor: str) -> None:
    """合并: the case is the same problem as an open one; its residents follow that one (and are told)."""
    from bot.dispatch import bureau
    from bot.dispatch.actor import Actor

    on_case(number, lambda session, deps, case: bureau.merge_into(session, deps, case, _case(session, primary),
                                                                  Actor.dispatcher(actor)))
    click.echo(f"{number} merged into {primary}")


@click.command("rework")
@with_appcontext
@click.argument("number")
@click.option("--note", required=True, help="Why verification failed; the squad sees it on the new card.")
@BY
def rework(number: str, note: str, actor: str) -> None:
    """核查不通过: reopen a resolved case and dispatch it again with the note (返工)."""
    from bot.dispatch import bureau
    from bot.dispatch.actor import Actor

    outcome = on_case(number, lambda session, deps, case: bureau.verification_failed(
        session, deps, case, Actor.dispatcher(actor), note))
    click.echo(f"{number}: {outcome}")


@click.command("note")
@with_appcontext
@click.argument("number")
@click.argument("text")
@BY
def note(number: str, text: str, actor: str) -> None:
    """An internal note on the case's trail (residents and squads never see it)."""
    from bot.dispatch import bureau
    from bot.dispatch.actor import Actor

    on_case(number, lambda session, deps, case: bureau.add_note(session, deps, case, Actor.dispatcher(actor), text))
    click.echo(f"{number}: note added")


@click.command("extension")
@with_appcontext
@click.argument("choice", type=click.Choice(["approve", "refuse"]))
@click.argument("request_id", type=int)
@BY
def extension(choice: str, request_id: int, actor: str) -> None:
    """Approve or refuse a squad's 延期 request."""
    from bot.dispatch import squad
    from bot.dispatch.actor import Actor

    with decision() as (session, deps):
        request = squad.decide_extension(session, deps, Actor.dispatcher(actor), request_id, choice == "approve")
        click.echo(f"extension request {request.id}: {request.state}")


@click.command("overdue")
@with_appcontext
def overdue() -> None:
    """The 督办 list: open cases past their deadline, the longest overdue first."""
    from bot.dispatch.queries import supervision_list

    zone = get_services().calendar.zone
    for case in supervision_list(get_db().session):
        assert case.deadline is not None, "overdue cases have a deadline"
        click.echo(f"{case.number}\t{case.unit_code}\t{case.state}\tdeadline {case.deadline.astimezone(zone):%Y-%m-%d %H:%M}")


COMMANDS = (dispatch, invalidate, close, split, merge, rework, note, extension, overdue)
