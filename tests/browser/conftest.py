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
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browserkit import ADMIN, PASSWORD, PROGRAM, REVIEWER, SITE, Server, chromium_path, open_phone

from service.config import ROOT


def pytest_collection_modifyitems(items):
    """The browser tests run last. While it is open, Playwright's sync API keeps its event
    loop set as this thread's running loop, and pytest-asyncio then cannot start one for an
    async test; so the session's browser must start after every async test has run."""
    here = Path(__file__).parent
    items.sort(key=lambda item: item.path.is_relative_to(here))   # stable: order kept otherwise


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
def _booting(tmp_path_factory):
    """Starts the server and makes its accounts and campaign; `server` waits for it, so the
    browser starts meanwhile."""
    if not (SITE / "index.html").is_file():
        pytest.skip("site not built: run `make site` (make test does)")
    if chromium_path() is None:
        pytest.skip("no Chromium here: install Debian's `chromium` package (or set JY_CHROMIUM)")
    pytest.importorskip("playwright.sync_api",
                        reason="playwright is not installed: pip install -e '.[test]'")
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
    with (tmp / "server.log").open("wb") as log:
        proc = subprocess.Popen([*py, "serve", "--port", str(port)], env=env, cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT)
        running: list[subprocess.Popen] = []
        try:
            running = [subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True) for cmd in setup]
            yield proc, f"http://127.0.0.1:{port}", tmp / "server.log", list(zip(setup, running, strict=True))
        finally:
            for p in running:          # reaped even when no test got as far as using them
                if p.poll() is None:
                    p.kill()
                p.communicate()
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def server(_booting):
    proc, base, log, setup = _booting
    outputs = []
    for cmd, p in setup:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, f"{cmd}: {out}{err}"
        outputs.append(out)
    campaign = outputs[2].strip().splitlines()[-1].rsplit("/q/", 1)[1]
    admin_totp = re.search(r"otpauth://\S*secret=([A-Z2-7]+)", outputs[0]).group(1)
    deadline = time.monotonic() + 30
    while not _up(base + "/healthz"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the server did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.1)
    return Server(base=base, campaign=campaign, admin_totp=admin_totp)


@pytest.fixture(scope="session")
def browser(_booting):
    from playwright.sync_api import sync_playwright  # _booting skipped where it is missing

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-features=Translate,OptimizationHints,MediaRouter",
            # Nothing can actually leave this machine; the `phone` fixture names what tried.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"])
        yield b
        b.close()


def _phone(browser, server, service_workers: str):
    p = open_phone(browser, server, service_workers=service_workers)
    yield p
    p.context.close()
    assert not p.foreign(), f"requests to other hosts: {p.foreign()}"


@pytest.fixture
def phone(browser, server):
    """A phone whose browser keeps no offline copies (faster, and the same pages)."""
    yield from _phone(browser, server, "block")


@pytest.fixture
def phone_sw(browser, server):
    """A phone with the site's service worker, as in WeChat: offline copies, the outbox."""
    yield from _phone(browser, server, "allow")


@pytest.fixture
def page(phone):
    return phone.new_page()
