"""Backups, as the operator takes and restores them, on SQLite and on PostgreSQL.

The drill: the real server takes a stream of applications; `python -m service backup` runs in
the middle of it; `restore` puts the file into an empty database; every application the
server acknowledged (201) before the backup began is there, and its applicant finds it on a
server started on the restored database with the same keys. Then what the operator must be
able to count on: the file is theirs alone (0600), personal fields are not readable in it,
a restore never goes over data or takes a file that is not a backup, and a failed backup
leaves the previous one in place.
"""

from __future__ import annotations

import os
import random
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from liveserver import drop_pg, free_port, get, post, query, scratch_pg, start, stored
from people import form
from testdb import PG_URL

from service.backup import BackupError, pg_tool
from service.config import ROOT

BACKENDS = ["sqlite", "postgres"]
LATEST = max(p.stem for p in (ROOT / "service/migrations").glob("0*.py"))


def _needs(backend: str) -> None:
    if backend == "postgres":
        if not PG_URL:
            pytest.skip("needs PostgreSQL (TEST_POSTGRES_URL)")
        try:
            pg_tool("pg_dump"), pg_tool("pg_restore")
        except BackupError as e:
            pytest.skip(str(e))


def _service(*args: str, db_url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service", *args], cwd=ROOT, text=True,
                          capture_output=True, env={**os.environ, "DATABASE_URL": db_url}, timeout=120)


class Scratch:
    """Empty databases of one kind; the PostgreSQL ones are dropped at the end."""

    def __init__(self, backend: str, where: Path) -> None:
        self.backend, self.where, self.made = backend, where, []

    def new(self, name: str) -> str:
        if self.backend == "sqlite":
            return f"sqlite://{self.where / f'{name}-{uuid.uuid4().hex[:6]}.sqlite3'}"
        url = scratch_pg("jy_backup_")
        self.made.append(url)
        return url

    def drop(self) -> None:
        for url in self.made:
            drop_pg(url)


@pytest.fixture
def scratch(request, tmp_path):
    params = request.node.callspec.params  # the test's own backend, or its drill's
    backend = params.get("backend") or params["drill"]
    made = Scratch(backend, tmp_path)
    yield made
    made.drop()


def _tables(db_url: str) -> set[str]:
    """The tables a database holds (none for a SQLite file that is not there)."""
    if db_url.startswith("sqlite://"):
        path = Path(db_url.removeprefix("sqlite://"))
        if not path.exists():
            return set()
        return {t for (t,) in query(db_url, "select name from sqlite_master where type='table'")}
    return {t for (t,) in query(db_url, "select tablename from pg_tables "
                                        "where schemaname = 'public'")}


def _phone() -> str:
    return f"13{random.randint(5, 9)}{random.randint(0, 10**8 - 1):08d}"


@dataclass
class Drill:
    backend: str
    live: str  # the database the server took the stream on
    backup: Path
    restored: str  # the empty database the backup went into
    before: dict[str, dict]  # reference -> body, for every 201 received before the backup
    during: int  # 201s received while the backup ran
    made: subprocess.CompletedProcess  # `backup`
    put: subprocess.CompletedProcess  # `restore`


