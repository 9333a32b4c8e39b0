"""Test helpers that behave like WeChat's servers, posting through Flask's test client.

The sealing itself (XML, signatures, AES) is ``bot.sandbox.phone``, shared with the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bot.sandbox.phone import OfficialAccountSender, WeWorkSender, message_xml


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
        self.sender = OfficialAccountSender(token, aes_key, appid)
        self.token = token
        self.crypto = self.sender.crypto
        self.clock = clock
        self.encrypted = False

    def post(self, xml: str, *, encrypted: bool | None = None, timestamp: str | None = None,
             signature: str | None = None) -> Answer:
        encrypted = self.encrypted if encrypted is None else encrypted
        args, body = self.sender.seal(xml, timestamp or str(int(self.clock.time())), encrypted=encrypted,
                                      signature=signature)
        response = self.client.post("/wechat", query_string=args, data=body, content_type="text/xml")
        fields = self.sender.open(response.get_data(as_text=True), encrypted) if response.status_code == 200 else {}
        return Answer(response, fields)

    def xml(self, openid: str, msg_type: str, fields: dict[str, str], *, msg_id: int | None = None,
            create_time: int | None = None) -> str:
        return message_xml("gh_citybot", openid, msg_type, fields, created=create_time or int(self.clock.time()),
                           msg_id=msg_id)

    def text(self, openid: str, content: str, **kw) -> Answer:  # noqa: ANN003
        return self.post(self.xml(openid, "text", {"Content": content}, **kw))

    def image(self, openid: str, media_id: str, **kw) -> Answer:  # noqa: ANN003
        return self.post(self.xml(openid, "image", {"PicUrl": "http://mmbiz.example/pic", "MediaId": media_id}, **kw))

    def voice(self, openid: str, media_id: str, recognition: str = "", **kw) -> Answer:  # noqa: ANN003
        fields = {"MediaId": media_id, "Format": "amr", "Recognition": recognition}
        return self.post(self.xml(openid, "voice", fields, **kw))

    def location(self, openid: str, lat: float | str, lng: float | str, label: str = "", **kw) -> Answer:  # noqa: ANN003
        fields = {"Location_X": lat, "Location_Y": lng, "Scale": "15", "Label": label}
        return self.post(self.xml(openid, "location", fields, **kw))

    def event(self, openid: str, event: str, **fields: str) -> Answer:
        return self.post(self.xml(openid, "event", {"Event": event, **fields}))


class WeWorkServer:
    """Sends squad members' messages to ``/wework`` the way WeChat Work does (always encrypted)."""

    def __init__(self, client: FlaskClient, token: str, aes_key: str, corp_id: str, agent_id: str, clock) -> None:  # noqa: ANN001
        self.client = client
        self.sender = WeWorkSender(token, aes_key, corp_id, agent_id)
        self.crypto = self.sender.crypto
        self.token, self.corp_id, self.agent_id = token, corp_id, agent_id
        self.clock = clock

    def post_xml(self, xml: str, *, msg_signature: str | None = None, timestamp: str | None = None) -> Answer:
        args, body = self.sender.seal(xml, timestamp or str(int(self.clock.time())), msg_signature=msg_signature)
        response = self.client.post("/wework", query_string=args, data=body, content_type="text/xml")
        fields = self.sender.open(response.get_data(as_text=True)) if response.status_code == 200 else {}
        return Answer(response, fields)

    def xml(self, userid: str, msg_type: str, fields: dict[str, str]) -> str:
        return message_xml(self.corp_id, userid, msg_type, fields, created=int(self.clock.time()),
                           agent_id=self.agent_id)

    def text(self, userid: str, content: str) -> Answer:
        return self.post_xml(self.xml(userid, "text", {"Content": content}))

    def image(self, userid: str, media_id: str) -> Answer:
        return self.post_xml(self.xml(userid, "image", {"PicUrl": "http://wework.example/p", "MediaId": media_id}))
