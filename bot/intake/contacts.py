"""Reporters outside WeChat, and what they say: who called (encrypted), where, which photo.

Shared by the hotline page and Open311: a contact's phone, e-mail and names are sealed with the
``PersonalData`` cipher before they reach the database, and only the masked phone is kept in clear.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.core.crypto import BadPhone, mask_phone, normalise_phone
from bot.dispatch.deps import Deps
from bot.dispatch.errors import DomainError, UnknownCategory
from bot.geo.index import AreaIndex, PlaceHit
from bot.intake.images import ImageRejected, store_image
from bot.models import Contact, Media
from bot.understanding.classify import Classification

MAX_DESCRIPTION = 4000  # Open311's limit for a description, used for the hotline too


class BadReport(DomainError):
    """Something the reporter or the client sent cannot be used; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Person:
    """What a reporter told about themselves (all optional)."""

    phone: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    external_id: str | None = None  # another system's id for them (Open311 account_id)


def new_contact(session: Session, deps: Deps, channel: str, person: Person, label: str) -> Contact:
    """A contact row with the personal fields sealed; a phone that is not a number is refused."""
    try:
        phone = normalise_phone(person.phone) if person.phone and person.phone.strip() else None
    except BadPhone:
        raise BadReport("phone", "电话号码格式不正确") from None
    email = (person.email or "").strip()
    if len(email) > 254 or (email and "@" not in email):
        raise BadReport("email", "电子邮箱格式不正确")
    names = " ".join(n.strip() for n in (person.first_name, person.last_name) if n and n.strip())
    if len(names) > 128:
        raise BadReport("first_name", "姓名过长")
    personal = deps.personal
    contact = Contact(channel=channel, name=label, external_id=(person.external_id or None),
                      phone_masked=mask_phone(phone) if phone else None, phone_encrypted=personal.seal(phone),
                      email_encrypted=personal.seal(email or None), name_encrypted=personal.seal(names or None))
    session.add(contact)
    return contact


def description(text: str | None) -> str:
    """The reporter's words, trimmed; empty or longer than ``MAX_DESCRIPTION`` characters is refused."""
    words = (text or "").strip()
    if not words:
        raise BadReport("description", "请填写问题描述")
    if len(words) > MAX_DESCRIPTION:
        raise BadReport("description", f"问题描述不能超过 {MAX_DESCRIPTION} 字")
    return words


def place_of(area: AreaIndex, address: str) -> PlaceHit:
    """The gazetteer place an address names, or ``BadReport``."""
    place = area.place_in(address.strip()) if address and address.strip() else None
    if place is None:
        raise BadReport("address", "地址无法识别，请在地图上选点或输入已知地名")
    return place


def chosen_category(deps: Deps, code: str | None) -> Classification | None:
    """A category a person chose (confidence 1: a person is sure), or None to let the classifier decide."""
    if not code:
        return None
    if code not in deps.taxonomy:
        raise UnknownCategory(code)
    return Classification(code, deps.category(code).name, 1.0)


def uploaded_photo(session: Session, deps: Deps, data: bytes) -> Media:
    """A photo uploaded with the report, through the same image pipeline as a resident's (EXIF stripped,
    upright, thumbnail, size limits); refused with ``BadReport`` when it cannot be used."""
    settings = deps.settings
    if len(data) > settings.max_media_bytes:
        raise BadReport("photo", "照片过大")
    try:
        stored = store_image(data, settings.media_dir, settings.max_image_pixels, settings.thumbnail_size)
    except ImageRejected as exc:
        raise BadReport("photo", "照片过大" if exc.too_large else "照片无法读取") from None
    media = Media(kind="image", channel="upload", media_id=f"upload:{stored.sha256[:24]}", state="stored",
                  sha256=stored.sha256, path=stored.path, thumb_path=stored.thumb_path, content_type="image/jpeg",
                  width=stored.width, height=stored.height, stored_at=deps.now(), attempts=1)
    if stored.gps:
        media.gps_lat, media.gps_lng = stored.gps
    session.add(media)
    return media
