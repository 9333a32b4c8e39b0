"""What the console tests share: accounts, signing in through the real form, CSRF tokens read from pages,
and posting a decision like the browser does."""

from __future__ import annotations

import re
from collections.abc import Iterator

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from bot.accounts.users import create_user
from bot.extensions import get_db
from bot.models.account import Role

PASSWORD = "correct-horse-9"
TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def fresh_session(app: Flask) -> Iterator[Session]:
    """The console tests' ``db`` fixture: a session for assertions without the app context that the conftest's
    ``db`` keeps pushed (test-client requests would share its ``g``, where Flask-WTF keeps the CSRF token)."""
    session = app.extensions["citybot.db"].sessions()
    yield session
    session.close()


def add_user(app: Flask, username: str, role: str, unit: str | None = None, name: str | None = None) -> None:
    with app.app_context(), get_db().transaction() as session:
        create_user(session, username, Role(role), PASSWORD, display_name=name, unit_code=unit)


def csrf_token(client: FlaskClient, path: str = "/console/login") -> str:
    match = TOKEN.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    token = csrf_token(client)
    return client.post("/console/login", data={"username": username, "password": password, "csrf_token": token})


def signed_in(app: Flask, username: str, role: str, unit: str | None = None, name: str | None = None) -> FlaskClient:
    """A new browser (its own cookies) signed in as a new user."""
    add_user(app, username, role, unit, name)
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def decide(client: FlaskClient, number: str, action: str, **fields: str) -> TestResponse:
    """POST a case action with the CSRF token from the case page, as the page's form does."""
    token = csrf_token(client, f"/console/cases/{number}")
    return client.post(f"/console/cases/{number}/{action}", data={**fields, "csrf_token": token})
