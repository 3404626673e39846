"""Photos of documents: an applicant sends what the guide says to bring, from the phone, and
the district's reviewer sees it. What a person (and a guesser, and a reviewer of another
district) sees, and what is left in the database."""

from __future__ import annotations

import base64
import datetime as dt
import io

import httpx2
import pytest
from people import form, key, new_client, signed_in
from photos import MAKER, document_photo, exif_of
from PIL import Image
from tortoise.context import tortoise_test_context

from service import review
from service.app import create_app
from service.config import Settings
from service.models import Application, AuditEntry, DocumentPhoto
from service.reference import new_reference

PHONE = "13800138000"
PROGRAM = "unemployment-insurance"  # 身份证, 离职证明, 失业登记证明


async def apply(client, **over) -> dict:
    body = form(program=PROGRAM, **over)
    r = await client.post("/api/applications", json=body, headers=key())
    assert r.status_code == 201, r.text
    return {**body, **r.json()}


async def send(client, reference: str, photo: bytes, document: str = "termination-proof",
               phone: str = PHONE, name: str = "IMG_0001.jpg", ctype: str = "image/jpeg",
               headers: dict | None = None) -> httpx2.Response:
    return await client.post(f"/api/applications/{reference}/documents",
                             data={"document": document, "phone": phone},
                             files={"file": (name, photo, ctype)}, headers=headers or key())


async def as_reviewer(app, username: str, reference: str):
    c, _ = await signed_in(app, username)
    detail = await c.get(f"/api/staff/applications/{reference}")
    return c, detail


async def test_a_big_phone_photo_with_gps_arrives_small_upright_and_without_exif(client, app,
                                                                                people):
    a = await apply(client)
    raw = document_photo(4000, 3000, orientation=6)  # the phone was held upright
    assert exif_of(raw)[0x010F] == MAKER and len(raw) > 1_000_000
    r = await send(client, a["reference"], raw)
    assert r.status_code == 201, r.text
    sent = r.json()
    assert sent["document"] == "termination-proof"
    assert sent["document_name"] == "单位开的解除或终止劳动关系证明"
    assert (sent["photo"]["width"], sent["photo"]["height"]) == (1200, 1600)  # upright
    item = next(i for i in sent["checklist"] if i["id"] == "termination-proof")
    assert [p["id"] for p in item["photos"]] == [sent["photo"]["id"]]
    c, detail = await as_reviewer(app, "teng", a["reference"])
    [photo] = detail.json()["photos"]
    got = await c.get(f"/api/staff/applications/{a['reference']}/photos/{photo['id']}")
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    jpeg = got.content
    assert len(jpeg) < 400 * 1024 and photo["size"] == len(jpeg)
    im = Image.open(io.BytesIO(jpeg))
    assert im.format == "JPEG" and im.size == (1200, 1600)
    assert exif_of(jpeg) == {} and "exif" not in im.info
    for trace in (MAKER.encode(), b"Exif"):
        assert trace not in jpeg
    await c.aclose()


