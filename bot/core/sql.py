"""SQL the ORM does not phrase portably."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_insert(session: Session) -> Callable[..., Any]:
    """The backend's ``insert`` construct, which knows ``ON CONFLICT`` (PostgreSQL and SQLite alike)."""
    return insert_for(session.get_bind().dialect.name)


def insert_for(dialect: str) -> Callable[..., Any]:
    """``dialect_insert`` by the dialect's name (for statements built once per backend)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
