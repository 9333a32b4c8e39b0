"""Personal data at rest: a caller's phone number, an e-mail or a name is stored only as a Fernet token
(AES-128-CBC + HMAC-SHA256, ``cryptography``), and shown only masked.

The key is ``CONTACT_ENCRYPTION_KEY`` (required in production); several comma-separated keys allow rotation
(the first encrypts, every one decrypts). The embedded profile derives one from ``SECRET_KEY``.
"""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.config import Settings

PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,22}[0-9]$")


class BadPhone(ValueError):
    """Not something a phone number looks like."""


class PersonalData:
    """Encrypts and decrypts the personal fields of a contact."""

    def __init__(self, keys: list[bytes]) -> None:
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def from_settings(cls, settings: Settings) -> PersonalData:
        if settings.contact_encryption_key:
            return cls([k.strip().encode() for k in settings.contact_encryption_key.split(",") if k.strip()])
        derived = hashlib.sha256(b"citybot-contact:" + settings.secret_key.encode()).digest()
        return cls([base64.urlsafe_b64encode(derived)])

    def seal(self, value: str | None) -> str | None:
        return None if not value else self._fernet.encrypt(value.encode()).decode()

    def open(self, token: str | None) -> str | None:
        """The plain value; None when there is none or it was sealed with a key no longer configured."""
        if not token:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            return None


def normalise_phone(raw: str) -> str:
    """Digits (and a leading +) of a phone number as typed: '138 0000 5678' → '13800005678'."""
    text = raw.strip().translate(str.maketrans("０１２３４５６７８９＋－", "0123456789+-"))
    if not PHONE.match(text):
        raise BadPhone(raw)
    return ("+" if text.startswith("+") else "") + re.sub(r"\D", "", text)


def mask_phone(phone: str) -> str:
    """What any page may show: the first three and last four digits (138****5678); short numbers keep less."""
    digits = phone.lstrip("+")
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    return f"{'*' * max(len(digits) - 2, 1)}{digits[-2:]}"