@pytest.fixture(scope="module", params=BACKENDS)
def drill(request, tmp_path_factory):
    backend = request.param
    _needs(backend)
    if not (ROOT / "build/site/index.html").exists():
        pytest.skip("site not built: run `make site`")
    where = tmp_path_factory.mktemp(f"drill-{backend}")
    dbs = Scratch(backend, where)
    try:
        live, restored = dbs.new("live"), dbs.new("restored")
        port = free_port()
        url = f"http://127.0.0.1:{port}/api/applications"
        acknowledged: dict[str, dict] = {}
        lock, stop = threading.Lock(), threading.Event()

        def stream() -> None:
            while not stop.is_set():
                body = form(phone=_phone())
                status, answer = post(url, body, uuid.uuid4().hex)
                if status == 201:
                    with lock:
                        acknowledged[answer["reference"]] = body

        backup = where / "nightly" / "jiuyetong.backup"
        with open(where / "server.log", "wb") as log:
            server = start(live, port, log)
            threads = [threading.Thread(target=stream) for _ in range(4)]
            try:
                for t in threads:
                    t.start()
                deadline = time.monotonic() + 60
                while len(acknowledged) < 40 and time.monotonic() < deadline:
                    time.sleep(0.02)
                with lock:
                    before = dict(acknowledged)
                made = _service("backup", "--out", str(backup), db_url=live)
                with lock:
                    during = len(acknowledged) - len(before)
            finally:
                stop.set()
                for t in threads:
                    t.join()
                server.terminate()
                server.wait(timeout=20)
        assert len(before) >= 40, (where / "server.log").read_text()[-2000:]
        assert made.returncode == 0, made.stderr
        put = _service("restore", str(backup), db_url=restored)
        yield Drill(backend, live, backup, restored, before, during, made, put)
    finally:
        dbs.drop()


def test_every_application_acknowledged_before_the_backup_is_in_the_restore(drill):
    assert drill.put.returncode == 0, drill.put.stderr
    assert drill.during > 0  # the server took applications while the backup ran
    back = stored(drill.restored)
    assert len(back) == len(set(back))
    assert set(drill.before) - set(back) == set()
    print(f"{drill.backend}: {len(drill.before)} acknowledged before the backup, "
          f"{drill.during} while it ran; {len(back)} restored")


def test_backup_and_restore_say_how_many_applications_they_carried(drill):
    wrote = re.search(r"backup: wrote \S+ \(\d+(\.\d)? [KM]B, (\d+) application\(s\), "
                      r"migrations up to (\w+)\)", drill.made.stdout)
    assert wrote, drill.made.stdout
    back = len(stored(drill.restored))
    assert int(wrote.group(2)) == back and wrote.group(3) == LATEST
    assert f"{back} application(s) restored" in drill.put.stdout
    assert f"migrations up to {LATEST}" in drill.put.stdout


def test_an_applicant_finds_their_application_on_the_restored_service(drill, tmp_path):
    assert _service("migrate", db_url=drill.restored).returncode == 0
    reference, body = next(iter(drill.before.items()))
    port = free_port()
    with open(tmp_path / "server.log", "wb") as log:
        server = start(drill.restored, port, log)
        try:
            status, answer = get(f"http://127.0.0.1:{port}/api/applications/{reference}"
                                 f"?phone={body['phone']}")
        finally:
            server.terminate()
            server.wait(timeout=20)
    assert status == 200, answer
    assert answer["reference"] == reference and answer["status"] == "submitted"


def test_the_backup_file_is_readable_by_its_owner_only(drill):
    assert drill.backup.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in drill.backup.parent.iterdir()] == [drill.backup.name]


def test_personal_data_in_the_backup_is_not_readable(drill):
    """身份证号, phone and name are sealed in the backup. pg_dump compresses its tables, so the
    PostgreSQL file is read as pg_restore writes it out; the references, stored in the open,
    show that the search does see the rows."""
    held = drill.backup.read_bytes()
    if drill.backend == "postgres":
        held += subprocess.run([pg_tool("pg_restore"), "--file=-", str(drill.backup)],
                               capture_output=True, check=True).stdout
    for reference, body in drill.before.items():
        assert reference.encode() in held
        assert body["id_number"].encode() not in held
        assert body["phone"].encode() not in held
    assert "张三".encode() not in held


def test_restore_refuses_a_database_that_holds_applications_and_changes_nothing(drill):
    rows = "select reference, status, updated_at from application order by id"
    was = query(drill.live, rows)
    r = _service("restore", str(drill.backup), db_url=drill.live)
    assert r.returncode == 1
    assert "not empty" in r.stderr and "row(s) in application" in r.stderr
    assert "Nothing was changed" in r.stderr
    assert query(drill.live, rows) == was


