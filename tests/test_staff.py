"""The staff console and API: sign-in, roles, CSRF, reviewing, export, audit, retention."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import re

import pyotp
import pytest
from people import PASSWORD, code_for, form, key, make_id, new_client, signed_in

from service import review, workflow
from service.config import Settings
from service.models import Application, AuditEntry, StaffSession

REAL_HASH = __import__("service.staff").staff._hasher.hash(PASSWORD)  # before any patching


def test_a_password_is_stored_as_argon2id_with_the_library_defaults():
    from argon2 import PasswordHasher

    assert REAL_HASH.startswith("$argon2id$")
    assert f"m={PasswordHasher().memory_cost}," in REAL_HASH


def test_the_password_rules_staff_are_told_are_the_rules_applied():
    import re

    from service.staff import PASSWORD_RULES, password_problem

    good = "Teng-2027-check!"
    assert password_problem(good, "wang") is None
    assert "12位" in PASSWORD_RULES and password_problem("Teng-2027-c!", "x") is None
    assert password_problem("Teng-2027-c", "x")  # 11 characters
    assert "三种" in PASSWORD_RULES and password_problem("tengzz2027check", "x")  # two kinds
    assert "6个不同" in PASSWORD_RULES and password_problem("Aa1!Aa1!Aa1!Aa", "x")  # 4 kinds
    assert "用户名" in PASSWORD_RULES and password_problem("Wang-2027-check!", "wang")
    examples = re.search(r"比如 (.*?)）", PASSWORD_RULES).group(1).split("、")
    assert len(examples) >= 3
    for word in examples:  # each common password named is refused, inside a longer one too
        assert password_problem(f"Xq-7{word.upper()}{word}-Z!", "x"), word


async def apply(client, **over) -> dict:
    body = form(**over)
    r = await client.post("/api/applications", json=body, headers=key())
    assert r.status_code == 201, r.text
    return {**body, **r.json()}


async def test_login_sets_a_strict_httponly_cookie_and_returns_a_csrf_token(app, people):
    c = new_client(app)
    r = await c.post("/api/staff/login", json={"username": "teng", "password": PASSWORD})
    assert r.status_code == 200
    assert r.json()["role"] == "reviewer" and r.json()["district"] == "tengzhou"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    assert (await c.get("/api/staff/me")).json()["username"] == "teng"
    await c.aclose()


async def test_the_cookie_is_secure_when_the_service_is_served_over_https(db, people, catalog):
    from service.app import create_app

    app = create_app(Settings.from_env({}, public_base_url="https://jy.example.cn"),
                     catalog=catalog, init_db=False)
    async with new_client(app) as c:
        r = await c.post("/api/staff/login", json={"username": "teng", "password": PASSWORD})
        assert "secure" in r.headers["set-cookie"].lower()


async def test_wrong_password_and_unknown_user_look_the_same_then_lock(app, people):
    async with new_client(app, "10.1.1.1") as c:
        wrong = await c.post("/api/staff/login", json={"username": "teng", "password": "x" * 12})
        nobody = await c.post("/api/staff/login",
                              json={"username": "nobody", "password": "x" * 12})
        assert wrong.status_code == nobody.status_code == 401
        assert wrong.content == nobody.content
        for _ in range(4):
            await c.post("/api/staff/login", json={"username": "teng", "password": "x" * 12})
        locked = await c.post("/api/staff/login", json={"username": "teng", "password": PASSWORD})
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
        for _ in range(5):
            await c.post("/api/staff/login", json={"username": "nobody", "password": "x" * 12})
        ghost = await c.post("/api/staff/login", json={"username": "nobody", "password": "y"})
        assert ghost.status_code == 429  # a made-up username locks the same way
    async with new_client(app, "10.1.1.2") as other:  # someone else, their own username
        ok = await other.post("/api/staff/login", json={"username": "shan", "password": PASSWORD})
        assert ok.status_code == 200
    failed = await AuditEntry.filter(action="login_failed").order_by("target")
    assert [(e.target, e.count, e.detail) for e in failed] == [
        ("nobody", 5, "来自 10.1.1.1"), ("teng", 5, "来自 10.1.1.1")]
    assert await AuditEntry.filter(action="login_locked").count() == 2


async def test_a_flood_of_failed_sign_ins_cannot_bury_the_real_audit_entries(app, people,
                                                                             client):
    """Anyone could write an audit row per failed sign-in: 30 rows in 0.2 s. They are now
    counted on one row per username, address and 15 minutes."""
    admin, csrf = await signed_in(app, "admin")
    ref = (await client.post("/api/applications", json=form(), headers=key())).json()["reference"]
    await admin.post(f"/api/staff/applications/{ref}/reveal", headers=csrf)
    for n in range(3):
        async with new_client(app, f"198.51.100.{n}") as c:
            for _ in range(30):
                await c.post("/api/staff/login", json={"username": "admin", "password": "x" * 12})
    entries = (await admin.get("/api/staff/audit")).json()["entries"]
    assert len(entries) <= 12
    assert "reveal" in [e["action"] for e in entries]         # the real entry is in view
    locked = [e for e in entries if e["action"] == "login_locked"]
    assert {e["detail"].split("（")[0] for e in locked} >= {"来自 198.51.100.0"}
    assert any("共" in e["detail"] and "次" in e["detail"] for e in locked)
    await admin.aclose()


async def test_an_admin_lifts_a_lock_someone_else_put_on_a_username(app, people):
    async with new_client(app, "203.0.113.50") as stranger:
        for _ in range(5):
            await stranger.post("/api/staff/login", json={"username": "teng", "password": "x" * 12})
    async with new_client(app, "10.1.1.7") as owner:
        r = await owner.post("/api/staff/login", json={"username": "teng", "password": PASSWORD})
        assert r.status_code == 429
        admin, csrf = await signed_in(app, "admin")
        reviewer, reviewer_csrf = await signed_in(app, "shan")
        refused = await reviewer.post("/api/staff/accounts/teng/unlock", headers=reviewer_csrf)
        assert refused.status_code == 403
        assert (await admin.post("/api/staff/accounts/teng/unlock", headers=csrf)).status_code == 200
        r = await owner.post("/api/staff/login", json={"username": "teng", "password": PASSWORD})
        assert r.status_code == 200
        assert await AuditEntry.filter(action="staff_unlock", actor="admin",
                                       target="teng").exists()
        page = await admin.get("/staff/accounts")
        assert "解除登录锁定" in page.text
        await admin.aclose()
        await reviewer.aclose()


async def test_signing_in_on_a_sixth_device_ends_the_oldest_session(app, people):
    clients = []
    for _ in range(6):
        c, _ = await signed_in(app, "teng")
        clients.append(c)
    statuses = [(await c.get("/api/staff/me")).status_code for c in clients]
    assert statuses == [401, 200, 200, 200, 200, 200]
    for c in clients:
        await c.aclose()


async def test_every_staff_endpoint_needs_a_session(client):
    for path in ("/api/staff/me", "/api/staff/applications", "/api/staff/applications.csv",
                 "/api/staff/applications/ABCDEFGHJ", "/api/staff/audit",
                 "/api/staff/summary", "/api/staff/accounts"):
        r = await client.get(path)
        assert r.status_code == 401 and r.json()["code"] == "not_logged_in", path


async def test_state_changes_need_the_sessions_csrf_token(app, people, client):
    a = await apply(client)
    c, csrf = await signed_in(app, "teng")
    url = f"/api/staff/applications/{a['reference']}/status"
    body = {"status": "in_review", "note": ""}
    assert (await c.post(url, json=body)).status_code == 403
    assert (await c.post(url, json=body, headers={"X-CSRF-Token": "forged"})).status_code == 403
    assert (await Application.get(reference=a["reference"])).status == "submitted"
    assert (await c.post(url, json=body, headers=csrf)).status_code == 200
    await c.aclose()


async def test_sessions_expire_when_idle_or_old_and_end_at_logout(app, people):
    c, csrf = await signed_in(app, "admin")
    assert (await c.get("/api/staff/me")).status_code == 200
    await StaffSession.all().update(last_seen=dt.datetime.now(dt.UTC)
                                    - dt.timedelta(minutes=31))
    assert (await c.get("/api/staff/me")).status_code == 401
    c, csrf = await signed_in(app, "admin")
    await StaffSession.all().update(expires_at=dt.datetime.now(dt.UTC)
                                    - dt.timedelta(seconds=1))
    assert (await c.get("/api/staff/me")).status_code == 401
    c, csrf = await signed_in(app, "admin")
    assert (await c.post("/api/staff/logout", headers=csrf)).status_code == 200
    assert (await c.get("/api/staff/me")).status_code == 401
    assert await StaffSession.all().count() == 0


async def test_a_reviewer_sees_only_their_district_and_probing_gets_404(app, people, client):
    mine = await apply(client, district="tengzhou")
    theirs = await apply(client, district="shanting")
    c, csrf = await signed_in(app, "teng")
    listed = (await c.get("/api/staff/applications")).json()["applications"]
    assert [x["reference"] for x in listed] == [mine["reference"]]
    assert (await c.get("/api/staff/applications", params={"district": "shanting"})
            ).json()["applications"] == []
    ref = theirs["reference"]
    for r in (await c.get(f"/api/staff/applications/{ref}"),
              await c.post(f"/api/staff/applications/{ref}/status",
                           json={"status": "in_review"}, headers=csrf),
              await c.post(f"/api/staff/applications/{ref}/reveal", headers=csrf)):
        assert r.status_code == 404 and r.json()["code"] == "application_not_found"
    unknown = await c.get("/api/staff/applications/ABCDEFGHJ")
    assert unknown.json() == (await c.get(f"/api/staff/applications/{ref}")).json()
    exported = (await c.get("/api/staff/applications.csv")).content.decode("utf-8-sig")
    assert display_ref(mine) in exported and display_ref(theirs) not in exported
    assert (await Application.get(reference=ref)).status == "submitted"
    await c.aclose()


async def test_a_reviewer_sees_an_id_number_used_twice_even_across_districts(app, people,
                                                                            client):
    """Someone files with a Tengzhou woman's 身份证号 in another district, from their own phone;
    she applies herself. Her district's reviewer sees both, flagged, and is told what to do."""
    victim = make_id()
    fake = await apply(client, id_number=victim, phone="13900139000", district="shanting")
    real = await apply(client, id_number=victim, district="tengzhou")
    alone = await apply(client, district="tengzhou")
    c, _ = await signed_in(app, "teng")
    listed = {x["reference"]: x for x in
              (await c.get("/api/staff/applications")).json()["applications"]}
    assert listed[real["reference"]]["identity_conflict"] is True
    assert listed[alone["reference"]]["identity_conflict"] is False
    detail = (await c.get(f"/api/staff/applications/{real['reference']}")).json()
    [other] = detail["conflicts"]
    assert other["reference"] == fake["reference"] and other["district_label"] == "山亭区"
    assert other["phone_masked"] == "139****9000" and other["same_phone"] is False
    page = await c.get(f"/staff/applications/{real['reference']}")
    assert "身份待核实" in page.text and "带身份证原件来窗口核对" in page.text
    assert victim not in page.text
    # Once the fake is closed, the flag goes.
    await Application.filter(reference=fake["reference"]).update(
        status="rejected", open_key=None, person_key=None)
    detail = (await c.get(f"/api/staff/applications/{real['reference']}")).json()
    assert detail["identity_conflict"] is False and detail["conflicts"] == []
    await c.aclose()


