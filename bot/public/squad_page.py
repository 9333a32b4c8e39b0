"""The squad's mobile work page (``/s/<token>``, the link on the card): the case, its photos, a map and
navigation links, the timeline, and, for a member of the owning unit, 签收 / 办结 (after-photos from the
phone's camera) / 退回 / 延期.

The link only lets someone *see* the case (it is signed and expires, like every squad link). Acting needs
the member's identity from WeChat Work OAuth (``/connect/oauth2/authorize`` → ``code`` → ``auth/getuserinfo``),
kept in the session: a forwarded link grants no power. Every action is the same service function as the
typed command and the card's button.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, abort, redirect, render_template, request, send_from_directory, session, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from bot import texts
from bot.core.signing import media_link, read_token
from bot.dispatch import squad
from bot.dispatch.actor import Actor
from bot.dispatch.errors import DomainError
from bot.extensions import get_db, get_redis
from bot.geo.datum import gcj02_to_wgs84
from bot.intake.images import ImageRejected
from bot.intake.media import store_upload
from bot.models import Case, Grid, Staff, Unit
from bot.services import get_services
from bot.wechat.client import WeWorkClient
from bot.wechat.errors import WeChatAPIError

bp = Blueprint("squad_page", __name__)

MEMBER_KEY, MEMBER_AT, OAUTH_STATE, OAUTH_NEXT = "wework_userid", "wework_at", "wework_oauth_state", "wework_next"
MEMBER_SECONDS = 8 * 3600  # a sign-in lasts a working day
ACTIONS = ("accept", "resolve", "return", "extend")
LEAFLET = Path(__file__).resolve().parent.parent / "sandbox" / "static" / "vendor" / "leaflet"


@dataclass(frozen=True)
class NavLinks:
    geo: str  # geo: URI (RFC 5870: WGS-84), opens the phone's default map app
    amap: str  # 高德 URI, GCJ-02
    tencent: str  # 腾讯地图 URI, GCJ-02


def navigation(lat: float, lng: float, name: str) -> NavLinks:
    """Links that open a map app at the case's point (stored in GCJ-02, the datum of Chinese map apps)."""
    wgs_lat, wgs_lng = gcj02_to_wgs84(lat, lng)
    label = quote(name)
    return NavLinks(
        geo=f"geo:{wgs_lat:.6f},{wgs_lng:.6f}?q={wgs_lat:.6f},{wgs_lng:.6f}({label})",
        amap="https://uri.amap.com/navigation?" + urlencode(
            {"to": f"{lng:.6f},{lat:.6f},{name}", "mode": "car", "coordinate": "gaode", "callnative": 1}),
        tencent="https://apis.map.qq.com/uri/v1/routeplan?" + urlencode(
            {"type": "drive", "to": name, "tocoord": f"{lat:.6f},{lng:.6f}", "referer": "citybot"}),
    )


def _case(token: str) -> Case:
    settings, clock = get_services().settings, get_services().clock
    data = read_token(token, settings.secret_key, settings.link_max_age, clock.time())
    case = get_db().session.get(Case, data.get("c")) if data else None
    if case is None:
        abort(404)
    return case


def signed_in_member() -> Staff | None:
    """The WeChat Work member identified by OAuth in this browser (never by the link), if still active."""
    userid, at = session.get(MEMBER_KEY), session.get(MEMBER_AT, 0)
    if not userid or get_services().clock.time() - float(at) > MEMBER_SECONDS:
        return None
    return get_db().session.scalar(select(Staff).where(Staff.wework_userid == userid, Staff.active))


def _in_wework() -> bool:
    return "wxwork" in request.headers.get("User-Agent", "").lower()


@bp.get("/s/<token>")
def case_page(token: str) -> Page:
    case = _case(token)
    member = signed_in_member()
    if member is None and _in_wework() and not request.args.get("view"):
        return redirect(url_for("squad_page.sign_in", token=token))  # inside WeChat Work: identify at once
    return render_case(token, case, member)


Page = str | tuple[str, int] | BaseResponse


