"""Made-up phone photos of documents for tests and benchmarks: a sheet of paper in uneven
light with lines of print and a camera's sensor noise, and the EXIF a phone writes (where
it was taken, which way up)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

# Where the made-up photo was taken (Tengzhou), as a phone's GPS writes it
GPS = {1: "N", 2: (35.0, 5.0, 13.0), 3: "E", 4: (117.0, 9.0, 36.0)}
MAKER = "JiuyetongTestPhone"


def document_photo(width: int = 4000, height: int = 3000, *, gps: bool = True,
                   orientation: int = 1, quality: int = 92, seed: int = 0) -> bytes:
    """A JPEG as a phone camera makes it. ``orientation`` 6: held upright, stored sideways."""
    light = Image.linear_gradient("L").resize((width, height)).point(lambda v: 150 + v // 3)
    noise = Image.effect_noise((width, height), 12 + seed % 5)
    paper = Image.blend(light, noise, 0.15)
    im = Image.merge("RGB", [paper, paper, paper.point(lambda v: max(v - 8, 0))])
    draw = ImageDraw.Draw(im)
    line = max(height // 33, 4)
    for y in range(height // 10, height - height // 10, line * 2):
        draw.rectangle((width // 10, y, width - width // 10 - (y * 7 + seed) % (width // 4),
                        y + line // 2), fill=(40, 40, 50))
    exif = Image.Exif()
    exif[0x010F] = MAKER  # Make
    exif[0x0112] = orientation
    if gps:
        exif.get_ifd(0x8825).update(GPS)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def exif_of(jpeg: bytes) -> dict:
    return dict(Image.open(io.BytesIO(jpeg)).getexif())
