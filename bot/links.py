"""Photos behind signed, expiring links (``bot.core.signing``), shown on the case pages.

The squad's case page itself is ``bot.public.squad_page``. A link carries only the case id (or media id), signed
with ``SECRET_KEY`` and checked against the app's clock; the page never shows who reported the case.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, send_file

from bot.core.signing import read_token
from bot.extensions import get_db
from bot.models import Media
from bot.services import get_services

bp = Blueprint("links", __name__)


def _load(token: str) -> dict:
    services = get_services()
    data = read_token(token, services.settings.secret_key, services.settings.link_max_age, services.clock.time())
    if data is None:
        abort(404)
    return data


@bp.get("/m/<token>")
def media_file(token: str) -> Response:
    data = _load(token)
    media = get_db().session.get(Media, data.get("m"))
    if media is None or media.state != "stored" or not media.path:
        abort(404)
    relative = media.thumb_path if data.get("t") and media.thumb_path else media.path
    root = Path(get_services().settings.media_dir).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        abort(404)
    return send_file(path, mimetype=media.content_type or "application/octet-stream", max_age=3600)
