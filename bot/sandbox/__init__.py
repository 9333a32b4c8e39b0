"""The local simulator (``/sandbox/``): a resident's phone and a squad member's WeChat Work, side by side.

Served only while the fake WeChat platform is in use (embedded profile, tests); ``Settings.check``
refuses the fake in production, and ``create_app`` registers this blueprint only with it. Every
action is sealed like WeChat does (``bot.sandbox.phone``) and POSTed over HTTP to our own
``/wechat`` or ``/wework``; what the service sends back out is read from the fake platform.
"""

from __future__ import annotations

import time
from typing import Any

import requests
from flask import Blueprint, Response, abort, jsonify, request, send_from_directory
from sqlalchemy import select

from bot import texts
from bot.extensions import get_db
from bot.models import Case, Grid, Place, Staff, Unit
from bot.sandbox import samples
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
    import json

    session = get_db().session
    features: list[dict[str, Any]] = [
        {"type": "Feature", "geometry": json.loads(g.geometry),
         "properties": {"kind": "grid", "code": g.code, "name": g.name, "squad": g.squad_code}}
        for g in session.scalars(select(Grid))]
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


def _bubble(call: dict[str, Any]) -> dict[str, Any]:
    body = call["body"] if isinstance(call["body"], dict) else {}
    kind = body.get("msgtype") or ("template" if "template_id" in body else "text")
    bubble: dict[str, Any] = {"seq": call["seq"], "at": call["at"], "kind": kind}
    if kind == "text":
        bubble["text"] = body["text"]["content"]
    elif kind == "image":
        bubble["image"] = f"/sandbox/api/media/{body['image']['media_id']}"
    elif kind == "textcard":
        card = body["textcard"]
        bubble.update(title=card["title"], description=card["description"], url=card["url"])
    elif kind == "template":
        bubble.update(kind="text", text="【模板消息】" + body["data"]["keyword1"]["value"])
    return bubble


@bp.get("/api/feed")
def feed() -> Response:
    """What the service pushed to this resident and this member since ``since`` (fake platform calls)."""
    since = request.args.get("since", "0")
    openid, userid = request.args.get("openid", ""), request.args.get("userid", "")
    calls = requests.get(_fake("/_fake/calls"), params={"since": since}, timeout=5).json()["calls"]
    staff = get_db().session.get(Staff, userid) if userid else None
    party = (get_db().session.get_one(Unit, staff.unit_code).wework_party_id if staff else None) or "-"
    resident, squad, last = [], [], int(since)
    for call in calls:
        last = max(last, call["seq"])
        body = call["body"] if isinstance(call["body"], dict) else {}
        if call["path"] in ("/cgi-bin/message/custom/send", "/cgi-bin/message/template/send"):
            if body.get("touser") == openid:
                resident.append(_bubble(call))
        elif call["path"] == "/cgi-bin/message/send":
            if userid in str(body.get("touser", "")).split("|") or party in str(body.get("toparty", "")).split("|"):
                squad.append(_bubble(call))
    return jsonify(last=last, resident=resident, squad=squad)


@bp.get("/api/media/<media_id>")
def media(media_id: str) -> Response:
    response = requests.get(_fake(f"/_fake/media/{media_id}"), timeout=5)
    if response.status_code != 200:
        abort(404)
    return Response(response.content, mimetype=response.headers.get("Content-Type", "image/jpeg"))


@bp.get("/api/status")
def status() -> Response:
    """The "what just happened" strip: the resident's latest case."""
    from bot.models import Resident

    session = get_db().session
    services = get_services()
    resident = session.scalar(select(Resident).where(Resident.openid == request.args.get("openid", "")))
    case = session.scalar(select(Case).where(Case.reporter_id == resident.id).order_by(Case.id.desc())) \
        if resident else None
    if case is None:
        return jsonify(case=None)
    taxonomy, code = services.understanding.taxonomy, case.category_code
    grid = session.get(Grid, case.grid_code) if case.grid_code else None
    unit = session.get(Unit, case.unit_code) if case.unit_code else None
    return jsonify(case={
        "number": case.number, "state": texts.STATE_LABELS.get(case.state, case.state),
        "category": taxonomy[code].name if code is not None and code in taxonomy else None,
        "grid": grid.name if grid else None, "unit": unit.name if unit else case.unit_code,
        "deadline": texts.local_time(case.deadline, services.settings.timezone) if case.deadline else None,
        "triage": case.triage_reason, "merged_into": case.merged_into.number if case.merged_into else None,
        "console": None,  # the bureau console arrives with a later issue
    })
