"""Faults: the database going away and coming back."""

from __future__ import annotations

import asyncio
import os
import socket
from urllib.parse import urlsplit

import httpx2
import pytest
from people import form, key
from tcpproxy import Proxy
from testdb import PG_URL
from tortoise.context import tortoise_test_context

from service.app import create_app
from service.config import Settings

# Runs in the PostgreSQL pass of `make test` (JY_TEST_DB=postgres): Tortoise keeps per-model
# dialect state per process, so PostgreSQL through the ORM cannot follow SQLite in one process.
pytestmark = [pytest.mark.postgres, pytest.mark.skipif(
    os.environ.get("JY_TEST_DB") != "postgres" or not PG_URL,
    reason="PostgreSQL pass only (JY_TEST_DB=postgres with TEST_POSTGRES_URL)")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_the_database_going_away_gives_503_in_chinese_and_the_service_recovers(catalog):
    target = urlsplit(PG_URL)
    proxy = Proxy(_free_port(), (target.hostname or "127.0.0.1", target.port or 5432))
    await proxy.start()
    url = f"postgres://{target.username or 'postgres'}@127.0.0.1:{proxy.port}/jy_test_{{}}"
    async with tortoise_test_context(["service.models"], db_url=url):
        app = create_app(Settings.from_env({}), catalog=catalog, init_db=False)
        transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as c:
            sent = await c.post("/api/applications", json=form(), headers=key())
            assert sent.status_code == 201
            await proxy.cut()
            down = await c.post("/api/applications", json=form(), headers=key())
            assert down.status_code == 503 and down.json()["code"] == "database_unavailable"
            assert "稍后" in down.json()["message"] or "过一会儿" in down.json()["message"]
            assert "Traceback" not in down.text and down.headers["retry-after"]
            lookup = await c.get(f"/api/applications/{sent.json()['reference']}",
                                 params={"phone": "13800138000"})
            assert lookup.status_code == 503
            health = await c.get("/healthz")
            assert health.status_code == 503 and health.json()["database"] == "down"
            # the self-check needs no database: it keeps working
            assert (await c.post("/api/check", json={"answers": {}})).status_code == 200
            await proxy.start()  # the database is back
            for _ in range(20):
                again = await c.post("/api/applications", json=form(), headers=key())
                if again.status_code == 201:
                    break
                await asyncio.sleep(0.25)
            assert again.status_code == 201
            assert (await c.get("/healthz")).status_code == 200
            found = await c.get(f"/api/applications/{sent.json()['reference']}",
                                params={"phone": "13800138000"})
            assert found.status_code == 200
    await proxy.cut()
