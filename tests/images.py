"""Photos for tests, made with Pillow: a street photo with GPS EXIF, a corrupt one, a pixel bomb."""

from __future__ import annotations

import io

from PIL import Image


def street_photo(gps: tuple[float, float] | None = (29.6, 119.04), orientation: int = 6) -> bytes:
    """A small JPEG as a phone would send it: rotated by EXIF, with GPS (WGS-84) and a maker tag."""
    image = Image.new("RGB", (64, 32), (180, 60, 40))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    if gps is not None:
        lat, lng = gps
        exif.get_ifd(0x8825).update({1: "N", 2: _dms(lat), 3: "E", 4: _dms(lng)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return (float(degrees), float(minutes), seconds)


def corrupt_jpeg() -> bytes:
    """A JPEG cut off halfway through its image data."""
    buffer = io.BytesIO()
    Image.effect_noise((256, 256), 64).convert("RGB").save(buffer, "JPEG")
    data = buffer.getvalue()
    return data[: len(data) // 2]


def pixel_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A tiny JPEG whose header claims ``width``×``height`` (decoding it would need >1 GB)."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 7] = height.to_bytes(2, "big")
    data[sof + 7 : sof + 9] = width.to_bytes(2, "big")
    return bytes(data)
