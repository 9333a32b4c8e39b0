"""Sample photos of street problems for the simulator, drawn with Pillow (no stock photos needed)."""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageDraw

SIZE = (480, 360)


def _street(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((0, 0, 480, 170), fill=(170, 205, 235))  # sky
    draw.rectangle((0, 170, 480, 360), fill=(120, 120, 125))  # road
    draw.rectangle((0, 170, 480, 200), fill=(190, 185, 175))  # pavement
    for x in range(20, 480, 90):
        draw.rectangle((x, 270, x + 50, 278), fill=(240, 240, 240))  # lane marks
    draw.rectangle((30, 60, 150, 170), fill=(200, 170, 140))  # a shop
    draw.rectangle((60, 110, 110, 170), fill=(90, 70, 60))


def barbecue(draw: ImageDraw.ImageDraw) -> None:
    _street(draw)
    draw.rectangle((220, 190, 360, 215), fill=(60, 60, 60))  # grill
    draw.line((230, 215, 230, 260), fill=(50, 50, 50), width=4)
    draw.line((350, 215, 350, 260), fill=(50, 50, 50), width=4)
    for x in range(230, 355, 14):
        draw.line((x, 185, x + 4, 200), fill=(200, 80, 30), width=3)  # skewers
    for i, r in enumerate((18, 26, 34, 42)):
        draw.ellipse((250 + i * 12 - r, 150 - i * 30 - r, 250 + i * 12 + r, 150 - i * 30 + r), fill=(215, 215, 215))


def garbage(draw: ImageDraw.ImageDraw) -> None:
    _street(draw)
    draw.rectangle((260, 150, 330, 230), fill=(40, 120, 60))  # bin
    draw.rectangle((255, 140, 335, 152), fill=(30, 100, 50))
    for box in ((230, 215, 290, 255), (300, 225, 370, 262), (270, 200, 310, 232), (340, 210, 385, 245)):
        draw.ellipse(box, fill=(30, 30, 35))  # overflowing bags
    draw.rectangle((200, 240, 225, 255), fill=(230, 210, 90))


def manhole(draw: ImageDraw.ImageDraw) -> None:
    _street(draw)
    draw.ellipse((190, 240, 310, 300), fill=(20, 20, 20))  # the open hole
    draw.ellipse((200, 246, 300, 294), fill=(5, 5, 5))
    draw.polygon(((330, 250), (360, 232), (392, 262), (350, 276)), fill=(90, 90, 95))  # the broken cover


def stall(draw: ImageDraw.ImageDraw) -> None:
    _street(draw)
    draw.polygon(((180, 160), (380, 160), (400, 190), (160, 190)), fill=(220, 60, 60))  # awning on the pavement
    draw.rectangle((190, 190, 370, 250), fill=(150, 110, 70))  # table
    for x in range(200, 365, 30):
        draw.ellipse((x, 175, x + 22, 195), fill=(240, 170, 40))  # fruit


SAMPLES: dict[str, tuple[str, Callable[[ImageDraw.ImageDraw], None]]] = {
    "barbecue": ("路边烧烤", barbecue),
    "garbage": ("垃圾满溢", garbage),
    "manhole": ("井盖缺失", manhole),
    "stall": ("占道摆摊", stall),
}


def render(name: str) -> bytes:
    """A JPEG of sample ``name`` (KeyError if there is none)."""
    _, draw_scene = SAMPLES[name]
    image = Image.new("RGB", SIZE, (255, 255, 255))
    draw_scene(ImageDraw.Draw(image))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
