"""The bureau's area: grids (单元网格) owned by squads, and named places (the gazetteer)."""

from __future__ import annotations

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base


class Grid(Base):
    """A grid polygon in GCJ-02, stored as GeoJSON (portable: no PostGIS needed) with its bbox."""

    __tablename__ = "grid"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    community: Mapped[str | None] = mapped_column(String(64))
    street: Mapped[str | None] = mapped_column(String(64))
    squad_code: Mapped[str] = mapped_column(String(32))
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON Polygon / MultiPolygon
    min_lat: Mapped[float]
    min_lng: Mapped[float]
    max_lat: Mapped[float]
    max_lng: Mapped[float]


class Place(Base):
    """A named place of the gazetteer (a square, a market, a street) with its point in GCJ-02."""

    __tablename__ = "place"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    lat: Mapped[float]
    lng: Mapped[float]
