"""Areas (admin): upload a grid GeoJSON, see it validated and previewed on the map, then apply it in one
transaction with the same loader as ``citybot load-area``. The uploaded file waits in Redis between the two
steps (so any web process can apply it), for ``PENDING_SECONDS``."""

from __future__ import annotations

import json
import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from bot.console.access import require
from bot.console.blueprint import bp, db
from bot.core.redis_values import reply_bytes
from bot.extensions import get_redis
from bot.geo.area_file import AreaFile, AreaFileError, parse_area
from bot.geo.loading import load_area
from bot.models import Grid, Place
from bot.services import get_services

PENDING_SECONDS = 30 * 60
MAX_BYTES = 5 * 1024 * 1024


def _key(token: str) -> str:
    return f"citybot:console:area:{token}"


def _parse(raw: bytes) -> AreaFile:
    try:
        return parse_area(json.loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, ValueError) as exc:  # AreaFileError is a ValueError
        raise AreaFileError(str(exc)) from exc


def _pending(token: str) -> bytes:
    raw = reply_bytes(get_redis().get(_key(token))) if token.isalnum() else None
    if raw is None:
        abort(404)
    return raw


def _counts() -> tuple[int, int]:
    return db().scalar(select(func.count()).select_from(Grid)) or 0, db().scalar(select(func.count()).select_from(Place)) or 0


@bp.get("/areas")
@require("areas")
def areas() -> str:
    return render_template("console/areas.html", counts=_counts(), preview=None)


@bp.post("/areas/preview")
@require("areas")
def area_preview() -> tuple[str, int] | str:
    upload = request.files.get("file")
    raw = upload.read(MAX_BYTES + 1) if upload else b""
    try:
        if not raw or len(raw) > MAX_BYTES:
            raise AreaFileError(f"请选择一个不超过 {MAX_BYTES // 1024 // 1024} MB 的 GeoJSON 文件")
        area = _parse(raw)
    except AreaFileError as exc:
        flash(f"文件无法使用，未做任何更改：{exc}", "error")
        return render_template("console/areas.html", counts=_counts(), preview=None), 422
    token = secrets.token_hex(16)
    get_redis().set(_key(token), raw, ex=PENDING_SECONDS)
    squads = sorted({(g.squad_code, g.squad_name) for g in area.grids})
    return render_template("console/areas.html", counts=_counts(), token=token,
                           preview={"grids": len(area.grids), "places": len(area.places), "squads": squads})


@bp.get("/areas/preview/<token>.geojson")
@require("areas")
def area_preview_geojson(token: str) -> Response:
    area = _parse(_pending(token))
    features = [{"type": "Feature", "geometry": g.geometry, "properties": {"name": g.name, "code": g.code}}
                for g in area.grids]
    return Response(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    mimetype="application/json")


@bp.post("/areas/apply")
@require("areas")
def area_apply() -> Response:
    token = request.form.get("token", "")
    area = _parse(_pending(token))
    report = load_area(db(), area)
    db().commit()
    get_redis().delete(_key(token))
    get_services().understanding.area_cache.bump()  # every process reloads its grid index
    flash(f"已更新 {report.grids} 个网格、{report.places} 个地名、{report.squads} 个中队。", "success")
    return redirect(url_for("console.areas"))