async def test_the_photo_is_sealed_in_the_database_file(tmp_path, catalog):
    """Someone with a copy of the SQLite file cannot read the photo out of it."""
    raw = document_photo(1600, 1200, gps=False)
    async with tortoise_test_context(["service.models"],
                                     db_url=f"sqlite://{tmp_path / 'raw.sqlite3'}"):
        app = create_app(Settings.from_env({}), catalog=catalog, init_db=False)
        async with new_client(app) as c:
            a = await apply(c)
            assert (await send(c, a["reference"], raw)).status_code == 201
        row = await DocumentPhoto.get()
        from service.pii import Vault

        jpeg = Vault.from_settings(Settings.from_env({})).open_bytes(row.sealed)
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("raw.sqlite3*"))
    assert b"termination-proof" in on_disk  # the right file, and readable
    for image in (raw, jpeg):
        for at in (len(image) // 3, len(image) // 2):
            piece = image[at:at + 48]
            assert piece not in on_disk
            assert base64.b64encode(image[at - at % 3:at - at % 3 + 48]) not in on_disk


async def test_another_districts_reviewer_gets_404_and_the_attempt_is_audited(client, app,
                                                                            people):
    a = await apply(client, district="tengzhou")
    photo = (await send(client, a["reference"], document_photo(800, 600))).json()["photo"]
    url = f"/api/staff/applications/{a['reference']}/photos/{photo['id']}"
    shan, _ = await signed_in(app, "shan")
    refused = await shan.get(url)
    assert refused.status_code == 404 and refused.json()["code"] == "application_not_found"
    assert refused.content == (await shan.get(
        "/api/staff/applications/ABCDEFGHJ/photos/1")).content  # as for no such thing
    console = await shan.get(url.removeprefix("/api"))
    assert console.status_code == 404 and b"\xff\xd8" not in console.content
    denied = await AuditEntry.filter(action="photo_denied", actor="shan").values_list(
        "target", flat=True)
    assert denied.count(a["reference"]) == 2
    teng, _ = await signed_in(app, "teng")
    for path in (url, url.removeprefix("/api")):  # the API and the console's link
        seen = await teng.get(path)
        assert seen.status_code == 200 and seen.content[:3] == b"\xff\xd8\xff"
        assert seen.headers["cache-control"] == "no-store"
        csp = seen.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "sandbox" in csp
        assert seen.headers["x-content-type-options"] == "nosniff"
    views = await AuditEntry.filter(action="photo_view").values_list("actor", "target")
    assert views == [("teng", a["reference"])] * 2  # every view, none for the refused ones
    stats, _ = await signed_in(app, "stats")
    assert (await stats.get(url)).status_code == 403  # figures only
    for c in (shan, teng, stats):
        await c.aclose()


async def test_a_text_file_renamed_jpg_is_refused_in_chinese_and_nothing_is_stored(client):
    a = await apply(client)
    for fake in (b"\xe6\x88\x91\xe6\x98\xaf\xe4\xb8\x80\xe6\xae\xb5\xe6\x96\x87\xe5\xad\x97" * 50,
                 b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 40,  # a JPEG's first bytes only
                 b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
                 b""):
        r = await send(client, a["reference"], fake, name="身份证.jpg", ctype="image/jpeg")
        assert r.status_code == 422, r.text
        assert r.json()["code"] == "not_an_image"
        assert "不是照片" in r.json()["message"]
    assert await DocumentPhoto.all().count() == 0


async def test_what_the_page_sends_is_taken_in_any_common_format(client):
    a = await apply(client)
    im = Image.new("RGBA", (900, 1400), (255, 255, 255, 0))  # a screenshot with transparency
    for fmt in ("PNG", "WEBP"):
        out = io.BytesIO()
        im.save(out, fmt)
        r = await send(client, a["reference"], out.getvalue(), name="x.bin",
                       ctype="application/octet-stream")  # the declared type is not read
        assert r.status_code == 201, r.text
        assert (r.json()["photo"]["width"], r.json()["photo"]["height"]) == (900, 1400)


async def test_over_the_limit_is_413_and_nothing_is_stored(db, catalog):
    small = create_app(Settings.from_env({}, max_upload_bytes=200_000), catalog=catalog,
                       init_db=False)
    async with new_client(small) as c:
        a = await apply(c)
        big = document_photo(3000, 2250, quality=97)
        assert len(big) > 264_000  # above the file limit and the form around it
        r = await send(c, a["reference"], big)
        assert r.status_code == 413 and r.json()["code"] == "body_too_large"
        assert "照片太大了" in r.json()["message"]
        # a file just over the limit inside a body that is not (the form's own check)
        just = big[:200_001]
        r = await send(c, a["reference"], just)
        assert r.status_code == 413 and "照片太大了" in r.json()["message"]
        # and nothing larger than a JSON form reaches any other route
        r = await c.post("/api/applications", content=b"{" + b" " * 20_000 + b"}",
                         headers={"content-type": "application/json"})
        assert r.status_code == 413
    assert await DocumentPhoto.all().count() == 0


async def test_a_wrong_phone_gets_the_same_answer_as_an_unknown_reference(client):
    a = await apply(client)
    photo = document_photo(400, 300)
    wrong = await send(client, a["reference"], photo, phone="13900139000")
    unknown = await send(client, new_reference(), photo)  # well formed, nobody's
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert "没有找到这份申请" in wrong.json()["message"]
    assert await DocumentPhoto.all().count() == 0


async def test_guessing_phones_by_uploading_is_throttled_like_looking_up(client):
    a = await apply(client)
    photo = document_photo(200, 150, gps=False)
    codes = [(await send(client, a["reference"], photo, phone=f"1390013{i:04d}")).status_code
             for i in range(11)]
    assert codes[:10] == [404] * 10 and codes[10] == 429
    # the same limit as the status lookup: the right phone must wait as well now
    lookup = await client.get(f"/api/applications/{a['reference']}", params={"phone": PHONE})
    assert lookup.status_code == 429


async def test_a_retry_with_the_same_key_returns_the_first_photo(client):
    a = await apply(client)
    photo, k = document_photo(1000, 750), key()
    first = await send(client, a["reference"], photo, headers=k)
    again = await send(client, a["reference"], photo, headers=k)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["photo"] == first.json()["photo"]
    other = await send(client, a["reference"], document_photo(1000, 750, seed=3), headers=k)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert await DocumentPhoto.all().count() == 1


async def test_only_the_checklist_and_only_while_the_application_is_open(client, app, people):
    a = await apply(client)
    photo = document_photo(400, 300)
    for document in ("no-such-paper", "other", ""):  # "other": 其他材料以窗口要求为准
        r = await send(client, a["reference"], photo, document=document)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "document", document
    c, csrf = await signed_in(app, "teng")
    url = f"/api/staff/applications/{a['reference']}/status"
    await c.post(url, json={"status": "in_review"}, headers=csrf)
    await c.post(url, json={"status": "approved", "note": "请来签字。"}, headers=csrf)
    r = await send(client, a["reference"], photo)
    assert r.status_code == 409 and "办完了" in r.json()["message"]
    assert await DocumentPhoto.all().count() == 0
    await c.aclose()


async def test_need_info_names_the_document_and_the_applicant_adds_it(client, app, people):
    a = await apply(client)
    c, csrf = await signed_in(app, "teng")
    url = f"/api/staff/applications/{a['reference']}/status"
    await c.post(url, json={"status": "in_review"}, headers=csrf)
    wrong = await c.post(url, json={"status": "need_info", "document": "diploma"}, headers=csrf)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "document"
    asked = await c.post(url, json={"status": "need_info", "document": "termination-proof"},
                         headers=csrf)
    assert asked.status_code == 200, asked.text
    assert asked.json()["asked_document"] == "termination-proof"
    # the applicant looks it up: what is missing, said by name, and offered for upload
    s = (await client.get(f"/api/applications/{a['reference']}", params={"phone": PHONE})).json()
    assert s["status"] == "need_info" and s["asked_document"] == "termination-proof"
    assert "单位开的解除或终止劳动关系证明" in s["message"]
    [item] = [i for i in s["checklist"] if i["asked"]]
    assert item["id"] == "termination-proof" and item["photo"] and item["photos"] == []
    assert (await send(client, a["reference"], document_photo(1200, 900))).status_code == 201
    s = (await client.get(f"/api/applications/{a['reference']}", params={"phone": PHONE})).json()
    assert len(next(i for i in s["checklist"] if i["asked"])["photos"]) == 1
    # the reviewer sees it on the application's page, under the item asked for
    page = await c.get(f"/staff/applications/{a['reference']}")
    assert "单位开的解除或终止劳动关系证明" in page.text and "请补充" in page.text
    d = (await c.get(f"/api/staff/applications/{a['reference']}")).json()
    assert [p["document"] for p in d["photos"]] == ["termination-proof"]
    assert d["photos"][0]["url"] in page.text
    # the person brought it: back to review, and nothing is asked for any more
    await c.post(url, json={"status": "in_review"}, headers=csrf)
    s = (await client.get(f"/api/applications/{a['reference']}", params={"phone": PHONE})).json()
    assert s["asked_document"] == "" and not any(i["asked"] for i in s["checklist"])
    await c.aclose()


async def test_the_console_asks_for_a_document_with_a_plain_form(app, people, client):
    a = await apply(client)
    async with new_client(app) as c:
        from people import PASSWORD

        await c.post("/staff/login", data={"username": "teng", "password": PASSWORD})
        page = await c.get(f"/staff/applications/{a['reference']}")
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        action = f"/staff/applications/{a['reference']}/status"
        await c.post(action, data={"csrf_token": csrf, "status": "in_review"})
        page = await c.get(f"/staff/applications/{a['reference']}")
        assert 'name="document"' in page.text and 'value="termination-proof"' in page.text
        assert 'value="other"' not in page.text  # nothing to photograph
        r = await c.post(action, data={"csrf_token": csrf, "status": "need_info",
                                       "document": "unemployment-registration", "note": ""})
        assert r.status_code == 303
    row = await Application.get(reference=a["reference"])
    assert row.status == "need_info" and row.asked_document == "unemployment-registration"


async def test_rotate_keys_reseals_the_photos(db, catalog):
    from service.db import rotate_keys
    from service.pii import Vault, new_key

    old, new = new_key(), new_key()
    app = create_app(Settings.from_env({}, data_keys=(old,), lookup_key="L" * 40),
                     catalog=catalog, init_db=False)
    async with new_client(app) as c:
        a = await apply(c)
        assert (await send(c, a["reference"], document_photo(600, 450))).status_code == 201
    before = (await DocumentPhoto.get()).sealed
    assert await rotate_keys(Vault((new, old), "L" * 40, "")) == (2, 0)  # application + photo
    after = (await DocumentPhoto.get()).sealed
    assert after != before
    jpeg = Vault((new,), "L" * 40, "").open_bytes(after)  # the old key can go now
    assert Image.open(io.BytesIO(jpeg)).size == (600, 450)


async def test_purge_deletes_the_photos_with_the_personal_data(client, app, people):
    a = await apply(client)
    assert (await send(client, a["reference"], document_photo(600, 450))).status_code == 201
    c, csrf = await signed_in(app, "admin")
    url = f"/api/staff/applications/{a['reference']}/status"
    await c.post(url, json={"status": "in_review"}, headers=csrf)
    await c.post(url, json={"status": "rejected", "note": "不符合条件。"}, headers=csrf)
    await Application.filter(reference=a["reference"]).update(
        closed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=800))
    assert await review.purge(dt.timedelta(days=730)) == 1
    assert await DocumentPhoto.all().count() == 0
    assert (await c.get(f"/api/staff/applications/{a['reference']}")).json()["photos"] == []
    await c.aclose()


def test_the_api_document_lists_the_upload():
    from service.clock import this_year
    from service.openapi import document

    op = document(this_year())["paths"]["/api/applications/{reference}/documents"]["post"]
    schema = op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert set(schema["required"]) == {"file", "document", "phone"}
    assert {"201", "404", "413", "422"} <= set(op["responses"])


@pytest.mark.parametrize("size", [(4000, 3000), (1600, 1200), (300, 200)])
def test_the_server_never_enlarges_and_keeps_the_long_side_within_1600(size):
    from service.documents import shrink

    out = shrink(document_photo(*size, gps=True))
    assert max(out.width, out.height) == min(max(size), 1600)
    assert exif_of(out.jpeg) == {} and MAKER.encode() not in out.jpeg
