"""``/public/``: the town's 一月公示 for residents (the official account's menu links here), no login.

This month and last month for the whole town: 受理数, 结案率, 按期结案率, 满意率, the top categories, each unit's
按期结案率 (ranked only with enough cases due) and the closed cases per grid on a map. Counts only: no case,
description, photo or resident is on the page. Cached by browsers and proxies for five minutes, with an ETag.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import render_template, request, send_from_directory
from sqlalchemy import select
from werkzeug.wrappers import Response

from bot.extensions import get_db
from bot.models import Grid, Unit
from bot.public.pages import bp
from bot.services import get_services
from bot.stats.breakdowns import MIN_DUE, ranking
from bot.stats.figures import Figures, percent, total
from bot.stats.period import Period, Scope
from bot.stats.snapshots import Snapshots

MAX_AGE = 300
TOP_CATEGORIES = 8
BOT = Path(__file__).resolve().parent.parent
STATIC = {"own": BOT / "public" / "static", "leaflet": BOT / "sandbox" / "static" / "vendor" / "leaflet",
          "echarts": BOT / "console" / "static" / "vendor" / "echarts"}
HEADLINE = (("受理数", "received", False), ("结案率", "closure_rate", True), ("按期结案率", "on_time_rate", True),
            ("满意率", "satisfaction_rate", True))


def _headline(period: Period, f: Figures) -> dict[str, Any]:
    return {"label": period.label,
            "headline": [(label, percent(getattr(f, key)) if rate else getattr(f, key)) for label, key, rate in HEADLINE]}


def _units(months: list[dict[Any, Figures]], names: dict[str, str]) -> list[tuple[str, list[tuple[str, bool]]]]:
    """Each unit's 按期结案率 per month, in this month's ranking order: (text, ranked); '样本不足' below the
    minimum volume, '—' for a month without cases."""
    cells: dict[str, list[tuple[str, bool]]] = {}
    for i, by_unit in enumerate(months):
        for r in ranking(by_unit):
            row = cells.setdefault(r.key, [("—", False)] * len(months))
            row[i] = (percent(r.figures.on_time_rate), True) if r.ranked else ("样本不足", False)
    return [(names.get(code, code), row) for code, row in cells.items()]


@bp.get("/public/")
def public_stats() -> Response:
    services = get_services()
    deps, session = services.deps, get_db().session
    now, zone = deps.now(), deps.calendar.zone
    this = Period.month(now.astimezone(zone).date())
    last, town = this.previous(), Scope()
    stats = Snapshots(session, now=now, zone=zone)
    unit_names = {code: name for code, name in session.execute(select(Unit.code, Unit.name))}
    categories = {code: c.name for code, c in deps.taxonomy.categories.items()}
    by_category = {p: stats.figures_by(p, town, "category") for p in (this, last)}
    top = sorted((c for c, f in by_category[this].items() if c and f.received),
                 key=lambda c: (-by_category[this][c].received, c))[:TOP_CATEGORIES]
    grids = [{"type": "Feature", "geometry": json.loads(g.geometry), "properties": {"code": g.code, "name": g.name}}
             for g in session.scalars(select(Grid).order_by(Grid.code))]
    chart = {
        "months": [this.label, last.label],
        "categories": {"names": [categories.get(c, c) for c in top],
                       "now": [by_category[this][c].received for c in top],
                       "before": [by_category[last].get(c, Figures()).received for c in top]},
        "closed": {p.label: stats.grid_counts(p, town, "closed") for p in (this, last)},
        "grids": {"type": "FeatureCollection", "features": grids},
    }
    months = [_headline(p, total(by_category[p])) for p in (this, last)]
    units = _units([stats.figures_by(p, town, "unit") for p in (this, last)], unit_names)
    tiles = services.settings.console_tile_url
    body = render_template("public/stats.html", months=months, units=units, chart=chart, min_due=MIN_DUE,
                           as_of=stats.as_of.astimezone(zone), tiles=tiles)
    response = Response(body, mimetype="text/html")
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.expires = now + timedelta(seconds=MAX_AGE)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'self'; "
        f"frame-ancestors 'none'; connect-src 'self'; img-src 'self' data: blob:{_tile_origin(tiles)}")
    response.add_etag()
    return response.make_conditional(request)


def _tile_origin(url: str | None) -> str:
    """The map tiles' origin for ``img-src`` ('{s}.tile.example' becomes '*.tile.example')."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}"


@bp.get("/public/static/<any(own, leaflet, echarts):kind>/<path:name>")
def public_static(kind: str, name: str) -> Response:
    """The page's own CSS and script and the vendored Leaflet and ECharts (the same files the console serves)."""
    return send_from_directory(STATIC[kind], name, max_age=86400)
