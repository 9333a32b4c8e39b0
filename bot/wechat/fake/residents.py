"""The fake's pushes to residents outside the 48-hour window: template and subscription messages.

``POST /cgi-bin/message/template/send``: since May 2023 ``first`` and ``remark`` are ignored and each
keyword value is at most 20 characters without line breaks; WeChat cuts longer values, the fake refuses
them (47003) so a test sees the mistake. ``POST /cgi-bin/message/subscribe/bizsend`` (订阅通知): values
checked by their key's type (``thing`` 20 characters, ``character_string`` and ``number`` 32, ``phrase``
5, ``time`` a date); a resident who refused the subscription gets 43101.

Control: ``POST /_fake/residents/unsubscribed`` ({"openids": [...]}: they refused or withdrew it).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, request

from bot.wechat.fake.common import body_json, error, state

api = Blueprint("fake_residents", __name__)
controls = Blueprint("fake_residents_controls", __name__, url_prefix="/_fake/residents")

TEMPLATE_VALUE_CHARS = 20
SUBSCRIBE_LIMITS = {"thing": 20, "character_string": 32, "number": 32, "letter": 32, "symbol": 5, "phrase": 5,
                    "name": 10, "amount": 10, "phone_number": 17, "car_number": 8, "time": 25, "date": 25}
KEY = re.compile(r"^([a-z_]+?)(\d+)$")


@api.post("/cgi-bin/message/template/send")
def template_send() -> Response:
    data = body_json()
    if not isinstance(data, dict) or not data.get("touser"):
        return error(40003, "invalid openid")
    if not data.get("template_id"):
        return error(40037, "invalid template_id")
    for key, field in (data.get("data") or {}).items():
        if key in {"first", "remark"}:
            continue  # ignored since May 2023
        if bad_value(field, TEMPLATE_VALUE_CHARS):
            return error(47003, f"argument invalid! data.{key}.value invalid")
    return jsonify(errcode=0, errmsg="ok", msgid=len(state().calls))


@api.post("/cgi-bin/message/subscribe/bizsend")
def subscribe_send() -> Response:
    data = body_json()
    if not isinstance(data, dict) or not data.get("touser"):
        return error(40003, "invalid openid")
    if not data.get("template_id"):
        return error(40037, "invalid template_id")
    if data["touser"] in state().unsubscribed:
        return error(43101, "user refuse to accept the msg")
    for key, field in (data.get("data") or {}).items():
        match = KEY.match(key)
        if match is None or match.group(1) not in SUBSCRIBE_LIMITS or bad_value(field, SUBSCRIBE_LIMITS[match.group(1)]):
            return error(47003, f"argument invalid! data.{key}.value invalid")
    return jsonify(errcode=0, errmsg="ok", msgid=len(state().calls))


def bad_value(field: Any, limit: int) -> bool:
    value = field.get("value") if isinstance(field, dict) else None
    return not isinstance(value, str) or not value or len(value) > limit or "\n" in value or "\r" in value


@controls.post("/unsubscribed")
def control_unsubscribed() -> Response:
    openids = request.get_json(force=True).get("openids") or []
    with state().lock:
        state().unsubscribed.update(openids)
    return jsonify(ok=True)
