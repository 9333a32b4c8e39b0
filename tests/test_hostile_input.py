"""Hostile or impossible input (issue 17, findings 7–9): what residents write never becomes markup, text is
carried exactly as WeChat sends it, and what the protocol never sends is refused with a 4xx."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from bot.models import Case, InboundMessage, Media, Resident
from bot.sandbox.phone import message_xml
from bot.wechat.messages import parse_xml
from tests.support import BARBECUE, card_text, card_title, cards, case_number, pushes, report

OPENID = "oResidentHostile00000000001"
MARKUP = '<a href="javascript:alert(1)">点我</a>'
RAW = "A&B <3 ]]> 了"


def stored_nothing(db) -> bool:  # noqa: ANN001
    return all(db.scalar(select(func.count()).select_from(model)) == 0 for model in (InboundMessage, Resident, Case))


# -- 7: a resident's words in the squad's card ----------------------------------------------------
def test_markup_a_resident_wrote_stays_text_in_the_squads_card(wechat, run_worker, fake_platform, db):
    """The button card's fields are plain text (WeChat Work renders no markup in them): the resident's words
    appear as written, and every link on the card is ours, never one a resident wrote."""
    number = case_number(report(wechat, OPENID, text=f"{BARBECUE}{MARKUP}", label=f"明珠菜场{MARKUP}"))
    run_worker()
    [card] = cards(fake_platform)
    assert number in card_title(card) and "点我" in card_text(card)

    def urls(node: object) -> list[str]:
        if isinstance(node, dict):
            return [v for k, v in node.items() if k == "url"] + [u for v in node.values() for u in urls(v)]
        return [u for v in node for u in urls(v)] if isinstance(node, list) else []
    assert urls(card) and all(u.startswith("http://citybot.test/") and "javascript" not in u for u in urls(card))
    assert all("javascript" not in str(value) for key, value in card["template_card"].items()
               if key in ("card_action", "jump_list", "button_list"))


# -- 8: CDATA, both ways --------------------------------------------------------------------------
def test_the_test_helpers_send_text_exactly_as_wechat_does():
    xml = message_xml("gh", OPENID, "text", {"Content": RAW}, created=1, msg_id=1)
    assert "&amp;" not in xml and "&lt;" not in xml  # raw inside CDATA, as WeChat writes it
    assert parse_xml(xml)["Content"] == RAW


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "aes"])
def test_cdata_end_in_a_description_or_label_still_gets_the_case_number(wechat, db, encrypted):
    wechat.encrypted = encrypted
    wechat.location(OPENID, 29.609943, 119.053925, label=f"明珠菜场 {RAW}")
    answer = wechat.text(OPENID, f"{BARBECUE} {RAW}")
    assert answer.status == 200
    number = case_number(answer.text)  # the passive reply's XML is well-formed
    case = db.scalar(select(Case).where(Case.number == number))
    assert RAW in case.description and RAW in case.address  # stored as the resident wrote it


def test_a_reply_quoting_the_residents_words_keeps_them_intact(wechat):
    # 查询 with a bad number quotes it back: `]]>` inside the passive reply
    answer = wechat.text(OPENID, "查询 20261124-]]><x>")
    assert answer.status == 200 and answer.text


# -- 9: what WeChat never sends -------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-16", "GBK"])
def test_bodies_in_another_encoding_are_refused(wechat, db, encoding):
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>'
    xml = declaration + wechat.xml(OPENID, "text", {"Content": "路灯不亮"})
    python_codec = {"ISO-8859-1": "latin-1", "UTF-16": "utf-16", "GBK": "gbk"}[encoding]
    args, _ = wechat.sender.seal(xml, str(int(wechat.clock.time())))
    response = wechat.client.post("/wechat", query_string=args, data=xml.encode(python_codec, "replace"),
                                  content_type="text/xml")
    assert response.status_code == 400
    assert stored_nothing(db)


def test_bytes_that_are_not_utf8_are_refused(wechat, db):
    args, _ = wechat.sender.seal("", str(int(wechat.clock.time())))
    body = wechat.xml(OPENID, "text", {"Content": "X"}).encode().replace(b"X", b"\xe9\xff")
    assert wechat.client.post("/wechat", query_string=args, data=body, content_type="text/xml").status_code == 400
    assert stored_nothing(db)


@pytest.mark.parametrize(("field", "value"), [
    ("FromUserName", "o" * 65), ("MsgId", "9" * 21), ("MsgId", "12ab"), ("MediaId", "m" * 129)])
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "aes"])
def test_overlong_or_malformed_ids_are_refused(wechat, db, field, value, encrypted):
    wechat.encrypted = encrypted
    fields = {"PicUrl": "http://mmbiz.example/pic", "MediaId": "m1"}
    xml = wechat.xml(OPENID, "image", fields, msg_id=77)
    xml = (xml.replace("<MsgId>77</MsgId>", f"<MsgId>{value}</MsgId>") if field == "MsgId"
           else xml.replace(OPENID, value) if field == "FromUserName" else xml.replace("m1", value))
    assert wechat.post(xml).status == 400
    assert stored_nothing(db)


def test_the_longest_ids_wechat_sends_are_accepted(wechat, db):
    answer = wechat.image("o" * 64, "m" * 128, msg_id=18446744073709551615)
    assert answer.status == 200
    assert db.scalar(select(Media.media_id)) == "m" * 128


def _picture(fmt: str, size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, 128).save(buffer, fmt)
    return buffer.getvalue()


def test_a_49_megapixel_jpeg_is_decoded_reduced(wechat, fake_platform, run_worker, db):
    wechat.image(OPENID, fake_platform.upload(_picture("JPEG", (7000, 7000))))
    run_worker()
    media = db.scalar(select(Media))
    assert media.state == "stored"
    assert media.width * media.height <= 16_000_000  # libjpeg decoded it at half scale: 3500×3500


def test_a_49_megapixel_png_is_refused_with_a_clear_reply(wechat, fake_platform, run_worker, db):
    wechat.image(OPENID, fake_platform.upload(_picture("PNG", (7000, 7000)), "image/png"))
    run_worker()
    media = db.scalar(select(Media))
    assert media.state == "failed" and media.error.startswith("too_many_pixels")
    assert pushes(fake_platform, OPENID) == [
        "抱歉，您刚才发送的照片分辨率过高（超过 1600 万像素），未能使用。请截图或压缩后重新发送。"]
