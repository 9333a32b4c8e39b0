"""``/public/notices/<id>``: a sent notice as residents open it from the mass message (no login): the same
text, the date and the bureau's name, and its image if it had one. Drafts and cancelled ones are a 404."""

from __future__ import annotations

from flask import abort, render_template, send_from_directory
from werkzeug.wrappers import Response

from bot import texts
from bot.broadcasts.queries import published
from bot.extensions import get_db
from bot.public.pages import bp
from bot.services import get_services


@bp.get("/public/notices/<int:notice_id>")
def notice(notice_id: int) -> str:
    found = published(get_db().session, notice_id)
    if found is None:
        abort(404)
    settings = get_services().settings
    return render_template("public/notice.html", notice=found, bureau=settings.bureau_name,
                           date=texts.local_date(found.started_at or found.created_at, settings.timezone))


@bp.get("/public/notices/<int:notice_id>/image")
def notice_image(notice_id: int) -> Response:
    found = published(get_db().session, notice_id)
    if found is None or not found.image_path:
        abort(404)
    return send_from_directory(get_services().settings.media_dir, found.image_path, max_age=86400)
