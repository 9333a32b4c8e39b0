"""The map ``/console/map``: open cases (or the list's filter) on Leaflet with the grids, coloured by state and
overdue, clustered (vendored Leaflet.markercluster). Points carry no description and no resident."""

from __future__ import annotations

import json
from typing import Any

from flask import jsonify, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from bot.console import labels
from bot.console.access import me, require, unit_scope
from bot.console.blueprint import bp, db, deps
from bot.dispatch.case_search import CaseFilter, map_points
from bot.dispatch.states import OPEN_STATES, values
from bot.models import Grid


def _filter() -> CaseFilter:
    f = CaseFilter.from_args(request.args, unit_scope=unit_scope())
    return f if f.states else CaseFilter.from_args({**request.args.to_dict(), "state": ",".join(values(OPEN_STATES))},
                                                   unit_scope=unit_scope())


@bp.get("/map")
@require("stats")
def map_page() -> str:
    args: dict[str, Any] = request.args.to_dict()
    return render_template("console/map.html", f=_filter(), labels=labels, taxonomy=deps().taxonomy.categories,
                           points_url=url_for("console.map_data", **args), grids_url=url_for("console.map_grids"))


@bp.get("/map/points")
@require("stats")
def map_data() -> Response:
    services = deps()
    categories = services.taxonomy.categories
    linked = me().can("cases")
    points = map_points(db(), _filter(), now=services.now(), zone=services.calendar.zone)
    return jsonify(points=[{
        "number": p.number, "lat": p.lat, "lng": p.lng, "state": p.state, "overdue": p.overdue,
        "state_label": labels.STATES.get(p.state, p.state),
        "category": categories[p.category_code].name if p.category_code in categories else "待分类",
        "url": url_for("console.case_page", number=p.number) if linked else None} for p in points])


@bp.get("/map/grids")
@require("stats")
def map_grids() -> Response:
    return grids_geojson()


def grids_geojson() -> Response:
    """The grids as GeoJSON (the map page, the hotline page's place picker)."""
    features = [{"type": "Feature", "geometry": json.loads(g.geometry),
                 "properties": {"code": g.code, "name": g.name, "squad": g.squad_code}}
                for g in db().scalars(select(Grid).order_by(Grid.code))]
    return jsonify(type="FeatureCollection", features=features)
