"""The fake platform's HTTP API: the WeChat endpoints the service calls, plus ``/_fake`` controls.

Real endpoints (same paths, parameters and JSON shapes as api.weixin.qq.com and
qyapi.weixin.qq.com; one fake serves both, telling them apart by path and credentials):
official account: ``GET /cgi-bin/token``, ``POST /cgi-bin/stable_token``, ``GET /cgi-bin/media/get``,
``POST /cgi-bin/media/upload``, ``POST /cgi-bin/message/custom/send``,
``POST /cgi-bin/message/template/send`` and ``subscribe/bizsend`` (``residents``), mass sending with user tags
(``mass``); WeChat Work: ``GET /cgi-bin/gettoken``, ``POST /cgi-bin/message/send`` (text, textcard, file …),
button cards, their updates and OAuth (``wework``), ``POST /cgi-bin/media/upload`` (type image, voice, video or
file: the name members see is the multipart ``filename``) and the shared ``media/get``. A multipart upload is
recorded as ``{field: {"filename", "content_type", "size"}}`` (not its bytes).

Controls for tests and the simulator: ``POST /_fake/media`` (store a file, get a media_id as a
phone upload would), ``GET /_fake/calls`` (what the service sent), ``POST /_fake/fault`` (make
the next N calls of a path fail with an errcode or HTTP status, be carried out and lose their answer, or
answer late), ``POST /_fake/mass-finish`` (post a job's MASSSENDJOBFINISH to a webhook), ``POST /_fake/expire-tokens``,
``POST /_fake/reset``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping

from flask import Blueprint, Flask, Response, g, jsonify, request

from bot.wechat.fake import residents, wework
from bot.wechat.fake.common import body_json, error, state, uploads
from bot.wechat.fake.state import FakeState, Fault

api = Blueprint("fake_api", __name__)
controls = Blueprint("fake_controls", __name__, url_prefix="/_fake")


@api.before_request
def record_and_inject() -> Response | None:
    params = dict(request.args)
    st = state()
    g.call = st.record(request.path, params, body_json() if request.mimetype != "multipart/form-data" else uploads())
    fault = st.take_fault(request.path)
    if fault is not None and fault.delay:
        g.delay = fault.delay  # carried out below, answered late (``lose_answer``)
    elif fault is not None and fault.lose_answer:
        g.lose_answer = True  # carried out below; the answer is lost on the way back
    elif fault is not None:
        if fault.status != 200:
            return Response("fake outage", status=fault.status)
        return error(fault.errcode, "injected fault")
    if request.path not in {"/cgi-bin/token", "/cgi-bin/stable_token", "/cgi-bin/gettoken",
                            "/connect/oauth2/authorize"}:
        if params.get("access_token") not in st.tokens:
            return error(40001, "invalid credential, access_token is invalid or not latest")
    return None


@api.after_request
def lose_answer(response: Response) -> Response:
    if g.get("delay"):
        time.sleep(g.delay)  # the caller may have given up by now; the call was carried out all the same
    return Response("fake outage after the call was carried out", status=502) if g.get("lose_answer") else response


@api.get("/cgi-bin/token")
def token() -> Response:
    appid, secret = request.args.get("appid", ""), request.args.get("secret", "")
    if state().apps.get(appid) != secret:
        return error(40125, "invalid appsecret")
    return jsonify(access_token=state().issue_token(appid, reuse=False), expires_in=7200)


@api.post("/cgi-bin/stable_token")
def stable_token() -> Response:
    data = body_json()
    if not isinstance(data, dict) or state().apps.get(data.get("appid", "")) != data.get("secret"):
        return error(40125, "invalid appsecret")
    token = state().issue_token(data["appid"], reuse=not data.get("force_refresh"))
    return jsonify(access_token=token, expires_in=7200)


@api.get("/cgi-bin/gettoken")
def wework_token() -> Response:
    corpid, secret = request.args.get("corpid", ""), request.args.get("corpsecret", "")
    if state().apps.get(corpid) != secret:
        return error(40001, "invalid corpsecret")
    state().corps.add(corpid)
    return jsonify(errcode=0, errmsg="ok", access_token=state().issue_token(corpid, reuse=True), expires_in=7200)


@api.post("/cgi-bin/message/send")
def wework_message_send() -> Response:
    data = body_json()
    if not isinstance(data, dict) or not data.get("msgtype") or not data.get("agentid"):
        return error(40008, "invalid message type or agentid")
    if not (data.get("touser") or data.get("toparty") or data.get("totag")):
        return error(40003, "invalid receiver")
    if "toparty" in data and data["toparty"] and not all(p.isdigit() for p in str(data["toparty"]).split("|")):
        return error(60123, "invalid party id")
    if data["msgtype"] in ("image", "voice", "video", "file"):
        media = data.get(data["msgtype"])
        if not isinstance(media, dict) or media.get("media_id") not in state().media:
            return error(40007, "invalid media_id")
    if data.get("enable_duplicate_check"):
        # The same content to the same receivers within the interval (default 1800 s, at most 4 h) is
        # answered ok and not delivered again (before any other check: a retried card keeps its task_id).
        interval = min(int(data.get("duplicate_check_interval") or 1800), 4 * 3600)
        content = json.dumps({k: v for k, v in data.items() if k not in DUPLICATE_CHECK_FIELDS}, sort_keys=True)
        if not state().first_within(content, interval, time.time()):
            g.call["duplicate"] = True  # the log shows the call; nobody received it
            return jsonify(errcode=0, errmsg="ok", invaliduser="", invalidparty="", msgid=f"fake{len(state().calls)}")
    if data["msgtype"] == "template_card" and (refused := wework.check_template_card(data)) is not None:
        return refused
    if wework.over_member_limit(wework.recipients(data)):
        return error(45009, "api freq out of limit")
    extra = {"response_code": wework.remember_card(data)} if data["msgtype"] == "template_card" else {}
    return jsonify(errcode=0, errmsg="ok", invaliduser="", invalidparty="", msgid=f"fake{len(state().calls)}", **extra)


DUPLICATE_CHECK_FIELDS = {"enable_duplicate_check", "duplicate_check_interval"}


@api.get("/cgi-bin/media/get")
def media_get() -> Response:
    found = state().media.get(request.args.get("media_id", ""))
    if found is None:
        return error(40007, "invalid media_id")
    data, content_type = found
    return Response(data, content_type=content_type)


WEWORK_MEDIA_LIMITS = {"image": 10 << 20, "voice": 2 << 20, "video": 10 << 20, "file": 20 << 20}


@api.post("/cgi-bin/media/upload")
def media_upload() -> Response:
    """The official account's and WeChat Work's temporary media upload (told apart by the token's owner)."""
    upload = request.files.get("media")
    if upload is None:
        return error(41005, "media data missing")
    data, kind = upload.read(), request.args.get("type", "")
    if state().is_corp_token(request.args.get("access_token", "")):
        if kind not in WEWORK_MEDIA_LIMITS:
            return error(40004, "invalid media type")
        if len(data) <= 5 or len(data) > WEWORK_MEDIA_LIMITS[kind]:
            return error(40006, "invalid file size")
        media_id = state().add_media(data, upload.mimetype or "application/octet-stream")
        return jsonify(errcode=0, errmsg="", type=kind, media_id=media_id, created_at=str(int(time.time())))
    media_id = state().add_media(data, upload.mimetype or "application/octet-stream")
    return jsonify(type=kind or "image", media_id=media_id, created_at=0)


@api.post("/cgi-bin/message/custom/send")
def message_send() -> Response:
    data = body_json()
    if not isinstance(data, dict) or not data.get("touser"):
        return error(40003, "invalid openid")
    return jsonify(errcode=0, errmsg="ok", msgid=len(state().calls))


@controls.post("/media")
def control_media() -> Response:
    upload = request.files.get("media")
    if upload is not None:
        data, content_type = upload.read(), upload.mimetype
    else:
        data, content_type = request.get_data(), request.content_type or "application/octet-stream"
    return jsonify(media_id=state().add_media(data, content_type))


@controls.get("/media/<media_id>")
def control_media_get(media_id: str) -> Response:
    """The raw bytes of any media the fake holds (what a phone would display), for the simulator."""
    found = state().media.get(media_id)
    if found is None:
        return Response("no such media", status=404)
    return Response(found[0], content_type=found[1])


@controls.get("/calls")
def control_calls() -> Response:
    path = request.args.get("path")
    since = int(request.args.get("since", 0))
    calls = [c for c in state().calls if c["seq"] > since and (path is None or c["path"] == path)]
    return jsonify(calls=calls)


@controls.post("/fault")
def control_fault() -> Response:
    data = request.get_json(force=True)
    state().faults[data["path"]] = Fault(
        errcode=int(data.get("errcode", -1)), status=int(data.get("status", 200)), times=int(data.get("times", 1)),
        lose_answer=bool(data.get("lose_answer", False)), delay=float(data.get("delay", 0)),
    )
    return jsonify(ok=True)


@controls.post("/expire-tokens")
def control_expire_tokens() -> Response:
    with state().lock:
        state().tokens.clear()
    return jsonify(ok=True)


@controls.post("/reset")
def control_reset() -> Response:
    state().reset()
    return jsonify(ok=True)


HOME_PAGE = (
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width,initial-scale=1"><title>模拟微信平台 · 有问题发微信</title>'
    "<style>body{font:16px/1.6 sans-serif;max-width:34em;margin:10vh auto;padding:0 1em;color:#222}"
    "code{color:#555}.muted{color:#888;font-size:14px}</style>"
    "<h1>模拟微信平台</h1>"
    "<p>这是“有问题发微信”在本机和测试中使用的模拟微信平台：它代替微信公众平台和企业微信的接口，"
    "记录服务发出的每条消息，不连接真正的微信。</p>"
    "<p>请打开服务的模拟器页面（服务地址后加 <code>/sandbox/</code>，例如 <code>http://127.0.0.1:5000/sandbox/</code>），"
    "以市民和中队队员的身份体验。</p>"
    '<p class="muted">接口：与微信相同的 <code>/cgi-bin/…</code>；调试用 <code>/_fake/calls</code>（已发出的消息）。</p>'
    "</html>"
)


def home() -> Response:
    """The root: what this is, in Chinese, for whoever opens the fake's address in a browser."""
    return Response(HOME_PAGE, mimetype="text/html")


def create_fake_platform(apps: Mapping[str, str]) -> Flask:
    """A fake platform that knows the given {appid or corpid: secret} pairs."""
    from bot.wechat.fake import mass  # noqa: F401 - adds the mass-send, tag and material routes to the blueprints

    app = Flask(__name__)
    app.extensions["fake_state"] = FakeState(apps=dict(apps))
    app.add_url_rule("/", "home", home)
    app.register_blueprint(api)
    app.register_blueprint(controls)
    for part in (wework.api, residents.api):
        part.before_request(record_and_inject)
        app.register_blueprint(part)
    app.register_blueprint(wework.controls)
    app.register_blueprint(residents.controls)
    return app
