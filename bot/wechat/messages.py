"""Inbound XML → a typed message, once, at the edge. Nothing downstream touches XML.

The XML is parsed with defusedxml, which refuses any DTD, entity declaration or external
reference (billion laughs, XXE) before a single entity is expanded.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

# Tags that may repeat inside a nested element: always a list, even with one item.
REPEATED = frozenset({"SelectedItem", "OptionId", "List"})


class BadXML(ValueError):
    """The body is not a well-formed, harmless WeChat XML document."""


def cdata(value: object) -> str:
    """``value`` as CDATA, exactly as WeChat writes it: raw text (no entity escaping), with any ``]]>``
    split across two sections so the document stays well-formed."""
    return "<![CDATA[" + str(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply_xml(to: str, sender: str, created: int, content: str) -> str:
    """A passive text reply (wechatpy's ``TextReply`` puts the content in CDATA unescaped: ``]]>`` broke it)."""
    return (f"<xml><ToUserName>{cdata(to)}</ToUserName><FromUserName>{cdata(sender)}</FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType>{cdata('text')}</MsgType>"
            f"<Content>{cdata(content)}</Content></xml>")


_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# The longest value each field has in WeChat's protocol (openids are 28 characters, WeChat Work user ids at
# most 64, MsgId a 64-bit number, media ids 64, menu keys 128 bytes): anything longer is not from WeChat.
MAX_LENGTHS = {"FromUserName": 64, "ToUserName": 64, "MsgType": 32, "Event": 64, "EventKey": 128,
               "MediaId": 128, "ThumbMediaId": 128, "CreateTime": 10}
MAX_MSG_ID_DIGITS = 20


def decode_body(body: bytes) -> str:
    """The request body as text: WeChat sends UTF-8 only; another declared encoding (ISO-8859-1, GBK,
    UTF-16 …) or bytes that are not UTF-8 are refused."""
    declared = _DECLARED_ENCODING.match(body)
    if declared and declared.group(1).lower().replace(b"_", b"-") not in {b"utf-8", b"utf8"}:
        raise BadXML(f"encoding {declared.group(1).decode()} refused: WeChat sends UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadXML("body is not UTF-8") from exc


def parse_xml(body: bytes | str) -> dict[str, str]:
    """Parse a ``<xml>…</xml>`` document into {tag: text}.

    Nested elements (WeChat Work's ``SelectedItems``, the official account's ``SubscribeMsgPopupEvent``)
    become their structure as JSON text: a repeated child tag is a list, a leaf is its text.
    """
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadXML(f"refused XML: {type(exc).__name__}") from exc
    except ParseError as exc:
        raise BadXML(f"malformed XML: {exc}") from exc
    if root.tag != "xml":
        raise BadXML("root element must be <xml>")
    return {child.tag: json.dumps(_tree(child), ensure_ascii=False) if len(child) else (child.text or "").strip()
            for child in root}


def _tree(element: Element) -> Any:
    if not len(element):
        return (element.text or "").strip()
    grouped: dict[str, list[Any]] = {}
    for child in element:
        grouped.setdefault(child.tag, []).append(_tree(child))
    return {tag: values if len(values) > 1 or tag in REPEATED else values[0] for tag, values in grouped.items()}


@dataclass(frozen=True)
class WeChatMessage:
    """A message or event from the official account or the WeChat Work app."""

    fields: dict[str, str]

    @classmethod
    def from_xml(cls, body: bytes | str) -> WeChatMessage:
        return cls.from_fields(parse_xml(body))

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> WeChatMessage:
        """The message of parsed XML, if it is one: its required fields present, its lengths within limits."""
        for required in ("FromUserName", "MsgType", "CreateTime"):
            if not fields.get(required):
                raise BadXML(f"missing {required}")
        if not fields["CreateTime"].isdigit():
            raise BadXML("CreateTime is not a number")
        for name, limit in MAX_LENGTHS.items():
            if len(fields.get(name, "")) > limit:
                raise BadXML(f"{name} longer than {limit} characters")
        msg_id = fields.get("MsgId", "")
        if msg_id and not (msg_id.isdigit() and len(msg_id) <= MAX_MSG_ID_DIGITS):
            raise BadXML("MsgId is not a 64-bit number")
        return cls(fields)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    @property
    def type(self) -> str:
        return self.get("MsgType").lower()

    @property
    def event(self) -> str | None:
        return self.get("Event").lower() or None if self.type == "event" else None

    @property
    def source(self) -> str:
        return self.get("FromUserName")

    @property
    def create_time(self) -> int:
        return int(self.get("CreateTime"))

    @property
    def msg_id(self) -> str | None:
        return self.get("MsgId") or None

    def nested(self, name: str) -> Any:
        """A nested element's structure (see ``parse_xml``); None when absent."""
        raw = self.get(name)
        return json.loads(raw) if raw.startswith(("{", "[")) else None

    @property
    def dedupe_key(self) -> str:
        """MsgId for messages; a job's MsgID for WeChat's job reports; a card click's ResponseCode (one per click, the
        same in WeChat Work's retries); sender + time + event for other events, which carry no MsgId."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        if self.get("MsgID"):  # MASSSENDJOBFINISH and TEMPLATESENDJOBFINISH: one per job
            return f"evt:{self.event}:{self.get('MsgID')}"
        if self.get("ResponseCode"):
            return f"click:{self.get('ResponseCode')}"
        key = f"evt:{self.source}:{self.create_time}:{self.event}:{self.get('EventKey')}"
        return key if len(key) <= 140 else "evt:" + hashlib.sha256(key.encode()).hexdigest()  # fits the column

    @property
    def route_keys(self) -> list[str]:
        """Keys a router tries, most specific first."""
        if self.type == "event":
            keys = [f"event:{self.event}"]
            if self.event == "click":
                keys.insert(0, f"click:{self.get('EventKey')}")
            return keys + ["*"]
        return [self.type, "*"]

    # Convenience accessors for the common kinds.
    @property
    def content(self) -> str:
        return self.get("Content")

    @property
    def media_id(self) -> str:
        return self.get("MediaId")

    @property
    def recognition(self) -> str:
        return self.get("Recognition")
