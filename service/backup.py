"""Backups: a consistent copy of the database taken while the service serves, and its
restore into an empty database (``python -m service backup`` / ``restore``).

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies the whole database in
  one step, inside one read transaction. Under WAL the server's writes go on meanwhile, and
  the copy is the database as of one instant: every commit acknowledged before the backup
  began is in it.
- PostgreSQL: ``pg_dump`` in its custom format (``-Fc``), run under a snapshot exported from
  a repeatable-read transaction, so that the number of applications reported is the dump's
  own. ``pg_restore`` puts it back in one transaction: all of it or nothing.

A backup is written to a temporary file beside FILE (mode 0600), flushed to disk, then
renamed over FILE: a crash or a failed dump never leaves half a backup under that name.

Restore goes only into an empty database (no table of the service holds a row). It refuses,
changing nothing, when the target holds data or the file is not a backup of the right kind.
The restored database is at the backup's migration level; ``python -m service migrate``
brings it forward.

The keys are not in a backup (DATA_KEYS, LOOKUP_KEY live in the environment): personal
fields stay sealed in it, and a backup is only readable together with its keys.
"""

from __future__ import annotations

import asyncio
import glob
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .config import Settings

MIGRATIONS = "tortoise_migrations"  # the migration level travels with the data
_SQLITE_MAGIC = b"SQLite format 3\x00"
_PGDUMP_MAGIC = b"PGDMP"
_KIND = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


class BackupError(Exception):
    """The backup or restore was not done; the message says why and what to do."""


@dataclass(frozen=True)
class Copy:
    """What a backup holds (or a restore put back)."""

    file: Path  # the backup file
    size: int  # its size in bytes
    applications: int
    migration: str  # the last migration applied in it, e.g. "0007_second_factor"


def backup(settings: Settings, out: Path) -> Copy:
    """Copy the database DATABASE_URL names to ``out``, safe while the service writes."""
    with _written_whole(out) as (fd, tmp):
        if settings.is_sqlite:
            applications, migration = _backup_sqlite(settings.sqlite_file, tmp)
        else:
            applications, migration = asyncio.run(
                _backup_postgres(_Postgres.from_url(settings.database_url), fd))
    return Copy(out, out.stat().st_size, applications, migration)


def restore(settings: Settings, src: Path) -> Copy:
    """Put the backup ``src`` into the empty database DATABASE_URL names."""
    kind = _kind_of(src)
    target = "sqlite" if settings.is_sqlite else "postgres"
    if kind != target:
        raise BackupError(f"{src} is a {_KIND[kind]} backup, and DATABASE_URL names a "
                          f"{_KIND[target]} database: restore it into {_KIND[kind]}. "
                          "Nothing was changed.")
    if settings.is_sqlite:
        return _restore_sqlite(src, settings.sqlite_file)
    return asyncio.run(_restore_postgres(src, _Postgres.from_url(settings.database_url)))


