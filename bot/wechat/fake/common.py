"""What every part of the fake's HTTP API shares: its state, WeChat's error shape, the JSON body."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, jsonify, request

from bot.wechat.fake.state import FakeState


def state() -> FakeState:
    return current_app.extensions["fake_state"]


def error(errcode: int, errmsg: str) -> Response:
    return jsonify(errcode=errcode, errmsg=errmsg)


def body_json() -> Any:
    raw = request.get_data()
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return raw.decode("utf-8", "replace")


def uploads() -> dict[str, dict[str, Any]]:
    """What a multipart request carried, without the bytes."""
    found = {}
    for name, upload in request.files.items():
        size = len(upload.read())
        upload.seek(0)
        found[name] = {"filename": upload.filename, "content_type": upload.mimetype, "size": size}
    return found
