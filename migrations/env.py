"""Alembic environment: the engine comes from ``citybot init-db`` or, for developers, the settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.config import Settings
from bot.models import Base

config = context.config
engine = config.attributes.get("engine") or create_engine(Settings.from_env().database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
