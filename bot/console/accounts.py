"""Accounts (admin) ``/console/users``: who may sign in, in which role; add, new password, disable.

The same service functions as ``citybot user add|passwd|disable|list`` (``bot.accounts.users``).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from bot.accounts import users
from bot.console import labels
from bot.console.access import me, require
from bot.console.blueprint import bp, db
from bot.models import Unit
from bot.models.account import Role


@bp.get("/users")
@require("accounts")
def user_list() -> str:
    units = list(db().scalars(select(Unit).order_by(Unit.code)))
    return render_template("console/users.html", accounts=users.list_users(db()), units=units, roles=labels.ROLES)


def _done(message: str, error: bool = False) -> Response:
    flash(message, "error" if error else "ok")
    return redirect(url_for("console.user_list"))


def _change(change: Callable[[], object], done: str, refused: str) -> Response:
    """Run one account change in the request's transaction; a refusal changes nothing and says why."""
    try:
        change()
        db().commit()
    except users.AccountError as reason:
        db().rollback()
        return _done(f"{refused}：{reason}", error=True)
    return _done(done)


@bp.post("/users")
@require("accounts")
def user_add() -> Response:
    form = request.form
    try:
        role = Role(form.get("role", ""))
    except ValueError:
        return _done("请选择角色。", error=True)
    try:
        created = users.create_user(db(), form.get("username", ""), role, form.get("password", ""),
                                    display_name=form.get("name") or None, unit_code=form.get("unit") or None)
        db().commit()
    except users.AccountError as refused:
        db().rollback()
        return _done(f"未能添加：{refused}", error=True)
    return _done(f"已添加账号 {created.username}（{labels.ROLES.get(created.role, created.role)}）。")


@bp.post("/users/<username>/passwd")
@require("accounts")
def user_passwd(username: str) -> Response:
    return _change(lambda: users.set_password(db(), username, request.form.get("password", "")),
                   f"已为 {username} 设置新密码，其已登录的会话随之失效。", "未能修改密码")


@bp.post("/users/<username>/disable")
@require("accounts")
def user_disable(username: str) -> Response:
    if users.normalise_username(username) == me().username:
        return _done("不能停用自己的账号。", error=True)
    return _change(lambda: users.disable(db(), username), f"已停用 {username}（保留在案件记录中，不能再登录）。", "未能停用")
