"""The real server as a subprocess, applications posted to it as phones do, scratch
PostgreSQL databases, and what a database holds: for the tests that stream applications into
a running server (test_crash.py, test_backup.py)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from typing import IO

from testdb import PG_URL

from service.config import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, body: dict, key: str) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={
        "Content-Type": "application/json", "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def start(db_url: str, port: int, log: IO[bytes], **env: str) -> subprocess.Popen:
    """`python -m service serve` on ``db_url``, once /healthz answers."""
    proc = subprocess.Popen([sys.executable, "-m", "service", "serve", "--port", str(port)],
                            cwd=ROOT, env={**os.environ, "DATABASE_URL": db_url,
                                           # every phone here is 127.0.0.1
                                           "SUBMIT_LIMIT": "100000/600", **env},
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


async def _on_pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def scratch_pg(prefix: str) -> str:
    """A new empty PostgreSQL database beside TEST_POSTGRES_URL's; its URL."""
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    asyncio.run(_on_pg(f'CREATE DATABASE "{name}"'))
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    asyncio.run(_on_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def query(db_url: str, sql: str) -> list[tuple]:
    """The rows ``sql`` gives on the database ``db_url`` names."""
    if db_url.startswith("sqlite://"):
        with sqlite3.connect(db_url.removeprefix("sqlite://")) as conn:
            return conn.execute(sql).fetchall()
    import asyncpg

    async def fetch() -> list[tuple]:
        conn = await asyncpg.connect(db_url)
        try:
            return [tuple(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()

    return asyncio.run(fetch())


def stored(db_url: str) -> list[str]:
    """Every application's reference in the database."""
    return [r for (r,) in query(db_url, "select reference from application")]
