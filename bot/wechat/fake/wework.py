"""The fake's WeChat Work side beyond plain messages: button cards, their clicks, card updates, OAuth.

Real endpoints (as qyapi.weixin.qq.com and open.weixin.qq.com document them):
``POST /cgi-bin/message/send`` with ``template_card`` (``button_interaction``: unique ``task_id``, button
keys; answers a ``response_code``), ``POST /cgi-bin/message/update_template_card`` (a ``response_code`` works
once, for 72 hours: 40058 otherwise), ``GET /connect/oauth2/authorize`` (redirects to ``redirect_uri`` with
``code`` and ``state``), ``GET /cgi-bin/auth/getuserinfo`` (a code works once, for 5 minutes: 40029 otherwise).
At most ``member_limit`` messages a minute reach one member: beyond, 45009 (``api freq out of limit``).

Controls: ``POST /_fake/wework/callback`` (where the app's ``/wework`` is, its token and AES key),
``POST /_fake/wework/click`` (a member taps a card button: the fake posts the encrypted
``template_card_event`` to the callback, ``times`` times as WeChat Work's retries do),
``POST /_fake/wework/departments`` ({party id: [userids]}), ``POST /_fake/wework/member-limit``,
``GET /_fake/wework/signin`` (which member this browser is, for the OAuth page).
"""

from __future__ import annotations

import re
import secrets
import time
from html import escape
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from flask import Blueprint, Response, jsonify, redirect, request
from wechatpy.enterprise.crypto import WeChatCrypto as WeWorkCrypto
from werkzeug.wrappers import Response as BaseResponse

from bot.wechat.fake.common import body_json, error, state
from bot.wechat.messages import parse_xml

api = Blueprint("fake_wework", __name__)
controls = Blueprint("fake_wework_controls", __name__, url_prefix="/_fake/wework")
RESPONSE_CODE_SECONDS = 72 * 3600
OAUTH_CODE_SECONDS = 300
TASK_ID = re.compile(r"^[A-Za-z0-9_\-@]{1,128}$")
SIGNIN_COOKIE = "fake_wework_userid"




# -- message/send: what a card must be, and the per-member limit ----------------------------------
def check_template_card(data: dict[str, Any]) -> Response | None:
    """A ``button_interaction`` card as WeChat Work checks it; None when acceptable."""
    card = data.get("template_card")
    if not isinstance(card, dict) or card.get("card_type") not in {"button_interaction", "text_notice"}:
        return error(40008, "invalid template_card card_type")
    if not (card.get("main_title") or {}).get("title"):
        return error(40058, "template_card.main_title.title missing")
    if card["card_type"] == "button_interaction":
        task_id = str(card.get("task_id", ""))
        if not TASK_ID.match(task_id):
            return error(40058, "template_card.task_id invalid")
        if task_id in state().cards:
            return error(40058, "template_card.task_id already used")
        buttons = card.get("button_list") or []
        if not 1 <= len(buttons) <= 6:
            return error(40058, "template_card.button_list needs 1 to 6 buttons")
        for button in buttons:
            if button.get("type") == 1 and not button.get("url") or button.get("type", 0) == 0 and not button.get("key"):
                return error(40058, "template_card.button_list: key or url missing")
    return None


def recipients(data: dict[str, Any]) -> list[str]:
    """The members a message reaches: ``touser`` and the members of ``toparty`` the fake was told about."""
    users = [u for u in str(data.get("touser") or "").split("|") if u]
    for party in str(data.get("toparty") or "").split("|"):
        users += state().departments.get(party.strip(), [])
    return list(dict.fromkeys(users))


def over_member_limit(users: list[str]) -> bool:
    """Count one message to each of ``users``; True (nothing counted) if one of them had ``member_limit``
    messages in the last minute already."""
    st = state()
    if st.member_limit is None:
        return False
    now = time.time()
    with st.lock:
        recent = {u: [t for t in st.member_sends.get(u, []) if t > now - 60] for u in users}
        if any(len(times) >= st.member_limit for times in recent.values()):
            return True
        for user, times in recent.items():
            st.member_sends[user] = times + [now]
    return False


