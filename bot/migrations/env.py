"""Alembic environment: the engine comes from ``citybot init-db`` or, for developers, the settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.config import Settings
from bot.models import Base

config = context.config
engine = config.attributes.get("engine") or create_engine(Settings.from_env().database_url)

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET statement_timeout = 0")  # the service's own bound is not for migrations
    if sqlite:
        # Batch mode rebuilds a table to alter it (copy, drop, rename); with foreign keys enforced the
        # drop fails as soon as other tables hold rows referring to it. Off for the migration only.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