def display_ref(a: dict) -> str:
    return a["reference_display"]


async def test_a_viewer_reads_figures_but_no_personal_data(app, people, client):
    a = await apply(client)
    c, csrf = await signed_in(app, "stats")
    assert (await c.get("/api/staff/applications")).status_code == 403
    assert (await c.get(f"/api/staff/applications/{a['reference']}")).status_code == 403
    assert (await c.get("/api/staff/applications.csv")).status_code == 403
    s = await c.get("/api/staff/summary")
    assert s.status_code == 200 and s.json()["total"] == 1
    assert a["name"] not in s.text and a["id_number"] not in s.text
    assert (await c.get("/api/staff/audit")).status_code == 403
    await c.aclose()


async def test_an_admin_sees_every_district(app, people, client):
    for district in ("tengzhou", "shanting", "xuecheng"):
        await apply(client, district=district)
    c, _ = await signed_in(app, "admin")
    r = await c.get("/api/staff/applications")
    assert {x["district"] for x in r.json()["applications"]} == {"tengzhou", "shanting",
                                                                  "xuecheng"}
    r = await c.get("/api/staff/applications", params={"district": "shanting"})
    assert [x["district"] for x in r.json()["applications"]] == ["shanting"]
    await c.aclose()


async def test_the_queue_filters_pages_and_masks(app, people, client, monkeypatch):
    monkeypatch.setattr(review, "PER_PAGE", 2)
    made = [await apply(client, program=p) for p in (
        "startup-guarantee-loan", "startup-guarantee-loan", "graduate-internship")]
    c, _ = await signed_in(app, "teng")
    page1 = (await c.get("/api/staff/applications")).json()
    assert page1["total"] == 3 and len(page1["applications"]) == 2
    # newest first
    assert page1["applications"][0]["reference"] == made[-1]["reference"]
    page2 = (await c.get("/api/staff/applications", params={"page": 2})).json()
    assert len(page2["applications"]) == 1
    only = (await c.get("/api/staff/applications",
                        params={"program": "graduate-internship"})).json()["applications"]
    assert [x["reference"] for x in only] == [made[2]["reference"]]
    row = only[0]
    assert row["id_number_masked"] != made[2]["id_number"]
    assert row["id_number_masked"][:6] == made[2]["id_number"][:6] and "*" in row[
        "id_number_masked"]
    assert made[2]["id_number"] not in (await c.get("/api/staff/applications")).text
    bad = await c.get("/api/staff/applications", params={"status": "lost", "from": "yesterday"})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {
        "status", "from"}
    # the filter's days are Beijing days (staff are in Zaozhuang), not the server's UTC
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    dated = await c.get("/api/staff/applications", params={"from": today, "to": today})
    assert dated.json()["total"] == 3
    await c.aclose()


