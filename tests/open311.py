"""What the Open311 tests share: API keys made like ``citybot api-key add``, a report POSTed like a client
does (WGS-84 point), and the demo town's market in WGS-84."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bot.accounts.api_keys import add_key
from bot.extensions import get_db
from bot.geo.datum import gcj02_to_wgs84
from tests.support import BARBECUE, MARKET

MARKET_WGS84 = gcj02_to_wgs84(*MARKET)  # what a client's GPS says at 明珠菜场
BASE = "/open311/v2"


def make_key(app: Flask, name: str = "city12345") -> str:
    with app.app_context(), get_db().transaction() as session:
        return add_key(session, name, app.extensions["citybot.services"].clock.now()).key


def post_request(client: FlaskClient, key: str | None, fmt: str = "json", **fields: str) -> TestResponse:
    """POST requests.{fmt}: by default 露天烧烤 at the market, WGS-84, with a description."""
    data = {"service_code": "E0510", "lat": f"{MARKET_WGS84[0]:.7f}", "long": f"{MARKET_WGS84[1]:.7f}",
            "description": BARBECUE, **fields}
    if key is not None:
        data["api_key"] = key
    return client.post(f"{BASE}/requests.{fmt}", data={k: v for k, v in data.items() if v is not None})
