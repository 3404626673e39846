"""The command line and a real server process, as an operator runs them."""

from __future__ import annotations

import gzip
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from service.config import ROOT, ConfigError, Settings
from service.server import serve

PG_URL = os.environ.get("TEST_POSTGRES_URL", "").strip()


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service", *args], cwd=ROOT, text=True,
                          capture_output=True, env={**os.environ, **(env or {})}, timeout=120)


def test_several_workers_on_sqlite_are_refused_with_advice(capsys, tmp_path):
    settings = Settings.from_env({}, database_url=f"sqlite://{tmp_path / 'x.sqlite3'}")
    assert serve(settings, workers=2) == 2
    err = capsys.readouterr().err
    assert "PostgreSQL" in err and "DATABASE_URL=postgres://" in err


def test_production_refuses_the_development_secret():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({"JY_ENV": "production",
                           "PUBLIC_BASE_URL": "https://jy.example.cn"}).validate()
    ok = Settings.from_env({"JY_ENV": "production", "SECRET_KEY": "k" * 40,
                            "PUBLIC_BASE_URL": "https://jy.example.cn"}).validate()
    assert ok.production


def test_the_cli_refuses_production_without_a_secret():
    r = _run("check-content", env={"JY_ENV": "production", "SECRET_KEY": ""})
    assert r.returncode == 2 and "SECRET_KEY" in r.stderr


def test_migrate_prepares_a_fresh_sqlite_file_and_is_idempotent(tmp_path):
    db = tmp_path / "sub" / "jy.sqlite3"
    for _ in range(2):
        r = _run("migrate", env={"DATABASE_URL": f"sqlite://{db}"})
        assert r.returncode == 0, r.stderr
    tables = {t for (t,) in sqlite3.connect(db).execute(
        "select name from sqlite_master where type='table'")}
    assert {"tally", "tortoise_migrations"} <= tables


@pytest.mark.skipif(not PG_URL, reason="TEST_POSTGRES_URL not set")
def test_migrate_works_on_postgresql():
    for _ in range(2):
        r = _run("migrate", env={"DATABASE_URL": PG_URL})
        assert r.returncode == 0, r.stderr


def test_check_content_names_the_file_and_field(tmp_path):
    (tmp_path / "programs").mkdir()
    good = (ROOT / "content/programs/unemployment-insurance.md").read_text("utf-8")
    (tmp_path / "programs" / "unemployment-insurance.md").write_text(
        good.replace("grade: A\n", "grade: Z\n", 1), "utf-8")
    r = _run("check-content", env={"CONTENT_DIR": str(tmp_path)})
    assert r.returncode == 1
    assert "unemployment-insurance.md: sources[0].grade" in r.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, **headers: str):
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture(params=["sqlite"] + (["postgres"] if PG_URL else []))
def server(request, tmp_path):
    if not (ROOT / "build/site/index.html").exists():
        pytest.skip("site not built: run `make site`")
    port = _free_port()
    url = f"sqlite://{tmp_path / 'srv.sqlite3'}" if request.param == "sqlite" else PG_URL
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "service", "serve", "--port", str(port)],
                                cwd=ROOT, env={**os.environ, "DATABASE_URL": url},
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _get(base + "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        proc.wait()
        pytest.fail(log.read_text()[-2000:])
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def test_the_server_serves_the_chinese_home_page_and_the_api(server):
    status, headers, body = _get(server + "/")
    assert status == 200 and "就业通" in body.decode()
    assert headers["cache-control"] == "no-cache"
    status, _, body = _get(server + "/api/programs")
    assert status == 200 and b"unemployment-insurance" in body


def test_the_server_compresses_and_caches_hashed_assets(server):
    css = next((ROOT / "build/site/assets/stylesheets").glob("main.*.min.css"))
    status, headers, body = _get(f"{server}/assets/stylesheets/{css.name}",
                                 **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert "immutable" in headers["cache-control"]
    assert gzip.decompress(body) == css.read_bytes()


def test_the_server_shows_a_chinese_404_page(server):
    status, _, body = _get(server + "/no-such-page/")
    assert status == 404
    assert "404" in body.decode() and 'lang="zh' in body.decode()
