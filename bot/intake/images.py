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

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


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


def store_image(data: bytes, media_dir: Path, max_pixels: int, thumb_size: int) -> StoredImage:
    sha = hashlib.sha256(data).hexdigest()
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > max_pixels:  # checked on the header, before decoding
                raise ImageRejected(f"image too large: {image.width}×{image.height}", too_large=True)
            gps = read_gps(image)
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


def store_blob(data: bytes, media_dir: Path, extension: str) -> tuple[str, str]:
    """Non-image media (voice) kept as sent; returns (sha256, relative path)."""
    sha = hashlib.sha256(data).hexdigest()
    folder = media_dir / sha[:2]
    folder.mkdir(parents=True, exist_ok=True)
    relative = f"{sha[:2]}/{sha}.{extension}"
    (media_dir / relative).write_bytes(data)
    return sha, relative
