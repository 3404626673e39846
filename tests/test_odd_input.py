"""Odd query strings and headers on every route: never a 500 (schemathesis covers bodies).

Each GET route is asked with every query parameter the service reads set to one odd value at
a time, and with odd headers, as a stranger and as a signed-in admin. A 500 would mean an
input the code did not expect; its traceback in the log could carry the input.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest
from people import call_raw, form, key, signed_in
from starlette.routing import Mount, Route

ODD = ["²", "٣", "９", "9999-12-31", "0001-01-01", "2026-02-30", "-1", "0", "1" * 40, "1e309",
       "NaN", "\x00", "\u202e", "字" * 400, "[]", "{}", "%", " ", "true", "../../etc/passwd"]
PARAMS = ["page", "program", "status", "district", "campaign", "from", "to", "full", "phone",
          "audience", "actor", "action", "kind", "ref", "c", "q", "format", "per_page"]
HEADERS = [
    {"If-None-Match": "\xff\xfe\"x\""}, {"If-Modified-Since": "yesterday"},
    {"Accept-Encoding": "gzip;q=abc, br;q=-1"}, {"Range": "bytes=abc-"},
    {"Range": "bytes=99999999999999999999-"}, {"Cookie": "jy_staff=\xff; jy_csrf="},
    {"X-Forwarded-For": "not an address, 999.1.1.1"}, {"Accept": "*/*;q=x"},
    {"Origin": "null"}, {"Authorization": "Bearer \xff"}, {"Idempotency-Key": "\xff" * 20},
    {"If-None-Match": "*"}, {"Accept-Language": "\xff" * 100},
]


def paths(app, code: str, ref: str) -> list[str]:
    """Every GET route, with path parameters filled in (a real value, then an odd one)."""
    out = ["/", "/guides/", "/guides/unemployment-insurance/", "/assets/jy/common.js",
           "/sw.js", "/no/such/page", "/%ff"]
    fill = {"slug": "unemployment-insurance", "reference": ref, "code": code,
            "username": "admin", "ext": "svg", "sheet": "poster"}

    def walk(routes, prefix=""):
        for r in routes:
            if isinstance(r, Mount) and getattr(r, "routes", None):
                walk(r.routes, prefix + r.path)
            elif isinstance(r, Route) and "GET" in (r.methods or ()):
                path = prefix + r.path
                for name in r.param_convertors:
                    path = path.replace("{" + name + "}", fill.get(name, "x")).replace(
                        "{" + name + ":str}", fill.get(name, "x"))
                out.append(path)
                if r.param_convertors:
                    odd = prefix + r.path
                    for name in r.param_convertors:
                        odd = odd.replace("{" + name + "}", quote("²"))
                        odd = odd.replace("{" + name + ":str}", quote("²"))
                    out.append(odd)
    walk(app.routes)
    return sorted(set(out))


@pytest.fixture
async def targets(app, people, client, catalog):
    from service import campaigns

    made = await campaigns.create("测试招聘会", "job_fair", "/check/", catalog,
                                  district="tengzhou", created_by="admin")
    ref = (await client.post("/api/applications", json=form(), headers=key())).json()["reference"]
    admin, _ = await signed_in(app, "admin")
    yield paths(app, made.code, ref), admin
    await admin.aclose()


async def test_no_query_string_gives_a_500(targets, client, caplog):
    routes, admin = targets
    caplog.set_level(logging.ERROR)
    failures = []
    for path in routes:
        for value in ODD:
            query = "&".join(f"{p}={quote(value)}" for p in PARAMS)
            for who in (client, admin):
                r = await who.get(f"{path}?{query}")
                if r.status_code >= 500:
                    failures.append(f"{r.status_code} GET {path} with {value!r}")
    assert not failures, "\n".join(failures[:30])
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_no_header_gives_a_500(targets, client):
    routes, admin = targets
    failures = []
    for path in routes:
        for headers in HEADERS:
            for who in (client, admin):
                r = await who.get(path, headers={k: v.encode("latin-1")
                                                 for k, v in headers.items()})
                if r.status_code >= 500:
                    failures.append(f"{r.status_code} GET {path} with {headers!r}")
    assert not failures, "\n".join(failures[:30])


@pytest.mark.parametrize("path", ["/.built", "/index.html.gz", "/guides/index.html.gz",
                                  "/assets/jy/common.js.gz", "/sw.js.gz"])
async def test_build_artefacts_are_not_served_as_files(client, path):
    r = await client.get(path)
    assert r.status_code == 404
    assert "content-encoding" not in r.headers


async def test_a_page_is_still_sent_gzipped_and_revalidated(client):
    first = await client.get("/guides/", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first.headers["content-encoding"] == "gzip"
    etag = first.headers["etag"]
    again = await client.get("/guides/", headers={"Accept-Encoding": "gzip",
                                                  "If-None-Match": f'W/{etag}, "other"'})
    assert again.status_code == 304


async def test_an_unexpected_error_logs_its_type_and_place_but_never_the_input(
        app, client, caplog, monkeypatch):
    """A bug meets a person's phone number: the log says what broke and where, not what
    was sent (SECURITY.md), and the person gets a kind 500."""
    from service import applications

    ref = (await client.post("/api/applications", json=form(), headers=key())).json()["reference"]

    async def broken(app_row, catalog):
        raise ValueError(f"cannot show {app_row.reference} for 13800138000")

    monkeypatch.setattr(applications, "status", broken)
    caplog.set_level(logging.DEBUG)
    r = await client.get(f"/api/applications/{ref}", params={"phone": "13800138000"})
    assert r.status_code == 500 and r.json()["code"] == "server_error"
    logged = "\n".join(rec.getMessage() + (rec.exc_text or "") for rec in caplog.records
                       if not rec.name.startswith("httpx"))  # the test's own client
    assert "unhandled ValueError on GET /api/applications/" in logged
    assert "applications.py:" in logged                    # where, as file:line
    assert "13800138000" not in logged and "cannot show" not in logged


async def test_a_phone_that_goes_away_mid_request_is_not_an_error(app, caplog):
    """On a weak signal the phone drops while sending its application."""

    async def receive():
        return {"type": "http.disconnect"}

    caplog.set_level(logging.INFO)
    await call_raw(app, receive, headers=((b"content-length", b"100"),))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert any("client disconnected" in r.getMessage() for r in caplog.records)