def render_case(token: str, case: Case, member: Staff | None, message: str | None = None,
                status: int = 200) -> str | tuple[str, int]:
    services = get_services()
    settings, now = services.settings, services.clock.time()
    db = get_db().session
    category = services.understanding.taxonomy.categories.get(case.category_code or "")
    grid = db.get(Grid, case.grid_code) if case.grid_code else None
    unit = db.get(Unit, case.unit_code) if case.unit_code else None
    photos = [(media_link(settings.public_base_url, settings.secret_key, m.id, now),
               media_link(settings.public_base_url, settings.secret_key, m.id, now, thumb=True),
               m.staff_userid is not None)
              for m in case.media if m.kind == "image" and m.state == "stored"]
    place = " ".join(x for x in (case.address, grid.name if grid else None) if x) or "现场"
    zone = settings.timezone
    steps = [(texts.local_time(e.at, zone), e.actor_name or "", texts.step_label(e.action, e.to_state), e.note or "")
             for e in case.events]
    nav = navigation(case.lat, case.lng, place) if case.lat is not None and case.lng is not None else None
    html = render_template(
        "public/squad_case.html", token=token, case=case, category=category.name if category else "待分类",
        place=place, unit=unit.name if unit else "", nav=nav, photos=photos,
        state=texts.STATE_LABELS.get(case.state, case.state), steps=steps, member=member,
        can_act=member is not None and member.unit_code == case.unit_code, message=message,
        done=texts.ACTION_WORDS.get(request.args.get("done", "")),
        deadline=texts.local_time(case.deadline, zone) if case.deadline else "—",
        reasons=texts.RETURN_REASONS, tile_url=settings.console_tile_url)
    return html if status == 200 else (html, status)


@bp.post("/s/<token>/<action>")
def act(token: str, action: str) -> Page:
    """One of the member's actions, as the member OAuth identified: the link alone acts for nobody."""
    if action not in ACTIONS:
        abort(404)
    case = _case(token)
    member = signed_in_member()
    if member is None:
        return render_case(token, case, None, texts.PAGE_SIGN_IN_FIRST, status=403)
    services, db, form = get_services(), get_db().session, request.form
    deps, actor, number = services.deps, Actor.squad(member), case.number
    try:
        if action == "accept":
            squad.accept(db, deps, actor, number)
        elif action == "return":
            reason = texts.RETURN_REASONS.get(form.get("reason", ""), texts.RETURN_REASONS["other"])
            squad.return_case(db, deps, actor, number, " ".join(filter(None, (reason, form.get("note", "").strip()))))
        elif action == "extend":
            days = form.get("days", "")
            if not days.isdigit() or not 1 <= int(days) <= 30 or not form.get("reason", "").strip():
                return render_case(token, case, member, texts.PAGE_EXTEND_NEEDS, status=400)
            squad.request_extension(db, deps, actor, number, int(days), form["reason"].strip())
        else:
            squad.case_of_unit(db, actor, number, "resolve")  # refuse before storing anyone's photos
            for upload in request.files.getlist("photos"):
                data = upload.read()
                if data:
                    store_upload(db, services.settings, data, member.wework_userid, services.clock.now())
            squad.resolve(db, deps, actor, number, form.get("note", "").strip() or "已处置")
    except DomainError as refused:
        db.rollback()
        return render_case(token, case, member, texts.squad_refusal(refused, number), status=403)
    except ImageRejected as rejected:
        db.rollback()
        reason = "too_large" if rejected.too_large else "unreadable"
        return render_case(token, case, member, texts.PAGE_PHOTO_REJECTED[reason], status=400)
    db.commit()
    return redirect(url_for("squad_page.case_page", token=token, done=action))


# -- WeChat Work OAuth ----------------------------------------------------------------------------
@bp.get("/s/<token>/signin")
def sign_in(token: str) -> BaseResponse:
    """To WeChat Work's OAuth page; it comes back to ``/oauth/wework`` with a code (and our state)."""
    _case(token)
    settings = get_services().settings
    state = secrets.token_urlsafe(16)
    session[OAUTH_STATE], session[OAUTH_NEXT] = state, token
    query = urlencode({"appid": settings.wework_corp_id, "redirect_uri": f"{settings.public_base_url}/oauth/wework",
                       "response_type": "code", "scope": "snsapi_base", "state": state,
                       "agentid": settings.wework_agent_id})
    return redirect(f"{settings.wework_oauth_base_url}/connect/oauth2/authorize?{query}#wechat_redirect")


@bp.get("/oauth/wework")
def oauth_return() -> BaseResponse:
    expected, token = session.pop(OAUTH_STATE, None), session.pop(OAUTH_NEXT, None)
    code = request.args.get("code", "")
    if not expected or not token or not secrets.compare_digest(expected, request.args.get("state", "")) or not code:
        abort(403)
    services = get_services()
    try:
        userid = WeWorkClient(services.settings, get_redis()).user_of_code(code)
    except WeChatAPIError:
        abort(403)  # a used or expired code
    if userid is None:
        abort(403)  # not a member of the corp
    session[MEMBER_KEY], session[MEMBER_AT] = userid, services.clock.time()
    return redirect(url_for("squad_page.case_page", token=token))


@bp.get("/s/vendor/leaflet/<path:name>")
def leaflet(name: str) -> Response:
    return send_from_directory(LEAFLET, name, max_age=86400)