async def test_the_detail_shows_the_reasons_documents_and_a_revealable_id(app, people, client,
                                                                            catalog):
    a = await apply(client, answers={"age": 30, "residence": "hukou"})
    c, csrf = await signed_in(app, "teng")
    d = (await c.get(f"/api/staff/applications/{a['reference']}")).json()
    assert d["id_number"] != a["id_number"] and d["phone"] == a["phone"]
    assert d["documents"] == [x.name for x in catalog.by_slug[a["program"]].data.documents]
    check = (await client.post("/api/check", json={"answers": {"age": 30,
                                                               "residence": "hukou"}})).json()
    seen = next(r for r in check["results"] if r["slug"] == a["program"])
    assert d["reasons"] == seen["reasons"]  # what the person saw on their phone
    assert [h["to"] for h in d["history"]] == ["submitted"]
    r = await c.post(f"/api/staff/applications/{a['reference']}/reveal", headers=csrf)
    assert r.json()["id_number"] == a["id_number"]
    entry = await AuditEntry.get(action="reveal")
    assert (entry.actor, entry.target) == ("teng", a["reference"])
    await c.aclose()


async def test_the_status_flow_refuses_illegal_moves_and_tells_the_applicant(app, people,
                                                                             client):
    a = await apply(client)
    ref = a["reference"]
    c, csrf = await signed_in(app, "teng")

    async def move(status: str, note: str = ""):
        return await c.post(f"/api/staff/applications/{ref}/status",
                            json={"status": status, "note": note}, headers=csrf)

    r = await move("approved")
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    assert r.json()["allowed"] == ["in_review", "withdrawn"]
    assert (await move("in_review")).status_code == 200
    r = await move("need_info")
    assert r.status_code == 422 and r.json()["code"] == "note_required"
    assert (await move("need_info", "请带营业执照原件到滕州市人社局。")).status_code == 200
    seen = (await client.get(f"/api/applications/{ref}", params={"phone": a["phone"]})).json()
    assert seen["status"] == "need_info" and "营业执照" in seen["message"]
    assert (await move("in_review")).status_code == 200
    assert (await move("approved", "审核通过。")).status_code == 200
    for s in workflow.STATUSES:
        assert (await move(s, "x")).status_code in (409, 422)
    row = await Application.get(reference=ref)
    assert row.open_key is None and row.closed_at is not None
    history = (await c.get(f"/api/staff/applications/{ref}")).json()["history"]
    assert [(h["from"], h["to"], h["actor"]) for h in history] == [
        ("", "submitted", "申请人"), ("submitted", "in_review", "teng"),
        ("in_review", "need_info", "teng"), ("need_info", "in_review", "teng"),
        ("in_review", "approved", "teng")]
    # closed: the person may apply again for the same program
    again = await client.post("/api/applications", headers=key(),
                              json={k: a[k] for k in form()})
    assert again.status_code == 201
    await c.aclose()


