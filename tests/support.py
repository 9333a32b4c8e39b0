"""What the tests share: a resident's report and a squad's steps through the real webhooks, what the
fake WeChat platform received, moving the app's clock, and small factories for rows.

The ``wechat``, ``wework``, ``fake_platform``, ``clock`` and ``db`` arguments are the fixtures of
``tests/conftest.py``.
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.extensions import get_redis
from bot.models import Case, Resident
from tests.images import street_photo
from tests.wechat_phone import Answer, WeChatServer, WeWorkServer
from worker.main import PERIODIC, tick

NUMBER = re.compile(r"\d{8}-\d{4}")
ZONE = ZoneInfo("Asia/Shanghai")

# The demo town (demo/area.geojson, demo/directory.yaml).
MARKET = (29.609943, 119.053925)  # 明珠菜场: a grid of 城区二中队 (SQ02, WeChat Work department 3)
BARBECUE = "明珠菜场门口有人在路边烤串，烟很大"  # 露天烧烤 (E0510): 2 working hours, photo required to resolve
MEMBER, LEADER = "wujingjing", "yuzhiqiang"  # a member and the leader of 城区二中队

# A working day (Tuesday) at 09:00 local time: working-time deadlines from here are easy to read.
TUESDAY_9AM = datetime(2026, 11, 24, 9, 0, tzinfo=ZONE)


# -- residents and squads, through the real webhooks ----------------------------------------------
def case_number(text: str) -> str:
    """The first case number in a reply or push."""
    match = NUMBER.search(text)
    assert match, f"no case number in: {text!r}"
    return match.group(0)


def report(wechat: WeChatServer, openid: str, text: str = BARBECUE, at: tuple[float, float] = MARKET,
           label: str = "明珠菜场") -> str:
    """A resident sends a location, then a sentence; returns the reply to the sentence."""
    wechat.location(openid, *at, label=label)
    return wechat.text(openid, text).text


def report_case(wechat: WeChatServer, openid: str, text: str = BARBECUE, at: tuple[float, float] = MARKET,
                label: str = "明珠菜场") -> str:
    """Like ``report``; returns the number the resident was given."""
    return case_number(report(wechat, openid, text, at, label))


def send_after_photo(wework: WeWorkServer, fake_platform, member: str = MEMBER) -> Answer:  # noqa: ANN001
    """A squad member sends a photo of the fixed site (no GPS) in WeChat Work."""
    return wework.image(member, fake_platform.upload(street_photo(gps=None)))


def resolve(wework: WeWorkServer, fake_platform, number: str, member: str = MEMBER) -> None:  # noqa: ANN001
    """签收, an after-photo, 办结: the squad's whole handling of a dispatched case."""
    wework.text(member, f"签收 {number}")
    send_after_photo(wework, fake_platform, member)
    assert "已办结" in wework.text(member, f"办结 {number} 已清理").text


# -- what the fake WeChat platform received -------------------------------------------------------
def squad_messages(fake_platform) -> list[dict]:  # noqa: ANN001
    """Every message delivered through WeChat Work (cards to squads, notices to leaders), oldest first; a
    call WeChat Work's duplicate check dropped reached nobody."""
    return [c["body"] for c in fake_platform.calls("/cgi-bin/message/send") if not c.get("duplicate")]


def cards(fake_platform) -> list[dict]:  # noqa: ANN001
    """The cards squads received: button cards (new case, rework) and text cards (reminder)."""
    return [body for body in squad_messages(fake_platform) if body["msgtype"] in ("template_card", "textcard")]


def card_title(card: dict) -> str:
    return card["template_card"]["main_title"]["title"] if "template_card" in card else card["textcard"]["title"]


def card_text(card: dict) -> str:
    """Everything a card shows below its title, as one string."""
    if "textcard" in card:
        return card["textcard"]["description"]
    body = card["template_card"]
    parts = [body["main_title"].get("desc", ""), body.get("sub_title_text", "")]
    parts += [f"{c['keyname']}：{c['value']}" for c in body.get("horizontal_content_list", [])]
    if "quote_area" in body:
        parts.append(f"{body['quote_area']['title']}：{body['quote_area']['quote_text']}")
    return "\n".join(parts)


