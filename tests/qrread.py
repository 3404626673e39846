"""Reading QR codes back in tests with an independent decoder (zxing-cpp)."""

from __future__ import annotations

import re

import zxingcpp
from PIL import Image, ImageDraw


def decode(image: Image.Image) -> str:
    found = zxingcpp.read_barcodes(image)
    assert found, "no QR code found"
    return found[0].text


def svg_to_image(svg: str, scale: int) -> Image.Image:
    """Rasterise qrcode's SVG path (unit squares 'Mx,yHx+1Vy+1Hxz') without the library."""
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y in re.findall(r"M(\d+),(\d+)H", svg):
        x, y = int(x) * scale, int(y) * scale
        draw.rectangle([x, y, x + scale - 1, y + scale - 1], fill=0)
    return image
