"""Inbound XML → a typed message, once, at the edge. Nothing downstream touches XML.

The XML is parsed with defusedxml, which refuses any DTD, entity declaration or external
reference (billion laughs, XXE) before a single entity is expanded.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class BadXML(ValueError):
    """The body is not a well-formed, harmless WeChat XML document."""


def parse_xml(body: bytes | str) -> dict[str, str]:
    """Parse a flat ``<xml>…</xml>`` document into {tag: text}."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadXML(f"refused XML: {type(exc).__name__}") from exc
    except ParseError as exc:
        raise BadXML(f"malformed XML: {exc}") from exc
    if root.tag != "xml":
        raise BadXML("root element must be <xml>")
    return {child.tag: (child.text or "").strip() for child in root}


@dataclass(frozen=True)
class WeChatMessage:
    """A message or event from the official account or the WeChat Work app."""

    fields: dict[str, str]

    @classmethod
    def from_xml(cls, body: bytes | str) -> WeChatMessage:
        fields = parse_xml(body)
        for required in ("FromUserName", "MsgType", "CreateTime"):
            if not fields.get(required):
                raise BadXML(f"missing {required}")
        if not fields["CreateTime"].isdigit():
            raise BadXML("CreateTime is not a number")
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

    @property
    def dedupe_key(self) -> str:
        """MsgId for messages; a job's MsgID for WeChat's job reports; sender + time + event for other events."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        if self.get("MsgID"):  # MASSSENDJOBFINISH and TEMPLATESENDJOBFINISH: one per job
            return f"evt:{self.event}:{self.get('MsgID')}"
        return f"evt:{self.source}:{self.create_time}:{self.event}:{self.get('EventKey')}"

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
