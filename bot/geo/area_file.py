"""Reading an area file: a GeoJSON FeatureCollection (GCJ-02) of grids and gazetteer places.

The whole file is validated before anything is written; the first bad feature is named in the
error (index, and its grid code or name when it has one), so a file is loaded whole or not at all.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import shape
from shapely.validation import explain_validity

GRID_FIELDS = ("grid_code", "name", "squad_code", "squad_name")


class AreaFileError(ValueError):
    pass


@dataclass(frozen=True)
class GridSpec:
    code: str
    name: str
    community: str | None
    street: str | None
    squad_code: str
    squad_name: str
    geometry: dict[str, Any]
    bounds: tuple[float, float, float, float]  # min_lng, min_lat, max_lng, max_lat


@dataclass(frozen=True)
class PlaceSpec:
    name: str
    aliases: tuple[str, ...]
    lat: float
    lng: float


@dataclass(frozen=True)
class AreaFile:
    grids: list[GridSpec]
    places: list[PlaceSpec]


def _where(index: int, props: dict[str, Any]) -> str:
    label = props.get("grid_code") or props.get("name")
    return f"feature #{index}" + (f" ({label})" if label else "")


def _check_coordinates(geometry: dict[str, Any], where: str) -> None:
    def walk(node: Any) -> None:
        if isinstance(node, list) and len(node) >= 2 and all(isinstance(v, int | float) for v in node[:2]):
            lng, lat = node[0], node[1]
            if not (math.isfinite(lng) and math.isfinite(lat) and -180 <= lng <= 180 and -90 <= lat <= 90):
                raise AreaFileError(f"{where}: coordinate out of range: {node}")
        elif isinstance(node, list):
            for child in node:
                walk(child)
        else:
            raise AreaFileError(f"{where}: coordinates must be numbers, got {node!r}")

    walk(geometry.get("coordinates"))


def parse_area(data: Any) -> AreaFile:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise AreaFileError("not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise AreaFileError("the FeatureCollection has no features")
    grids: list[GridSpec] = []
    places: list[PlaceSpec] = []
    seen_grids: set[str] = set()
    seen_places: set[str] = set()
    for index, feature in enumerate(features):
        props = (feature or {}).get("properties") or {}
        geometry = (feature or {}).get("geometry") or {}
        where = _where(index, props)
        kind = geometry.get("type")
        if kind in ("Polygon", "MultiPolygon"):
            missing = [f for f in GRID_FIELDS if not str(props.get(f) or "").strip()]
            if missing:
                raise AreaFileError(f"{where}: missing {', '.join(missing)}")
            _check_coordinates(geometry, where)
            try:
                polygon = shape(geometry)
            except Exception as exc:  # noqa: BLE001 - shapely raises many kinds
                raise AreaFileError(f"{where}: bad geometry: {exc}") from exc
            if polygon.is_empty or not polygon.is_valid:
                raise AreaFileError(f"{where}: invalid polygon: {explain_validity(polygon)}")
            code = str(props["grid_code"]).strip()
            if code in seen_grids:
                raise AreaFileError(f"{where}: duplicate grid_code {code}")
            seen_grids.add(code)
            grids.append(GridSpec(code, str(props["name"]).strip(), props.get("community"), props.get("street"),
                                  str(props["squad_code"]).strip(), str(props["squad_name"]).strip(), geometry,
                                  tuple(polygon.bounds)))
        elif kind == "Point" and props.get("kind") == "place":
            name = str(props.get("name") or "").strip()
            if not name:
                raise AreaFileError(f"{where}: a place needs a name")
            if name in seen_places:
                raise AreaFileError(f"{where}: duplicate place {name}")
            _check_coordinates(geometry, where)
            lng, lat = geometry["coordinates"][:2]
            aliases = props.get("aliases") or []
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise AreaFileError(f"{where}: aliases must be a list of names")
            seen_places.add(name)
            places.append(PlaceSpec(name, tuple(a.strip() for a in aliases if a.strip()), float(lat), float(lng)))
        else:
            raise AreaFileError(f"{where}: expected a Polygon/MultiPolygon grid or a Point with kind \"place\"")
    if not grids:
        raise AreaFileError("the file defines no grids")
    return AreaFile(grids, places)


def read_area_file(path: Path) -> AreaFile:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AreaFileError(f"cannot read {path}: {exc}") from exc
    return parse_area(data)