async def test_two_reviewers_changing_one_application_at_once_cannot_both_win(app, people,
                                                                              client):
    a = await apply(client)
    (c1, csrf1), (c2, csrf2) = await signed_in(app, "teng"), await signed_in(app, "admin")
    url = f"/api/staff/applications/{a['reference']}/status"
    r1, r2 = await asyncio.gather(c1.post(url, json={"status": "in_review"}, headers=csrf1),
                                  c2.post(url, json={"status": "in_review"}, headers=csrf2))
    assert sorted([r1.status_code, r2.status_code]) == [200, 409]
    history = (await c2.get(f"/api/staff/applications/{a['reference']}")).json()["history"]
    assert len(history) == 2
    await c1.aclose()
    await c2.aclose()


async def test_a_change_based_on_a_stale_view_is_refused(people, client, catalog):
    """Both reviewers opened the application while it was new; the second to save loses."""
    from service.models import Staff
    from service.staff import Session

    a = await apply(client)
    first_view = await Application.get(reference=a["reference"])
    second_view = await Application.get(reference=a["reference"])
    teng = Session(await Staff.get(username="teng"), "x", 0)
    await review.change_status(teng, first_view, "in_review", "", catalog)
    with pytest.raises(review.ApiError) as refused:
        await review.change_status(teng, second_view, "withdrawn", "", catalog)
    assert refused.value.code == "status_changed"
    assert (await Application.get(reference=a["reference"])).status == "in_review"


