"""GeoReport v2's two formats from one structure: JSON, and XML with the element names of the specification
(a list is an element holding one child per item, named by ``ITEM_NAMES``). UTF-8 throughout, every datetime
in W3C form with its offset."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from flask import Response

FORMATS = ("xml", "json")
MIMETYPES = {"xml": "text/xml", "json": "application/json"}
# A list's element name → its items' element name.
ITEM_NAMES = {"services": "service", "service_requests": "request", "errors": "error", "endpoints": "endpoint",
              "formats": "format", "attributes": "attribute", "values": "value", "notes": "note",
              "keywords": "keyword"}


def w3c(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _element(parent: ElementTree.Element, name: str, value: Any) -> None:
    child = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _element(child, key, item)
    elif isinstance(value, list):
        for item in value:
            _element(child, ITEM_NAMES.get(name, "item"), item)
    elif value is not None:
        child.text = _text(value)


def render(fmt: str, root: str, body: Any, status: int = 200) -> Response:
    """``body`` (a list of records under ``root``, or one record) as JSON or as XML rooted at ``root``."""
    if fmt == "json":
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        return Response(text, status, content_type="application/json; charset=utf-8")
    element = ElementTree.Element(root)
    items = body if isinstance(body, list) else [body]
    for item in items:
        target = ElementTree.SubElement(element, ITEM_NAMES[root]) if isinstance(body, list) else element
        for key, value in item.items():
            _element(target, key, value)
    text = ElementTree.tostring(element, encoding="unicode")
    return Response(f'<?xml version="1.0" encoding="UTF-8"?>\n{text}', status, content_type="text/xml; charset=utf-8")


def errors(fmt: str, status: int, description: str) -> Response:
    """The specification's error list: ``[{"code": 400, "description": …}]`` / ``<errors><error>…``."""
    return render(fmt if fmt in FORMATS else "json", "errors", [{"code": status, "description": description}], status)
