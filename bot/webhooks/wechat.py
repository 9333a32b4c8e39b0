"""``/wechat``: the official account's webhook (GET verification, POST messages in plain or AES mode)."""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, request
from wechatpy.replies import TextReply

from bot import inbox, texts
from bot.extensions import get_db, get_queues
from bot.jobs import enqueue
from bot.wechat.envelope import Envelope, EnvelopeError
from bot.wechat.messages import BadXML, WeChatMessage

bp = Blueprint("wechat", __name__)


def envelope() -> Envelope:
    return current_app.extensions["citybot.wechat_envelope"]


@bp.errorhandler(EnvelopeError)
def refuse(exc: EnvelopeError) -> Response:
    current_app.logger.info("refused /wechat request: %s", exc.reason)
    return Response(exc.reason, status=exc.status, mimetype="text/plain")


@bp.get("/wechat")
def verify() -> Response:
    env = envelope()
    env.check_fresh(request.args.get("timestamp", ""), current_app.extensions["citybot.clock"].time())
    env.check_plain_signature(request.args)
    return Response(request.args.get("echostr", ""), mimetype="text/plain")


@bp.post("/wechat")
def receive() -> Response:
    env = envelope()
    settings = current_app.extensions["citybot.settings"]
    clock = current_app.extensions["citybot.clock"]
    opened = env.open(request.args, request.get_data(cache=False), clock.time())
    try:
        msg = WeChatMessage.from_xml(opened.xml)
    except BadXML as exc:
        raise EnvelopeError(400, str(exc)) from exc

    outcome = inbox.process(
        get_db().session, settings, current_app.extensions["citybot.router"],
        current_app.extensions["citybot.understanding"], msg, opened.xml, clock.now(),
        raise_errors=current_app.testing,
    )
    for job in outcome.jobs:
        enqueue(get_queues(), job.name, *job.args)

    text = texts.SYSTEM_BUSY if outcome.failed else outcome.reply_text
    if text is None:
        return Response("success", mimetype="text/plain")
    reply = TextReply(source=msg.get("ToUserName"), target=msg.source, content=text, time=int(time.time()))
    return Response(env.seal(reply.render(), opened), mimetype="application/xml")
