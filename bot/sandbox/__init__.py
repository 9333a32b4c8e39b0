"""The local simulator (``/sandbox/``): a resident's phone and a squad member's WeChat Work, side by side.

Served only while the fake WeChat platform is in use (embedded profile, tests); ``Settings.check``
refuses the fake in production, and ``create_app`` registers this blueprint only with it. Every
action is sealed like WeChat does (``bot.sandbox.phone``) and POSTed over HTTP to our own
``/wechat`` or ``/wework``; what the service sends back out is read from the fake platform.
"""

from __future__ import annotations

import json
import time
from typing import Any

import requests
from flask import Blueprint, Response, abort, jsonify, request, send_from_directory
from sqlalchemy import select

from bot import texts
from bot.extensions import get_db
from bot.models import Grid, Place, Staff, Unit
from bot.sandbox import feed, samples, strip
from bot.sandbox.phone import OfficialAccountSender, WeWorkSender, message_xml
from bot.services import get_services

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox", static_folder="static")

RESIDENTS = [("oSandboxResident000000000001", "市民 张女士"), ("oSandboxResident000000000002", "市民 李先生"),
             ("oSandboxResident000000000003", "市民 王阿姨")]
ACCOUNT = "gh_citybot_sandbox"


def _fake(path: str) -> str:
    return f"{get_services().settings.wechat_api_base_url}{path}"


def _upload(data: bytes, content_type: str) -> str:
    """Put a photo on the fake platform, as a phone upload would, and get its media_id."""
    response = requests.post(_fake("/_fake/media"), data=data, headers={"Content-Type": content_type}, timeout=5)
    response.raise_for_status()
    return response.json()["media_id"]


def _photo_media_id() -> str:
    if "photo" in request.files:
        upload = request.files["photo"]
        return _upload(upload.read(), upload.mimetype or "image/jpeg")
    try:
        return _upload(samples.render(request.form.get("sample", "")), "image/jpeg")
    except KeyError:
        abort(400, "unknown sample photo")


@bp.get("/")
def page() -> Response:
    assert bp.static_folder is not None  # set when the blueprint is created
    return send_from_directory(bp.static_folder, "index.html")


@bp.get("/samples/<name>.jpg")
def sample(name: str) -> Response:
    try:
        return Response(samples.render(name), mimetype="image/jpeg")
    except KeyError:
        abort(404)


@bp.get("/api/config")
def config() -> Response:
    session = get_db().session
    staff = [{"userid": s.wework_userid, "name": s.name, "unit": s.unit_code, "role": s.role,
              "unit_name": (session.get(Unit, s.unit_code) or Unit(name=s.unit_code)).name}
             for s in session.scalars(select(Staff).where(Staff.active).order_by(Staff.unit_code, Staff.role.desc()))]
    samples_list = [{"name": key, "label": label} for key, (label, _) in samples.SAMPLES.items()]
    return jsonify(residents=[{"openid": o, "name": n} for o, n in RESIDENTS], staff=staff, samples=samples_list,
                   tile_url=get_services().settings.sandbox_tile_url)


@bp.get("/api/area")
def area() -> Response:
    """The demo grids (with their squad's code and name, for colours, tooltips and the legend) and named places."""
    session = get_db().session
    squads = {code: name for code, name in session.execute(select(Unit.code, Unit.name))}
    features: list[dict[str, Any]] = [
        {"type": "Feature", "geometry": json.loads(g.geometry),
         "properties": {"kind": "grid", "code": g.code, "name": g.name, "squad": g.squad_code,
                        "squad_name": squads.get(g.squad_code, g.squad_code)}}
        for g in session.scalars(select(Grid).order_by(Grid.code))]
    features += [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [p.lng, p.lat]},
                  "properties": {"kind": "place", "name": p.name}} for p in session.scalars(select(Place))]
    return jsonify(type="FeatureCollection", features=features)


def _post_wechat(fields: dict[str, Any], msg_type: str, openid: str) -> dict[str, Any]:
    settings = get_services().settings
    sender = OfficialAccountSender(settings.wechat_token, settings.wechat_aes_key, settings.wechat_appid)
    encrypted = request.form.get("encrypted") == "1" and sender.crypto is not None
    xml = message_xml(ACCOUNT, openid, msg_type, fields, created=int(time.time()))
    args, body = sender.seal(xml, str(int(time.time())), encrypted=encrypted)
    response = requests.post(f"{request.host_url}wechat", params=args, data=body, timeout=10,
                             headers={"Content-Type": "text/xml"})
    reply = sender.open(response.text, encrypted) if response.ok else {}
    return {"status": response.status_code, "reply": reply.get("Content", ""), "encrypted": encrypted}