async def test_the_csv_opens_in_excel_and_wps(app, people, client):
    a = await apply(client, name="欧阳明月")
    c, _ = await signed_in(app, "admin")
    r = await c.get("/api/staff/applications.csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    raw = r.content
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
    assert rows[0] == ["申请编号", "政策", "区（市）", "状态", "姓名", "身份证号", "手机号",
                       "来源活动", "提交时间", "最后更新"]
    assert b"\r\n" in raw
    line = dict(zip(rows[0], rows[1], strict=True))
    assert line["姓名"] == "欧阳明月" and line["状态"] == "已提交，等待受理"
    assert line["身份证号"] != a["id_number"] and line["身份证号"].count("*") == 10
    submitted = dt.datetime.strptime(line["提交时间"], "%Y-%m-%d %H:%M")
    beijing = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    assert abs(submitted - beijing) < dt.timedelta(minutes=2)  # local time, not UTC
    full = await c.get("/api/staff/applications.csv", params={"full": "1"})
    assert a["id_number"] in full.content.decode("utf-8-sig")
    assert [e.action for e in await AuditEntry.filter(action__startswith="export")
            .order_by("id")] == ["export", "export_full"]
    c2, _ = await signed_in(app, "teng")
    assert (await c2.get("/api/staff/applications.csv", params={"full": "1"})).status_code == 403
    await c.aclose()
    await c2.aclose()


async def test_the_audit_log_records_who_did_what(app, people, client):
    a = await apply(client)
    c, csrf = await signed_in(app, "admin")
    await c.post(f"/api/staff/applications/{a['reference']}/reveal", headers=csrf)
    await c.post(f"/api/staff/applications/{a['reference']}/status",
                 json={"status": "in_review"}, headers=csrf)
    await c.get("/api/staff/applications.csv")
    await c.post("/api/staff/accounts", headers=csrf, json={
        "username": "wang", "password": "Xue-2027-check!", "role": "reviewer",
        "district": "xuecheng"})
    entries = (await c.get("/api/staff/audit")).json()["entries"]
    seen = [(e["actor"], e["action"], e["target"]) for e in reversed(entries)]
    assert seen == [("admin", "login", ""), ("admin", "reveal", a["reference"]),
                    ("admin", "status", a["reference"]), ("admin", "export", ""),
                    ("admin", "staff_create", "wang")]
    assert a["id_number"] not in (await c.get("/api/staff/audit")).text
    await c.aclose()


async def test_admins_manage_accounts_and_weak_passwords_are_refused(app, people):
    c, csrf = await signed_in(app, "admin")
    weak = await c.post("/api/staff/accounts", headers=csrf, json={
        "username": "liwei", "password": "12345678abcd", "role": "viewer", "district": ""})
    assert weak.status_code == 422 and "密码" in weak.json()["message"]
    no_district = await c.post("/api/staff/accounts", headers=csrf, json={
        "username": "liwei", "password": "Li-2027-review!", "role": "reviewer", "district": ""})
    assert no_district.status_code == 422
    r, rcsrf = await signed_in(app, "teng")
    assert (await r.post("/api/staff/accounts", headers=rcsrf, json={
        "username": "liwei", "password": "Li-2027-review!", "role": "admin",
        "district": ""})).status_code == 403
    # disabling an account ends its sessions at once
    assert (await c.post("/api/staff/accounts/teng/disable", headers=csrf)).status_code == 200
    assert (await r.get("/api/staff/me")).status_code == 401
    assert (await c.post("/api/staff/accounts/admin/disable", headers=csrf)).status_code == 422
    await c.aclose()
    await r.aclose()


async def test_purge_deletes_personal_data_of_long_closed_applications_only(app, people, client):
    old = await apply(client)
    recent = await apply(client)
    still_open = await apply(client)
    c, csrf = await signed_in(app, "admin")
    for a in (old, recent):
        url = f"/api/staff/applications/{a['reference']}/status"
        await c.post(url, json={"status": "in_review"}, headers=csrf)
        await c.post(url, json={"status": "rejected", "note": "不符合条件。"}, headers=csrf)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=800)
    await Application.filter(reference=old["reference"]).update(closed_at=long_ago)
    assert await review.purge(dt.timedelta(days=730)) == 1
    gone = await Application.get(reference=old["reference"])
    assert gone.sealed == "" and gone.purged_at is not None and gone.status == "rejected"
    for a in (recent, still_open):
        assert (await Application.get(reference=a["reference"])).sealed != ""
    lookup = await client.get(f"/api/applications/{old['reference']}",
                              params={"phone": old["phone"]})
    assert lookup.status_code == 404
    d = (await c.get(f"/api/staff/applications/{old['reference']}")).json()
    assert d["purged"] and old["id_number"] not in str(d) and d["history"][-1]["message"] == ""
    assert (await c.get("/api/staff/summary")).json()["total"] == 3  # figures stay
    assert await review.purge(dt.timedelta(days=730)) == 0
    await c.aclose()


