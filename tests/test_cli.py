"""The command line and a real server process, as an operator runs them."""

from __future__ import annotations

import gzip
import os
import sqlite3
import subprocess
import sys

import pytest
from liveserver import fetch as _get
from liveserver import served as serving
from testdb import PG_URL

from service.config import ROOT, Settings
from service.reference import new_reference
from service.server import serve


def _run(*args: str, env: dict | None = None, typed: str | None = None
         ) -> subprocess.CompletedProcess:
    """The CLI as an operator runs it; ``typed``: what they type at its prompts (read from
    standard input: in a session of its own there is no terminal to read from)."""
    return subprocess.run([sys.executable, "-m", "service", *args], cwd=ROOT, text=True,
                          capture_output=True, env={**os.environ, **(env or {})}, timeout=120,
                          input=typed, start_new_session=typed is not None)


def test_several_workers_on_sqlite_are_refused_with_advice(capsys, tmp_path):
    settings = Settings.from_env({}, database_url=f"sqlite://{tmp_path / 'x.sqlite3'}")
    assert serve(settings, workers=2) == 2
    err = capsys.readouterr().err
    assert "PostgreSQL" in err and "DATABASE_URL=postgres://" in err


def test_serve_says_where_it_listens_and_how_to_make_the_first_account(tmp_path):
    """`make serve PORT=… HOST=…` passes both on; once listening, the server prints its
    address, the console's and the next step (the first staff account)."""
    import shutil

    if shutil.which("make"):
        alone = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL")}
        dry = subprocess.run(["make", "--no-print-directory", "-n", "serve", "PORT=8124",
                              "HOST=0.0.0.0"], cwd=ROOT, text=True, capture_output=True,
                             timeout=60, env=alone)  # under `make test` too
        assert dry.stdout.strip().splitlines()[-1].endswith(
            "-m service serve --host 0.0.0.0 --port 8124"), dry.stdout + dry.stderr
        # links and QR codes made while serving name the same port, unless set otherwise
        assert "http://0.0.0.0:8124" in dry.stdout
    log = tmp_path / "serve.log"
    with serving(f"sqlite://{tmp_path / 's.sqlite3'}", log=log) as base:
        said = log.read_text("utf-8")
    assert f"就业通 is running: {base}/" in said and f"Staff console: {base}/staff/" in said
    assert "create-staff --username admin --role admin" in said and "twice" in said


def test_the_cli_refuses_production_without_a_secret():
    r = _run("check-content", env={"JY_ENV": "production", "SECRET_KEY": ""})
    assert r.returncode == 2 and "SECRET_KEY" in r.stderr


def test_migrate_prepares_a_fresh_sqlite_file_and_is_idempotent(tmp_path):
    db = tmp_path / "sub" / "jy.sqlite3"
    for _ in range(2):
        r = _run("migrate", env={"DATABASE_URL": f"sqlite://{db}"})
        assert r.returncode == 0, r.stderr
    tables = {t for (t,) in sqlite3.connect(db).execute(
        "select name from sqlite_master where type='table'")}
    assert {"tally", "tortoise_migrations"} <= tables


def test_an_upgrade_keeps_open_applications_recognisable_as_the_same_person(tmp_path):
    """Applications open before phones were told apart (0005) keep their person key."""
    db = tmp_path / "jy.sqlite3"
    env = {"DATABASE_URL": f"sqlite://{db}"}
    old = subprocess.run([sys.executable, "-m", "tortoise", "-c", "service.db.TORTOISE_ORM",
                          "migrate", "models", "0004_campaigns"], cwd=ROOT, text=True,
                         capture_output=True, env={**os.environ, **env}, timeout=120)
    assert old.returncode == 0, old.stderr
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "insert into application (reference, program, district, status, campaign, sealed,"
            " phone_hash, open_key, idem_fingerprint, message, created_at, updated_at)"
            " values (?, 'startup-guarantee-loan', 'tengzhou', ?, '', 'x', 'p', ?, '', '',"
            " '2026-01-01', '2026-01-01')",
            [("K7M2X9QPA", "submitted", "a" * 32), ("K7M2X9QPB", "rejected", None)])
    assert _run("migrate", env=env).returncode == 0
    rows = sqlite3.connect(db).execute(
        "select reference, open_key, person_key from application order by reference").fetchall()
    assert rows == [("K7M2X9QPA", "a" * 32, "a" * 32), ("K7M2X9QPB", None, None)]


