"""Hostile input, table-driven: each bad request is refused with a clear status and code,
nothing is stored, and the service keeps answering."""

from __future__ import annotations

import json

import httpx2
import pytest
from people import PASSWORD, call_raw, code_for, form, key, signed_in

from service.models import Application, AuditEntry, Campaign, Staff

BIG = "字" * 3000  # 9 KB of UTF-8: past the 8 KB body limit


def deep(n: int) -> str:
    return '{"answers": ' + "[" * n + "]" * n + "}"


def body(**over) -> bytes:
    return json.dumps(form(**over), ensure_ascii=False).encode()


JSON = {"content-type": "application/json"}

# (name, method, path, raw body or None, headers, expected status, expected code or None)
CASES = [
    ("oversized check body", "POST", "/api/check",
     json.dumps({"answers": {}, "campaign": BIG}).encode(), JSON, 413, "body_too_large"),
    ("oversized application", "POST", "/api/applications", body(note=BIG), JSON, 413,
     "body_too_large"),
    ("content-length not a number", "POST", "/api/check", b"{}",
     {**JSON, "content-length": "abc"}, 400, None),
    ("deeply nested JSON", "POST", "/api/check", deep(2000).encode(), JSON, 400,
     "invalid_json"),
    ("deeply nested objects", "POST", "/api/applications",
     ('{"a":' * 500 + "1" + "}" * 500).encode(), JSON, 422, "unknown_field"),
    ("hundreds of skips", "POST", "/api/check",
     json.dumps({"skip": ["age"] * 400}).encode(), JSON, 422, "invalid_skip"),
    ("unknown answer ids", "POST", "/api/check",
     json.dumps({"answers": {f"x{i}": 1 for i in range(300)}}).encode(), JSON, 422,
     "invalid_answers"),
    ("text/plain", "POST", "/api/applications", body(), {"content-type": "text/plain"}, 415,
     "unsupported_media_type"),
    ("form-encoded", "POST", "/api/applications", b"name=x",
     {"content-type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
    ("no content type", "POST", "/api/check", b"{}", {}, 415, "unsupported_media_type"),
    ("invalid UTF-8", "POST", "/api/check", b'{"answers": {"\xff\xfe": 1}}', JSON, 400,
     "invalid_json"),
    ("NaN", "POST", "/api/check", b'{"answers": {"age": NaN}}', JSON, 400, "invalid_json"),
    # a key twice: a proxy or a log reads the first, msgspec would act on the last
    ("a key twice", "POST", "/api/applications",
     body()[:-1] + b', "program": "graduate-internship"}', JSON, 400, "duplicate_key"),
    ("an answer twice", "POST", "/api/check", b'{"answers": {"age": 30, "age" : 70}}', JSON,
     400, "duplicate_key"),
    ("a key twice, once in escapes", "POST", "/api/check",
     b'{"answers": {"age": 30, "\\u0061ge": 70}}', JSON, 400, "duplicate_key"),
    ("a JSON array", "POST", "/api/applications", b"[1, 2, 3]", JSON, 422, "invalid_body"),
    ("SQL in the name", "POST", "/api/applications",
     body(name="Robert'); DROP TABLE application;--"), JSON, 422, "invalid_application"),
    ("SQL in the campaign", "POST", "/api/applications", body(campaign="' OR '1'='1"), JSON,
     422, "invalid_application"),
    ("SQL in the district", "POST", "/api/applications",
     body(district="tengzhou' OR 1=1--"), JSON, 422, "invalid_application"),
    ("SQL in the program", "POST", "/api/applications",
     body(program="x' UNION SELECT sealed FROM application--"), JSON, 422,
     "invalid_application"),
    ("NUL in the name", "POST", "/api/applications", body(name="张\x00三"), JSON, 422,
     "invalid_application"),
    ("right-to-left override", "POST", "/api/applications", body(name="张\u202e三"), JSON,
     422, "invalid_application"),
    ("2,000-character name", "POST", "/api/applications", body(name="张" * 2000), JSON, 422,
     "invalid_application"),
    ("ID number as a number", "POST", "/api/applications",
     body(id_number=11010519491231002), JSON, 422, "invalid_application"),
    ("script in the phone", "POST", "/api/applications", body(phone="<script>1</script>"),
     JSON, 422, "invalid_application"),
    ("200-character idempotency key", "POST", "/api/applications", body(),
     {**JSON, "idempotency-key": "k" * 200}, 400, "invalid_idempotency_key"),
    ("idempotency key with spaces", "POST", "/api/applications", body(),
     {**JSON, "idempotency-key": "a b c d e f g h i j k l"}, 400, "invalid_idempotency_key"),
    ("reference with SQL", "GET", "/api/applications/'%20OR%201=1--?phone=13800138000",
     None, {}, 422, "invalid_reference"),
    ("1,000-character reference", "GET", "/api/applications/" + "A" * 1000 +
     "?phone=13800138000", None, {}, 422, "invalid_reference"),
    ("reference with NUL", "GET", "/api/applications/ABC%00DEFGH?phone=13800138000", None,
     {}, 422, "invalid_reference"),
    ("lookup without a phone", "GET", "/api/applications/K7M2X9QPA", None, {}, 422,
     "invalid_phone"),
    ("phone with SQL", "GET", "/api/applications/K7M2X9QPA?phone=1'%20OR%20'1'='1", None, {},
     422, "invalid_phone"),
    ("path traversal", "GET", "/../../etc/passwd", None, {}, 404, None),
    ("encoded path traversal", "GET", "/assets/..%2f..%2f..%2fservice%2fconfig.py", None, {},
     404, None),
    ("dot-dot into the repo", "GET", "/%2e%2e/%2e%2e/pyproject.toml", None, {}, 404, None),
    ("DELETE an application", "DELETE", "/api/applications", None, {}, 405,
     "method_not_allowed"),
    ("sign-in with a 5,000-character username", "POST", "/api/staff/login",
     json.dumps({"username": "a" * 5000, "password": "x"}).encode(), JSON, 422,
     "invalid_login"),
    ("sign-in with a list for a password", "POST", "/api/staff/login",
     json.dumps({"username": "admin", "password": ["a"]}).encode(), JSON, 422,
     "invalid_login"),
    ("sign-in with SQL", "POST", "/api/staff/login",
     json.dumps({"username": "admin'--", "password": "' OR '1'='1"}).encode(), JSON, 401,
     "login_failed"),
    ("a forged session cookie", "GET", "/api/staff/applications", None,
     {"cookie": "jy_staff=" + "x" * 2000}, 401, "not_logged_in"),
]


@pytest.mark.parametrize("name,method,path,raw,headers,status,code", CASES,
                         ids=[c[0] for c in CASES])
async def test_hostile_input_is_refused_and_changes_nothing(
        client, people, name, method, path, raw, headers, status, code):
    before = (await Application.all().count(), await Staff.all().count(),
              await Campaign.all().count())
    r = await client.request(method, path, content=raw, headers=headers)
    assert r.status_code == status, (name, r.text[:300])
    if path.startswith("/api/"):
        assert r.headers["content-type"].startswith("application/json"), name
        payload = r.json()
        assert payload["message"] and not payload["message"].isascii(), name  # Chinese
        if code:
            assert payload["code"] == code, (name, payload)
    assert "Traceback" not in r.text and "root:" not in r.text and "SECRET" not in r.text
    after = (await Application.all().count(), await Staff.all().count(),
             await Campaign.all().count())
    assert after == before, name
    assert (await client.get("/healthz")).status_code == 200


def test_the_table_is_long_enough():
    assert len(CASES) >= 30


async def test_a_body_that_grows_past_the_limit_while_streaming_is_refused(client):
    async def chunks():
        for _ in range(20):
            yield b" " * 1024

    r = await client.post("/api/check", content=chunks(), headers=JSON)
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"


async def test_html_in_free_text_is_stored_as_text_and_shown_escaped(app, people, client):
    sent = await client.post("/api/applications", headers=key(), json=form(
        note='<img src=x onerror="alert(1)"> 我想问补贴什么时候发'))
    assert sent.status_code == 201
    c, csrf = await signed_in(app, "admin")
    data = (await c.get(f"/api/staff/applications/{sent.json()['reference']}")).json()
    assert data["note"].startswith("<img")  # kept as the person typed it
    async with __import__("people").new_client(app) as page_client:
        await page_client.post("/staff/login", data={"username": "admin",
                                                     "password": PASSWORD,
                                                     "totp": await code_for("admin")})
        page = await page_client.get(f"/staff/applications/{sent.json()['reference']}")
        assert '<img src=x onerror="alert(1)">' not in page.text
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page.text
    await c.aclose()
    assert await AuditEntry.filter(action="login").count() == 2


async def test_overlong_headers_are_refused(client):
    r = await client.get("/api/questions", headers={"x-filler": "a" * 20000})
    assert r.status_code == 431 and r.json()["code"] == "headers_too_large"
    many = {f"x-h{i}": "b" * 100 for i in range(200)}
    assert (await client.get("/healthz", headers=many)).status_code == 431
    assert (await client.get("/healthz")).status_code == 200


async def test_one_address_sending_too_many_applications_is_slowed_down(db, catalog):
    import httpx2

    from service.app import create_app
    from service.config import Settings

    app = create_app(Settings.from_env({}, submit_limit="3/600"), catalog=catalog,
                     init_db=False)

    def client(ip: str) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app, client=(ip, 1)),
                                  base_url="http://testserver")

    async with client("10.9.9.9") as busy, client("10.9.9.10") as other:
        for _ in range(3):
            assert (await busy.post("/api/applications", json=form(), headers=key())
                    ).status_code == 201
        r = await busy.post("/api/applications", json=form(), headers=key())
        assert r.status_code == 429 and r.json()["code"] == "too_many_submissions"
        assert 0 < int(r.headers["retry-after"]) <= 600
        assert (await other.post("/api/applications", json=form(), headers=key())
                ).status_code == 201
    assert await Application.all().count() == 4


