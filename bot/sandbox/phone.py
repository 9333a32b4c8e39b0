"""Messages exactly as WeChat's servers send them: XML, signed, optionally AES-encrypted.

Used by the simulator (over HTTP to our own webhooks) and by the tests (through Flask's client),
so both exercise the real webhook the way WeChat does.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeWorkCrypto

from bot.wechat.envelope import sign
from bot.wechat.messages import cdata, parse_xml


def next_id() -> int:
    """A random 63-bit MsgId: unique across processes (a per-process counter repeats after fork)."""
    return secrets.randbits(63)


def message_xml(to: str, sender: str, msg_type: str, fields: Mapping[str, object], *, created: int,
                msg_id: int | None = None, agent_id: str | None = None) -> str:
    body = "".join(f"<{k}>{cdata(v)}</{k}>" for k, v in fields.items())  # raw text, as WeChat sends it
    tail = "" if msg_type == "event" else f"<MsgId>{msg_id or next_id()}</MsgId>"
    if agent_id:
        tail += f"<AgentID>{agent_id}</AgentID>"
    return (f"<xml><ToUserName>{cdata(to)}</ToUserName><FromUserName>{cdata(sender)}</FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType>{cdata(msg_type)}</MsgType>{body}{tail}</xml>")


class OfficialAccountSender:
    """Seals messages for ``/wechat``: plain (signature) or safe mode (encrypt_type=aes)."""

    def __init__(self, token: str, aes_key: str, appid: str) -> None:
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, appid) if aes_key else None

    def seal(self, xml: str, timestamp: str, *, encrypted: bool = False,
             signature: str | None = None) -> tuple[dict[str, str], bytes]:
        nonce = str(next_id() % 1_000_000_000)
        args = {"timestamp": timestamp, "nonce": nonce, "signature": signature or sign(self.token, timestamp, nonce)}
        if not encrypted:
            return args, xml.encode()
        assert self.crypto is not None, "safe mode needs an AES key"
        sealed = parse_xml(self.crypto.encrypt_message(xml, nonce, timestamp))
        args.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
        return args, f"<xml><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>".encode()

    def open(self, body: str, encrypted: bool) -> dict[str, str]:
        """The passive reply's fields ({} for ``success``)."""
        if not body.startswith("<xml"):
            return {}
        if encrypted and self.crypto is not None:
            outer = parse_xml(body)
            body = self.crypto.decrypt_message(body, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])
        return parse_xml(body)


class WeWorkSender:
    """Seals messages for ``/wework``: always encrypted, corp id as the app id."""

    def __init__(self, token: str, aes_key: str, corp_id: str, agent_id: str) -> None:
        self.token = token
        self.corp_id = corp_id
        self.agent_id = agent_id
        self.crypto = WeWorkCrypto(token, aes_key, corp_id)

    def seal(self, xml: str, timestamp: str, *, msg_signature: str | None = None) -> tuple[dict[str, str], bytes]:
        nonce = str(next_id() % 1_000_000_000)
        sealed = parse_xml(self.crypto.encrypt_message(xml, nonce, timestamp))
        args = {"msg_signature": msg_signature or sealed["MsgSignature"], "timestamp": timestamp, "nonce": nonce}
        body = (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName><AgentID><![CDATA[{self.agent_id}]]>"
                f"</AgentID><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>")
        return args, body.encode()

    def open(self, body: str) -> dict[str, str]:
        if not body.startswith("<xml"):
            return {}
        outer = parse_xml(body)
        return parse_xml(self.crypto.decrypt_message(body, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]))