async def test_the_console_pages_work_without_javascript(app, people, client):
    a = await apply(client, note="<script>alert(1)</script> 我有<b>两个</b>孩子")
    async with new_client(app) as c:
        r = await c.get("/staff/applications")
        assert r.status_code == 303 and r.headers["location"] == "/staff/login"
        login = await c.get("/staff/login")
        assert "工作人员登录" in login.text and login.headers["cache-control"] == "no-store"
        bad = await c.post("/staff/login", data={"username": "teng", "password": "nope"})
        assert bad.status_code == 401 and "用户名、密码或验证码不对" in bad.text
        r = await c.post("/staff/login", data={"username": "teng", "password": PASSWORD})
        assert r.status_code == 303
        queue = await c.get("/staff/applications")
        assert display_ref(a) in queue.text and a["id_number"] not in queue.text
        page = await c.get(f"/staff/applications/{a['reference']}")
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        forged = await c.post(f"/staff/applications/{a['reference']}/status",
                              data={"status": "in_review", "csrf_token": "x"})
        assert forged.status_code == 403
        moved = await c.post(f"/staff/applications/{a['reference']}/status",
                             data={"status": "in_review", "note": "", "csrf_token": csrf})
        assert moved.status_code == 303
        shown = await c.post(f"/staff/applications/{a['reference']}/reveal",
                             data={"csrf_token": csrf})
        assert a["id_number"] in shown.text
        illegal = await c.post(f"/staff/applications/{a['reference']}/status",
                               data={"status": "submitted", "csrf_token": csrf})
        assert illegal.status_code == 409 and "不能改成" in illegal.text
        assert (await c.get("/staff/audit")).status_code == 403  # reviewers: no audit log
        out = await c.post("/staff/logout", data={"csrf_token": csrf})
        assert out.status_code == 303
        assert (await c.get("/staff/applications")).status_code == 303


async def test_the_admin_console_shows_figures_audit_and_accounts(app, people, client):
    await apply(client)
    async with new_client(app) as c:
        await c.post("/staff/login", data={"username": "admin", "password": PASSWORD,
                                                "totp": await code_for("admin")})
        for path, text in (("/staff/summary", "按区（市）"), ("/staff/audit", "登录"),
                           ("/staff/accounts", "开通新账号")):
            r = await c.get(path)
            assert r.status_code == 200 and text in r.text, path
        csrf = (await c.get("/staff/accounts")).text.split(
            'name="csrf_token" value="')[1].split('"')[0]
        r = await c.post("/staff/accounts", data={"username": "zhao", "password": "short",
                                                  "role": "viewer", "district": "",
                                                  "csrf_token": csrf})
        assert r.status_code == 422 and "至少12位" in r.text
        from service.staff import PASSWORD_RULES

        assert PASSWORD_RULES in r.text  # the form says every rule, not only the length