def test_a_backup_cut_short_is_refused_and_the_target_stays_empty(drill, scratch, tmp_path):
    cut = tmp_path / "cut.backup"
    whole = drill.backup.read_bytes()
    cut.write_bytes(whole[: len(whole) // 2])
    target = scratch.new("target")
    r = _service("restore", str(cut), db_url=target)
    assert r.returncode == 1, r.stdout
    assert "Nothing was changed" in r.stderr, r.stderr
    assert _tables(target) == set()


def _backup_of_empty(backend: str, where: Path) -> Path:
    """This service's backup (of a migrated, empty database) from ``backend``."""
    dbs = Scratch(backend, where)
    try:
        db = dbs.new("source")
        assert _service("migrate", db_url=db).returncode == 0
        out = where / f"{backend}.backup"
        r = _service("backup", "--out", str(out), db_url=db)
        assert r.returncode == 0, r.stderr
        return out
    finally:
        dbs.drop()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_file_that_is_not_a_backup_for_this_database_is_refused(backend, scratch, tmp_path):
    _needs(backend)
    files = {"a text file": tmp_path / "notes.txt", "an empty file": tmp_path / "empty"}
    files["a text file"].write_text("这不是备份\n", "utf-8")
    files["an empty file"].write_bytes(b"")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("create table notes (body text)")
        conn.execute("insert into notes values ('hello')")
    conn.close()
    files["another program's SQLite database"] = other
    if backend == "postgres":
        files["a backup from SQLite"] = _backup_of_empty("sqlite", tmp_path)
        elsewhere = scratch.new("elsewhere")
        query(elsewhere, "create table notes (body text)")
        files["a pg_dump of another program's database"] = tmp_path / "other.pgdump"
        subprocess.run([pg_tool("pg_dump"), "-Fc", "-f", str(tmp_path / "other.pgdump"),
                        elsewhere], check=True)
    elif PG_URL:
        files["a backup from PostgreSQL"] = _backup_of_empty("postgres", tmp_path)
    target = scratch.new("target")
    for what, path in files.items():
        r = _service("restore", str(path), db_url=target)
        assert r.returncode == 1, what
        assert "Nothing was changed" in r.stderr, (what, r.stderr)
        assert _tables(target) == set(), what


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_backup_that_fails_leaves_the_previous_one_in_place(backend, tmp_path):
    _needs(backend)
    night = tmp_path / "nightly"
    night.mkdir()
    last = night / "jiuyetong.backup"
    last.write_bytes(b"last night's backup")
    gone = (f"sqlite://{tmp_path / 'moved-away.sqlite3'}" if backend == "sqlite"
            else PG_URL.rsplit("/", 1)[0] + f"/jy_gone_{uuid.uuid4().hex[:8]}")
    r = _service("backup", "--out", str(last), db_url=gone)
    assert r.returncode == 1
    assert "moved-away.sqlite3" in r.stderr or "does not exist" in r.stderr, r.stderr
    assert last.read_bytes() == b"last night's backup"
    assert [p.name for p in night.iterdir()] == ["jiuyetong.backup"]  # no half file beside it


def _last_migration(db_url: str) -> str:
    return query(db_url, "select name from tortoise_migrations order by id desc limit 1")[0][0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_backup_from_an_earlier_version_is_brought_forward_by_migrate(backend, scratch,
                                                                        tmp_path):
    _needs(backend)
    old, new = scratch.new("old"), scratch.new("new")
    r = subprocess.run([sys.executable, "-m", "tortoise", "-c", "service.db.TORTOISE_ORM",
                        "migrate", "models", "0004_campaigns"], cwd=ROOT, text=True,
                       capture_output=True, env={**os.environ, "DATABASE_URL": old}, timeout=120)
    assert r.returncode == 0, r.stderr
    made = _service("backup", "--out", str(tmp_path / "old.backup"), db_url=old)
    assert made.returncode == 0, made.stderr
    put = _service("restore", str(tmp_path / "old.backup"), db_url=new)
    assert put.returncode == 0, put.stderr
    assert "migrations up to 0004_campaigns" in put.stdout
    assert _last_migration(new) == "0004_campaigns"
    assert _service("migrate", db_url=new).returncode == 0
    assert _last_migration(new) == LATEST
