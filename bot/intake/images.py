"""Turning a downloaded photo into what we keep: GPS read, upright, EXIF-free, with a thumbnail.

The original is never stored: EXIF can hold the resident's phone model, time and position, so we
keep only the GPS point (in the database) and a re-encoded JPEG without metadata.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

GPS_IFD = 0x8825


class ImageRejected(ValueError):
    """Broken, unsupported or too large: recorded as failed, never retried."""

    def __init__(self, message: str, *, too_large: bool = False, too_many_pixels: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large
        self.too_many_pixels = too_many_pixels


@dataclass(frozen=True)
class StoredImage:
    sha256: str
    path: str  # relative to the media folder
    thumb_path: str
    width: int
    height: int
    gps: tuple[float, float] | None  # WGS-84 (lat, lng)


def _degrees(value: tuple, ref: str) -> float:
    d, m, s = (float(x) for x in value)
    result = d + m / 60 + s / 3600
    return -result if ref in ("S", "W") else result


def read_gps(image: Image.Image) -> tuple[float, float] | None:
    """EXIF GPS as WGS-84 (lat, lng), or None when absent or nonsense."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
        lat = _degrees(gps[2], gps.get(1, "N"))
        lng = _degrees(gps[4], gps.get(3, "E"))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (lat == 0 and lng == 0):
        return None
    return lat, lng


def store_image(data: bytes, media_dir: Path, max_pixels: int, thumb_size: int,
                max_decoded_pixels: int | None = None) -> StoredImage:
    """Decode, turn upright and store ``data``.

    ``max_pixels`` bounds what the header may claim; ``max_decoded_pixels`` what is ever decoded (the
    worker's memory: a 49-megapixel photo took it from 127 MB to 696 MB). A larger JPEG is decoded at
    1/2, 1/4 or 1/8 scale by libjpeg itself (``draft``), so phones' 48-megapixel photos are kept, smaller;
    any other image over the bound is refused (``too_many_pixels``).
    """
    sha = hashlib.sha256(data).hexdigest()
    cap = max_decoded_pixels or max_pixels
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > max_pixels:  # checked on the header, before decoding
                raise ImageRejected(f"image too large: {image.width}×{image.height}", too_large=True)
            gps = read_gps(image)
            _reduce_while_decoding(image, cap)
            if image.width * image.height > cap:
                raise ImageRejected(f"too_many_pixels: {image.width}×{image.height} over {cap}", too_many_pixels=True)
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own guard, past twice its default limit
        raise ImageRejected(f"image too large: {exc}", too_large=True) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(f"unreadable image: {exc}") from exc

    folder = media_dir / sha[:2]
    folder.mkdir(parents=True, exist_ok=True)
    relative, thumb_relative = f"{sha[:2]}/{sha}.jpg", f"{sha[:2]}/{sha}.thumb.jpg"
    upright.save(media_dir / relative, "JPEG", quality=85, optimize=True)  # no exif= : stripped
    thumb = upright.copy()
    thumb.thumbnail((thumb_size, thumb_size))
    thumb.save(media_dir / thumb_relative, "JPEG", quality=80)
    return StoredImage(sha, relative, thumb_relative, upright.width, upright.height, gps)


def _reduce_while_decoding(image: Image.Image, cap: int) -> None:
    """Ask libjpeg for the smallest reduction (1/2, 1/4, 1/8) that brings a JPEG within ``cap`` pixels;
    other formats ignore ``draft`` and keep their size."""
    for scale in (1, 2, 4, 8):
        if -(-image.width // scale) * -(-image.height // scale) <= cap:  # libjpeg rounds up
            break
    if scale > 1 and image.format == "JPEG":
        image.draft(None, (image.width // scale, image.height // scale))


def store_blob(data: bytes, media_dir: Path, extension: str) -> tuple[str, str]:
    """Non-image media (voice) kept as sent; returns (sha256, relative path)."""
    sha = hashlib.sha256(data).hexdigest()
    folder = media_dir / sha[:2]
    folder.mkdir(parents=True, exist_ok=True)
    relative = f"{sha[:2]}/{sha}.{extension}"
    (media_dir / relative).write_bytes(data)
    return sha, relative