async def test_the_submission_limit_is_shared_through_redis(db, catalog):
    """Two workers (two apps) with one Redis: the limit holds across both."""
    import socket
    import uuid as _uuid

    import httpx2

    from service.app import create_app
    from service.config import Settings

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings = Settings.from_env({}, submit_limit="4/600", redis_url="redis://127.0.0.1:6379/0",
                                 lookup_key=_uuid.uuid4().hex * 2)  # a fresh client hash
    workers = [create_app(settings, catalog=catalog, init_db=False) for _ in range(2)]
    clients = [httpx2.AsyncClient(transport=httpx2.ASGITransport(app=w, client=("10.8.8.8", 1)),
                                  base_url="http://testserver") for w in workers]
    statuses = []
    for i in range(6):
        r = await clients[i % 2].post("/api/applications", json=form(), headers=key())
        statuses.append(r.status_code)
    assert statuses == [201, 201, 201, 201, 429, 429]
    for c, w in zip(clients, workers, strict=True):
        await c.aclose()
        await w.state.submit_limit.close()


@pytest.mark.parametrize("path", ["/guides", "/guides/unemployment-insurance",
                                  "/staff/applications/", "/api/programs/"])
async def test_a_forged_host_header_never_reaches_a_redirect(client, path):
    """`GET /guides` with `Host: evil.example` answered `Location: http://evil.example/
    guides/`: a cache or a link preview could then send people there."""
    r = await client.get(path, headers={"Host": "evil.example"})
    location = r.headers.get("location", "")
    assert "evil.example" not in location
    if r.status_code in (301, 302, 307, 308):
        assert location.startswith("/") and not location.startswith("//")


