"""``/wechat``: the official account's webhook (GET verification, POST messages in plain or AES mode)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from bot.handlers import handle_resident
from bot.services import get_services
from bot.webhooks.common import receive, refuse
from bot.wechat.envelope import Envelope, EnvelopeError

bp = Blueprint("wechat", __name__)
bp.register_error_handler(EnvelopeError, refuse)


def envelope() -> Envelope:
    return current_app.extensions["citybot.envelopes"]["wechat"]


@bp.get("/wechat")
def verify() -> Response:
    env = envelope()
    env.check_fresh(request.args.get("timestamp", ""), get_services().clock.time())
    env.check_plain_signature(request.args)
    return Response(request.args.get("echostr", ""), mimetype="text/plain")


@bp.post("/wechat")
def post() -> Response:
    return receive("wechat", envelope(), handle_resident)
