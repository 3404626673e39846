"""The real server as a subprocess (and nginx in front of it as deploy/ renders it),
applications posted to it as phones do, scratch PostgreSQL databases, and what a database
holds: for the tests that run the real thing (test_cli.py, test_crash.py, test_backup.py,
test_deploy.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # the 3xx itself is the answer


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, data: bytes | None = None, method: str | None = None, **headers: str):
    """(status, headers with lower-case names, body) of one request, redirects not
    followed; never raises on an HTTP error."""
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with _OPENER.open(req, timeout=5) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def _wait(url: str, proc: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.1)
    proc.kill()
    proc.wait()
    raise AssertionError(f"{what} did not start (exit code {proc.returncode})")


def start(db_url: str, port: int, log: IO[bytes] | int, **env: str) -> subprocess.Popen:
    """`python -m service serve` on ``db_url``, once /healthz answers."""
    proc = subprocess.Popen([sys.executable, "-m", "service", "serve", "--port", str(port)],
                            cwd=ROOT, env={**os.environ, "DATABASE_URL": db_url,
                                           # every phone here is 127.0.0.1
                                           "SUBMIT_LIMIT": "100000/600", **env},
                            stdout=log, stderr=subprocess.STDOUT)
    _wait(f"http://127.0.0.1:{port}/healthz", proc, "the server")
    return proc


def needs_site() -> None:
    if not (ROOT / "build/site/index.html").exists():
        pytest.skip("site not built: run `make site`")


@contextlib.contextmanager
def served(db_url: str, log: Path | None = None, **env: str) -> Iterator[str]:
    """The server on ``db_url`` on a free port while the block runs; its base URL."""
    needs_site()
    port = free_port()
    with open(log, "wb") if log else open(os.devnull, "wb") as out:
        proc = start(db_url, port, out, **env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextlib.contextmanager
def nginx_front(prefix: Path, upstream: str, **site: object) -> Iterator[str]:
    """Debian's nginx with deploy/'s site in front of ``upstream`` (host:port); yields its
    base URL. Skips where nginx is not installed (`apt-get install nginx`)."""
    from service.deploy import NginxSite, rehearsal_nginx

    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if nginx is None:
        pytest.skip("nginx not installed (apt-get install nginx)")
    port = free_port()
    conf = rehearsal_nginx(prefix, NginxSite(
        site_dir=ROOT / "build" / "site", upstreams=[upstream], listen=f"127.0.0.1:{port}",
        access_log=str(prefix / "access.log"), **site))  # type: ignore[arg-type]
    proc = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    _wait(f"http://127.0.0.1:{port}/healthz", proc, "nginx", seconds=20)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


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
