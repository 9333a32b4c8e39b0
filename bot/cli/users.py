"""``citybot user …``: the bureau's console accounts. Passwords are read from standard input (one line),
never from the command line, so they stay out of shell history and process lists."""

from __future__ import annotations

import secrets
import sys
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

if TYPE_CHECKING:
    from bot.models.account import Role

DEMO_ADMIN = "admin"


def _role(ctx: click.Context, param: click.Parameter, value: str) -> Role:
    """The role named; checked when the command runs (the models are not imported for ``--help``)."""
    from bot.models.account import Role

    try:
        return Role(value)
    except ValueError:
        raise click.BadParameter(f"must be one of {', '.join(r.value for r in Role)}") from None


def _password() -> str:
    """One line from standard input; on a terminal, asked twice without echo."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@click.group("user")
def user() -> None:
    """Console accounts: add, passwd, disable, list."""


@user.command("add")
@with_appcontext
@click.argument("username")
@click.option("--role", required=True, callback=_role, metavar="admin|dispatcher|leader|viewer|operator")
@click.option("--unit", "unit_code", default=None, help="The unit a leader leads (unit code).")
@click.option("--name", "display_name", default=None, help="The name shown in case trails (姓名).")
def add(username: str, role: Role, unit_code: str | None, display_name: str | None) -> None:
    """Add an account; the password is read from standard input."""
    from bot.accounts import users
    from bot.extensions import get_db

    password = _password()
    try:
        with get_db().transaction() as session:
            created = users.create_user(session, username, role, password, display_name=display_name,
                                        unit_code=unit_code)
            click.echo(f"added {created.username} ({created.role}{', ' + unit_code if unit_code else ''})")
    except users.AccountError as exc:
        raise click.ClickException(str(exc)) from exc


@user.command("passwd")
@with_appcontext
@click.argument("username")
def passwd(username: str) -> None:
    """Set a new password (standard input); the user's open sessions end."""
    from bot.accounts import users
    from bot.extensions import get_db

    password = _password()
    try:
        with get_db().transaction() as session:
            users.set_password(session, username, password)
    except users.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"password of {users.normalise_username(username)} changed")


@user.command("disable")
@with_appcontext
@click.argument("username")
def disable(username: str) -> None:
    """Disable an account: no more sign-ins, open sessions end (the account stays in case trails)."""
    from bot.accounts import users
    from bot.extensions import get_db

    try:
        with get_db().transaction() as session:
            users.disable(session, username)
    except users.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{users.normalise_username(username)} disabled")


@user.command("list")
@with_appcontext
def list_users() -> None:
    """Every account: username, role, unit, name, active, last sign-in."""
    from bot.accounts import users
    from bot.extensions import get_db

    for account in users.list_users(get_db().session):
        last = f"{account.last_login_at:%Y-%m-%d %H:%M}" if account.last_login_at else "-"
        click.echo("\t".join((account.username, account.role, account.unit_code or "-", account.display_name,
                              "active" if account.active else "disabled", last)))


@user.command("demo-admin")
@with_appcontext
def demo_admin() -> None:
    """Embedded profile only (what `make run` calls): create the demo admin, or give it a new password, and print
    the credentials. Migrates the schema first, so it may run before anything else."""
    from bot.accounts import users
    from bot.extensions import get_db
    from bot.models.account import Role
    from bot.schema import upgrade
    from bot.services import get_services

    if get_services().settings.profile != "embedded":
        raise click.ClickException("demo-admin is for the embedded profile only")
    upgrade(get_db().engine)
    password = secrets.token_urlsafe(9)
    with get_db().transaction() as session:
        if users.find_user(session, DEMO_ADMIN) is None:
            users.create_user(session, DEMO_ADMIN, Role.ADMIN, password, display_name="演示管理员")
        else:
            users.set_password(session, DEMO_ADMIN, password).active = True
    click.echo(f"console  {get_services().settings.public_base_url}/console/  user {DEMO_ADMIN}  password {password}")


COMMANDS = (user,)
