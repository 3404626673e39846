"""Photos of an application's documents: the guide's checklist, a photo sent for one item of
it, and staff looking at it.

- ``shrink`` is the server's own pass over whatever arrives: the type is decided by the
  content (Pillow must open it as JPEG, PNG or WebP; the name and the declared type are not
  read), the orientation is applied, and it is re-encoded as a JPEG of at most 1600 px on
  the long side and about 400 KB, with no EXIF (GPS!) or any other metadata.
- ``add`` stores it sealed under the data keys (service/pii.py), in the database, so every
  worker serves the same photos, ``rotate-keys`` re-encrypts them and ``purge`` deletes them
  with the application's personal data. A retry with the same Idempotency-Key answers with
  the first photo (a unique index decides, as for applications).
- ``staff_photo`` shows one to staff within their district's boundaries; every view, and
  every refused attempt, is audited.

The HTTP side (multipart, the applicant's phone check, throttles) is
service/api/applications.py and service/api/staff.py; the console's is service/console.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps
from starlette.concurrency import run_in_threadpool
from tortoise.exceptions import IntegrityError

from . import clock, workflow
from .catalog import Program
from .errors import ApiError
from .models import Application, DocumentPhoto
from .pii import InvalidToken, Vault
from .staff import Session, audit

MAX_SIDE = 1600
# JPEG qualities tried in turn until the photo fits TARGET_BYTES (a photo of a page of text
# fits at the first; a busy scene may need the second)
QUALITIES = (80, 65, 50)
TARGET_BYTES = 400 * 1024
# Past this many pixels a file is refused before it is decoded (below Pillow's own bomb
# warning): a 48 MP phone camera is well below it, a decompression bomb is not.
MAX_PIXELS = 80_000_000
FORMATS = ("JPEG", "PNG", "WEBP")  # a phone's MPO (JPEG with a depth map) opens as JPEG
PER_DOCUMENT = 5  # photos of one item (an ID card's two sides, a contract's pages ...)
PER_APPLICATION = 30

NOT_AN_IMAGE = "这个文件不是照片。请用手机拍照，或选一张照片（JPG、PNG）。"


def too_big(limit: int) -> str:
    """What a person reads when a photo is over the upload limit (413)."""
    return f"照片太大了（最大{limit / (1024 * 1024):g}MB）。请在本站的页面上拍照，会自动缩小。"


@dataclass(frozen=True)
class Shrunk:
    jpeg: bytes
    width: int
    height: int


def shrink(raw: bytes) -> Shrunk:
    """The upload as a small JPEG without metadata; ApiError 422 if it is not a photo.

    CPU-bound (about 0.1 s for a 12 MP photo): call it through ``run_in_threadpool``."""
    try:
        opened = Image.open(io.BytesIO(raw), formats=FORMATS)
        if opened.width * opened.height > MAX_PIXELS:
            raise ApiError(422, "image_too_large", "这张照片的像素太多了，请用手机相机重新拍一张。",
                           [{"field": "file", "message": "像素太多了。"}])
        # a JPEG is decoded at the smallest scale (1/2, 1/4, 1/8) that keeps the long side
        # above MAX_SIDE: a fraction of the memory and the time
        long = max(opened.size)
        if long > MAX_SIDE:
            opened.draft("RGB", (-(-opened.width * MAX_SIDE // long),
                                 -(-opened.height * MAX_SIDE // long)))
        im: Image.Image = opened
        if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
            rgba = im.convert("RGBA")
            im = Image.new("RGB", rgba.size, (255, 255, 255))  # transparent = white paper
            im.paste(rgba, mask=rgba.getchannel("A"))
            im.info = opened.info
        elif im.mode != "RGB":
            im = im.convert("RGB")
        im.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        # then turned as the phone showed it (EXIF orientation), on the small copy; the
        # EXIF itself is not carried over
        im = ImageOps.exif_transpose(im)
    except ApiError:
        raise
    except (OSError, SyntaxError, ValueError, TypeError, Image.DecompressionBombError):
        # not an image, a broken one, or one Pillow cannot decode: all the same to a person
        raise ApiError(422, "not_an_image", NOT_AN_IMAGE,
                       [{"field": "file", "message": NOT_AN_IMAGE}]) from None
    for quality in QUALITIES:
        out = io.BytesIO()
        # no exif=, icc_profile= or comment=: nothing but the picture is written
        im.save(out, "JPEG", quality=quality, optimize=True)
        if out.tell() <= TARGET_BYTES:
            break
    return Shrunk(out.getvalue(), im.width, im.height)


def _fingerprint(vault: Vault, reference: str, document: str, raw: bytes) -> str:
    return vault.digest("photo", reference, document, hashlib.sha256(raw).hexdigest())


@dataclass(frozen=True)
class Added:
    photo: DocumentPhoto
    replayed: bool


def _replay(photo: DocumentPhoto, fingerprint: str) -> Added:
    if photo.idem_fingerprint != fingerprint:
        raise ApiError(422, "idempotency_key_reused",
                       "这个上传编号已经用在另一张照片上了。请刷新页面后重新上传。",
                       [{"field": "Idempotency-Key", "message": "同一个编号只能用于同一张照片。"}])
    return Added(photo, True)


def photo_item(program: Program | None, document: str) -> str:
    """The checklist item's name, for a photo sent for it."""
    spec = program.documents_by_id.get(document) if program else None
    return spec.name if spec else "（办事指南里已经没有这一项）"