@bp.post("/api/resident")
def resident_action() -> Response:
    form = request.form
    openid, kind = form.get("openid", RESIDENTS[0][0]), form.get("kind", "text")
    if kind == "text":
        result = _post_wechat({"Content": form.get("content", "")}, "text", openid)
    elif kind == "image":
        result = _post_wechat({"PicUrl": "http://sandbox/pic", "MediaId": _photo_media_id()}, "image", openid)
    elif kind == "location":
        result = _post_wechat({"Location_X": form["lat"], "Location_Y": form["lng"], "Scale": "16",
                               "Label": form.get("label", "")}, "location", openid)
    elif kind == "click":
        result = _post_wechat({"Event": "CLICK", "EventKey": form.get("key", "HELP")}, "event", openid)
    elif kind in ("subscribe", "unsubscribe"):
        result = _post_wechat({"Event": kind}, "event", openid)
    else:
        abort(400, "unknown action")
    return jsonify(result)


@bp.post("/api/squad")
def squad_action() -> Response:
    settings = get_services().settings
    form = request.form
    sender = WeWorkSender(settings.wework_token, settings.wework_aes_key, settings.wework_corp_id,
                          settings.wework_agent_id)
    userid, kind = form.get("userid", ""), form.get("kind", "text")
    if kind == "click":
        return _click(userid, form)
    if kind == "text":
        msg_type, fields = "text", {"Content": form.get("content", "")}
    elif kind == "image":
        msg_type, fields = "image", {"PicUrl": "http://sandbox/pic", "MediaId": _photo_media_id()}
    else:
        abort(400, "unknown action")
    xml = message_xml(settings.wework_corp_id, userid, msg_type, fields, created=int(time.time()),
                      agent_id=settings.wework_agent_id)
    args, body = sender.seal(xml, str(int(time.time())))
    response = requests.post(f"{request.host_url}wework", params=args, data=body, timeout=10,
                             headers={"Content-Type": "text/xml"})
    reply = sender.open(response.text) if response.ok else {}
    return jsonify(status=response.status_code, reply=reply.get("Content", ""))


def _click(userid: str, form: Any) -> Response:
    """A tap on a card's button: WeChat Work (the fake platform) posts the encrypted template_card_event to
    this app's real ``/wework`` (told where that is first: the simulator knows its own address)."""
    settings = get_services().settings
    requests.post(_fake("/_fake/wework/callback"), timeout=5, json={
        "url": f"{request.host_url}wework", "token": settings.wework_token, "aes_key": settings.wework_aes_key,
        "corp_id": settings.wework_corp_id, "agent_id": settings.wework_agent_id})
    selected = {texts.RETURN_QUESTION: form["reason"]} if form.get("reason") else {}
    response = requests.post(_fake("/_fake/wework/click"), timeout=15, json={
        "userid": userid, "task_id": form.get("task_id", ""), "key": form.get("key", ""), "selected": selected,
        "timestamp": int(get_services().clock.time())})
    if not response.ok:
        abort(400, response.json().get("error", "card unknown"))
    answer = response.json()
    return jsonify(status=answer["statuses"][0], reply="", response_code=answer["response_code"])


def _feed(wanted: feed.Wanted) -> Response:
    since, mark = request.args.get("since", "0"), request.args.get("mark", "0")
    try:
        found = feed.read(_fake(""), int(since), float(mark), wanted)
    except ValueError:
        abort(400, "since and mark are numbers")
    return jsonify(bubbles=found.bubbles, last=found.last, mark=found.mark, restarted=found.restarted)


@bp.get("/api/feed/resident")
def resident_feed() -> Response:
    """What the service pushed to this resident after call ``since`` (customer-service and template messages)."""
    return _feed(feed.to_resident(request.args.get("openid", "")))


@bp.get("/api/feed/squad")
def squad_feed() -> Response:
    """What reached this member's WeChat Work after call ``since``: to them or to their department."""
    staff = get_db().session.get(Staff, request.args.get("userid", ""))
    if staff is None:
        abort(404)
    party = get_db().session.get_one(Unit, staff.unit_code).wework_party_id
    return _feed(feed.to_member(staff.wework_userid, party))


@bp.get("/api/media/<media_id>")
def media(media_id: str) -> Response:
    response = requests.get(_fake(f"/_fake/media/{media_id}"), timeout=5)
    if response.status_code != 200:
        abort(404)
    return Response(response.content, mimetype=response.headers.get("Content-Type", "image/jpeg"))


@bp.get("/api/status")
def status() -> Response:
    """The "刚刚发生" strip: the case the last action on screen concerned."""
    session = get_db().session
    case = strip.focus_case(session, request.args.get("openid", ""), request.args.get("userid", ""))
    return jsonify(case=strip.describe(session, get_services(), case) if case else None)
