"""Signing in and out (Flask-Login), the lock-out (``bot.accounts.signin``, shared through Redis) and session
expiry: a sign-in lasts ``CONSOLE_SESSION_HOURS`` by the app's clock, however often pages poll."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from bot.accounts.signin import BadCredentials, LockedOut, Lockout, authenticate
from bot.console.access import ConsoleLogin, load
from bot.console.blueprint import bp, db, deps
from bot.extensions import get_redis

log = logging.getLogger(__name__)
SIGNED_IN_AT = "console_signed_in_at"


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired(), Length(max=256)])


def init_login(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "console.login"
    manager.login_message = "请先登录。"
    manager.login_message_category = "info"
    manager.user_loader(lambda session_id: load(db(), session_id))


@bp.before_request
def expire_old_sessions() -> Response | None:
    """End a sign-in older than the configured lifetime (HTMX polls are told to reload into the login page)."""
    if not current_user.is_authenticated:
        return None
    hours = deps().settings.console_session_hours
    if deps().clock.time() - float(session.get(SIGNED_IN_AT, 0)) <= hours * 3600:
        return None
    logout_user()
    session.clear()
    flash("登录已过期，请重新登录。", "info")
    target = url_for("console.login")
    if request.headers.get("HX-Request"):
        return Response(status=204, headers={"HX-Redirect": target})
    return redirect(target)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if request.method == "GET" or not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("console/login.html", form=form), status
    lockout = Lockout(get_redis())
    try:
        user = authenticate(db(), lockout, form.username.data or "", form.password.data or "", deps().now())
    except LockedOut as exc:
        minutes = max(1, -(-exc.seconds_left // 60))
        flash(f"登录失败次数过多，该账号已锁定，请 {minutes} 分钟后再试。", "error")
        return render_template("console/login.html", form=form), 429
    except BadCredentials:
        flash("用户名或密码不正确。", "error")
        return render_template("console/login.html", form=form), 401
    db().commit()
    session.clear()  # a fresh session at sign-in: nothing from before it carries over
    login_user(ConsoleLogin.of(user))
    session.permanent = True
    session[SIGNED_IN_AT] = deps().clock.time()
    log.info("console sign-in: %s (%s)", user.username, user.role)
    target = request.args.get("next", "")
    login = ConsoleLogin.of(user)
    home = url_for("console.dashboard" if login.can("stats")
                   else "console.intake" if login.can("intake") else "console.case_list")
    return redirect(target if target.startswith("/console/") and "//" not in target else home)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        log.info("console sign-out: %s", current_user.username)
    logout_user()
    session.clear()
    flash("已退出登录。", "info")
    return redirect(url_for("console.login"))
