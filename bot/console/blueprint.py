"""The console's blueprint and what its views and templates share: the request's session, the services'
``Deps``, local times, the signed-in user's permissions, and Leaflet (vendored once, for the simulator)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, send_from_directory
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from bot.console.access import RULES
from bot.console.labels import ROLES
from bot.dispatch.deps import Deps
from bot.extensions import get_db
from bot.models import Unit
from bot.services import get_services

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates", static_folder="static")
LEAFLET = Path(__file__).resolve().parent.parent / "sandbox" / "static" / "vendor" / "leaflet"


def db() -> Session:
    return get_db().session


def deps() -> Deps:
    return get_services().deps


@bp.app_template_filter("local")
def local(moment: datetime | None, pattern: str = "%m-%d %H:%M") -> str:
    return moment.astimezone(deps().calendar.zone).strftime(pattern) if moment else "—"


@bp.app_template_filter("time_left")
def time_left(minutes: float) -> str:
    """Handling time to the deadline in words: '剩余 3 小时 20 分' / '已超期 1 小时 5 分' (working time)."""
    whole = int(abs(minutes))
    hours, rest = divmod(whole, 60)
    amount = f"{hours} 小时 {rest} 分" if hours else f"{rest} 分钟"
    return f"已超期 {amount}" if minutes < 0 else f"剩余 {amount}（工作时间）"


@bp.context_processor
def shared() -> dict[str, Any]:
    if not current_user.is_authenticated:
        return {}
    role = current_user.role
    return {"role_label": ROLES.get(role, role), "permissions": {p for p, roles in RULES.items() if role in roles},
            "tile_url": get_services().settings.console_tile_url,
            "unit_names": {code: name for code, name in db().execute(select(Unit.code, Unit.name))}}


@bp.get("/vendor/leaflet/<path:name>")
def leaflet(name: str) -> Response:
    return send_from_directory(LEAFLET, name, max_age=86400)
