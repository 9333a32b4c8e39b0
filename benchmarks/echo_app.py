"""The reference: a bare Flask + wechatpy webhook that checks the signature and echoes text.

It does what every WeChat bot must do (verify, parse, reply) and nothing else: no database, no
Redis, no dedupe. The ratio to it shows what recording, deduplication and the draft cost.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

TOKEN = os.environ.get("WECHAT_TOKEN", "bench-token")
app = Flask(__name__)


@app.post("/wechat")
def wechat() -> Response:
    try:
        check_signature(TOKEN, request.args["signature"], request.args["timestamp"], request.args["nonce"])
    except (InvalidSignatureException, KeyError):
        return Response("bad signature", status=403)
    msg = parse_message(request.get_data())
    return Response(TextReply(content=f"echo: {msg.content}", message=msg).render(), mimetype="application/xml")
