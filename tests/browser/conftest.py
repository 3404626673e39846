"""The phone experience in a real browser: Playwright driving Debian's Chromium.

One server for the session (``python -m service serve`` on a free port with a scratch SQLite
database, an admin, a Tengzhou reviewer and one QR campaign), one browser, and a fresh
browser context per test: a 360x640 phone with WeChat's user agent. A test fails when a page
asks any other host for anything.

Needs the built site (``make site``), ``playwright`` (pip) and a Chromium: /usr/bin/chromium
(Debian's ``chromium``, the version playwright 1.64 drives) or JY_CHROMIUM; without them these
tests are skipped with the reason. axe-core comes from npm (``npm ci``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from browserkit import ADMIN, PASSWORD, PROGRAM, REVIEWER, SITE, Server, chromium_path, open_phone

from service.config import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if not (SITE / "index.html").is_file():
        pytest.skip("site not built: run `make site` (make test does)")
    tmp = tmp_path_factory.mktemp("browser-server")
    port = _free_port()
    env = {**os.environ, "JY_ENV": "development", "DATABASE_URL": f"sqlite://{tmp / 'jy.sqlite3'}",
           "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "SITE_DIR": str(SITE),
           "LOG_LEVEL": "warning"}
    py = [sys.executable, "-m", "service"]
    subprocess.run([*py, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    setup = [[*py, "create-staff", "--username", ADMIN, "--password", PASSWORD, "--role", "admin"],
             [*py, "create-staff", "--username", REVIEWER, "--password", PASSWORD,
              "--role", "reviewer", "--district", "tengzhou"],
             [*py, "campaign", "create", "--name", "滕州村头宣传", "--kind", "village",
              "--district", "tengzhou", "--target", f"/guides/{PROGRAM}/", "--out", str(tmp / "qr")]]
    running = [subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for cmd in setup]
    outputs = [p.communicate(timeout=60) for p in running]
    for cmd, p, (out, err) in zip(setup, running, outputs):
        assert p.returncode == 0, f"{cmd}: {out}{err}"
    campaign = outputs[2][0].strip().splitlines()[-1].rsplit("/q/", 1)[1]

    base = f"http://127.0.0.1:{port}"
    with (tmp / "server.log").open("wb") as log:
        proc = subprocess.Popen([*py, "serve", "--port", str(port)], env=env, cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while not _up(base + "/healthz"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start:\n"
                                       + (tmp / "server.log").read_text(errors="replace"))
                time.sleep(0.1)
            yield Server(base=base, campaign=campaign)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium here: install Debian's `chromium` package (or set JY_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed: pip install -e '.[test]'")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-features=Translate,OptimizationHints,MediaRouter",
            # Nothing can actually leave this machine; the `phone` fixture names what tried.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"])
        yield b
        b.close()


@pytest.fixture
def phone(browser, server):
    p = open_phone(browser, server)
    yield p
    p.context.close()
    assert not p.foreign(), f"requests to other hosts: {p.foreign()}"


@pytest.fixture
def page(phone):
    return phone.new_page()
