"""What both webhooks do with a POST: open the envelope, run the inbox, enqueue, seal the reply."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, current_app, request

from bot import inbox, texts
from bot.core.spool import Spool
from bot.extensions import get_db, get_redis
from bot.handlers import PASSIVE_EVENTS
from bot.handlers.router import Reply
from bot.services import Services, get_services
from bot.wechat.envelope import Envelope, EnvelopeError
from bot.wechat.messages import BadXML, WeChatMessage, text_reply_xml


def refuse(exc: EnvelopeError) -> Response:
    current_app.logger.info("refused %s request: %s", request.path, exc.reason)
    return Response(exc.reason, status=exc.status, mimetype="text/plain")


def spool(channel: str, msg: WeChatMessage, xml: str, services: Services) -> str | None:
    """The database cannot take the message: keep it where the worker will replay it, and say so (unless
    nobody waits for an answer: periodic positions, unfollows …)."""
    where = Spool(get_redis(), services.settings.instance_dir / "spool").keep(channel, xml, services.clock.time())
    current_app.logger.warning("database unavailable: %s message kept in the spool (%s)", channel, where)
    return None if msg.event in PASSIVE_EVENTS else texts.KEPT_FOR_LATER


def receive(channel: str, envelope: Envelope, handle: Callable[..., Reply | None]) -> Response:
    services: Services = get_services()
    request.max_content_length = services.settings.max_body_bytes  # WeChat's messages are tiny: 413 past this
    opened = envelope.open(request.args, request.get_data(cache=False), services.clock.time())
    try:
        msg = WeChatMessage.from_fields(opened.fields)
    except BadXML as exc:
        raise EnvelopeError(400, str(exc)) from exc

    try:
        outcome = inbox.process(
            get_db().session, channel, msg, opened.xml, services.clock.now(),
            lambda session, m, now: handle(services, session, m, now),
        )
        text = texts.SYSTEM_BUSY if outcome.failed else outcome.reply_text
    except inbox.Unavailable:
        get_db().session.rollback()
        text = spool(channel, msg, opened.xml, services)
    if text is None:
        return Response("success", mimetype="text/plain")
    reply = text_reply_xml(msg.source, msg.get("ToUserName"), int(services.clock.time()), text)
    return Response(envelope.seal(reply, opened), mimetype="application/xml")