async def test_production_answers_only_its_own_host_names(db, catalog):
    from service.app import create_app
    from service.config import Settings
    from service.pii import new_key

    settings = Settings.from_env({
        "JY_ENV": "production", "SECRET_KEY": "s" * 40, "DATA_KEYS": new_key(),
        "LOOKUP_KEY": "l" * 40, "PUBLIC_BASE_URL": "https://jy.example.cn",
        "ALLOWED_HOSTS": "jy-backup.example.cn"}).validate()
    app = create_app(settings, catalog=catalog, init_db=False)
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as c:
        for host, status in [("evil.example", 400), ("jy.example.cn", 200),
                             ("jy-backup.example.cn", 200), ("127.0.0.1:8000", 200)]:
            r = await c.get("/api/programs", headers={"Host": host})
            assert r.status_code == status, host


async def test_a_quote_and_colon_inside_a_note_is_not_taken_for_a_repeated_key(client):
    note = '他说："程序": 先登记'
    r = await client.post("/api/applications", json=form(note=note, campaign=None),
                          headers=key())
    assert r.status_code == 201, r.text


async def test_a_body_that_stops_arriving_is_cut_off_and_stores_nothing(app, monkeypatch):
    """Slowloris: a client sends half an application and then nothing, holding the slot."""
    import asyncio

    from service import middleware

    monkeypatch.setattr(middleware, "BODY_TIMEOUT", 0.2)
    parts = [{"type": "http.request", "body": body()[:40], "more_body": True}]

    async def receive():
        if parts:
            return parts.pop()
        await asyncio.sleep(3600)  # never more

    sent = await asyncio.wait_for(call_raw(app, receive), 5)
    assert sent[0]["status"] == 408
    assert json.loads(sent[1]["body"])["code"] == "request_timeout"
    assert await Application.all().count() == 0
