"""The production shape from deploy/: Debian's nginx in front of a real worker, as a phone
and as an attacker would meet it. (The load rehearsal through it: loadtests/rehearsal.py
--nginx, run by .ci/run.)"""

from __future__ import annotations

import gzip
import json
import time

import pytest
from liveserver import ROOT, nginx_front, served
from liveserver import fetch as get
from people import form, key

SITE = ROOT / "build" / "site"
SECURITY = ("content-security-policy", "x-content-type-options", "referrer-policy",
            "x-frame-options", "permissions-policy")


@pytest.fixture(scope="module")
def shape(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shape")
    with served(f"sqlite://{tmp / 'db.sqlite3'}", log=tmp / "server.log") as worker:
        upstream = worker.removeprefix("http://")
        # a tight submission limit, so that a dozen quick posts meet it
        with nginx_front(tmp / "nginx", upstream, submit_rate="1r/m", submit_burst=3,
                         moved={"old-loan-guide": "startup-guarantee-loan"}) as front:
            yield front, worker, tmp


def test_pages_go_out_as_compressed_at_build_time(shape):
    front, _, _ = shape
    for path, file in (("/", "index.html"), ("/check/", "check/index.html"),
                       ("/assets/jy/common.js", "assets/jy/common.js")):
        status, headers, body = get(front + path, **{"Accept-Encoding": "gzip"})
        assert status == 200 and headers["content-encoding"] == "gzip"
        assert body == (SITE / f"{file}.gz").read_bytes(), path  # the same bytes, not redone
        assert "就业通" in gzip.decompress(body).decode() or path.endswith(".js")
    status, headers, body = get(front + "/")  # an old phone that asks for no gzip
    assert status == 200 and "content-encoding" not in headers
    assert body == (SITE / "index.html").read_bytes()


def test_every_answer_keeps_the_security_headers_the_service_sends(shape):
    front, worker, _ = shape
    for path in ("/", "/guides/unemployment-insurance/", "/assets/jy/common.js", "/nope/"):
        _, headers, _ = get(front + path)
        _, own, _ = get(worker + path)  # the same page from the service itself
        for name in SECURITY:
            assert headers.get(name) == own.get(name), (path, name)
        assert headers["cache-control"] == own["cache-control"], path
    # what the workers answer keeps their own headers, once each
    _, headers, _ = get(front + "/api/programs")
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert headers["cache-control"] == "no-store"
    _, headers, _ = get(front + "/staff/login")
    assert "script-src 'none'" in headers["content-security-policy"]


def test_a_mistyped_address_gets_the_chinese_404_and_build_files_stay_hidden(shape):
    front, _, _ = shape
    status, _, body = get(front + "/guides/no-such-guide/")
    assert status == 404 and "找不到" in body.decode()
    for path in ("/index.html.gz", "/.built", "/check/index.html.gz"):
        assert get(front + path)[0] == 404, path


def test_redirects_stay_on_the_site_whatever_host_is_claimed(shape):
    front, _, _ = shape
    status, headers, _ = get(front + "/guides", Host="evil.example")
    assert status == 301 and headers["location"] == "/guides/"


def test_a_printed_qr_code_for_a_moved_guide_still_leads_to_it(shape):
    front, _, _ = shape
    status, headers, _ = get(front + "/guides/old-loan-guide/?c=ab12cd")
    assert status == 301
    assert headers["location"].endswith("/guides/startup-guarantee-loan/?c=ab12cd")


def test_the_access_log_never_holds_a_phone_number(shape):
    front, _, tmp = shape
    get(front + "/api/applications/JY-2027-ABCD-EFGH?phone=13912345678")
    for _ in range(50):  # nginx writes the line once the answer has gone
        log = (tmp / "nginx" / "access.log").read_text()
        if "JY-2027" in log:
            break
        time.sleep(0.05)
    assert "/api/applications/JY-2027-ABCD-EFGH" in log
    assert "13912345678" not in log and "phone=" not in log


def test_a_flood_of_submissions_is_cut_with_the_api_s_own_chinese_error(shape):
    front, _, _ = shape
    statuses, last = [], None
    for _ in range(8):
        status, headers, body = get(
            front + "/api/applications", data=json.dumps(form()).encode(),
            **{"Content-Type": "application/json", **key()})
        statuses.append(status)
        last = (headers, body)
    assert statuses[0] == 201 and 429 in statuses
    headers, body = last
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body) == {"code": "too_many_requests",
                                "message": "请求太频繁了，请稍后再试。"}
    # reading is never limited
    assert all(get(front + "/api/programs")[0] == 200 for _ in range(5))
