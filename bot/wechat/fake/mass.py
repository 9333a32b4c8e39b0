"""The fake platform's mass sending (群发), user tags and permanent material, as WeChat documents them.

``POST /cgi-bin/tags/create``, ``/cgi-bin/tags/members/batchtagging`` and ``batchuntagging`` (≤ 50 openids),
``/cgi-bin/message/mass/sendall`` (``filter.is_to_all`` or ``filter.tag_id``), ``/cgi-bin/message/mass/send``
(2 to 10,000 openids), ``/cgi-bin/message/mass/preview``, ``/cgi-bin/material/add_material``. A repeated
``clientmsgid`` answers errcode 45065 with the earlier job's ``msg_id`` and sends nothing.

``POST /_fake/mass-finish`` posts a job's ``MASSSENDJOBFINISH`` event to a webhook, signed with its token, as
WeChat does once a job has run; ``GET /_fake/mass-jobs`` lists the jobs; ``POST /_fake/followers`` says whom
``is_to_all`` reaches.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import requests
from flask import Response, jsonify, request

from bot.wechat.envelope import sign
from bot.wechat.fake.app import api, body_json, controls, error, state
from bot.wechat.fake.state import MassJob

TAG_NAME_MAX = 30
TAGS_MAX = 100
TEXT_MAX_BYTES = 2048


def _json_body() -> dict[str, Any] | None:
    data = body_json()
    return data if isinstance(data, dict) else None


@api.post("/cgi-bin/tags/create")
def tags_create() -> Response:
    data = _json_body()
    name = str(((data or {}).get("tag") or {}).get("name") or "")
    if not name:
        return error(45158, "tag name is empty")
    if len(name) > TAG_NAME_MAX:
        return error(45158, "tag name too long")
    st = state()
    with st.lock:
        if name in st.tags.values():
            return error(45157, "invalid tag name: exists")
        if len(st.tags) >= TAGS_MAX:
            return error(45056, "too many tags")
        tag_id = 100 + len(st.tags) + 1
        st.tags[tag_id] = name
        st.tag_members[tag_id] = set()
    return jsonify(tag={"id": tag_id, "name": name})


@api.post("/cgi-bin/tags/members/batchtagging")
@api.post("/cgi-bin/tags/members/batchuntagging")
def tags_members() -> Response:
    data = _json_body() or {}
    openids, tag_id = data.get("openid_list"), data.get("tagid")
    if not isinstance(openids, list) or not openids or len(openids) > 50:
        return error(40032, "invalid openid list size")
    st = state()
    with st.lock:
        if tag_id not in st.tags:
            return error(45159, "invalid tag id")
        members = st.tag_members[tag_id]
        if request.path.endswith("batchtagging"):
            members.update(openids)
        else:
            members.difference_update(openids)
    return jsonify(errcode=0, errmsg="ok")


def _content_error(data: dict[str, Any]) -> Response | None:
    msgtype = data.get("msgtype")
    if msgtype == "text":
        content = str((data.get("text") or {}).get("content") or "")
        if not content:
            return error(44003, "empty content")
        if len(content.encode()) > TEXT_MAX_BYTES:
            return error(45002, "content size out of limit")
        return None
    if msgtype == "image":
        ids = (data.get("images") or {}).get("media_ids") or []
        if not ids or any(i not in state().media for i in ids):
            return error(40007, "invalid media_id")
        return None
    return error(40008, "invalid message type")


def _accepted(job: MassJob, repeated: bool) -> Response:
    if repeated:
        return jsonify(errcode=45065, errmsg="clientmsgid exist", msg_id=job.msg_id, msg_data_id=job.msg_data_id)
    return jsonify(errcode=0, errmsg="send job submission success", msg_id=job.msg_id, msg_data_id=job.msg_data_id)


@api.post("/cgi-bin/message/mass/sendall")
def mass_sendall() -> Response:
    data = _json_body() or {}
    target = data.get("filter")
    if not isinstance(target, dict):
        return error(40003, "filter missing")
    wrong = _content_error(data)
    if wrong is not None:
        return wrong
    st = state()
    if target.get("is_to_all"):
        openids = sorted(st.followers)
    else:
        tag_id = target.get("tag_id")  # group_id (wechatpy 1.8.18) is not a field of this API any more
        if tag_id not in st.tags:
            return error(45159, "invalid tag id")
        openids = sorted(st.tag_members[tag_id])
    return _accepted(*st.mass_job(data.get("clientmsgid"), openids, data["msgtype"]))


@api.post("/cgi-bin/message/mass/send")
def mass_send() -> Response:
    data = _json_body() or {}
    openids = data.get("touser")
    if not isinstance(openids, list) or not 2 <= len(openids) <= 10_000:
        return error(40130, "invalid openid list size, at least two openid")
    wrong = _content_error(data)
    if wrong is not None:
        return wrong
    return _accepted(*state().mass_job(data.get("clientmsgid"), list(openids), data["msgtype"]))


@api.post("/cgi-bin/message/mass/preview")
def mass_preview() -> Response:
    data = _json_body() or {}
    if not data.get("touser") and not data.get("towxname"):
        return error(40003, "invalid openid")
    wrong = _content_error(data)
    if wrong is not None:
        return wrong
    return jsonify(errcode=0, errmsg="preview success", msg_id=int(time.time()))


@api.post("/cgi-bin/material/add_material")
def add_material() -> Response:
    upload = request.files.get("media")
    if upload is None:
        return error(41005, "media data missing")
    if request.args.get("type") not in ("image", "voice", "video", "thumb"):
        return error(40004, "invalid media type")
    media_id = state().add_media(upload.read(), upload.mimetype or "application/octet-stream")
    return jsonify(media_id=media_id, url=f"http://mmbiz.qpic.cn/fake/{media_id}")


@controls.get("/mass-jobs")
def control_mass_jobs() -> Response:
    """The mass-send jobs WeChat would have run (a repeated clientmsgid adds none)."""
    return jsonify(jobs=[{"msg_id": j.msg_id, "msg_data_id": j.msg_data_id, "clientmsgid": j.clientmsgid,
                          "openids": j.openids, "msgtype": j.msgtype} for j in state().mass_jobs.values()])


@controls.post("/followers")
def control_followers() -> Response:
    """The openids a send to all followers reaches (a fake has no follower list of its own)."""
    openids = request.get_json(force=True).get("openids", [])
    with state().lock:
        state().followers.update(openids)
    return jsonify(ok=True, followers=len(state().followers))


@controls.post("/mass-finish")
def control_mass_finish() -> Response:
    """Post ``MASSSENDJOBFINISH`` for job ``msg_id`` to ``url`` (plain mode, signed with ``token``).

    ``filtered``: recipients WeChat dropped (e.g. past their 4 a month); ``errors``: sends that failed.
    """
    data = request.get_json(force=True)
    job = state().mass_jobs.get(int(data["msg_id"]))
    if job is None:
        return Response("no such job", status=404)
    total = len(job.openids)
    filtered = total - int(data.get("filtered", 0))
    errors = int(data.get("errors", 0))
    fields = {"MsgID": job.msg_id, "Status": data.get("status", "send success"), "TotalCount": total,
              "FilterCount": filtered, "SentCount": filtered - errors, "ErrorCount": errors}
    created = int(data.get("timestamp") or time.time())
    body = "".join(f"<{k}>{v}</{k}>" if isinstance(v, int) else f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    xml = (f"<xml><ToUserName><![CDATA[{data.get('to', 'gh_citybot')}]]></ToUserName>"
           "<FromUserName><![CDATA[mphelper]]></FromUserName>"
           f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
           f"<Event><![CDATA[MASSSENDJOBFINISH]]></Event>{body}</xml>")
    timestamp, nonce = str(created), str(secrets.randbelow(10**9))
    args = {"signature": sign(data["token"], timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    answer = requests.post(data["url"], params=args, data=xml.encode(), timeout=10,
                           headers={"Content-Type": "text/xml"})
    return jsonify(status=answer.status_code, answer=answer.text, event=fields)
