"""Upgrading a database that already holds cases (not only creating a fresh one) works on both backends."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text

from bot.config import normalise_database_url
from bot.extensions import sqlite_pragmas
from bot.schema import alembic_config
from tests.conftest import HAVE_POSTGRES, PG_URL

FIRST = "960fcf107b45"


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request, tmp_path):  # noqa: ANN001, ANN201
    if request.param == "postgresql":
        if not HAVE_POSTGRES:
            pytest.skip("PostgreSQL not reachable")
        # Named after the test database, so suites run side by side (TEST_DATABASE_URL) never share it.
        scratch = PG_URL.rsplit("/", 1)[1] + "_migrations"
        admin = create_engine(normalise_database_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}"'))
            connection.execute(text(f'CREATE DATABASE "{scratch}"'))
        admin.dispose()
        url = normalise_database_url(PG_URL.rsplit("/", 1)[0] + "/" + scratch)
    else:
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", sqlite_pragmas)  # as the app connects: foreign keys enforced
    yield engine
    engine.dispose()


def test_upgrading_a_database_with_cases_keeps_them(old_database):
    config = alembic_config(old_database)
    command.upgrade(config, FIRST)
    with old_database.begin() as connection:
        connection.execute(text("INSERT INTO resident (openid, subscribed, first_seen, last_seen) "
                                "VALUES ('oOld', true, '2026-11-01 08:00:00+00', '2026-11-01 08:00:00+00')"))
        connection.execute(text(
            "INSERT INTO \"case\" (number, state, description, reporter_id, created_at, updated_at, lat, lng) "
            "VALUES ('20261101-0001', 'received', '旧案件', 1, '2026-11-01 08:00:00+00', '2026-11-01 08:00:00+00',"
            " 29.6, 119.04)"))
    command.upgrade(config, "head")
    head = ScriptDirectory.from_config(config).get_current_head()
    with old_database.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        row = connection.execute(text('SELECT number, round, reopen_count FROM "case"')).one()
        assert tuple(row) == ("20261101-0001", 1, 0)
        assert connection.execute(text("SELECT held_pushes FROM resident")).scalar() in (False, 0)
