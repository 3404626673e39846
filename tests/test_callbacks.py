"""请工作人员联系我: a person leaves a name, a phone, the program and a time of day; a staff
member of their district sees it, phones back and marks it done. What the person, the
reviewers and someone with a copy of the database see."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import httpx2
import pytest
from people import PASSWORD, form, key, new_client, signed_in
from tortoise import connections
from tortoise.context import tortoise_test_context

from service import callbacks, clock
from service.app import create_app
from service.config import Settings
from service.models import Application, AuditEntry, Callback


def ask(**over) -> dict:
    """A call-back request's body; ``field=None`` leaves a field out."""
    body = {"name": "王女士", "phone": "13912345678", "program": "unemployment-insurance",
            "district": "tengzhou", "when": "下午", "consent": True}
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


async def send(client, **over) -> httpx2.Response:
    return await client.post("/api/callbacks", json=ask(**over), headers=key())


async def test_a_request_is_taken_and_the_person_is_told_who_calls_and_when(client):
    r = await send(client)
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["message"] == ("已收到。滕州市的工作人员会在工作日下午打电话给你，"
                              "请留意139****5678的来电。急事请打12333。")
    assert got["program_title"] and got["when"] == "下午" and got["status"] == "open"
    assert "13912345678" not in r.text  # the answer never repeats the whole number
    anytime = (await send(client, when="都可以", phone="13800138000")).json()
    assert "会在工作日打电话给你" in anytime["message"]


@pytest.mark.parametrize("consent", [None, False, "true", 1])
async def test_without_consent_nothing_is_stored_and_the_person_is_told_why(client, consent):
    r = await send(client, consent=consent)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "consent_required"
    assert body["message"] == "请勾选“同意”，工作人员才能打电话给你。"
    assert body["errors"] == [{"field": "consent",
                               "message": "请勾选“同意”：工作人员要用你的手机号打电话给你。"}]
    assert await Callback.all().count() == 0


@pytest.mark.parametrize(("phone", "said"), [
    ("1391234567", "手机号应该是11位，你填了10位。"),
    ("0632-3312345", "请填手机号，不要填座机"),
    ("139一二三四五六七八", "手机号只填数字"),
    ("", "请填写手机号，工作人员打给你要用。"),
])
async def test_a_bad_phone_is_named_with_how_to_fix_it_and_nothing_is_stored(client, phone,
                                                                            said):
    r = await send(client, phone=phone)
    assert r.status_code == 422
    [error] = r.json()["errors"]
    assert error["field"] == "phone" and said in error["message"]
    assert await Callback.all().count() == 0


async def test_every_bad_field_is_named_at_once(client):
    r = await send(client, name="13912345678", program="no-such-program", when="半夜",
                   district="beijing", consent=None)
    assert r.status_code == 422
    said = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert set(said) == {"name", "program", "when", "district", "consent"}
    assert said["when"] == "请选什么时候打给你：上午、下午、晚上、都可以。"
    # a phone typed into the name box is refused, not shown to staff as a name
    assert "不要有数字" in (await send(client, name="13912345678")).json()["errors"][0][
        "message"]
    assert await Callback.all().count() == 0


async def test_a_double_tap_or_a_retry_stores_one_request(client):
    k = key()
    first = await client.post("/api/callbacks", json=ask(), headers=k)
    again = await client.post("/api/callbacks", json=ask(), headers=k)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert first.json() == again.json()
    at_once = key()
    await asyncio.gather(*(client.post("/api/callbacks", json=ask(phone="13800138000"),
                                       headers=at_once) for _ in range(5)))
    assert await Callback.all().count() == 2
    reused = await client.post("/api/callbacks", json=ask(phone="13700137000"), headers=k)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"


async def test_asking_again_about_the_same_program_soon_after_gives_the_first_request(client):
    start = clock.now()
    with clock.frozen(start):
        first = (await send(client)).json()
        # a reloaded page has a new key: the same phone and program is still the same request
        again = await send(client, when="上午")
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["when"] == first["when"] == "下午"
        other = await send(client, program="skills-upgrade-subsidy")
        assert "idempotent-replayed" not in other.headers
    with clock.frozen(start + callbacks.REPEAT_WINDOW + dt.timedelta(seconds=1)):
        later = await send(client)
        assert "idempotent-replayed" not in later.headers
    assert await Callback.all().count() == 3


async def test_one_address_sending_too_many_is_slowed_down_apart_from_applications(db,
                                                                                  catalog):
    app = create_app(Settings.from_env({}, submit_limit="3/600"), catalog=catalog,
                     init_db=False)
    async with new_client(app, "10.9.9.9") as busy, new_client(app, "10.9.9.10") as other:
        for i in range(3):
            assert (await send(busy, phone=f"1391234567{i}")).status_code == 201
        r = await send(busy, phone="13912345679")
        assert r.status_code == 429 and r.json()["code"] == "too_many_submissions"
        assert r.json()["message"].startswith("这个网络提交得太多了")
        assert 0 < int(r.headers["retry-after"]) <= 600
        assert (await send(other, phone="13912345679")).status_code == 201
        # asking for calls has not used up what the address may send in applications
        assert (await busy.post("/api/applications", json=form(), headers=key())
                ).status_code == 201
    assert await Callback.all().count() == 4