def _kind_of(src: Path) -> str:
    try:
        with open(src, "rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except OSError as e:
        raise BackupError(f"cannot read {src}: {e.strerror}") from None
    if head == _SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(_PGDUMP_MAGIC):
        return "postgres"
    raise BackupError(f"{src} is not a backup (neither a SQLite database nor a pg_dump "
                      "custom-format file). Nothing was changed.")


def _not_empty(held: dict[str, int]) -> BackupError:
    rows = ", ".join(f"{n} row(s) in {table}" for table, n in sorted(held.items()))
    return BackupError(f"the database DATABASE_URL names is not empty ({rows}): restore goes "
                       "only into an empty database. Nothing was changed. Create a new one "
                       "(SQLite: a new file name; PostgreSQL: createdb) and point "
                       "DATABASE_URL at it.")


@contextmanager
def _written_whole(out: Path) -> Iterator[tuple[int, Path]]:
    """A temporary file (mode 0600) beside ``out``, renamed over it once the body has
    finished without error and the file is on disk; removed otherwise."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    tmp = Path(name)
    try:
        os.fchmod(fd, 0o600)
        yield fd, tmp
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, out)
        dir_fd = os.open(out.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself survives a power cut
        finally:
            os.close(dir_fd)
    finally:
        if fd >= 0:
            os.close(fd)
        for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)


# SQLite ------------------------------------------------------------------------------------

def _sqlite(path: str | Path, mode: str) -> sqlite3.Connection:
    """A connection that never creates the file (mode "rw" or "ro")."""
    uri = Path(path).resolve().as_uri() + f"?mode={mode}" + ("&immutable=1" if mode == "ro" else "")
    return sqlite3.connect(uri, uri=True, timeout=30)


def _sqlite_contents(conn: sqlite3.Connection) -> tuple[int, str]:
    (applications,) = conn.execute("SELECT count(*) FROM application").fetchone()
    last = conn.execute(f"SELECT name FROM {MIGRATIONS} ORDER BY id DESC LIMIT 1").fetchone()
    return applications, last[0] if last else ""


def _sqlite_held(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table of the service, for the tables that hold any."""
    tables = [t for (t,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
        "ESCAPE '\\'") if t != MIGRATIONS]
    held = {}
    for table in tables:
        quoted = table.replace('"', '""')
        (n,) = conn.execute(f'SELECT count(*) FROM "{quoted}"').fetchone()
        if n:
            held[table] = n
    return held


def _backup_sqlite(path: str, tmp: Path) -> tuple[int, str]:
    if path in ("", ":memory:") or not Path(path).is_file():
        raise BackupError(f"there is no SQLite database at {path or '(empty path)'} "
                          "(DATABASE_URL)")
    with closing(_sqlite(path, "rw")) as source, closing(sqlite3.connect(tmp)) as copy:
        try:
            _sqlite_contents(source)
        except sqlite3.DatabaseError as e:
            raise BackupError(f"{path} is not this service's database ({e}); "
                              "run `python -m service migrate` first") from None
        source.backup(copy)  # one step: one read transaction, the database as of one instant
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        (check,) = copy.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise BackupError(f"the copy failed SQLite's quick_check ({check}); the database "
                              "itself may be damaged")
        return _sqlite_contents(copy)


def _restore_sqlite(src: Path, target: str) -> Copy:
    if target in ("", ":memory:"):
        raise BackupError("DATABASE_URL names an in-memory SQLite database: there is nothing "
                          "to restore into")
    with closing(_sqlite(src, "ro")) as source:
        try:
            (check,) = source.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError as e:  # e.g. cut short: "database disk image is malformed"
            check = str(e)
        if check != "ok":
            raise BackupError(f"{src} is damaged (SQLite: {check}); restore an older backup. "
                              "Nothing was changed.")
        try:
            applications, migration = _sqlite_contents(source)
        except sqlite3.DatabaseError as e:
            raise BackupError(f"{src} is a SQLite database but not a backup of this service "
                              f"({e}). Nothing was changed.") from None
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(target, timeout=30)) as dest:
            try:
                held = _sqlite_held(dest)
            except sqlite3.DatabaseError as e:
                raise BackupError(f"{target} (DATABASE_URL) is not a SQLite database ({e}). "
                                  "Nothing was changed.") from None
            if held:
                raise _not_empty(held)
            source.backup(dest)  # replaces the (empty) target in one write transaction
            dest.execute("PRAGMA journal_mode=WAL")  # as the service runs it
    return Copy(src, src.stat().st_size, applications, migration)


