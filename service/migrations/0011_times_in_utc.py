"""Every stored time in UTC on SQLite too.

With Tortoise's timezone set to Asia/Shanghai, new rows were written as "...+08:00" text while
filters and updates used UTC text, and SQLite compares times as text: a throttle counted
events up to 8 hours old, and day filters were off by 8 hours. The setting is now UTC
(service/config.py DB_TIMEZONE); this rewrites the times stored the old way. PostgreSQL
keeps times as timestamptz and needs nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops


async def times_in_utc(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        return
    _, tables = await client.execute_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    for (table,) in ((t["name"],) for t in tables):
        _, columns = await client.execute_query(f'PRAGMA table_info("{table}")')
        for column in (c["name"] for c in columns if c["type"].upper() == "TIMESTAMP"):
            _, rows = await client.execute_query(
                f'SELECT rowid AS row_id, "{column}" FROM "{table}" '
                f"WHERE \"{column}\" IS NOT NULL AND \"{column}\" NOT LIKE '%+00:00'")
            for row in rows:
                value = row[column]
                try:
                    t = dt.datetime.fromisoformat(value)
                except (TypeError, ValueError):
                    continue  # not a time this service wrote
                if t.tzinfo is None:
                    continue
                await client.execute_query(
                    f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?',
                    [str(t.astimezone(dt.UTC)), row["row_id"]])


class Migration(migrations.Migration):
    dependencies = [("models", "0010_documents")]

    initial = False

    operations = [ops.RunPython(times_in_utc, ops.RunPython.noop)]