async def test_date_filters_use_beijing_days_on_every_database(app, people, client):
    """Submitted at 00:30 Beijing time (16:30 UTC the day before): it belongs to the Beijing
    day. SQLite compared stored UTC times as text with a +08:00 bound and missed it."""
    a = await apply(client)
    late = dt.datetime(2027, 3, 2, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    # stored in UTC, as the service always writes times
    await Application.filter(reference=a["reference"]).update(
        created_at=late.astimezone(dt.UTC))
    c, _ = await signed_in(app, "admin")

    async def on(day: str) -> int:
        r = await c.get("/api/staff/applications", params={"from": day, "to": day})
        return r.json()["total"]

    assert (await on("2027-03-02"), await on("2027-03-01"), await on("2027-03-03")) == (1, 0, 0)
    await c.aclose()


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://evil.example"},                      # an older browser
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "null"},                                      # a sandboxed frame
    {"Origin": "https://shop.example.cn", "Sec-Fetch-Site": "same-site"},
])
async def test_another_site_cannot_sign_a_staff_browser_in(app, people, headers):
    """Login CSRF: evil.example posts our sign-in form with its own account, so that what
    the staff member does next is recorded under it."""
    async with new_client(app) as c:
        form = await c.post("/staff/login", headers=headers,
                            data={"username": "teng", "password": PASSWORD})
        assert form.status_code == 403 and "工作人员登录页" in form.text
        api = await c.post("/api/staff/login", headers=headers,
                           json={"username": "teng", "password": PASSWORD})
        assert api.status_code == 403 and api.json()["code"] == "cross_site"
        assert "jy_staff" not in c.cookies
    assert await StaffSession.all().count() == 0


async def test_our_own_sign_in_page_still_signs_in(app, people):
    async with new_client(app) as c:
        r = await c.post("/staff/login", data={"username": "teng", "password": PASSWORD},
                         headers={"Origin": "http://testserver",
                                  "Sec-Fetch-Site": "same-origin"})
        assert r.status_code == 303
    async with new_client(app) as c:                         # behind a proxy: Host differs
        r = await c.post("/api/staff/login", json={"username": "teng", "password": PASSWORD},
                         headers={"Origin": "http://127.0.0.1:8000", "Host": "backend:8000"})
        assert r.status_code == 200


async def test_a_reviewers_message_is_cleaned_like_an_applicants_and_never_logged(
        app, people, client, caplog):
    """A reviewer pastes a message with a right-to-left override from another program; the
    applicant must read it the right way round. At DEBUG, the ORM's statements (with the
    message, the CSRF token) stay out of the log."""
    import logging

    a = await apply(client)
    c, csrf = await signed_in(app, "teng")
    await c.post(f"/api/staff/applications/{a['reference']}/status", headers=csrf,
                 json={"status": "in_review"})
    caplog.set_level(logging.DEBUG)
    r = await c.post(f"/api/staff/applications/{a['reference']}/status", headers=csrf,
                     json={"status": "need_info", "note": "请补交\u202e营业执照\x07复印件。"})
    assert r.status_code == 200, r.text
    status = await client.get(f"/api/applications/{a['reference']}",
                              params={"phone": a["phone"]})
    assert status.json()["message"] == "请补交营业执照复印件。"
    logged = "\n".join(rec.getMessage() for rec in caplog.records
                       if not rec.name.startswith("httpx"))
    assert "营业执照" not in logged and csrf["X-CSRF-Token"] not in logged
    await c.aclose()


async def test_an_admin_needs_the_authenticators_code_and_each_code_works_once(app, people):
    """Admins can export thousands of full ID numbers: a stolen password is not enough."""
    import pyotp
    from people import ADMIN_TOTP

    from service import clock

    async with new_client(app, "10.2.0.1") as c:
        no_code = await c.post("/api/staff/login",
                               json={"username": "admin", "password": PASSWORD})
        wrong = await c.post("/api/staff/login",
                             json={"username": "admin", "password": "wrong-password!"})
        assert no_code.status_code == wrong.status_code == 401
        assert no_code.content == wrong.content          # no hint that the password was right
        code = await code_for("admin")
        ok = await c.post("/api/staff/login",
                          json={"username": "admin", "password": PASSWORD, "totp": code})
        assert ok.status_code == 200
    async with new_client(app, "10.2.0.2") as thief:     # the same code, seen over a shoulder
        again = await thief.post("/api/staff/login",
                                 json={"username": "admin", "password": PASSWORD, "totp": code})
        assert again.status_code == 401
        late = pyotp.TOTP(ADMIN_TOTP).at(clock.now() - dt.timedelta(minutes=5))
        stale = await thief.post("/api/staff/login",
                                 json={"username": "admin", "password": PASSWORD, "totp": late})
        assert stale.status_code == 401


