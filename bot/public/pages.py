"""``/`` says what the service is (and points to the simulator where it runs); every HTTP error becomes a
short, polite page in Chinese with the same status code, or JSON for the paths machines call."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from bot import texts
from bot.services import get_services

bp = Blueprint("public", __name__)  # templates: bot/templates/public/ (the app's folder, shipped in the wheel)

# Paths whose callers are programs (the simulator's page script, WeChat's servers, API clients): JSON errors.
API_PREFIXES = ("/sandbox/api/", "/wechat", "/wework", "/open311/", "/healthz")

def _size(limit: int | None) -> str:
    if not limit:
        return "上限"
    return f"{limit / 1024 / 1024:g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def _wording(status: int) -> tuple[str, str, str | None]:
    """Title, message and a hint for residents (none on squads' links)."""
    if status == 404 and (request.blueprint == "links" or request.path.startswith(("/s/", "/m/", "/r/"))):
        title, message = texts.LINK_GONE
        return title, message.format(days=get_services().settings.link_max_age // 86400), None
    title, message = texts.ERRORS.get(status, texts.GENERIC_ERROR)
    return title, message.format(limit=_size(request.max_content_length)), texts.PUBLIC_HINT


@bp.app_errorhandler(HTTPException)
def error_page(error: HTTPException) -> HTTPException | tuple[Response | str, int]:
    status = error.code
    if status is None or status < 400:  # redirects and the like are not errors
        return error
    title, message, hint = _wording(status)
    wants_json = request.accept_mimetypes.best == "application/json"
    if request.path.startswith(API_PREFIXES) or wants_json:
        return jsonify(error=status, title=title, message=message), status
    return render_template("public/error.html", status=status, title=title, message=message, hint=hint), status


@bp.get("/")
def landing() -> str:
    return render_template("public/landing.html", simulator="sandbox" in current_app.blueprints)