def card_url(card: dict) -> str:
    return card["template_card"]["card_action"]["url"] if "template_card" in card else card["textcard"]["url"]


def card_updates(fake_platform) -> list[dict]:  # noqa: ANN001
    """The card updates sent after clicks (``message/update_template_card``), oldest first."""
    return [c["body"] for c in fake_platform.calls("/cgi-bin/message/update_template_card")]


def pushes(fake_platform, openid: str | None = None) -> list[str]:  # noqa: ANN001
    """Customer-service texts residents received (only ``openid``'s when given), oldest first."""
    return [c["body"]["text"]["content"] for c in fake_platform.calls("/cgi-bin/message/custom/send")
            if c["body"]["msgtype"] == "text" and openid in (None, c["body"]["touser"])]


def images_to(fake_platform, openid: str) -> int:  # noqa: ANN001
    return sum(1 for c in fake_platform.calls("/cgi-bin/message/custom/send")
               if c["body"]["touser"] == openid and c["body"]["msgtype"] == "image")


# -- time -----------------------------------------------------------------------------------------
def freeze(clock: Clock, moment: datetime) -> None:
    clock.freeze(moment.timestamp())


def freeze_now(clock: Clock) -> datetime:
    """Stop the app's clock at the current second; returns that moment."""
    clock.freeze(int(clock.time()))
    return clock.now()


def advance(clock: Clock, **delta: float) -> datetime:
    """Move the (frozen) app clock on by ``timedelta(**delta)``; returns the new moment."""
    clock.freeze(clock.time() + timedelta(**delta).total_seconds())
    return clock.now()


# Periodic jobs a test runs only when it asks for them: the statistics' views work on the whole database, and the
# weekly and monthly reports' announcements to the bureau's leaders would mix into the squad messages tests count.
ON_REQUEST = frozenset({"refresh_stats", "reports"})


def tick_now(app: Flask, *also: str) -> None:
    """Enqueue every periodic job now (those of ``ON_REQUEST`` only if named in ``also``), as the worker's
    scheduler does once its interval has passed."""
    with app.app_context():
        redis = get_redis()
        redis.delete(*(f"citybot:periodic:{name}" for name in PERIODIC))
        for name in ON_REQUEST - set(also):
            redis.set(f"citybot:periodic:{name}", "1", ex=3600)
    tick(app)


# -- rows -----------------------------------------------------------------------------------------
def the_case(db: Session, number: str) -> Case:
    """The case as the database has it now."""
    db.expire_all()
    case = db.scalar(select(Case).where(Case.number == number))
    assert case is not None, f"no case {number}"
    return case


_sequence = itertools.count(1)


def make_resident(db: Session, **fields: object) -> Resident:
    resident = Resident(**{"openid": f"oFactoryResident{next(_sequence):012d}", **fields})
    db.add(resident)
    db.commit()
    return resident


def make_case(db: Session, reporter: Resident, **fields: object) -> Case:
    """A located, categorised case of ``reporter`` (``received`` unless ``fields`` say otherwise)."""
    values: dict[str, object] = {
        "number": f"20261124-{9000 + next(_sequence)}", "state": "received", "description": BARBECUE,
        "lat": MARKET[0], "lng": MARKET[1], "datum": "gcj02", "location_source": "message",
        "category_code": "E0510", "unit_code": "SQ02", **fields}
    case = Case(reporter_id=reporter.id, **values)
    db.add(case)
    db.commit()
    return case


# -- the browser ----------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")  # Debian's: Playwright downloads none
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def chromium_page(width: int, height: int) -> Iterator[Any]:
    """A Playwright page in Debian's chromium at ``width``×``height``, Chinese locale."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()
        finally:
            browser.close()
