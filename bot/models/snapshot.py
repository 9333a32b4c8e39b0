"""Statistics computed once and kept: a finished period's figures never change (``bot.stats.snapshots``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class StatsSnapshot(Base):
    """One statistics result (figures, trend, durations, grid counts) for a period, scope and split.

    ``key`` names all of them; ``cutoff`` is the moment the result is as of: the period's end once it is over
    (then the row is final), else when it was computed (then it is refreshed after a few minutes).
    """

    __tablename__ = "stats_snapshot"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    cutoff: Mapped[datetime]
    computed_at: Mapped[datetime]
    payload: Mapped[Any] = mapped_column(JSON)