def test_an_upgrade_lets_a_fair_s_wifi_look_up_again_after_old_failed_guesses(tmp_path):
    """Ten mistyped phone numbers two hours ago, recorded by the version that stored
    SQLite times in Beijing time, no longer hold a job fair's Wi-Fi out of status lookups
    once the upgrade (0011) has run: only this quarter hour counts."""
    import asyncio
    import datetime as dt

    from tortoise import Tortoise

    from service import clock
    from service.throttle import DatabaseStore

    db = tmp_path / "jy.sqlite3"
    env = {"DATABASE_URL": f"sqlite://{db}"}
    old = subprocess.run([sys.executable, "-m", "tortoise", "-c", "service.db.TORTOISE_ORM",
                          "migrate", "models", "0010_documents"], cwd=ROOT, text=True,
                         capture_output=True, env={**os.environ, **env}, timeout=120)
    assert old.returncode == 0, old.stderr
    now = clock.now()
    beijing = dt.timezone(dt.timedelta(hours=8))
    two_hours_ago = str((now - dt.timedelta(hours=2)).astimezone(beijing))  # "...+08:00"
    with sqlite3.connect(db) as conn:
        conn.executemany("insert into strike (scope, client, at) values ('lookup', 'fair', ?)",
                         [(two_hours_ago,)] * 10)
    assert _run("migrate", env=env).returncode == 0

    async def counted() -> dt.datetime | None:
        await Tortoise.init(config=Settings.from_env(env).tortoise_config())
        try:  # the 1st latest strike in the last 15 minutes: none
            return await DatabaseStore().nth_latest("lookup", "fair",
                                                    now - dt.timedelta(minutes=15), 1)
        finally:
            await Tortoise.close_connections()

    assert asyncio.run(counted()) is None
    stored = sqlite3.connect(db).execute("select at from strike").fetchall()
    assert all(at.endswith("+00:00") for (at,) in stored)


@pytest.mark.skipif(not PG_URL, reason="TEST_POSTGRES_URL not set")
def test_migrate_works_on_postgresql():
    for _ in range(2):
        r = _run("migrate", env={"DATABASE_URL": PG_URL})
        assert r.returncode == 0, r.stderr


def test_check_content_names_the_file_and_field(tmp_path):
    (tmp_path / "programs").mkdir()
    good = (ROOT / "content/programs/unemployment-insurance.md").read_text("utf-8")
    (tmp_path / "programs" / "unemployment-insurance.md").write_text(
        good.replace("grade: A\n", "grade: Z\n", 1), "utf-8")
    r = _run("check-content", env={"CONTENT_DIR": str(tmp_path)})
    assert r.returncode == 1
    assert "unemployment-insurance.md: sources[0].grade" in r.stderr


@pytest.fixture(params=["sqlite"] + (["postgres"] if PG_URL else []))
def served(request, tmp_path):
    url = f"sqlite://{tmp_path / 'srv.sqlite3'}" if request.param == "sqlite" else PG_URL
    with serving(url, log=tmp_path / "server.log") as base:
        yield base, url


def test_the_server_serves_the_chinese_home_page_and_the_api(served):
    server, _ = served
    status, headers, body = _get(server + "/")
    assert status == 200 and "就业通" in body.decode()
    assert headers["cache-control"] == "no-cache"
    status, _, body = _get(server + "/api/programs")
    assert status == 200 and b"unemployment-insurance" in body