def remember_card(data: dict[str, Any]) -> str:
    """Store a sent button card; the ``response_code`` the send answers (usable once, for an update)."""
    card = data["template_card"]
    st = state()
    with st.lock:
        st.cards[card["task_id"]] = {"card": card, "touser": data.get("touser", ""), "toparty": data.get("toparty", "")}
    return st.issue_code(st.response_codes, [time.time(), False, card["task_id"]])


# -- update_template_card -------------------------------------------------------------------------
@api.post("/cgi-bin/message/update_template_card")
def update_template_card() -> Response:
    data = body_json()
    if not isinstance(data, dict) or not data.get("agentid"):
        return error(40056, "invalid agentid")
    st = state()
    with st.lock:
        entry = st.response_codes.get(str(data.get("response_code", "")))
        if entry is None or entry[1] or time.time() - entry[0] > RESPONSE_CODE_SECONDS:
            return error(40058, "invalid response_code: unknown, used or older than 72 hours")
        if not data.get("atall") and not (data.get("userids") or data.get("partyids") or data.get("tagids")):
            return error(40058, "no receiver: userids, partyids, tagids or atall")
        if not (data.get("button") or {}).get("replace_name") and not data.get("template_card"):
            return error(40058, "button.replace_name or template_card required")
        entry[1] = True
    return Response('{"errcode":0,"errmsg":"ok","invaliduser":[]}', mimetype="application/json")


# -- OAuth ----------------------------------------------------------------------------------------
SIGNIN_PAGE = (
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" '
    'content="width=device-width,initial-scale=1"><title>企业微信登录（模拟）</title>'
    "<style>body{{font:16px/1.6 sans-serif;max-width:26em;margin:10vh auto;padding:0 1em}}</style>"
    "<h1>请在企业微信客户端打开链接</h1><p>模拟平台：输入企业微信账号（userid），以该成员身份继续。</p>"
    '<form action="/_fake/wework/signin"><input name="userid" required><input type="hidden" name="next" '
    'value="{next}"> <button>继续</button></form></html>'
)


@api.get("/connect/oauth2/authorize")
def oauth_authorize() -> BaseResponse:
    """WeChat Work's OAuth page: the member signed in on this phone goes back with a code and the state."""
    args = request.args
    st = state()
    if args.get("appid") not in st.apps or args.get("response_type") != "code" or not args.get("redirect_uri"):
        return Response("参数错误", status=400, mimetype="text/plain")
    userid = request.cookies.get(SIGNIN_COOKIE)
    if not userid:  # a browser outside WeChat Work: nobody to vouch for
        return Response(SIGNIN_PAGE.format(next=escape(request.url)), mimetype="text/html")
    code = st.issue_code(st.oauth_codes, (userid, time.time()))
    target = urlsplit(args["redirect_uri"])
    query = "&".join(q for q in (target.query, urlencode({"code": code, "state": args.get("state", "")})) if q)
    return redirect(urlunsplit((target.scheme, target.netloc, target.path, query, "")))


@api.get("/cgi-bin/auth/getuserinfo")
def oauth_user() -> Response:
    st = state()
    with st.lock:
        found = st.oauth_codes.pop(request.args.get("code", ""), None)
    if found is None or time.time() - found[1] > OAUTH_CODE_SECONDS:
        return error(40029, "invalid code")
    return jsonify(errcode=0, errmsg="ok", userid=found[0], user_ticket=secrets.token_urlsafe(16))


# -- controls -------------------------------------------------------------------------------------
@controls.get("/signin")
def control_signin() -> BaseResponse:
    """This browser is the phone of ``userid`` (empty: nobody); then on to ``next``."""
    response = redirect(request.args.get("next") or "/")
    if request.args.get("userid"):
        response.set_cookie(SIGNIN_COOKIE, request.args["userid"], httponly=True)
    else:
        response.delete_cookie(SIGNIN_COOKIE)
    return response


