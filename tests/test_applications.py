"""Applying from the phone and checking the status later: what a person (and a guesser) sees."""

from __future__ import annotations

import asyncio
import logging

import httpx2
import jsonschema
import pytest
from identity_cases import NAME_CASES, PHONE_CASES, id_cases
from people import form, key, make_id
from tortoise.context import tortoise_test_context

from service import clock, workflow
from service.app import create_app
from service.clock import this_year
from service.config import Settings
from service.models import Application, ApplicationEvent
from service.openapi import document
from service.reference import ALPHABET, display, new_reference, normalize

# The same cases as the page's own checks (tests/identity_cases.py), as of the service's day.
ID_CASES = id_cases(clock.today())


def _validator(name: str):
    doc = document(this_year())
    return jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": doc["components"]})


async def test_a_valid_application_gets_a_reference_and_what_to_bring(client, catalog):
    r = await client.post("/api/applications", json=form(), headers=key())
    assert r.status_code == 201, r.text
    body = r.json()
    _validator("Receipt").validate(body)
    assert normalize(body["reference"]) == (body["reference"], None)
    assert body["reference_display"] == display(body["reference"])
    assert body["status"] == "submitted" and body["status_text"] == "已提交，等待受理"
    guide = catalog.by_slug["startup-guarantee-loan"].data.documents
    assert body["documents"] == [d.name for d in guide]
    assert [(c["id"], c["name"]) for c in body["checklist"]] == [(d.id, d.name) for d in guide]
    app = await Application.get(reference=body["reference"])
    assert (app.program, app.district, app.status) == (
        "startup-guarantee-loan", "tengzhou", "submitted")
    # the submission is the row itself; status changes add events later
    assert await ApplicationEvent.filter(application_id=app.id).count() == 0
    status = await client.get(f"/api/applications/{body['reference']}",
                              params={"phone": "13800138000"})
    assert [h["status"] for h in status.json()["history"]] == ["submitted"]


@pytest.mark.parametrize("case", [c for c in ID_CASES if c.clean], ids=lambda c: c.id)
async def test_real_id_numbers_are_accepted_as_written(client, case):
    r = await client.post("/api/applications", json=form(id_number=case.typed), headers=key())
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("field,value,fragment", [
    *(("id_number", c.typed, c.problem) for c in ID_CASES if c.problem),
    ("id_number", None, "请填写身份证号"),
    *(("phone", c.typed, c.problem) for c in PHONE_CASES if c.problem),
    ("phone", 13800138000, "请填写手机号"),
    *(("name", c.typed, c.problem) for c in NAME_CASES if c.problem),
    ("district", "beijing", "所在的区"),
    ("consent", False, "我同意"),
    ("consent", "true", "我同意"),
    ("program", "no-such-program", "没有这项政策"),
    ("program", "labour-dispute", "到窗口办理"),      # not taken online
    ("note", "字" * 201, "最多200个字"),
    ("campaign", "bad code!", "活动编号"),
])
async def test_each_bad_field_is_named_with_a_fix_and_nothing_is_stored(
        client, field, value, fragment):
    r = await client.post("/api/applications", json=form(**{field: value}), headers=key())
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "invalid_application"
    [error] = [e for e in body["errors"] if e["field"] == field]
    assert fragment in error["message"]
    assert await Application.all().count() == 0
    assert await ApplicationEvent.all().count() == 0


@pytest.mark.parametrize("case", [c for c in PHONE_CASES if c.clean], ids=lambda c: c.id)
async def test_phone_numbers_are_accepted_as_written_and_found_by_the_number(client, case):
    r = await client.post("/api/applications", json=form(phone=case.typed), headers=key())
    assert r.status_code == 201, r.text
    got = await client.get(f"/api/applications/{r.json()['reference']}",
                           params={"phone": case.clean})
    assert got.status_code == 200


async def test_only_the_answers_the_program_looks_at_are_kept(client, app):
    answers = {"age": 30, "residence": "hukou", "gender": "female", "ui_years": 3}
    r = await client.post("/api/applications", json=form(answers=answers), headers=key())
    row = await Application.get(reference=r.json()["reference"])
    kept = app.state.vault.open(row.sealed)["answers"]
    assert "gender" not in kept and "ui_years" not in kept
    assert kept["residence"] == "hukou"


