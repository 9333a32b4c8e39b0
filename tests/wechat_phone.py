"""Test helpers that behave like WeChat's servers: signed (optionally AES) XML posted to the webhook."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from xml.sax.saxutils import escape

from flask.testing import FlaskClient
from wechatpy.crypto import WeChatCrypto
from werkzeug.test import TestResponse

from bot.wechat.envelope import sign
from bot.wechat.messages import parse_xml

_msg_ids = itertools.count(24_000_000_000_000_000)


@dataclass
class Answer:
    response: TestResponse
    fields: dict[str, str]

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def text(self) -> str:
        """The passive reply's content ('' when the service answered ``success``)."""
        return self.fields.get("Content", "")


class WeChatServer:
    """Sends messages to ``/wechat`` the way WeChat does, for one official account."""

    def __init__(self, client: FlaskClient, token: str, aes_key: str, appid: str, clock) -> None:  # noqa: ANN001
        self.client = client
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, appid) if aes_key else None
        self.clock = clock
        self.account = "gh_citybot"
        self.encrypted = False

    # -- raw ----------------------------------------------------------------------------------
    def post(self, xml: str, *, encrypted: bool | None = None, timestamp: str | None = None,
             signature: str | None = None) -> Answer:
        encrypted = self.encrypted if encrypted is None else encrypted
        timestamp = timestamp or str(int(self.clock.time()))
        nonce = str(next(_msg_ids) % 1_000_000_000)
        args = {"timestamp": timestamp, "nonce": nonce, "signature": signature or sign(self.token, timestamp, nonce),
                "openid": "x"}
        body = xml.encode()
        if encrypted:
            assert self.crypto is not None
            sealed = parse_xml(self.crypto.encrypt_message(xml, nonce, timestamp))
            args.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
            body = (f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
                    f"<Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>").encode()
        response = self.client.post("/wechat", query_string=args, data=body, content_type="text/xml")
        return Answer(response, self._open(response, encrypted))

    def _open(self, response: TestResponse, encrypted: bool) -> dict[str, str]:
        data = response.get_data(as_text=True)
        if response.status_code != 200 or not data.startswith("<xml"):
            return {}
        if encrypted:
            sealed = parse_xml(data)
            data = self.crypto.decrypt_message(data, sealed["MsgSignature"], sealed["TimeStamp"], sealed["Nonce"])
        return parse_xml(data)

    # -- messages -----------------------------------------------------------------------------
    def xml(self, openid: str, msg_type: str, fields: dict[str, str], *, msg_id: int | None = None,
            create_time: int | None = None) -> str:
        create_time = create_time or int(self.clock.time())
        body = "".join(f"<{k}><![CDATA[{escape(str(v))}]]></{k}>" for k, v in fields.items())
        msg_id_xml = "" if msg_type == "event" else f"<MsgId>{msg_id or next(_msg_ids)}</MsgId>"
        return (f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
                f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{create_time}</CreateTime>"
                f"<MsgType><![CDATA[{msg_type}]]></MsgType>{body}{msg_id_xml}</xml>")

    def text(self, openid: str, content: str, **kw) -> Answer:  # noqa: ANN003
        return self.post(self.xml(openid, "text", {"Content": content}, **kw))

    def image(self, openid: str, media_id: str, **kw) -> Answer:  # noqa: ANN003
        return self.post(self.xml(openid, "image", {"PicUrl": "http://mmbiz.example/pic", "MediaId": media_id}, **kw))

    def voice(self, openid: str, media_id: str, recognition: str = "", **kw) -> Answer:  # noqa: ANN003
        return self.post(self.xml(openid, "voice", {"MediaId": media_id, "Format": "amr", "Recognition": recognition},
                                  **kw))

    def location(self, openid: str, lat: float | str, lng: float | str, label: str = "", **kw) -> Answer:  # noqa: ANN003
        return self.post(self.xml(openid, "location", {"Location_X": lat, "Location_Y": lng, "Scale": "15",
                                                        "Label": label}, **kw))

    def event(self, openid: str, event: str, **fields: str) -> Answer:
        return self.post(self.xml(openid, "event", {"Event": event, **fields}))


def now() -> float:
    return time.time()


class WeWorkServer:
    """Sends squad members' messages to ``/wework`` the way WeChat Work does (always encrypted)."""

    def __init__(self, client: FlaskClient, token: str, aes_key: str, corp_id: str, agent_id: str, clock) -> None:  # noqa: ANN001
        from wechatpy.enterprise.crypto import WeChatCrypto as WeWorkCrypto

        self.client = client
        self.crypto = WeWorkCrypto(token, aes_key, corp_id)
        self.token = token
        self.corp_id = corp_id
        self.agent_id = agent_id
        self.clock = clock

    def post_xml(self, xml: str, *, msg_signature: str | None = None) -> Answer:
        timestamp, nonce = str(int(self.clock.time())), str(next(_msg_ids) % 1_000_000_000)
        sealed = parse_xml(self.crypto.encrypt_message(xml, nonce, timestamp))
        body = (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName><AgentID><![CDATA[{self.agent_id}]]>"
                f"</AgentID><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>")
        args = {"msg_signature": msg_signature or sealed["MsgSignature"], "timestamp": timestamp, "nonce": nonce}
        response = self.client.post("/wework", query_string=args, data=body.encode(), content_type="text/xml")
        fields: dict[str, str] = {}
        data = response.get_data(as_text=True)
        if response.status_code == 200 and data.startswith("<xml"):
            outer = parse_xml(data)
            fields = parse_xml(self.crypto.decrypt_message(data, outer["MsgSignature"], outer["TimeStamp"],
                                                           outer["Nonce"]))
        return Answer(response, fields)

    def xml(self, userid: str, msg_type: str, fields: dict[str, str]) -> str:
        body = "".join(f"<{k}><![CDATA[{escape(str(v))}]]></{k}>" for k, v in fields.items())
        return (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName><FromUserName><![CDATA[{userid}]]>"
                f"</FromUserName><CreateTime>{int(self.clock.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]>"
                f"</MsgType>{body}<MsgId>{next(_msg_ids)}</MsgId><AgentID>{self.agent_id}</AgentID></xml>")

    def text(self, userid: str, content: str) -> Answer:
        return self.post_xml(self.xml(userid, "text", {"Content": content}))

    def image(self, userid: str, media_id: str) -> Answer:
        return self.post_xml(self.xml(userid, "image", {"PicUrl": "http://wework.example/p", "MediaId": media_id}))
