"""Where a report is: a point (GCJ-02) and the grid, and so the squad, that owns it.

Sources, in order of trust: a location message, a fresh LOCATION event, a photo's EXIF GPS
(WGS-84, converted), a place named in the text (gazetteer). The source used is recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.geo.datum import wgs84_to_gcj02
from bot.geo.index import AreaIndex

CRS = ("gcj02", "wgs84")


class BadCoordinates(ValueError):
    pass


@dataclass(frozen=True)
class GeoResult:
    lat: float | None
    lng: float | None
    source: str | None
    grid_code: str | None = None
    grid_name: str | None = None
    squad_code: str | None = None
    place: str | None = None
    reason: str | None = None  # "outside" | "no_location"

    @property
    def inside(self) -> bool:
        return self.grid_code is not None


def check_point(lat: object, lng: object) -> tuple[float, float]:
    """Numbers in range, or ``BadCoordinates`` saying what is wrong."""
    try:
        lat_f, lng_f = float(lat), float(lng)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise BadCoordinates("lat and lng must be numbers") from exc
    if isinstance(lat, bool) or isinstance(lng, bool) or not (math.isfinite(lat_f) and math.isfinite(lng_f)):
        raise BadCoordinates("lat and lng must be finite numbers")
    if not (-90 <= lat_f <= 90):
        raise BadCoordinates("lat must be within -90..90")
    if not (-180 <= lng_f <= 180):
        raise BadCoordinates("lng must be within -180..180")
    return lat_f, lng_f


def locate_point(index: AreaIndex, lat: float, lng: float, source: str, crs: str = "gcj02") -> GeoResult:
    if crs not in CRS:
        raise BadCoordinates(f"crs must be one of {', '.join(CRS)}")
    lat, lng = check_point(lat, lng)
    if crs == "wgs84":
        lat, lng = wgs84_to_gcj02(lat, lng)
    grid = index.grid_at(lat, lng)
    if grid is None:
        return GeoResult(lat, lng, source, reason="outside")
    return GeoResult(lat, lng, source, grid.code, grid.name, grid.squad_code)


def locate_text(index: AreaIndex, text: str) -> GeoResult:
    place = index.place_in(text)
    if place is None:
        return GeoResult(None, None, None, reason="no_location")
    result = locate_point(index, place.lat, place.lng, "text")
    return GeoResult(result.lat, result.lng, "text", result.grid_code, result.grid_name, result.squad_code,
                     place=place.name, reason=result.reason)