async def test_unknown_fields_and_wrong_content_types_are_refused(client):
    r = await client.post("/api/applications", json=form(wechat_id="x"), headers=key())
    assert r.status_code == 422 and r.json()["code"] == "unknown_field"
    r = await client.post("/api/applications", content=b"name=x",
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    r = await client.post("/api/applications", content=b"{", headers={
        "content-type": "application/json"})
    assert r.status_code == 400
    r = await client.post("/api/applications", json=form(),
                          headers={"Idempotency-Key": "short"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_idempotency_key"
    assert await Application.all().count() == 0


async def test_a_retry_with_the_same_key_returns_the_same_application(client):
    body, headers = form(), key()
    first = await client.post("/api/applications", json=body, headers=headers)
    again = await client.post("/api/applications", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["reference"] == first.json()["reference"]
    assert again.headers["idempotent-replayed"] == "true"
    assert await Application.all().count() == 1


async def test_concurrent_retries_with_one_key_store_one_application(client):
    body, headers = form(), key()
    answers = await asyncio.gather(*(
        client.post("/api/applications", json=body, headers=headers) for _ in range(12)))
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["reference"] for r in answers}) == 1
    assert await Application.all().count() == 1


async def test_a_retry_finds_its_application_even_when_its_first_reference_was_taken(
        client, app):
    from service.reference import from_bytes

    headers = key()
    vault = app.state.vault
    first_choice = from_bytes(vault.mac("reference", headers["Idempotency-Key"])[:8])
    other = await client.post("/api/applications", json=form(), headers=key())
    await Application.filter(reference=other.json()["reference"]).update(
        reference=first_choice)  # another form already holds this key's first candidate
    body = form()
    sent = await client.post("/api/applications", json=body, headers=headers)
    assert sent.status_code == 201 and sent.json()["reference"] != first_choice
    # a retry after the application was closed still finds it (not the other form)
    await Application.filter(reference=sent.json()["reference"]).update(
        status=workflow.APPROVED, open_key=None)
    again = await client.post("/api/applications", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json()["reference"] == sent.json()["reference"]
    assert again.json()["status"] == "approved"
    assert await Application.all().count() == 2


async def test_the_same_key_with_a_different_form_is_refused(client):
    headers = key()
    await client.post("/api/applications", json=form(), headers=headers)
    r = await client.post("/api/applications", json=form(), headers=headers)  # new person
    assert r.status_code == 422 and r.json()["code"] == "idempotency_key_reused"
    assert await Application.all().count() == 1


async def test_applying_twice_from_the_same_phone_gets_the_first_reference_back(client):
    person = make_id()
    first = await client.post("/api/applications", json=form(id_number=person), headers=key())
    second = await client.post("/api/applications", json=form(id_number=person), headers=key())
    assert second.status_code == 409
    body = second.json()
    assert body["code"] == "duplicate_application"
    assert body["reference"] == first.json()["reference"]
    assert display(body["reference"]) in body["message"]
    assert person not in second.text and "138" not in second.text
    # another program is a separate application
    other = await client.post("/api/applications", headers=key(), json=form(
        id_number=person, program="flexible-social-insurance-subsidy"))
    assert other.status_code == 201
    # once the first is closed, the person may apply again
    await Application.filter(reference=first.json()["reference"]).update(
        status=workflow.REJECTED, open_key=None, person_key=None)
    third = await client.post("/api/applications", json=form(id_number=person), headers=key())
    assert third.status_code == 201


async def test_a_stranger_with_someones_id_number_learns_nothing_and_locks_no_one_out(client):
    """The attack: file first with another person's 身份证号 and one's own phone."""
    victim = make_id()
    fake = await client.post("/api/applications", headers=key(),
                             json=form(id_number=victim, name="冒名者", phone="13900139000"))
    assert fake.status_code == 201
    # Probing with the ID number and yet another phone says nothing of the other application.
    probe = await client.post("/api/applications", headers=key(),
                              json=form(id_number=victim, name="探子", phone="13700137000"))
    assert probe.status_code == 201
    assert fake.json()["reference"] not in probe.text
    # The real person applies with their own phone: taken, and they can follow it.
    real = await client.post("/api/applications", json=form(id_number=victim), headers=key())
    assert real.status_code == 201, real.text
    assert fake.json()["reference"] not in real.text
    status = await client.get(f"/api/applications/{real.json()['reference']}",
                              params={"phone": "13800138000"})
    assert status.status_code == 200
    assert await Application.filter(person_key__not_isnull=True).count() == 3


async def test_concurrent_duplicates_from_one_phone_store_one_and_refuse_the_rest(client):
    person = make_id()
    answers = await asyncio.gather(*(
        client.post("/api/applications", json=form(id_number=person), headers=key())
        for _ in range(8)))
    assert sorted(r.status_code for r in answers) == [201] + [409] * 7
    assert await Application.all().count() == 1


async def test_concurrent_applications_are_each_stored_exactly_once(client):
    """Many people at once: every acknowledged reference is in the database, once."""
    answers = await asyncio.gather(*(
        client.post("/api/applications", json=form(), headers=key()) for _ in range(40)))
    assert {r.status_code for r in answers} == {201}
    refs = [r.json()["reference"] for r in answers]
    assert len(set(refs)) == 40
    stored = await Application.filter(reference__in=refs).values_list("reference", flat=True)
    assert sorted(stored) == sorted(refs)


async def test_the_status_shows_plain_words_and_never_the_id_number(client):
    body = form()
    ref = (await client.post("/api/applications", json=body, headers=key())).json()["reference"]
    app = await Application.get(reference=ref)
    await Application.filter(id=app.id).update(status=workflow.NEED_INFO,
                                               message="请补交营业执照复印件。")
    await ApplicationEvent.create(application=app, actor="staff:wang", from_status="submitted",
                                  to_status=workflow.NEED_INFO, message="请补交营业执照复印件。")
    r = await client.get(f"/api/applications/{display(ref).lower()}",
                         params={"phone": "138 0013 8000"})
    assert r.status_code == 200
    status = r.json()
    _validator("ApplicationStatus").validate(status)
    assert status["status_text"] == "需要补充材料"
    assert status["message"] == "请补交营业执照复印件。"
    assert [h["status"] for h in status["history"]] == ["submitted", "need_info"]
    assert body["id_number"] not in r.text and "张三" not in r.text
    assert "wang" not in r.text  # staff names stay inside


async def test_a_wrong_phone_and_an_unknown_reference_look_the_same(client):
    ref = (await client.post("/api/applications", json=form(), headers=key())).json()["reference"]
    wrong_phone = await client.get(f"/api/applications/{ref}", params={"phone": "13900139000"})
    unknown = await client.get(f"/api/applications/{new_reference()}",
                               params={"phone": "13800138000"})
    assert wrong_phone.status_code == unknown.status_code == 404
    assert wrong_phone.content == unknown.content


async def test_a_mistyped_reference_is_caught_by_its_check_character(client):
    ref = (await client.post("/api/applications", json=form(), headers=key())).json()["reference"]
    typo = ALPHABET[(ALPHABET.index(ref[3]) + 1) % len(ALPHABET)]
    r = await client.get(f"/api/applications/{ref[:3] + typo + ref[4:]}",
                         params={"phone": "13800138000"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_reference"
    r = await client.get("/api/applications/ABC0O1IXX", params={"phone": "13800138000"})
    assert "没有数字0、1和字母O、I" in r.json()["message"]


def _client_at(app, ip: str) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app, client=(ip, 1234)),
                              base_url="http://testserver")


async def test_guessing_the_phone_for_one_reference_stops_after_ten_tries(app):
    guesser, honest = _client_at(app, "10.0.0.9"), _client_at(app, "10.0.0.10")
    async with guesser, honest:
        ref = (await honest.post("/api/applications", json=form(), headers=key())
               ).json()["reference"]
        for n in range(10):
            r = await guesser.get(f"/api/applications/{ref}", params={"phone": f"1390000{n:04}"})
            assert r.status_code == 404
        r = await guesser.get(f"/api/applications/{ref}", params={"phone": "13800138000"})
        assert r.status_code == 429 and r.json()["code"] == "too_many_attempts"
        assert 0 < int(r.headers["retry-after"]) <= 15 * 60
        ok = await honest.get(f"/api/applications/{ref}", params={"phone": "13800138000"})
        assert ok.status_code == 200


async def test_scanning_references_from_one_address_stops_after_a_hundred(app):
    async with _client_at(app, "10.0.0.9") as scanner:
        for _ in range(100):
            r = await scanner.get(f"/api/applications/{new_reference()}",
                                  params={"phone": "13800138000"})
            assert r.status_code == 404
        r = await scanner.get(f"/api/applications/{new_reference()}",
                              params={"phone": "13800138000"})
        assert r.status_code == 429


async def test_typos_at_a_job_fair_behind_one_address_lock_no_one_out(app):
    """Forty people at a fair share the hall's one address; each mistypes once, then looks
    their own application up."""
    async with _client_at(app, "10.0.0.20") as hall:
        refs = [(await hall.post("/api/applications", json=form(phone=f"1390000{i:04}"),
                                 headers=key())).json()["reference"] for i in range(40)]
        for i, ref in enumerate(refs):
            typo = ref[:-1] + ("3" if ref[-1] == "2" else "2")  # the last one mistyped
            assert (await hall.get(f"/api/applications/{typo}",
                                   params={"phone": f"1390000{i:04}"})).status_code in (404, 422)
            assert (await hall.get(f"/api/applications/{ref}",
                                   params={"phone": f"1390000{i:04}"})).status_code == 200


@pytest.mark.parametrize("spellings", [
    ["2001:db8:1:2::9", "2001:0db8:0001:0002:0000:0000:0000:0009", "2001:DB8:1:2::9",
     "2001:db8:1:2:ffff::1"],                              # one /64, written four ways
    ["203.0.113.7", "::ffff:203.0.113.7"],                 # IPv4, and IPv4 inside IPv6
])
async def test_one_client_counts_once_however_its_address_is_written(app, spellings):
    ref = new_reference()
    statuses = []
    for i in range(12):
        async with _client_at(app, spellings[i % len(spellings)]) as c:
            statuses.append((await c.get(f"/api/applications/{ref}",
                                         params={"phone": "13800138000"})).status_code)
    assert statuses == [404] * 10 + [429] * 2


async def test_the_database_file_holds_no_id_number_phone_or_name_in_plain_text(
        tmp_path, catalog):
    url = f"sqlite://{tmp_path / 'raw.sqlite3'}"
    people = [form(name="欧阳明月", phone="13912345678"), form(name="李四", phone="15011112222")]
    async with tortoise_test_context(["service.models"], db_url=url):
        app = create_app(Settings.from_env({}, database_url=url), catalog=catalog,
                         init_db=False)
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app),
                                      base_url="http://testserver") as c:
            for body in people:
                assert (await c.post("/api/applications", json=body, headers=key())
                        ).status_code == 201
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("raw.sqlite3*"))
    assert b"startup-guarantee-loan" in raw  # the file is the right one and readable
    for body in people:
        for secret in (body["id_number"], body["phone"], body["id_number"][6:14],
                       body["name"]):
            for encoding in ("utf-8", "utf-16-le"):
                assert secret.encode(encoding) not in raw, secret


