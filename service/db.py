"""Database set-up: the Tortoise config, migrations and a health probe."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tortoise import Tortoise, connections

from .config import Settings, tortoise_config

# For the `tortoise` CLI (`tortoise -c service.db.TORTOISE_ORM makemigrations`).
TORTOISE_ORM = tortoise_config(Settings.from_env().database_url)


def ensure_sqlite_dir(settings: Settings) -> None:
    if settings.is_sqlite:
        path = settings.database_url.split("://", 1)[1].split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


async def migrate_async(settings: Settings) -> None:
    from tortoise.migrations.api import migrate as run_migrations

    ensure_sqlite_dir(settings)
    try:
        await run_migrations(config=settings.tortoise_config())
    finally:
        await Tortoise.close_connections()


def migrate(settings: Settings) -> None:
    """Apply pending migrations once, as a release step (never in every worker)."""
    asyncio.run(migrate_async(settings))
    print(f"migrate: database is up to date ({settings.database_url.split('://')[0]})")


async def database_ok() -> bool:
    """True when the default connection answers a trivial query."""
    try:
        conn = connections.get("default")
        await asyncio.wait_for(conn.execute_query("SELECT 1"), timeout=2.0)
        return True
    except Exception:  # any failure means "not healthy"; the caller reports it
        return False