async def test_staff_see_the_requests_of_their_own_district_only(app, people, client):
    mine = (await send(client, name="王女士", district="tengzhou")).json()
    await send(client, name="李先生", phone="13800138000", district="shanting")
    teng, csrf = await signed_in(app, "teng")
    listed = (await teng.get("/api/staff/callbacks")).json()
    assert [(c["name"], c["phone"], c["when"]) for c in listed["callbacks"]] == [
        ("王女士", "13912345678", "下午")]  # the whole number: they are to call it
    assert listed["callbacks"][0]["program_title"] == mine["program_title"]
    assert (await teng.get("/api/staff/callbacks", params={"district": "shanting"})
            ).json()["callbacks"] == []
    theirs = await Callback.get(district="shanting")
    r = await teng.post(f"/api/staff/callbacks/{theirs.id}/done", json={"note": "x"},
                        headers=csrf)
    assert r.status_code == 404 and r.json()["code"] == "callback_not_found"
    assert (await Callback.get(id=theirs.id)).status == "open"
    shan, _ = await signed_in(app, "shan")
    assert [c["name"] for c in (await shan.get("/api/staff/callbacks")).json()["callbacks"]
            ] == ["李先生"]
    admin, _ = await signed_in(app, "admin")
    assert {c["district"] for c in (await admin.get("/api/staff/callbacks")).json()[
        "callbacks"]} == {"tengzhou", "shanting"}
    assert [c["district"] for c in (await admin.get(
        "/api/staff/callbacks", params={"district": "shanting"})).json()["callbacks"]
            ] == ["shanting"]
    viewer, _ = await signed_in(app, "stats")
    assert (await viewer.get("/api/staff/callbacks")).status_code == 403
    assert (await client.get("/api/staff/callbacks")).status_code == 401
    for c in (teng, shan, admin, viewer):
        await c.aclose()


async def test_newest_first_and_marked_done_once_with_a_note_that_is_audited(app, people,
                                                                             client):
    for phone in ("13912345671", "13912345672", "13912345673"):
        await send(client, phone=phone)
    teng, csrf = await signed_in(app, "teng")
    listed = (await teng.get("/api/staff/callbacks")).json()["callbacks"]
    assert [c["phone"] for c in listed] == ["13912345673", "13912345672", "13912345671"]
    target = listed[0]["id"]
    url = f"/api/staff/callbacks/{target}/done"
    assert (await teng.post(url, json={"note": "已说明材料"})).status_code == 403  # no CSRF
    r = await teng.post(url, json={"note": "已说明要带的材料\u202e 约好周三来窗口"}, headers=csrf)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "done" and r.json()["done_by"] == "teng"
    assert r.json()["note"] == "已说明要带的材料 约好周三来窗口"  # cleaned like other notes
    twice = await teng.post(url, json={"note": ""}, headers=csrf)
    assert twice.status_code == 409 and twice.json()["code"] == "callback_already_done"
    still_open = (await teng.get("/api/staff/callbacks")).json()
    assert still_open["total"] == 2 and target not in [c["id"] for c in still_open["callbacks"]]
    done = (await teng.get("/api/staff/callbacks", params={"status": "done"})).json()
    assert [c["id"] for c in done["callbacks"]] == [target]
    entry = await AuditEntry.get(action="callback_done")
    assert (entry.actor, entry.target) == ("teng", f"callback:{target}")
    assert "13912345673" not in entry.detail
    for odd in ("abc", "99999999999", "-1", "²"):
        assert (await teng.post(f"/api/staff/callbacks/{odd}/done", json={}, headers=csrf)
                ).status_code == 404, odd
    await teng.aclose()


async def test_no_phone_or_name_in_plain_text_in_the_database(client, db):
    await send(client, name="欧阳女士", phone="13912345678")
    conn = connections.get("default")
    _, rows = await conn.execute_query("SELECT * FROM callback")
    stored = repr([dict(r) for r in rows])
    assert "unemployment-insurance" in stored  # the row is there and readable
    assert "13912345678" not in stored and "欧阳女士" not in stored
    assert "12345678" not in stored


async def test_the_database_file_holds_no_phone_or_name_in_plain_text(tmp_path, catalog):
    url = f"sqlite://{tmp_path / 'raw.sqlite3'}"
    async with tortoise_test_context(["service.models"], db_url=url):
        app = create_app(Settings.from_env({}, database_url=url), catalog=catalog,
                         init_db=False)
        async with new_client(app) as c:
            assert (await send(c, name="欧阳女士", phone="13912345678")).status_code == 201
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("raw.sqlite3*"))
    assert b"unemployment-insurance" in raw
    for secret in ("13912345678", "12345678", "欧阳女士"):
        for encoding in ("utf-8", "utf-16-le"):
            assert secret.encode(encoding) not in raw, secret