async def test_personal_data_is_never_logged(client, caplog):
    body = form()
    caplog.set_level("DEBUG")
    await client.post("/api/applications", json=body, headers=key())
    await client.post("/api/applications", json={**body, "name": 5}, headers=key())
    ref = (await client.post("/api/applications", json=form(), headers=key())).json()
    await client.get(f"/api/applications/{ref['reference']}", params={"phone": "13800138000"})
    # everything the service and its libraries logged, even at DEBUG (the test client's
    # own log of the URLs it requested is not the server's)
    logged = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records
                       if not r.name.startswith("httpx2"))
    assert logging.getLogger("service").isEnabledFor(logging.DEBUG)   # captured at DEBUG
    # the ORM and the SQLite driver would log each statement with its values at DEBUG
    assert "INSERT INTO" not in logged
    for secret in (body["id_number"], "13800138000", "张三"):
        assert secret not in logged


async def test_data_keys_rotate_without_losing_applications(db, catalog, settings):
    from service.pii import Vault, new_key

    old, new = new_key(), new_key()
    s_old = Settings.from_env({}, data_keys=(old,), lookup_key="L" * 40)
    app = create_app(s_old, catalog=catalog, init_db=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app),
                                  base_url="http://testserver") as c:
        body = form()
        ref = (await c.post("/api/applications", json=body, headers=key())).json()["reference"]
    from service.db import rotate_keys

    both = Vault((new, old), "L" * 40, "")
    assert await rotate_keys(both) == (1, 0)  # one re-encrypted, none left behind
    assert await rotate_keys(both) == (0, 0)  # nothing left to do
    row = await Application.get(reference=ref)
    assert Vault((new,), "L" * 40, "").open(row.sealed)["id_number"] == body["id_number"]


async def test_load_test_applications_are_refused_unless_the_server_is_configured(
        client, db, catalog):
    r = await client.post("/api/applications", json=form(),
                          headers={**key(), "X-Load-Test": "anything"})
    assert r.status_code == 403 and r.json()["code"] == "load_test_refused"
    assert await Application.all().count() == 0
    rehearsal = create_app(Settings.from_env({}, load_test_key="k" * 20), catalog=catalog,
                           init_db=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=rehearsal),
                                  base_url="http://testserver") as c:
        wrong = await c.post("/api/applications", json=form(),
                             headers={**key(), "X-Load-Test": "guess"})
        assert wrong.status_code == 403
        ok = await c.post("/api/applications", json=form(campaign="tz2027"),
                          headers={**key(), "X-Load-Test": "k" * 20})
        assert ok.status_code == 201
    row = await Application.get(reference=ok.json()["reference"])
    assert row.campaign == "loadtest"


