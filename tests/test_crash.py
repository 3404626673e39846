"""Crash safety: kill -9 the server while applications stream in; every application that was
acknowledged (201) is there after a restart, exactly once. Both databases.

Also, from the same run: the server's own log, at DEBUG level, never holds an applicant's
ID number or phone number.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import pytest
from people import form
from testdb import PG_URL

from service.config import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: dict, key: str) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={
        "Content-Type": "application/json", "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def _start(db_url: str, port: int, log) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "service", "serve", "--port", str(port)],
                            cwd=ROOT, env={**os.environ, "DATABASE_URL": db_url,
                                           "LOG_LEVEL": "debug",
                                           # every phone here is 127.0.0.1
                                           "SUBMIT_LIMIT": "100000/600"},
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start")


def _scratch_pg() -> str:
    import asyncpg

    name = f"jy_crash_{uuid.uuid4().hex[:8]}"

    async def make() -> None:
        conn = await asyncpg.connect(PG_URL)
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()

    asyncio.run(make())
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


def _stored(db_url: str) -> list[str]:
    if db_url.startswith("sqlite://"):
        with sqlite3.connect(db_url.removeprefix("sqlite://")) as conn:
            return [r for (r,) in conn.execute("select reference from application")]
    import asyncpg

    async def fetch() -> list[str]:
        conn = await asyncpg.connect(db_url)
        rows = await conn.fetch("select reference from application")
        await conn.close()
        return [r["reference"] for r in rows]

    return asyncio.run(fetch())


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_acknowledged_applications_survive_kill_9_exactly_once(backend, tmp_path):
    if backend == "postgres" and not PG_URL:
        pytest.skip("needs PostgreSQL (TEST_POSTGRES_URL)")
    if not (ROOT / "build/site/index.html").exists():
        pytest.skip("site not built: run `make site`")
    db_url = f"sqlite://{tmp_path / 'crash.sqlite3'}" if backend == "sqlite" else _scratch_pg()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api/applications"
    log_path = tmp_path / "server.log"
    acknowledged: dict[str, tuple[dict, str]] = {}  # reference -> (body, key)
    in_flight: list[tuple[dict, str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def stream() -> None:
        while not stop.is_set():
            body, key = form(), uuid.uuid4().hex
            with lock:
                in_flight.append((body, key))
            try:
                status, answer = _post(url, body, key)
            except (OSError, http.client.HTTPException):
                continue  # the server died under this request (or mid-answer): not acknowledged
            if status == 201:
                with lock:
                    acknowledged[answer["reference"]] = (body, key)

    with open(log_path, "wb") as log:
        server = _start(db_url, port, log)
        threads = [threading.Thread(target=stream) for _ in range(6)]
        for t in threads:
            t.start()
        while len(acknowledged) < 60:
            time.sleep(0.02)
        os.kill(server.pid, signal.SIGKILL)  # mid-stream, no warning
        server.wait()
        stop.set()
        for t in threads:
            t.join()
        stored = _stored(db_url)
        for reference in acknowledged:
            assert stored.count(reference) == 1, reference
        # after a restart, retrying every request that was on its way (same key) never
        # makes a second application
        server = _start(db_url, port, log)
        try:
            for body, key in in_flight:
                status, answer = _post(url, body, key)
                assert status == 201, answer
            stored = _stored(db_url)
            assert len(stored) == len(set(stored)) == len(in_flight)
            assert set(acknowledged) <= set(stored)
        finally:
            server.terminate()
            server.wait(timeout=20)
    logged = log_path.read_text(errors="replace")
    assert "DEBUG:" in logged  # the log really was at DEBUG level
    assert "INSERT INTO" not in logged  # and the ORM's statements (with values) are not in it
    for body, _ in in_flight:
        assert body["id_number"] not in logged
    assert "13800138000" not in logged
    print(f"{backend}: {len(acknowledged)} acknowledged before kill -9, all found once; "
          f"{len(in_flight)} retried after restart, {len(stored)} stored")
