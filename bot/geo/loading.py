"""Loading an area file into the database: idempotent upserts in one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.geo.area_file import AreaFile
from bot.models import Grid, Place, Unit


@dataclass(frozen=True)
class LoadReport:
    grids: int
    places: int
    squads: int


def load_area(session: Session, area: AreaFile) -> LoadReport:
    """Upsert grids, places and the squads they name. Grids and places absent from the file stay."""
    squads: dict[str, str] = {}
    for spec in area.grids:
        min_lng, min_lat, max_lng, max_lat = spec.bounds
        session.merge(Grid(code=spec.code, name=spec.name, community=spec.community, street=spec.street,
                           squad_code=spec.squad_code, geometry=json.dumps(spec.geometry, ensure_ascii=False),
                           min_lat=min_lat, min_lng=min_lng, max_lat=max_lat, max_lng=max_lng))
        squads[spec.squad_code] = spec.squad_name
    for code, name in squads.items():
        unit = session.get(Unit, code)
        if unit is None:
            session.add(Unit(code=code, name=name, kind="squad"))
        else:
            unit.name = name
    for place in area.places:
        session.merge(Place(name=place.name, aliases=list(place.aliases), lat=place.lat, lng=place.lng))
    return LoadReport(len(area.grids), len(area.places), len(squads))
