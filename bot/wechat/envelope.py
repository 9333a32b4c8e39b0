"""Opening and sealing webhook envelopes: signatures, freshness, safe-mode AES.

Both channels use wechatpy's crypto (AES-256-CBC, IV = key[:16], PKCS#7 to 32 bytes); we add the
checks it leaves to the caller: timestamp freshness and XML that cannot hurt us.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeWorkCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import WeChatSigner

from bot.wechat.messages import BadXML, decode_body, parse_xml


class EnvelopeError(Exception):
    """A request we refuse; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Opened:
    xml: str  # the plain message XML
    fields: dict[str, str]  # ... parsed (``parse_xml``): checked here, so not parsed twice
    encrypted: bool
    nonce: str
    timestamp: str


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


class Envelope:
    """Verification for one endpoint.

    Official account: plain mode, or safe mode when ``aes_key`` is set (``encrypt_type=aes``).
    WeChat Work (``always_encrypted``): every callback is encrypted with the corp id as app id.
    """

    def __init__(self, token: str, aes_key: str, app_id: str, max_skew: int, *, always_encrypted: bool = False) -> None:
        self.token = token
        self.app_id = app_id
        self.max_skew = max_skew
        self.always_encrypted = always_encrypted
        crypto_class = WeWorkCrypto if always_encrypted else WeChatCrypto
        self.crypto = crypto_class(token, aes_key, app_id) if aes_key else None

    def check_fresh(self, timestamp: str, now: float) -> None:
        if not timestamp.isdigit():
            raise EnvelopeError(400, "timestamp missing or not a number")
        if abs(now - int(timestamp)) > self.max_skew:
            raise EnvelopeError(403, "timestamp too old or in the future")

    def check_plain_signature(self, args: Mapping[str, str]) -> None:
        expected = sign(self.token, args.get("timestamp", ""), args.get("nonce", ""))
        if not hmac.compare_digest(expected, args.get("signature", "")):
            raise EnvelopeError(403, "bad signature")

    def open_echo(self, args: Mapping[str, str], now: float) -> str:
        """WeChat Work's URL verification: the echostr is encrypted; answer it decrypted."""
        self.check_fresh(args.get("timestamp", ""), now)
        if self.crypto is None:
            raise EnvelopeError(400, "AES key not configured")
        try:
            return self.crypto.check_signature(args.get("msg_signature", ""), args.get("timestamp", ""),
                                               args.get("nonce", ""), args.get("echostr", ""))
        except InvalidSignatureException as exc:
            raise EnvelopeError(403, "bad msg_signature") from exc
        except Exception as exc:  # noqa: BLE001 - undecryptable echostr
            raise EnvelopeError(400, "cannot decrypt echostr") from exc

    def open(self, args: Mapping[str, str], body: bytes, now: float) -> Opened:
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        self.check_fresh(timestamp, now)
        try:
            text = decode_body(body)
        except BadXML as exc:
            raise EnvelopeError(400, str(exc)) from exc
        if self.always_encrypted or args.get("encrypt_type", "raw") == "aes":
            return self._open_aes(args, text, timestamp, nonce)
        self.check_plain_signature(args)
        try:
            fields = parse_xml(text)  # refuse hostile or broken XML before anyone stores it
        except BadXML as exc:
            raise EnvelopeError(400, str(exc)) from exc
        return Opened(text, fields, False, nonce, timestamp)

    def _open_aes(self, args: Mapping[str, str], body: str, timestamp: str, nonce: str) -> Opened:
        if self.crypto is None:
            raise EnvelopeError(400, "safe mode is not configured")
        try:
            outer = parse_xml(body)
        except BadXML as exc:
            raise EnvelopeError(400, str(exc)) from exc
        if not outer.get("Encrypt"):
            raise EnvelopeError(400, "missing Encrypt")
        try:
            xml = self.crypto.decrypt_message(outer, args.get("msg_signature", ""), timestamp, nonce)
        except InvalidSignatureException as exc:
            raise EnvelopeError(403, "bad msg_signature") from exc
        except (InvalidAppIdException, InvalidCorpIdException) as exc:
            raise EnvelopeError(403, "message for another app id") from exc
        except Exception as exc:  # noqa: BLE001 - any decryption failure is the sender's fault
            raise EnvelopeError(400, "cannot decrypt") from exc
        try:
            fields = parse_xml(decode_body(xml.encode("utf-8")))  # the decrypted message declares its encoding too
        except BadXML as exc:
            raise EnvelopeError(400, str(exc)) from exc
        return Opened(xml, fields, True, nonce, timestamp)

    def seal(self, reply_xml: str, opened: Opened) -> str:
        """Answer in the mode the message came in."""
        if opened.encrypted and self.crypto is not None:
            return self.crypto.encrypt_message(reply_xml, opened.nonce, opened.timestamp)
        return reply_xml