async def test_a_reviewer_sets_up_two_step_sign_in_in_the_console_and_a_recovery_code_works_once(
        app, people):
    import re

    import pyotp

    from service import clock

    c, _ = await signed_in(app, "teng")
    page = await c.get("/staff/security")
    assert "还没有开启两步验证" in page.text
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    begun = await c.post("/staff/security", data={"csrf_token": csrf, "step": "begin"})
    assert "<svg" in begun.text and begun.headers["cache-control"] == "no-store"
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", begun.text).group(1)
    wrong = await c.post("/staff/security", data={"csrf_token": csrf, "step": "confirm",
                                                   "totp": "000000"})
    assert wrong.status_code == 422 and "验证码不对" in wrong.text
    done = await c.post("/staff/security", data={
        "csrf_token": csrf, "step": "confirm",
        "totp": pyotp.TOTP(secret).at(clock.now() - dt.timedelta(seconds=30))})
    assert done.status_code == 200 and "恢复码" in done.text
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.text)
    assert len(codes) == 8
    await c.aclose()
    async with new_client(app, "10.2.0.3") as c2:
        plain = await c2.post("/api/staff/login", json={"username": "teng", "password": PASSWORD})
        assert plain.status_code == 401                 # now the code is needed
        now_code = pyotp.TOTP(secret).now()
        assert (await c2.post("/api/staff/login", json={
            "username": "teng", "password": PASSWORD, "totp": now_code})).status_code == 200
    async with new_client(app, "10.2.0.4") as c3:       # the phone is lost
        typed = codes[0].upper().replace("-", " ")
        assert (await c3.post("/api/staff/login", json={
            "username": "teng", "password": PASSWORD, "totp": typed})).status_code == 200
        assert (await c3.post("/api/staff/login", json={
            "username": "teng", "password": PASSWORD, "totp": codes[0]})).status_code == 401
    assert await AuditEntry.filter(action="second_factor", actor="teng").exists()
    assert await AuditEntry.filter(action="recovery_code", actor="teng").exists()


async def test_an_admin_from_before_second_factors_is_told_how_to_set_one_up(app, people):
    from service.staff import create_staff

    await create_staff("oldboss", PASSWORD, "admin")
    async with new_client(app) as c:
        r = await c.post("/api/staff/login", json={"username": "oldboss", "password": PASSWORD})
        assert r.status_code == 401 and r.json()["code"] == "second_factor_not_set_up"
        assert "set-up-totp --username oldboss" in r.json()["message"]
        wrong = await c.post("/api/staff/login", json={"username": "oldboss", "password": "x" * 12})
        assert wrong.json()["code"] == "login_failed"    # only the right password learns it


async def test_a_new_administrator_made_in_the_console_can_sign_in_the_same_day(app, people):
    """The head of office opens an account for a new administrator at her desk. The page
    shows the new account's QR code and recovery codes once, to hand over; the new
    administrator signs in with the password and a code from her phone, and needs no one
    to run a command on the server."""
    async with new_client(app) as c:
        await c.post("/staff/login", data={"username": "admin", "password": PASSWORD,
                                           "totp": await code_for("admin")})
        csrf = (await c.get("/staff/accounts")).text.split(
            'name="csrf_token" value="')[1].split('"')[0]
        r = await c.post("/staff/accounts", data={
            "username": "sunli", "password": "Sun-2027-admin!", "role": "admin",
            "district": "", "csrf_token": csrf})
        assert r.status_code == 200 and "sunli 已开通" in r.text and "<svg" in r.text
        assert r.headers["cache-control"] == "no-store"
        secret = re.search(r"手动输入这串密钥：<code>([A-Z2-7]+)</code>", r.text).group(1)
        codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", r.text)
        assert len(codes) == 8
        # the next view of the page shows them no more
        assert "sunli 已开通" not in (await c.get("/staff/accounts")).text
    async with new_client(app, "10.2.0.9") as new:
        assert (await new.post("/api/staff/login", json={
            "username": "sunli", "password": "Sun-2027-admin!"})).status_code == 401
        assert (await new.post("/api/staff/login", json={
            "username": "sunli", "password": "Sun-2027-admin!",
            "totp": pyotp.TOTP(secret).now()})).status_code == 200
    # through the API the same, in the 201 body; a reviewer's account has no second factor
    c, csrf_h = await signed_in(app, "admin")
    made = await c.post("/api/staff/accounts", headers=csrf_h, json={
        "username": "qianwu", "password": "Qian-2027-admin!", "role": "admin", "district": ""})
    assert made.status_code == 201
    assert made.json()["second_factor"]["uri"].startswith("otpauth://totp/")
    assert len(made.json()["second_factor"]["recovery_codes"]) == 8
    reviewer = await c.post("/api/staff/accounts", headers=csrf_h, json={
        "username": "zhoujun", "password": "Zhou-2027-review!", "role": "reviewer",
        "district": "shanting"})
    assert reviewer.status_code == 201 and "second_factor" not in reviewer.json()
    await c.aclose()
