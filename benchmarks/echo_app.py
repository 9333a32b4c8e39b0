"""The references: a bare Flask + wechatpy webhook that checks the signature and echoes text, and the same
echo that first writes each message durably to PostgreSQL (one INSERT and its commit).

The bare echo does what every WeChat bot must do (verify, parse, reply) and nothing else. The recording echo
is the floor for any service that records before it answers: with ``ECHO_RECORD_URL`` set, each message is
inserted (``ON CONFLICT DO NOTHING`` on its MsgId) and committed before the reply, on a connection per thread.
"""

from __future__ import annotations

import os
import threading

import psycopg
from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

TOKEN = os.environ.get("WECHAT_TOKEN", "bench-token")
RECORD_URL = os.environ.get("ECHO_RECORD_URL")
app = Flask(__name__)
_local = threading.local()


def _connection() -> psycopg.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = _local.connection = psycopg.connect(RECORD_URL)
        connection.execute("CREATE TABLE IF NOT EXISTS echo_message (msg_id text PRIMARY KEY, sender text, "
                           "xml text, received_at timestamptz DEFAULT now())")
        connection.commit()
    return connection


@app.post("/wechat")
def wechat() -> Response:
    try:
        check_signature(TOKEN, request.args["signature"], request.args["timestamp"], request.args["nonce"])
    except (InvalidSignatureException, KeyError):
        return Response("bad signature", status=403)
    body = request.get_data()
    msg = parse_message(body)
    if RECORD_URL:
        connection = _connection()
        connection.execute("INSERT INTO echo_message (msg_id, sender, xml) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                           (str(msg.id), msg.source, body.decode()))
        connection.commit()
    return Response(TextReply(content=f"echo: {msg.content}", message=msg).render(), mimetype="application/xml")


@app.get("/healthz")
def healthz() -> str:
    return "ok"
