"""``/wework``: the WeChat Work app's callback (always encrypted; the GET echostr is encrypted too)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from bot.handlers import handle_squad
from bot.services import get_services
from bot.webhooks.common import receive, refuse
from bot.wechat.envelope import Envelope, EnvelopeError

bp = Blueprint("wework", __name__)
bp.register_error_handler(EnvelopeError, refuse)


def envelope() -> Envelope:
    return current_app.extensions["citybot.envelopes"]["wework"]


@bp.get("/wework")
def verify() -> Response:
    return Response(envelope().open_echo(request.args, get_services().clock.time()), mimetype="text/plain")


@bp.post("/wework")
def post() -> Response:
    return receive("wework", envelope(), handle_squad)
