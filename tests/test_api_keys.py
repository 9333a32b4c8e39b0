"""``citybot api-key add|revoke NAME``: the key is printed once and stored as a digest; the name is checked and
becomes the channel of the key's cases; a revoked key is refused at once."""

from __future__ import annotations

from sqlalchemy import select

from bot.accounts.api_keys import digest
from bot.models import ApiKey
from tests.open311 import post_request


def test_add_prints_the_key_once_and_stores_its_digest(app, db, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api-key", "add", "12345"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert key.startswith("c311_") and len(key) > 40
    row = db.scalar(select(ApiKey).where(ApiKey.name == "12345"))
    assert row.digest == digest(key) and key not in (row.digest, row.name)
    assert post_request(client, key).status_code == 200

    again = runner.invoke(args=["api-key", "add", "12345"])
    assert again.exit_code != 0 and "exists" in again.output
    revoked = runner.invoke(args=["api-key", "revoke", "12345"])
    assert revoked.exit_code == 0 and "revoked 12345" in revoked.output
    assert post_request(client, key).status_code == 403


def test_names_are_short_plain_and_not_another_channel(app):
    runner = app.test_cli_runner()
    for bad in ("WeChat", "wechat", "patrol", "a" * 17, "有问题", "-x", ""):
        result = runner.invoke(args=["api-key", "add", bad])
        assert result.exit_code != 0, bad
    assert runner.invoke(args=["api-key", "revoke", "nobody"]).exit_code != 0
    assert runner.invoke(args=["api-key", "add", "app_2-b"]).exit_code == 0
