"""Issue 11: signing in to the console, the lock-out shared by every web process, signing out, session expiry,
CSRF, cookies and the Content-Security-Policy; the ``citybot user`` commands."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import create_app
from bot.accounts.passwords import verify
from bot.models import ConsoleUser
from tests.console import PASSWORD, add_user, csrf_token, fresh_session, login, signed_in
from tests.support import advance, freeze_now, report_case

SESSION_HOURS = 12  # Settings.console_session_hours


@pytest.fixture
def db(app):  # noqa: ANN001, ANN201
    yield from fresh_session(app)


def test_sign_in_opens_the_dashboard_and_records_the_time(app, client, clock, db):
    add_user(app, "Wangfang", "dispatcher", name="王芳")
    assert client.get("/console/").status_code == 302  # not signed in: to the login page
    now = freeze_now(clock)
    response = login(client, "wangfang")  # usernames are not case-sensitive
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    page = client.get("/console/").get_data(as_text=True)
    assert "王芳" in page and "待分拨" in page
    user = db.scalar(select(ConsoleUser).where(ConsoleUser.username == "wangfang"))
    assert user.last_login_at == now and user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash and verify(user.password_hash, PASSWORD)


def test_wrong_password_and_unknown_user_get_the_same_answer(app, client):
    add_user(app, "wangfang", "dispatcher")
    wrong, unknown = login(client, "wangfang", "not-the-password"), login(client, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码不正确" in wrong.get_data(as_text=True) and "用户名或密码不正确" in unknown.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_five_failures_lock_the_name_for_fifteen_minutes_in_every_process(app, client, clock, settings, classifier,
                                                                          caplog):
    add_user(app, "wangfang", "dispatcher")
    freeze_now(clock)
    for _ in range(4):
        assert login(client, "wangfang", "guess").status_code == 401
    assert login(client, "wangfang").status_code == 302  # 4 failures: still allowed, and the count starts again
    client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})
    for _ in range(4):
        assert login(client, "wangfang", "guess").status_code == 401
    fifth = login(client, "wangfang", "guess")
    assert fifth.status_code == 429 and "已锁定" in fifth.get_data(as_text=True)
    assert "console sign-in locked for wangfang" in caplog.text
    assert login(client, "wangfang").status_code == 429  # even the right password

    other = create_app(settings)  # a second web process on the same Redis and database
    other.testing = True
    other.extensions["citybot.services"].understanding.preload(classifier)
    other_clock = other.extensions["citybot.services"].clock
    other_clock.freeze(clock.time())
    assert login(other.test_client(), "WangFang").status_code == 429

    advance(clock, minutes=14, seconds=59)
    assert login(client, "wangfang").status_code == 429
    advance(clock, seconds=1)
    other_clock.freeze(clock.time())
    assert login(other.test_client(), "wangfang").status_code == 302
    other.extensions["citybot.db"].engine.dispose()


def test_failures_older_than_fifteen_minutes_do_not_count(app, client, clock):
    add_user(app, "wangfang", "dispatcher")
    freeze_now(clock)
    for _ in range(4):
        login(client, "wangfang", "guess")
    advance(clock, minutes=15, seconds=1)
    assert login(client, "wangfang", "guess").status_code == 401  # the fifth, but the others are too old
    assert login(client, "wangfang").status_code == 302


def test_sign_out_needs_the_csrf_token_and_ends_the_session(app):
    client = signed_in(app, "wangfang", "dispatcher")
    assert client.post("/console/logout").status_code == 400  # no token: refused, still signed in
    assert client.get("/console/").status_code == 200
    response = client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})
    assert response.status_code == 302 and response.headers["Location"] == "/console/login"
    assert client.get("/console/").status_code == 302


def test_a_session_expires_after_the_configured_hours_however_often_it_polls(app, clock):
    freeze_now(clock)
    client = signed_in(app, "wangfang", "dispatcher")
    advance(clock, hours=SESSION_HOURS - 1)
    assert client.get("/console/live").status_code == 200
    advance(clock, hours=1)
    assert client.get("/console/").status_code == 200  # exactly the lifetime: still valid
    advance(clock, seconds=1)
    response = client.get("/console/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/console/login")
    poll = client.get("/console/live", headers={"HX-Request": "true"})
    assert poll.status_code == 302  # the session is gone; the poll is sent to the login page too


def test_a_new_password_or_disabling_ends_open_sessions(app):
    runner = app.test_cli_runner()
    client = signed_in(app, "wangfang", "dispatcher")
    assert runner.invoke(args=["user", "passwd", "wangfang"], input="a-new-password\n").exit_code == 0
    assert client.get("/console/").status_code == 302
    assert login(client, "wangfang", "a-new-password").status_code == 302
    assert runner.invoke(args=["user", "disable", "wangfang"]).exit_code == 0
    assert client.get("/console/").status_code == 302
    assert login(client, "wangfang", "a-new-password").status_code == 401


def test_user_commands_read_passwords_from_standard_input(app, db):
    runner = app.test_cli_runner()
    added = runner.invoke(args=["user", "add", "yuzhiqiang", "--role", "leader", "--unit", "SQ02", "--name", "余志强"],
                          input="leader-password\n")
    assert added.exit_code == 0, added.output
    refused = runner.invoke(args=["user", "add", "someone", "--role", "leader"], input="leader-password\n")
    assert refused.exit_code != 0 and "unit" in refused.output
    short = runner.invoke(args=["user", "add", "someone", "--role", "viewer"], input="short\n")
    assert short.exit_code != 0 and "8 characters" in short.output
    taken = runner.invoke(args=["user", "add", "YuZhiQiang", "--role", "viewer"], input="viewer-password\n")
    assert taken.exit_code != 0 and "already exists" in taken.output
    listing = runner.invoke(args=["user", "list"]).output
    assert "yuzhiqiang\tleader\tSQ02\t余志强\tactive" in listing and "leader-password" not in listing
    assert runner.invoke(args=["user", "disable", "nobody"]).exit_code != 0
    assert db.scalar(select(ConsoleUser.unit_code).where(ConsoleUser.username == "yuzhiqiang")) == "SQ02"


def test_the_demo_admin_is_only_for_the_embedded_profile(app):
    result = app.test_cli_runner().invoke(args=["user", "demo-admin"])
    assert result.exit_code != 0 and "embedded" in result.output


@pytest.mark.parametrize("secure", [False, True])
def test_cookies_are_http_only_same_site_and_secure_when_configured(settings, classifier, secure):
    app = create_app(settings.replace(console_secure_cookies=secure))
    app.extensions["citybot.services"].understanding.preload(classifier)
    add_user(app, f"cookie{int(secure)}", "viewer")
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/console/login", data={"username": f"cookie{int(secure)}", "password": PASSWORD,
                                                   "csrf_token": token}, base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and ("Secure" in cookie) is secure
    app.extensions["citybot.db"].engine.dispose()


def test_a_login_form_without_its_csrf_token_is_refused(app, client):
    add_user(app, "wangfang", "dispatcher")
    response = client.post("/console/login", data={"username": "wangfang", "password": PASSWORD})
    assert response.status_code == 400 and client.get("/console/").status_code == 302


def test_pages_carry_a_strict_csp_and_no_inline_script(app, wechat, run_worker):
    client = signed_in(app, "wangfang", "dispatcher")
    number = report_case(wechat, "oConsoleCspResident000000001")
    run_worker()
    for path in ("/console/login", "/console/", "/console/cases", f"/console/cases/{number}", "/console/map",
                 "/console/units"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), f"inline script on {path}"
        assert not re.search(r"\son[a-z]+=", html) and " style=" not in html, f"inline handler or style on {path}"
    assert timedelta(hours=SESSION_HOURS) == app.permanent_session_lifetime


def test_the_admin_manages_accounts_in_the_console_and_nobody_else_may(app):
    admin = signed_in(app, "chief", "admin", name="局长")
    page = admin.get("/console/users")
    assert page.status_code == 200 and "chief" in page.get_data(as_text=True)
    token = csrf_token(admin, "/console/users")
    added = admin.post("/console/users", data={"username": "wangfang", "name": "王芳", "role": "dispatcher",
                                                 "password": PASSWORD, "csrf_token": token})
    assert added.status_code == 302
    listing = admin.get("/console/users").get_data(as_text=True)
    assert "王芳" in listing and "已添加账号 wangfang" in listing
    fresh = app.test_client()
    assert login(fresh, "wangfang").status_code == 302  # the new dispatcher can sign in
    weak = admin.post("/console/users", data={"username": "x", "role": "viewer", "password": "1",
                                                "csrf_token": csrf_token(admin, "/console/users")})
    assert weak.status_code == 302 and "未能添加" in admin.get("/console/users").get_data(as_text=True)
    assert admin.post("/console/users/wangfang/disable",
                      data={"csrf_token": csrf_token(admin, "/console/users")}).status_code == 302
    assert fresh.get("/console/").status_code in (302, 401)  # disabling ends the open session
    assert login(app.test_client(), "wangfang").status_code != 302
    assert admin.post("/console/users/chief/disable", data={"csrf_token": csrf_token(admin, "/console/users")})
    assert "不能停用自己的账号" in admin.get("/console/users").get_data(as_text=True)
    for role in ("dispatcher", "leader", "viewer", "operator"):
        other = signed_in(app, f"not-admin-{role}", role, unit="SQ02" if role == "leader" else None)
        assert other.get("/console/users").status_code in (403, 404)
        assert other.post("/console/users", data={"username": "sneaky", "role": "admin", "password": PASSWORD,
                                                   "csrf_token": csrf_token(other, "/console/")}).status_code in (403, 404)
