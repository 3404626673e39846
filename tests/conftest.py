"""Shared fixtures.

Database tests run against SQLite, and ``make test`` runs them a second time against
PostgreSQL when TEST_POSTGRES_URL is set (``.ci/run`` sets it where a server answers):
``JY_TEST_DB=postgres pytest -m postgres``. One process uses one backend, because Tortoise
keeps per-model query state that does not survive switching dialects within a process.
Each test gets a fresh database from ``tortoise_test_context``; the app is built with ``init_db=False`` so the
fixture, not the app's lifespan, owns the database.
"""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
import pytest_asyncio
from people import PASSWORD
from testdb import DB_URLS
from tortoise.context import tortoise_test_context

from service.app import create_app
from service.catalog import load_catalog
from service.config import DB_TIMEZONE, ROOT, Settings
from service.staff import create_staff


def pytest_collection_modifyitems(items):
    for item in items:  # every test on the database runs on PostgreSQL too
        if "db" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(ROOT / "content")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({}, database_url=f"sqlite://{tmp_path / 'jy.sqlite3'}")


@pytest_asyncio.fixture(params=DB_URLS)
async def db(request):
    async with tortoise_test_context(["service.models"], db_url=request.param,
                                     timezone=DB_TIMEZONE) as ctx:
        yield ctx


@pytest_asyncio.fixture
async def app(db, settings, catalog):
    return create_app(settings, catalog=catalog, init_db=False)


@pytest_asyncio.fixture
async def client(app):
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Argon2id at its lowest cost, so the many sign-ins here stay fast. The service's own
    parameters are argon2-cffi's defaults; test_a_password_is_stored_as_argon2id checks."""
    from argon2 import PasswordHasher

    from service import staff

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(staff, "_hasher", cheap)
    monkeypatch.setattr(staff, "_DUMMY_HASH", cheap.hash("dummy"))


@pytest_asyncio.fixture
async def people(db):
    """One account per role; reviewers in Tengzhou and Shanting. The admin's second factor
    is people.ADMIN_TOTP (people.code_for gives its code)."""
    from people import ADMIN_TOTP

    from service.models import Staff
    from service.pii import Vault

    admin = await create_staff("admin", PASSWORD, "admin")
    await Staff.filter(id=admin.id).update(
        totp_sealed=Vault.from_settings(Settings.from_env({})).seal({"totp": ADMIN_TOTP}))
    await create_staff("teng", PASSWORD, "reviewer", "tengzhou")
    await create_staff("shan", PASSWORD, "reviewer", "shanting")
    await create_staff("stats", PASSWORD, "viewer")