# PostgreSQL --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Postgres:
    """Where DATABASE_URL points, for asyncpg and for pg_dump/pg_restore (through libpq's
    environment variables, so that a password never shows in the process list). The pool
    settings Tortoise reads from the query string (maxsize=…) are not libpq's: left out."""

    host: str
    port: int
    user: str
    password: str
    database: str

    @classmethod
    def from_url(cls, url: str) -> _Postgres:
        parts = urlsplit(url)
        database = unquote(parts.path.lstrip("/"))
        if not database:
            raise BackupError("DATABASE_URL names no database (postgres://user@host:5432/NAME)")
        return cls(parts.hostname or "localhost", parts.port or 5432,
                   unquote(parts.username or ""), unquote(parts.password or ""), database)

    def where(self) -> str:
        return f"{self.host}:{self.port}/{self.database}"

    def env(self) -> dict[str, str]:
        env = {**os.environ, "PGHOST": self.host, "PGPORT": str(self.port),
               "PGDATABASE": self.database}
        if self.user:
            env["PGUSER"] = self.user
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    async def connect(self) -> Any:
        import asyncpg

        try:
            return await asyncpg.connect(host=self.host, port=self.port, database=self.database,
                                         user=self.user or None, password=self.password or None)
        except (OSError, asyncpg.PostgresError) as e:
            raise BackupError(f"cannot connect to PostgreSQL at {self.where()}: {e}") from None

    async def run(self, tool: str, *args: str, stdout: int = -1) -> str:
        """Run pg_dump or pg_restore against this database; its output ("" when ``stdout``
        is a file descriptor), or a BackupError with what it said on failure."""
        proc = await asyncio.create_subprocess_exec(
            pg_tool(tool), "--no-password", *args, env=self.env(),
            stdout=stdout if stdout >= 0 else asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate()
        if proc.returncode:
            said = err.decode(errors="replace").strip() or f"exit status {proc.returncode}"
            raise BackupError(f"{tool} failed: {said}")
        return (out or b"").decode(errors="replace")


def pg_tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest in Debian's /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found

    def major(path: str) -> int:
        m = re.search(r"/postgresql/(\d+)/", path)
        return int(m.group(1)) if m else 0

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=major)
    if candidates:
        return candidates[-1]
    raise BackupError(f"{name} was not found on PATH nor in /usr/lib/postgresql/*/bin: install "
                      "PostgreSQL's client programs (Debian: apt-get install postgresql-client), "
                      "of the server's major version or newer")


async def _postgres_contents(conn: Any) -> tuple[int, str] | None:
    """(applications, last migration), or None when the service's tables are not there."""
    if None in (await conn.fetchval("SELECT to_regclass('public.application')"),
                await conn.fetchval(f"SELECT to_regclass('public.{MIGRATIONS}')")):
        return None
    applications = await conn.fetchval("SELECT count(*) FROM public.application")
    migration = await conn.fetchval(
        f"SELECT name FROM public.{MIGRATIONS} ORDER BY id DESC LIMIT 1")
    return applications, migration or ""


async def _backup_postgres(pg: _Postgres, fd: int) -> tuple[int, str]:
    pg_tool("pg_dump")  # missing: say so before connecting
    conn = await pg.connect()
    try:
        # pg_dump reads the very snapshot this transaction counted in, while it stays open
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            contents = await _postgres_contents(conn)
            if contents is None:
                raise BackupError(f"{pg.where()} is not this service's database; "
                                  "run `python -m service migrate` first")
            await pg.run("pg_dump", "--format=custom", f"--snapshot={snapshot}",
                         "--dbname", pg.database, stdout=fd)
            return contents
    finally:
        await conn.close()


async def _restore_postgres(src: Path, pg: _Postgres) -> Copy:
    try:
        listing = await pg.run("pg_restore", "--list", str(src))
    except BackupError as e:
        raise BackupError(f"{src} is not a readable pg_dump file ({e}). "
                          "Nothing was changed.") from None
    in_backup = set(re.findall(r"^\d+; \d+ \d+ TABLE public (\S+) ", listing, re.M))
    if not {"application", MIGRATIONS} <= in_backup:
        raise BackupError(f"{src} is a pg_dump file but not a backup of this service. "
                          "Nothing was changed.")
    conn = await pg.connect()
    try:
        present = [r["tablename"] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        held = {}
        for table in present:
            if table != MIGRATIONS:
                quoted = table.replace('"', '""')
                n = await conn.fetchval(f'SELECT count(*) FROM public."{quoted}"')
                if n:
                    held[table] = n
        if held:
            raise _not_empty(held)
        newer = sorted(set(present) - in_backup)
        if newer:
            raise BackupError(f"{pg.where()} has tables the backup has not ({', '.join(newer)}): "
                              "it was migrated by a newer version. Nothing was changed. Restore "
                              "into a new database (createdb), then run `python -m service "
                              "migrate`.")
        # --clean: the empty tables a `migrate` may have made give way to the backup's; all
        # in one transaction, so a failure leaves the target as it was
        try:
            await pg.run("pg_restore", "--clean", "--if-exists", "--no-owner",
                         "--no-privileges", "--single-transaction", "--exit-on-error",
                         "--dbname", pg.database, str(src))
        except BackupError as e:
            raise BackupError(f"{e}. Nothing was changed (the restore is one transaction); "
                              "is the backup whole?") from None
        contents = await _postgres_contents(conn)
    finally:
        await conn.close()
    assert contents is not None  # the backup's tables were just restored
    return Copy(src, src.stat().st_size, *contents)
