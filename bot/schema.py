"""Schema management: Alembic migrations applied programmatically (``citybot init-db``).

The migrations ship inside the package (``bot/migrations``) and the Alembic config is built here, so an
installed wheel needs no ``alembic.ini`` (the one at the repository root is for ``alembic revision``).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Create or migrate the schema to the newest revision (idempotent)."""
    command.upgrade(alembic_config(engine), "head")
