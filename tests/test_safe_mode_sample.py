"""Interoperability with WeChat's own published safe-mode (AES) sample."""

from __future__ import annotations

from bot.wechat.envelope import Envelope, EnvelopeError
from bot.wechat.messages import WeChatMessage

SAMPLE_ARGS = {
    "timestamp": "1409735669",
    "nonce": "1320562132",
    "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
    "encrypt_type": "aes",
}
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpb"
    "UAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6"
    "NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD"
    "+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
SAMPLE_BODY = (
    f"<xml><ToUserName><![CDATA[gh_sample]]></ToUserName><Encrypt><![CDATA[{SAMPLE_ENCRYPT}]]></Encrypt></xml>"
)
SAMPLE_ENVELOPE = Envelope("spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx2c2769f8efd9abc2", 300)


def test_sample_decrypts_to_the_published_text_message():
    opened = SAMPLE_ENVELOPE.open(SAMPLE_ARGS, SAMPLE_BODY.encode(), now=1409735669 + 10)
    msg = WeChatMessage.from_xml(opened.xml)
    assert (msg.type, msg.content, msg.source) == ("text", "abcdteT", "oyORnuP8q7ou2gfYjqLzSIWZf0rs")
    assert opened.encrypted


def test_sample_is_stale_today():
    try:
        SAMPLE_ENVELOPE.open(SAMPLE_ARGS, SAMPLE_BODY.encode(), now=1409735669 + 3600)
    except EnvelopeError as exc:
        assert exc.status == 403
    else:
        raise AssertionError("a 2014 timestamp must be refused")


def test_sample_through_the_real_webhook_with_a_frozen_clock(client, clock):
    """The app's clock set to the sample's day: the webhook accepts it and answers encrypted."""
    clock.freeze(1409735669)
    response = client.post("/wechat", query_string=SAMPLE_ARGS, data=SAMPLE_BODY, content_type="text/xml")
    assert response.status_code == 200
    reply = SAMPLE_ENVELOPE.crypto.decrypt_message(response.get_data(as_text=True),
                                                   *_sig_ts_nonce(response.get_data(as_text=True)))
    assert "oyORnuP8q7ou2gfYjqLzSIWZf0rs" in reply  # the reply goes back to the sender, encrypted
    assert "您是要反映新问题吗" in reply  # "abcdteT" describes no problem: the resident is asked


def _sig_ts_nonce(xml: str) -> tuple[str, str, str]:
    from bot.wechat.messages import parse_xml

    fields = parse_xml(xml)
    return fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
