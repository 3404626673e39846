"""Database set-up: the Tortoise config, migrations and a health probe."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections

from .config import Settings, tortoise_config
from .pii import Vault

# For the `tortoise` CLI (`tortoise -c service.db.TORTOISE_ORM makemigrations`).
TORTOISE_ORM = tortoise_config(Settings.from_env().database_url)


def ensure_sqlite_dir(settings: Settings) -> None:
    path = settings.sqlite_file
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


async def rotate_keys(vault: Vault) -> tuple[int, int]:
    """Re-encrypt every application's and call-back request's personal data (and the phone
    kept apart for texts, on the application and on each queued text), the photos of
    documents, and every staff account's second-factor secrets, under the newest data key.

    Returns (re-encrypted, unreadable). Each row is written with a compare-and-set on its old
    token, so it is safe to run while the service is up. Unreadable rows (sealed with a key
    no longer configured) are counted and left as they are.
    """
    from .models import Application, Callback, DocumentPhoto, SmsMessage, Staff

    rotated = unreadable = 0
    # photos are a few hundred KB each: read 20 at a time, not 500
    for model, column, batch in ((Application, "sealed", 500), (Application, "sms_phone", 500),
                                 (Callback, "sealed", 500), (SmsMessage, "phone", 500),
                                 (Staff, "totp_sealed", 500), (Staff, "totp_pending", 500),
                                 (DocumentPhoto, "sealed", 20)):
        done, lost = await _rotate_column(vault, model, column, batch)
        rotated, unreadable = rotated + done, unreadable + lost
    return rotated, unreadable


async def _rotate_column(vault: Vault, model: Any, column: str, size: int) -> tuple[int, int]:
    from .pii import InvalidToken

    rotated = unreadable = 0
    last = 0
    while True:
        batch = await (model.filter(id__gt=last).exclude(**{column: ""})
                       .order_by("id").limit(size).values_list("id", column))
        if not batch:
            return rotated, unreadable
        for pk, token in batch:
            last = pk
            if vault.is_current(token):
                continue
            try:
                fresh = vault.rotate(token)
            except InvalidToken:
                unreadable += 1
                continue
            rotated += await model.filter(id=pk, **{column: token}).update(**{column: fresh})
