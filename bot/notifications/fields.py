"""Our case facts onto a template's keys, within WeChat's limits (template and subscription messages).

Since May 2023 a template message shows only its keywords (``first`` and ``remark`` are ignored), each
value at most 20 characters without line breaks; subscription messages limit each value by its key's type
(``thing`` 20, ``character_string`` 32, ``phrase`` 5 …). The mapping is configuration
(``WECHAT_TEMPLATE_FIELDS``, ``WECHAT_SUBSCRIBE_FIELDS``): ``key=fact`` pairs, facts being ``number``,
``state``, ``unit``, ``time`` and ``note``.
"""

from __future__ import annotations

import re

FACTS = ("number", "state", "unit", "time", "note")
TEMPLATE_VALUE_CHARS = 20
# Subscription message value limits by key type (the digits after the type are the key's position).
TYPE_LIMITS = {"thing": 20, "character_string": 32, "number": 32, "letter": 32, "symbol": 5, "phrase": 5,
               "name": 10, "amount": 10, "car_number": 8, "time": 20, "date": 20}
KEY = re.compile(r"^([a-z_]+?)(\d+)$")
LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")

Data = dict[str, dict[str, str]]


def parse_mapping(text: str) -> dict[str, str]:
    """``"character_string1=number, thing3=unit"`` → {key: fact}; an unknown fact is a configuration error."""
    mapping = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        key, _, fact = (part.strip() for part in pair.partition("="))
        if not key or fact not in FACTS:
            raise ValueError(f"bad field mapping {pair!r}: expected key=fact, fact one of {', '.join(FACTS)}")
        mapping[key] = fact
    return mapping


def limit_of(key: str) -> int:
    """At most 20 characters, fewer for the key types that allow fewer (``phrase``: 5)."""
    match = KEY.match(key)
    return min(TEMPLATE_VALUE_CHARS, TYPE_LIMITS.get(match.group(1), TEMPLATE_VALUE_CHARS) if match else TEMPLATE_VALUE_CHARS)


def cut(value: str, limit: int) -> str:
    """One line, at most ``limit`` characters (an ellipsis marks a cut)."""
    line = LINE_BREAKS.sub(" ", value).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def fill(mapping: dict[str, str], facts: dict[str, str]) -> Data:
    """The template's ``data``: each mapped key with its fact, cut to its limit; empty facts become "—"."""
    return {key: {"value": cut(facts.get(fact) or "—", limit_of(key))} for key, fact in mapping.items()}