async def add(app: Application, program: Program, document: str, raw: bytes,
              key: str | None, vault: Vault) -> Added:
    """Store a photo of ``document`` (a checklist item id) for ``app``.

    Raises ApiError: 422 for an item not on the checklist, a file that is not a photo or a
    key reused on another photo; 409 for a closed application or one with all its photos."""
    spec = program.documents_by_id.get(document)
    if spec is None or not spec.photo:
        raise ApiError(422, "unknown_document", "材料清单里没有这一项，请从清单里点“拍照”。",
                       [{"field": "document", "message": "应该是材料清单里的一项。"}])
    fingerprint = _fingerprint(vault, app.reference, document, raw)
    idem = vault.digest("photo-idempotency", app.reference, key) if key else None
    if idem:  # a retry is answered before any decoding; the unique index still decides below
        if (first := await DocumentPhoto.get_or_none(idem_key=idem)) is not None:
            return _replay(first, fingerprint)
    if app.status in workflow.CLOSED or not app.sealed:
        raise ApiError(409, "application_closed", "这份申请已经办完了，不用再上传材料。")
    # Counted before the insert, so two uploads at the same moment may pass one over the
    # limit: a bound on storage, not a rule anybody relies on to the photo.
    same: list[str] = list(await DocumentPhoto.filter(application_id=app.id)
                           .values_list("document", flat=True))  # type: ignore[arg-type]
    if same.count(document) >= PER_DOCUMENT or len(same) >= PER_APPLICATION:
        raise ApiError(409, "too_many_photos",
                       f"这一项已经有{PER_DOCUMENT}张照片了，够用了。还缺什么请打12333问。"
                       if same.count(document) >= PER_DOCUMENT else
                       f"这份申请已经有{PER_APPLICATION}张照片了，够用了。还缺什么请打12333问。")
    shrunk = await run_in_threadpool(shrink, raw)
    photo = DocumentPhoto(application_id=app.id, document=document,
                          sealed=vault.seal_bytes(shrunk.jpeg), size=len(shrunk.jpeg),
                          width=shrunk.width, height=shrunk.height, idem_key=idem,
                          idem_fingerprint=fingerprint)
    try:
        await photo.save()
    except IntegrityError:  # the same key at the same moment: the first one won
        first = await DocumentPhoto.get_or_none(idem_key=idem) if idem else None
        if first is None:
            raise
        return _replay(first, fingerprint)
    return Added(photo, False)


_META = ("id", "document", "size", "width", "height", "created_at")


async def photos_of(app: Application) -> list[dict[str, Any]]:
    """The application's photos, oldest first, without their bytes."""
    return await (DocumentPhoto.filter(application_id=app.id).order_by("created_at", "id")
                  .values(*_META))


def photo_json(p: dict[str, Any]) -> dict[str, Any]:
    return {"id": p["id"], "document": p["document"], "size": p["size"], "width": p["width"],
            "height": p["height"], "at": clock.local_iso(p["created_at"])}


async def checklist(app: Application, program: Program | None) -> list[dict[str, Any]]:
    """The guide's checklist with what was sent for each item and the one a reviewer asked
    for, as the applicant's status page shows it."""
    if program is None:
        return []
    sent: dict[str, list[dict[str, Any]]] = {}
    for p in await photos_of(app):
        sent.setdefault(p["document"], []).append(photo_json(p))
    return [{**item, "asked": item["id"] == app.asked_document,
             "photos": sent.get(item["id"], [])} for item in program.checklist]


async def staff_photos(app: Application, program: Program | None) -> list[dict[str, Any]]:
    """Every photo of the application for a reviewer's page (the bytes are fetched one by
    one, each fetch audited)."""
    return [{**photo_json(p), "document_name": photo_item(program, p["document"]),
             "at_text": clock.local_text(p["created_at"]),
             "url": f"/staff/applications/{app.reference}/photos/{p['id']}"}
            for p in await photos_of(app)]


async def staff_photo(session: Session, reference: str, photo_id: str, vault: Vault) -> bytes:
    """One photo's JPEG for staff who may see the application; 404 otherwise (the same
    answer whether it is another district's, another application's or none), and either
    way the attempt is audited."""
    from .review import find, not_found  # review shows photos on its pages: imported late

    number = int(photo_id) if photo_id.isascii() and photo_id.isdigit() and len(photo_id) < 10 else 0
    try:
        app = await find(session, reference)
        photo = await DocumentPhoto.get_or_none(id=number, application_id=app.id)
        if photo is None:
            raise not_found()
        jpeg = vault.open_bytes(photo.sealed)
    except (ApiError, InvalidToken) as e:
        if isinstance(e, ApiError) and e.status != 404:
            raise  # a viewer: 403, no personal data at all
        await audit(session.username, "photo_denied", reference[:64], f"photo {photo_id}"[:255])
        raise not_found() from None
    await audit(session.username, "photo_view", app.reference, f"{photo.document} #{photo.id}")
    return jpeg
