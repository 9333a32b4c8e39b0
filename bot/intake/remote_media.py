"""Fetching a photo an Open311 client gave as ``media_url``: in a job, with the limits of a resident's photo,
and never from a private, loopback, link-local or otherwise non-public address (the server must not be made
to reach into the bureau's own network). Each redirect is checked again.

Addresses are checked as the host name resolves just before the request; a host that resolves differently a
moment later (DNS rebinding) is the remaining gap, narrowed by refusing redirects to unchecked hosts.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import urljoin, urlsplit

import requests
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.intake.images import ImageRejected, store_image
from bot.intake.media import fail
from bot.models import Media

log = logging.getLogger(__name__)
MAX_REDIRECTS = 3
TIMEOUT = (5, 20)  # connect, read (seconds)


class Refused(Exception):
    """Never fetched: a private address, a bad scheme, too large, or a permanent HTTP error."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def check_host(url: str, allow_private: bool = False) -> None:
    """Refuse a URL that is not http(s) or whose host resolves to any non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("refused", f"not an http(s) URL: {url[:100]}")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused("unavailable", f"cannot resolve {parts.hostname}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not allow_private and (not address.is_global or address.is_multicast):
            raise Refused("refused", f"{parts.hostname} resolves to a non-public address {address}")


def download(url: str, max_bytes: int, allow_private: bool = False) -> bytes:
    """The body at ``url`` (at most ``max_bytes``). Transient failures raise ``requests`` errors (retried)."""
    for _ in range(MAX_REDIRECTS + 1):
        check_host(url, allow_private)
        with requests.get(url, stream=True, timeout=TIMEOUT, allow_redirects=False,
                          headers={"User-Agent": "citybot-open311/1"}) as response:
            if response.is_redirect:
                url = urljoin(url, response.headers.get("Location", ""))
                continue
            if 400 <= response.status_code < 500:
                raise Refused("unavailable", f"HTTP {response.status_code}")
            response.raise_for_status()  # 5xx: transient
            if int(response.headers.get("Content-Length") or 0) > max_bytes:
                raise Refused("too_large", "larger than the photo limit")
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > max_bytes:
                    raise Refused("too_large", "larger than the photo limit")
            return bytes(body)
    raise Refused("unavailable", "too many redirects")


def fetch_url_media(sessions: sessionmaker[Session], settings: Settings, clock: Clock, pk: int) -> str:
    """Fetch, process and store one ``url`` media row; returns its final state (transient errors raise)."""
    with sessions.begin() as session:
        media = session.get(Media, pk)
        if media is None or media.state != "pending" or not media.url:
            return media.state if media else "missing"
        media.attempts += 1
        url = media.url
    try:
        data = download(url, settings.max_media_bytes, settings.media_url_allow_private)
        stored = store_image(data, settings.media_dir, settings.max_image_pixels, settings.thumbnail_size)
    except Refused as exc:
        return fail(sessions, pk, exc.kind, exc)
    except ImageRejected as exc:
        return fail(sessions, pk, "too_large" if exc.too_large else "unreadable", exc)
    with sessions.begin() as session:
        media = session.get_one(Media, pk)
        media.state, media.stored_at, media.error = "stored", clock.now(), None
        media.content_type, media.sha256 = "image/jpeg", stored.sha256
        media.path, media.thumb_path = stored.path, stored.thumb_path
        media.width, media.height = stored.width, stored.height
        media.gps_lat, media.gps_lng = stored.gps or (None, None)
    return "stored"
