"""What the service pushed to one phone, read from the fake platform's call log by sequence.

Each phone asks for the calls after the last one it saw (``since``, a sequence number, and ``mark``,
when the fake recorded that call). A fake restarted since then numbers its calls from 1 again: the
call ``since`` is then gone or another one, and the phone gets the new log from the start. A push
the platform refused and the service sent again (a stale token after such a restart) is recorded
twice with the same body; ``key`` lets the page show it once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

RESIDENT_PATHS = ("/cgi-bin/message/custom/send", "/cgi-bin/message/template/send",
                  "/cgi-bin/message/subscribe/bizsend")
SQUAD_PATH = "/cgi-bin/message/send"
CARD_UPDATE_PATH = "/cgi-bin/message/update_template_card"
Wanted = Callable[[dict[str, Any]], bool]  # does this call reach the phone?


@dataclass(frozen=True)
class Feed:
    bubbles: list[dict[str, Any]]
    last: int  # the sequence number of the newest call seen, for the next ``since``
    mark: float  # when the fake recorded that call
    restarted: bool  # the fake's log started again: ``bubbles`` hold it from the start


def read(fake_url: str, since: int, mark: float, wanted: Wanted) -> Feed:
    """The bubbles of calls after ``since`` that ``wanted(call)`` accepts."""
    restarted = False
    if since > 0:
        calls = _calls(fake_url, since - 1)
        if calls and calls[0]["seq"] == since and abs(calls[0]["at"] - mark) < 1e-6:
            calls = calls[1:]
        else:
            calls, restarted, since, mark = _calls(fake_url, 0), True, 0, 0.0
    else:
        calls = _calls(fake_url, 0)
    if calls:
        since, mark = calls[-1]["seq"], calls[-1]["at"]
    return Feed([bubble(call) for call in calls if wanted(call)], since, mark, restarted)


def _calls(fake_url: str, since: int) -> list[dict[str, Any]]:
    response = requests.get(f"{fake_url}/_fake/calls", params={"since": since}, timeout=5)
    response.raise_for_status()
    return response.json()["calls"]


def _body(call: dict[str, Any]) -> dict[str, Any]:
    return call["body"] if isinstance(call["body"], dict) else {}


def to_resident(openid: str) -> Wanted:
    """Customer-service and template messages to ``openid``."""
    return lambda call: call["path"] in RESIDENT_PATHS and _body(call).get("touser") == openid


def to_member(userid: str, party: str | None) -> Wanted:
    """WeChat Work messages that reach ``userid``: to them, to everyone, or to their department ``party``."""

    def wanted(call: dict[str, Any]) -> bool:
        body = _body(call)
        if call["path"] == CARD_UPDATE_PATH:
            return bool(body.get("atall")) or userid in (body.get("userids") or [])
        users = str(body.get("touser", "")).split("|")
        return call["path"] == SQUAD_PATH and not call.get("duplicate") and (userid in users or "@all" in users
                                                or (party is not None and party in str(body.get("toparty", "")).split("|")))

    return wanted


def bubble(call: dict[str, Any]) -> dict[str, Any]:
    """How the phone shows one call: text, image, WeChat Work text card or template message."""
    body = _body(call)
    kind = body.get("msgtype") or ("template" if "template_id" in body else "text")
    if call["path"].endswith("/bizsend"):
        kind = "subscribe"
    elif call["path"] == CARD_UPDATE_PATH:
        kind = "card_update"
    key = hashlib.sha1(json.dumps([call["path"], body], sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    shown: dict[str, Any] = {"seq": call["seq"], "at": call["at"], "key": key, "kind": kind}
    if kind == "text":
        shown["text"] = body["text"]["content"]
    elif kind == "image":
        shown["image"] = f"/sandbox/api/media/{body['image']['media_id']}"
    elif kind == "textcard":
        card = body["textcard"]
        shown.update(title=card["title"], description=card["description"], url=card["url"])
    elif kind == "card_update":
        shown.update(response_code=body.get("response_code"), replace_name=(body.get("button") or {}).get("replace_name", ""))
    elif kind == "template_card":
        card = body["template_card"]
        shown.update(title=card["main_title"]["title"], url=card["card_action"]["url"], task_id=card.get("task_id"),
                     facts=[[c["keyname"], c["value"]] for c in card.get("horizontal_content_list", [])],
                     description=card.get("sub_title_text", ""),
                     quote=(card.get("quote_area") or {}).get("quote_text", ""),
                     reasons=[[o["id"], o["text"]] for o in (card.get("button_selection") or {}).get("option_list", [])],
                     buttons=[{"text": b["text"], "key": b.get("key"), "url": b.get("url")}
                              for b in card.get("button_list", [])])
    elif kind in ("template", "subscribe"):
        label = "【订阅通知】" if kind == "subscribe" else "【模板消息】"
        shown.update(kind="text", text=label + " ".join(v["value"] for v in body["data"].values()))
    return shown
