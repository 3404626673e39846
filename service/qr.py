"""QR codes for posters, label sheets and guide pages, made with ``qrcode``.

Error correction Q (25% of the code can be lost): posters get folded, scuffed, rained on and
photographed in glare; the short links keep the code small (version 2 to 4) even so. The
quiet zone is the standard four modules. SVG for print (sharp at any size), PNG for
messaging apps and the tests' decoder.
"""

from __future__ import annotations

import io

import qrcode
from qrcode.image.svg import SvgPathImage


def _code(data: str, box_size: int = 10) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=4,
                       box_size=box_size)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


def version(data: str) -> int:
    v: int = _code(data).version
    return v


def svg(data: str) -> str:
    """An SVG that scales to any print size (width and height set by the page's CSS)."""
    image = _code(data).make_image(image_factory=SvgPathImage)
    text: str = image.to_string(encoding="unicode")
    return text[text.index("<svg"):]  # no XML declaration: the SVG is inlined in HTML too


def png(data: str, box_size: int = 10) -> bytes:
    """A PNG with ``box_size`` pixels per module (10 px: about 4 cm at 300 dpi for version 3)."""
    image = _code(data, box_size).make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