def test_the_server_compresses_and_caches_hashed_assets(served):
    server, _ = served
    css = next((ROOT / "build/site/assets/stylesheets").glob("main.*.min.css"))
    status, headers, body = _get(f"{server}/assets/stylesheets/{css.name}",
                                 **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert "immutable" in headers["cache-control"]
    assert gzip.decompress(body) == css.read_bytes()


def test_the_server_shows_a_chinese_404_page(served):
    server, _ = served
    status, _, body = _get(server + "/no-such-page/")
    assert status == 404
    assert "404" in body.decode() and 'lang="zh' in body.decode()


def _stored_references(db_url: str) -> list[str]:
    if db_url.startswith("sqlite://"):
        with sqlite3.connect(db_url.removeprefix("sqlite://")) as conn:
            return [r for (r,) in conn.execute("select reference from application")]
    import asyncio

    import asyncpg

    async def fetch() -> list[str]:
        conn = await asyncpg.connect(db_url)
        try:
            return [r["reference"] for r in await conn.fetch("select reference from application")]
        finally:
            await conn.close()

    return asyncio.run(fetch())


def test_applications_sent_at_once_are_each_stored_exactly_once(served):
    """A burst from many phones, each send retried once with its key, on a real server."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    from people import form, key

    server, db_url = served

    def send(body_and_key):
        body, headers = body_and_key
        data = json.dumps(body).encode()
        hdrs = {"Content-Type": "application/json", **headers}
        first = _get(server + "/api/applications", data, **hdrs)
        retry = _get(server + "/api/applications", data, **hdrs)  # "did it go through?"
        return first, retry

    jobs = [(form(), key()) for _ in range(60)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(send, jobs))
    acknowledged = []
    for (status, _, body), (status2, _, body2) in results:
        assert status == status2 == 201, body
        assert json.loads(body)["reference"] == json.loads(body2)["reference"]
        acknowledged.append(json.loads(body)["reference"])
    stored = _stored_references(db_url)
    for ref in acknowledged:
        assert stored.count(ref) == 1
    status, _, body = _get(f"{server}/api/applications/{acknowledged[0]}?phone=13800138000")
    assert status == 200 and json.loads(body)["status"] == "submitted"


def test_create_staff_refuses_weak_passwords_and_makes_a_reviewer(tmp_path):
    env = {"DATABASE_URL": f"sqlite://{tmp_path / 'staff.sqlite3'}"}
    assert _run("migrate", env=env).returncode == 0
    weak = _run("create-staff", "--username", "wang", "--password", "wang12345678",
                "--role", "reviewer", "--district", "tengzhou", env=env)
    assert weak.returncode == 1 and "密码" in weak.stderr
    no_district = _run("create-staff", "--username", "wang", "--password", "Teng-2027-check!",
                       "--role", "reviewer", env=env)
    assert no_district.returncode == 1 and "区（市）" in no_district.stderr
    ok = _run("create-staff", "--username", "wang", "--password", "Teng-2027-check!",
              "--role", "reviewer", "--district", "tengzhou", env=env)
    assert ok.returncode == 0 and "wang (reviewer, district tengzhou) created" in ok.stdout
    with sqlite3.connect(tmp_path / "staff.sqlite3") as conn:
        [(stored,)] = conn.execute("select password_hash from staff").fetchall()
    assert stored.startswith("$argon2id$") and "Teng-2027" not in stored


def _accounts(db) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [u for (u,) in conn.execute("select username from staff")]


def test_create_staff_states_the_rules_asks_twice_and_refuses_a_mismatch(tmp_path):
    db = tmp_path / "ask.sqlite3"
    env = {"DATABASE_URL": f"sqlite://{db}"}
    assert _run("migrate", env=env).returncode == 0
    ask = ("create-staff", "--username", "wang", "--role", "reviewer", "--district", "tengzhou")
    differ = _run(*ask, env=env, typed="Teng-2027-check!\nTeng-2027-chekc!\n")
    assert differ.returncode == 1 and "两次输入的密码不一样，账号没有开通" in differ.stderr
    assert "密码至少12位" in differ.stderr and "不能含用户名" in differ.stderr  # said first
    assert "常见密码" in differ.stderr and "再输一遍密码" in differ.stderr
    assert "Teng-2027" not in differ.stdout + differ.stderr  # never echoed
    assert _accounts(db) == []
    # a password that breaks a rule is said why at once and asked for again
    mended = _run(*ask, env=env, typed="Wang-2027-check!\nTeng-2027-check!\nTeng-2027-check!\n")
    assert mended.returncode == 0, mended.stderr
    assert "密码里不能有用户名" in mended.stderr and "wang (reviewer" in mended.stdout
    assert _accounts(db) == ["wang"]
    never = _run("create-staff", "--username", "li", "--role", "viewer", env=env,
                 typed="short\npassword-Zaozhuang-1\nAaaaaaaaaaaaaa1!\n")
    assert never.returncode == 1 and "账号没有开通" in never.stderr
    assert _accounts(db) == ["wang"]


def test_the_first_admin_gets_a_second_factor_and_can_sign_in_with_it(tmp_path):
    """The server's operator makes the first admin, adds the printed secret to a phone's
    authenticator, and signs in; later the phone is lost and set-up-totp replaces it."""
    import asyncio
    import re

    import httpx2
    import pyotp
    from tortoise import Tortoise

    from service.app import create_app

    db = tmp_path / "jy.sqlite3"
    env = {"DATABASE_URL": f"sqlite://{db}"}
    assert _run("migrate", env=env).returncode == 0
    made = _run("create-staff", "--username", "boss", "--password", "Zz-first-admin-2027!",
                "--role", "admin", env=env)
    assert made.returncode == 0, made.stderr
    secret = re.search(r"otpauth://totp/.*secret=([A-Z2-7]+)", made.stdout).group(1)
    assert len(re.findall(r"\b[a-z2-9]{5}-[a-z2-9]{5}\b", made.stdout)) == 8
    reset = _run("set-up-totp", "--username", "boss", env=env)
    assert reset.returncode == 0 and "no longer works" in reset.stdout
    new_secret = re.search(r"secret=([A-Z2-7]+)", reset.stdout).group(1)
    assert _run("set-up-totp", "--username", "nobody", env=env).returncode == 1

    async def sign_in(code: str) -> int:
        settings = Settings.from_env({}, database_url=f"sqlite://{db}")
        await Tortoise.init(config=settings.tortoise_config())
        try:
            app = create_app(settings, init_db=False)
            async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app),
                                          base_url="http://testserver") as c:
                r = await c.post("/api/staff/login", json={
                    "username": "boss", "password": "Zz-first-admin-2027!", "totp": code})
                return r.status_code
        finally:
            await Tortoise.close_connections()

    assert asyncio.run(sign_in(pyotp.TOTP(secret).now())) == 401      # the lost phone's
    assert asyncio.run(sign_in(pyotp.TOTP(new_secret).now())) == 200


def test_purge_says_what_it_did(tmp_path):
    env = {"DATABASE_URL": f"sqlite://{tmp_path / 'purge.sqlite3'}"}
    assert _run("migrate", env=env).returncode == 0
    r = _run("purge", "--older-than", "2y", env=env)
    assert r.returncode == 0 and "0 application(s) closed more than 730 days ago" in r.stdout
    bad = _run("purge", "--older-than", "soon", env=env)
    assert bad.returncode == 2 and "730d" in bad.stderr


def test_campaign_create_prints_the_link_and_writes_the_print_files(tmp_path):
    env = {"DATABASE_URL": f"sqlite://{tmp_path / 'c.sqlite3'}",
           "PUBLIC_BASE_URL": "https://jy.zaozhuang.gov.cn"}
    assert _run("migrate", env=env).returncode == 0
    r = _run("campaign", "create", "--name", "2027春风行动·滕州专场", "--kind", "job_fair",
             "--district", "tengzhou", "--target", "/guides/startup-guarantee-loan/",
             "--out", str(tmp_path / "out"), env=env)
    assert r.returncode == 0, r.stderr
    link = r.stdout.strip()
    code = link.rsplit("/", 1)[1]
    assert link == f"https://jy.zaozhuang.gov.cn/q/{code}"
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert files == {f"{code}.svg", f"{code}.png", f"{code}-poster.html",
                     f"{code}-labels.html"}
    poster = (tmp_path / "out" / f"{code}-poster.html").read_text()
    assert "<style>" in poster and link in poster  # opens and prints with nothing else
    assert "打不开" not in r.stderr + poster  # a public https address: nothing to warn of
    import zxingcpp
    from PIL import Image

    assert zxingcpp.read_barcodes(Image.open(tmp_path / "out" / f"{code}.png"))[0].text == link
    listed = _run("campaign", "list", env=env)
    assert code in listed.stdout and "job_fair" in listed.stdout
    bad = _run("campaign", "create", "--name", "x", "--kind", "village", "--target", "/admin/",
               "--out", str(tmp_path / "out2"), env=env)
    assert bad.returncode == 1 and "campaign:" in bad.stderr


@pytest.mark.parametrize("url, why", [("http://127.0.0.1:8000", "本机地址"),  # the default
                                      ("http://192.168.1.20:8000", "内网地址"),
                                      ("http://jy.zaozhuang.gov.cn", "http://")])
def test_making_qr_codes_with_an_address_phones_cannot_open_warns_what_to_set(tmp_path, url,
                                                                          why):
    env = {"DATABASE_URL": f"sqlite://{tmp_path / 'w.sqlite3'}", "PUBLIC_BASE_URL": url}
    assert _run("migrate", env=env).returncode == 0
    made = _run("campaign", "create", "--name", "村里宣讲", "--kind", "village",
                "--out", str(tmp_path / "out"), env=env)
    assert made.returncode == 0, made.stderr
    warning = made.stderr.strip().splitlines()[-1]  # said last, where it is seen
    assert warning.startswith("campaign: 注意：") and "群众扫了打不开" in warning and why in warning
    assert f"PUBLIC_BASE_URL 现在是 {url}" in warning
    assert "https://" in warning
    [poster] = (tmp_path / "out").glob("*-poster.html")
    assert 'class="url-warning"' in poster.read_text("utf-8")  # and the file says it on screen
    listed = _run("campaign", "list", env=env)
    assert "群众扫了打不开" in listed.stderr and why in listed.stderr


def test_campaign_and_check_read_a_day_as_the_console_does(tmp_path):
    db = tmp_path / "d.sqlite3"
    env = {"DATABASE_URL": f"sqlite://{db}", "PUBLIC_BASE_URL": "https://jy.zaozhuang.gov.cn"}
    assert _run("migrate", env=env).returncode == 0
    for option, typed, said in (("--starts-on", "03/01/2027", "年-月-日"),
                                ("--ends-on", "2027-02-30", "没有2027年2月30日这一天")):
        bad = _run("campaign", "create", "--name", "村里宣讲", "--kind", "village", option, typed,
                   "--out", str(tmp_path / "no"), env=env)
        assert bad.returncode == 2 and option in bad.stderr and said in bad.stderr
    assert not (tmp_path / "no").exists()
    made = _run("campaign", "create", "--name", "村里宣讲", "--kind", "village",
                "--starts-on", "2027年3月1日", "--ends-on", "2027/3/3",
                "--out", str(tmp_path / "out"), env=env)
    assert made.returncode == 0, made.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("select name, starts_on, ends_on from campaign").fetchall() == [
            ("村里宣讲", "2027-03-01", "2027-03-03")]
    [poster] = (tmp_path / "out").glob("*-poster.html")
    assert "村里宣讲 · 从2027年3月1日到3月3日" in poster.read_text("utf-8")
    check = _run("check", "--date", "2024/6/1", "--answers", "{}", env=env)
    assert check.returncode == 0 and "按2024-06-01算" in check.stdout
    wrong = _run("check", "--date", "06/01/2024", "--answers", "{}", env=env)
    assert wrong.returncode == 2 and "年-月-日" in wrong.stderr and not wrong.stdout


@pytest.mark.parametrize("trusted", ["", "127.0.0.1"])
def test_client_addresses_come_from_proxies_only_when_trusted(tmp_path, trusted):
    """A guesser cannot dodge the lookup throttle with a made-up X-Forwarded-For, unless it
    comes through a proxy named in TRUSTED_PROXIES (which then tells clients apart)."""
    with serving(f"sqlite://{tmp_path / 'p.sqlite3'}", TRUSTED_PROXIES=trusted) as base:
        ref = new_reference()  # well formed, and no one's: every lookup fails
        statuses = [_get(f"{base}/api/applications/{ref}?phone=13800138000",
                         **{"X-Forwarded-For": f"203.0.113.{i}"})[0] for i in range(12)]
    if trusted:
        assert 429 not in statuses  # twelve different people behind the proxy
    else:
        assert statuses[-1] == 429  # one address, however it dresses up
