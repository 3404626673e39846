"""A status change's text survives kill -9: the server is killed after the change was
committed and before its text was sent; after a restart the applicant gets exactly one text
(through the log provider), and a further restart sends nothing again. Both databases."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid

import pytest
from liveserver import drop_pg, fetch, free_port, needs_site, query, scratch_pg, start
from people import PASSWORD, form
from testdb import PG_URL

from service.config import ROOT

PHONE = "13905631234"


def _serve(db_url: str, port: int, log, interval: str) -> subprocess.Popen:
    return start(db_url, port, log, LOG_LEVEL="info", SMS_INTERVAL=interval,
                 SMS_PROVIDER="log")


def _call(url: str, body: dict, **headers: str) -> tuple[int, dict, dict]:
    status, got, raw = fetch(url, json.dumps(body).encode(), "POST",
                             **{"Content-Type": "application/json", **headers})
    return status, got, json.loads(raw or b"{}")


def _texts(db_url: str) -> list[tuple[str, str]]:
    return [tuple(r) for r in query(db_url, "select key, status from sms_message order by id")]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_text_committed_with_its_status_change_is_sent_once_after_kill_9(backend, tmp_path):
    if backend == "postgres" and not PG_URL:
        pytest.skip("needs PostgreSQL (TEST_POSTGRES_URL)")
    needs_site()
    db_url = f"sqlite://{tmp_path / 'sms.sqlite3'}" if backend == "sqlite" else scratch_pg("jy_sms_")
    env = {**os.environ, "DATABASE_URL": db_url}
    py = [sys.executable, "-m", "service"]
    subprocess.run([*py, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*py, "create-staff", "--username", "teng01", "--password", PASSWORD,
                    "--role", "reviewer", "--district", "tengzhou"], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        # The sender's next pass is an hour away: the change is committed, its text not sent.
        server = _serve(db_url, port, log, interval="3600")
        status, _, applied = _call(base + "/api/applications",
                                   form(phone=PHONE, district="tengzhou", notify_sms=True),
                                   **{"Idempotency-Key": uuid.uuid4().hex})
        assert status == 201, applied
        status, headers, me = _call(base + "/api/staff/login",
                                    {"username": "teng01", "password": PASSWORD})
        assert status == 200, me
        cookie = headers["set-cookie"].split(";", 1)[0]
        status, _, changed = _call(
            f"{base}/api/staff/applications/{applied['reference']}/status",
            {"status": "in_review"}, Cookie=cookie, **{"X-CSRF-Token": me["csrf_token"]})
        assert status == 200 and changed["status"] == "in_review", changed
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        [(key, state)] = _texts(db_url)
        assert state == "pending"  # committed with the change, not sent

        server = _serve(db_url, port, log, interval="0.2")
        try:
            deadline = time.monotonic() + 30
            while _texts(db_url) != [(key, "sent")]:
                assert time.monotonic() < deadline, _texts(db_url)
                time.sleep(0.2)
            time.sleep(1)  # a few more passes: nothing is sent twice
        finally:
            server.terminate()
            server.wait(timeout=20)
        server = _serve(db_url, port, log, interval="0.2")  # and once more, after a restart
        time.sleep(1)
        server.terminate()
        server.wait(timeout=20)
    if backend == "postgres":
        drop_pg(db_url)
    logged = log_path.read_text(errors="replace")
    sent = re.findall(r"sms to (\S+) \[" + key + r"\]: (.*)", logged)
    assert len(sent) == 1, logged[-2000:]
    assert sent[0][0] == "139****1234" and "正在审核" in sent[0][1]
    assert PHONE not in logged  # masked in the log, as everywhere