async def test_the_phone_and_name_are_never_logged(client, caplog):
    caplog.set_level("DEBUG")
    await send(client, name="欧阳女士", phone="13912345678")
    await send(client, name="欧阳女士", phone="13912345678", consent=False)
    logged = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records
                       if not r.name.startswith("httpx2"))
    assert logging.getLogger("service").isEnabledFor(logging.DEBUG)
    assert "13912345678" not in logged and "欧阳女士" not in logged


async def test_personal_data_goes_after_thirty_days_answered_or_not(app, people, client):
    long_ago = clock.now() - dt.timedelta(days=callbacks.KEEP_DAYS + 1)
    with clock.frozen(long_ago):
        await send(client, phone="13912345671")
        await send(client, phone="13912345672")
    recent = (await send(client, phone="13912345673")).json()
    teng, csrf = await signed_in(app, "teng")
    answered = (await Callback.filter(created_at__lt=clock.now() - dt.timedelta(days=1))
                .order_by("id").first())
    assert answered is not None
    await teng.post(f"/api/staff/callbacks/{answered.id}/done", json={"note": "王女士说下周来"},
                    headers=csrf)
    assert await callbacks.purge() == 2
    gone = await Callback.filter(purged_at__isnull=False).order_by("id")
    assert [(c.sealed, c.phone_hash, c.status) for c in gone] == [("", "", "done")] * 2
    assert gone[0].note == "" and "没有回电" in gone[1].note
    listed = (await teng.get("/api/staff/callbacks")).json()["callbacks"]
    assert [c["phone_masked"] for c in listed] == [recent["phone_masked"]]
    done = (await teng.get("/api/staff/callbacks", params={"status": "done"})).json()
    assert {c["name"] for c in done["callbacks"]} == {"（已删除）"}
    assert await callbacks.purge() == 0
    await teng.aclose()


async def test_data_keys_rotate_for_call_back_requests_too(db, catalog):
    from service.db import rotate_keys
    from service.pii import Vault, new_key

    old, new = new_key(), new_key()
    app = create_app(Settings.from_env({}, data_keys=(old,), lookup_key="L" * 40),
                     catalog=catalog, init_db=False)
    async with new_client(app) as c:
        await send(c)
    assert await rotate_keys(Vault((new, old), "L" * 40, "")) == (1, 0)
    row = await Callback.get()
    assert Vault((new,), "L" * 40, "").open(row.sealed)["phone"] == "13912345678"


async def test_the_console_lists_requests_and_marks_one_done_without_javascript(app, people,
                                                                              client):
    await send(client, name="王女士")
    await send(client, name="李先生", phone="13800138000", district="shanting")
    async with new_client(app) as c:
        await c.post("/staff/login", data={"username": "teng", "password": PASSWORD})
        page = await c.get("/staff/callbacks")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert "回电：待回电（1 个）" in page.text
        assert '<a href="tel:13912345678">13912345678</a>' in page.text
        assert "李先生" not in page.text and "13800138000" not in page.text
        assert '<a href="/staff/callbacks">回电</a>' in page.text  # in the header, everywhere
        row = await Callback.get(district="tengzhou")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        forged = await c.post(f"/staff/callbacks/{row.id}/done", data={"csrf_token": "x"})
        assert forged.status_code == 403
        done = await c.post(f"/staff/callbacks/{row.id}/done",
                            data={"csrf_token": csrf, "note": "约好周三来窗口"})
        assert done.status_code == 303
        assert "现在没有要回的电话" in (await c.get("/staff/callbacks")).text
        shown = (await c.get("/staff/callbacks", params={"status": "done"})).text
        assert "约好周三来窗口" in shown and "139****5678" in shown
        assert "13912345678" not in shown  # called: the whole number is not needed any more
        theirs = await Callback.get(district="shanting")
        other = await c.post(f"/staff/callbacks/{theirs.id}/done", data={"csrf_token": csrf})
        assert other.status_code == 404
    async with new_client(app) as c:
        await c.post("/staff/login", data={"username": "stats", "password": PASSWORD})
        r = await c.get("/staff/callbacks")
        assert r.status_code == 303 and r.headers["location"] == "/staff/summary"


async def test_applications_from_the_same_phone_are_unaffected(client):
    """A call-back request and an application are separate: one does not refuse the other."""
    await send(client, phone="13800138000", program="startup-guarantee-loan")
    r = await client.post("/api/applications", json=form(phone="13800138000"), headers=key())
    assert r.status_code == 201
    assert await Application.all().count() == 1 and await Callback.all().count() == 1
