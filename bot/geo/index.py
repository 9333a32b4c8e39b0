"""Point → grid lookup with a shapely STRtree, and name → place lookup for the gazetteer.

The index is built from the database and cached per process; ``AreaIndexCache`` rebuilds it when
``citybot load-area`` bumps the area version in Redis, so every process sees a new area.
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass

import redis
import shapely
from shapely import STRtree
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.redis_values import reply_bytes
from bot.geo.datum import distance_m
from bot.models import Grid, Place

VERSION_KEY = "citybot:area-version"


@dataclass(frozen=True)
class GridHit:
    code: str
    name: str
    squad_code: str


@dataclass(frozen=True)
class PlaceHit:
    name: str
    lat: float
    lng: float


class AreaIndex:
    def __init__(self, grids: list[Grid], places: list[Place]) -> None:
        # Sorted by code: on a shared border the smallest code wins, whatever the load order.
        grids = sorted(grids, key=lambda g: g.code)
        self.grids = [GridHit(g.code, g.name, g.squad_code) for g in grids]
        self.geometries = [shape(json.loads(g.geometry)) for g in grids]
        for geometry in self.geometries:
            shapely.prepare(geometry)
        self.tree = STRtree(self.geometries)
        self.places: dict[str, PlaceHit] = {}
        for place in places:
            hit = PlaceHit(place.name, place.lat, place.lng)
            for name in (place.name, *place.aliases):
                self.places.setdefault(name, hit)
        unique = list(dict.fromkeys(self.places.values()))
        self.place_points = unique
        self.place_tree = STRtree([shapely.Point(p.lng, p.lat) for p in unique]) if unique else None
        names = sorted(self.places, key=len, reverse=True)  # longest match first: 明珠菜场门口 > 明珠
        self.pattern = re.compile("|".join(map(re.escape, names))) if names else None

    @classmethod
    def load(cls, session: Session) -> AreaIndex:
        return cls(list(session.scalars(select(Grid))), list(session.scalars(select(Place))))

    def grid_at(self, lat: float, lng: float) -> GridHit | None:
        """The grid covering the point (border points included: lowest code wins), or None."""
        point = shapely.Point(lng, lat)
        candidates = self.tree.query(point, predicate="intersects")
        return self.grids[int(min(candidates))] if len(candidates) else None

    def nearest_place(self, lat: float, lng: float, max_m: float) -> PlaceHit | None:
        """The named place nearest to the point, if one lies within ``max_m`` metres."""
        if self.place_tree is None:
            return None
        index = self.place_tree.nearest(shapely.Point(lng, lat))
        if index is None:
            return None
        place = self.place_points[int(index)]
        return place if distance_m(lat, lng, place.lat, place.lng) <= max_m else None

    def suggest(self, text: str, limit: int = 8) -> list[tuple[str, PlaceHit]]:
        """Gazetteer names (and aliases) for what an operator is typing: a name the text mentions first, then
        names starting with it, then names containing it; each place once, under the name that matched."""
        text = text.strip()
        if not text:
            return []
        mentioned = self.place_in(text)
        ranked = sorted((name for name in self.places if text in name),
                        key=lambda name: (not name.startswith(text), len(name), name))
        found: dict[PlaceHit, str] = {}
        if mentioned is not None:
            found[mentioned] = mentioned.name
        for name in ranked:
            found.setdefault(self.places[name], name)
        return [(name, place) for place, name in found.items()][:limit]

    def place_in(self, text: str) -> PlaceHit | None:
        """The longest gazetteer name or alias mentioned in ``text``."""
        if self.pattern is None:
            return None
        match = self.pattern.search(text)
        return self.places[match.group(0)] if match else None


class AreaIndexCache:
    """One ``AreaIndex`` per process, rebuilt when the area version in Redis changes.

    The version is read at most once per ``RECHECK_SECONDS`` (a Redis round trip on every message that needs
    a place cost the webhook more than the look-up): another process's new area is seen within that time;
    this process's own ``bump`` at once.
    """

    RECHECK_SECONDS = 1.0

    def __init__(self, connection: redis.Redis) -> None:
        self.redis = connection
        self.index: AreaIndex | None = None
        self.version: bytes | None = None
        self.checked_at = -math.inf

    def get(self, session: Session) -> AreaIndex:
        now = time.monotonic()
        if self.index is not None and now - self.checked_at < self.RECHECK_SECONDS:
            return self.index
        try:
            version = reply_bytes(self.redis.get(VERSION_KEY))
        except redis.RedisError:
            version = self.version  # Redis away: keep what we have
        if self.index is None or version != self.version:
            self.index, self.version = AreaIndex.load(session), version
        self.checked_at = now
        return self.index

    def bump(self) -> None:
        self.index = None
        self.redis.incr(VERSION_KEY)
