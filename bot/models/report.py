"""The bureau's stored reports (一周一报, 一月公示): one row per period, produced once, kept for download."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class StatsReport(Base):
    """A weekly or monthly report: the figures as JSON and the workbook itself.

    The workbook's bytes live in the row (tens of kilobytes, one a week): written in the same transaction as
    the unique row, so a report never exists without its file nor a file without its row, every web and
    worker machine reads it from the database, and backups take it along. ``(kind, period_start)`` is unique:
    however many workers race, one report per period is stored.
    """

    __tablename__ = "stats_report"
    __table_args__ = (UniqueConstraint("kind", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # week | month (bot.stats.period.Kind)
    period_start: Mapped[date]
    period_end: Mapped[date]  # exclusive
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)  # Figures.as_json() for the period and the one before
    workbook: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only for a download

    @property
    def filename(self) -> str:
        """``一周一报_2026-11-23至2026-11-29.xlsx``, ``一月公示_2026年11月.xlsx`` (what leaders see in WeChat Work)."""
        if self.kind == "month":
            return f"一月公示_{self.period_start.year}年{self.period_start.month}月.xlsx"
        last = self.period_end - timedelta(days=1)
        return f"{'一周一报' if self.kind == 'week' else '统计报表'}_{self.period_start}至{last}.xlsx"