@controls.post("/callback")
def control_callback() -> Response:
    data = request.get_json(force=True)
    with state().lock:
        state().callback.update({k: str(data[k]) for k in ("url", "token", "aes_key", "corp_id", "agent_id")})
    return Response('{"ok":true}', mimetype="application/json")


@controls.post("/departments")
def control_departments() -> Response:
    data = request.get_json(force=True)
    with state().lock:
        state().departments.update({str(k): list(v) for k, v in data.items()})
    return Response('{"ok":true}', mimetype="application/json")


@controls.post("/member-limit")
def control_member_limit() -> Response:
    value = request.get_json(force=True).get("per_minute")
    with state().lock:
        state().member_limit = int(value) if value else None
        state().member_sends.clear()
    return Response('{"ok":true}', mimetype="application/json")


@controls.post("/click")
def control_click() -> Response | tuple[Response, int]:
    """A member taps a button of card ``task_id``: WeChat Work posts ``template_card_event`` to the app.

    Body: ``userid``, ``task_id``, ``key``, optional ``selected`` ({question_key: option_id}), ``times``
    (deliveries of the same event, as WeChat Work retries), ``timestamp`` (the member's clock).
    """
    data = request.get_json(force=True)
    st = state()
    sent = st.cards.get(str(data.get("task_id", "")))
    if sent is None or not st.callback:
        return jsonify(error="unknown task_id or no callback configured"), 404
    keys = [b.get("key") for b in sent["card"].get("button_list", [])]
    if data.get("key") not in keys:
        return jsonify(error="no such button"), 400
    code = st.issue_code(st.response_codes, [time.time(), False, sent["card"]["task_id"]])
    created = int(data.get("timestamp") or time.time())
    xml = click_xml(st.callback, str(data["userid"]), sent["card"], str(data["key"]), code, created,
                    data.get("selected") or {})
    statuses = [post_callback(st.callback, xml, created) for _ in range(int(data.get("times", 1)))]
    return jsonify(response_code=code, statuses=statuses)


def click_xml(callback: dict[str, str], userid: str, card: dict[str, Any], key: str, code: str, created: int,
              selected: dict[str, str]) -> str:
    items = "".join(
        f"<SelectedItem><QuestionKey><![CDATA[{escape(q)}]]></QuestionKey><OptionIds><OptionId><![CDATA[{escape(o)}]]>"
        f"</OptionId></OptionIds></SelectedItem>" for q, o in selected.items())
    return (f"<xml><ToUserName><![CDATA[{callback['corp_id']}]]></ToUserName><FromUserName><![CDATA[{escape(userid)}]]>"
            f"</FromUserName><CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[{escape(key)}]]></EventKey>"
            f"<TaskId><![CDATA[{escape(card['task_id'])}]]></TaskId><CardType><![CDATA[{card['card_type']}]]>"
            f"</CardType><ResponseCode><![CDATA[{code}]]></ResponseCode><AgentID>{callback['agent_id']}</AgentID>"
            + (f"<SelectedItems>{items}</SelectedItems>" if items else "") + "</xml>")


def post_callback(callback: dict[str, str], xml: str, created: int) -> int:
    """POST ``xml`` encrypted to the app's callback URL as WeChat Work does; the HTTP status."""
    crypto = WeWorkCrypto(callback["token"], callback["aes_key"], callback["corp_id"])
    nonce = str(secrets.randbelow(10**9))
    sealed = parse_xml(crypto.encrypt_message(xml, nonce, str(created)))
    body = (f"<xml><ToUserName><![CDATA[{callback['corp_id']}]]></ToUserName><AgentID><![CDATA[{callback['agent_id']}]]>"
            f"</AgentID><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>")
    params = {"msg_signature": sealed["MsgSignature"], "timestamp": str(created), "nonce": nonce}
    return requests.post(callback["url"], params=params, data=body.encode(), timeout=10,
                         headers={"Content-Type": "text/xml"}).status_code
