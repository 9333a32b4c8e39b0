"""Squads' pages behind signed, expiring links (``bot.core.signing``): a case page and its photos.

Squads open them from the WeChat Work card. A link carries only the case id (or media id), signed
with ``SECRET_KEY`` and checked against the app's clock; the page never shows who reported the case.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, render_template_string, send_file
from sqlalchemy.orm import Session

from bot import texts
from bot.core.signing import media_link, read_token
from bot.extensions import get_db
from bot.models import Case, Media
from bot.services import get_services

bp = Blueprint("links", __name__)


def _load(token: str) -> dict:
    services = get_services()
    data = read_token(token, services.settings.secret_key, services.settings.link_max_age, services.clock.time())
    if data is None:
        abort(404)
    return data


CASE_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>案件 {{ case.number }}</title>
<style>body{font:16px/1.5 sans-serif;margin:1em;color:#222}h1{font-size:1.2em}dt{color:#888}
dd{margin:0 0 .6em}img{max-width:48%;margin:1%}</style>
<h1>案件 {{ case.number }}</h1><dl>
<dt>问题</dt><dd>{{ case.description }}</dd>
<dt>类别</dt><dd>{{ category or "待分类" }}</dd>
<dt>位置</dt><dd>{{ case.address or "" }} {{ grid or "" }}（{{ "%.5f"|format(case.lat) }}, {{ "%.5f"|format(case.lng) }}）</dd>
<dt>处置时限</dt><dd>{{ deadline or "—" }}</dd><dt>状态</dt><dd>{{ state }}</dd></dl>
{% for url, thumb in photos %}<a href="{{ url }}"><img src="{{ thumb }}" alt="现场照片"></a>{% endfor %}
<p>报告人：市民（信息已保护）</p></html>"""


def render_case(session: Session, case: Case) -> str:
    services = get_services()
    settings = services.settings
    category = services.understanding.taxonomy.categories.get(case.category_code or "")
    stored = [m for m in case.media if m.kind == "image" and m.state == "stored"]
    now = services.clock.time()
    photos = [(media_link(settings.public_base_url, settings.secret_key, m.id, now),
               media_link(settings.public_base_url, settings.secret_key, m.id, now, thumb=True)) for m in stored]
    return render_template_string(
        CASE_PAGE, case=case, category=category.name if category else None, grid=case.grid_code,
        deadline=texts.local_time(case.deadline, settings.timezone) if case.deadline else None,
        state=texts.STATE_LABELS.get(case.state, case.state), photos=photos)


@bp.get("/s/<token>")
def case_page(token: str) -> str:
    case = get_db().session.get(Case, _load(token).get("c"))
    if case is None:
        abort(404)
    return render_case(get_db().session, case)


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
