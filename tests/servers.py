"""The real server as a subprocess, and nginx in front of it as deploy/ renders it."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # the 3xx itself is the answer


_OPENER = urllib.request.build_opener(_NoRedirect)


def get(url: str, data: bytes | None = None, method: str | None = None, **headers: str):
    """(status, headers with lower-case names, body) of one request, redirects not
    followed; never raises on an HTTP error."""
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with _OPENER.open(req, timeout=5) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def wait_for(url: str, proc: subprocess.Popen, log: Path | None, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if get(url)[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    proc.kill()
    proc.wait()
    pytest.fail(f"{url} did not answer" + (f":\n{log.read_text()[-2000:]}" if log else ""))


def needs_site() -> None:
    if not (ROOT / "build/site/index.html").exists():
        pytest.skip("site not built: run `make site`")


@contextlib.contextmanager
def served(env: dict[str, str], log: Path | None = None,
           args: tuple[str, ...] = ()) -> Iterator[str]:
    """``python -m service serve`` with ``env`` on a free port; yields its base URL."""
    needs_site()
    port = free_port()
    out = open(log, "wb") if log else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port), *args],
            cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    finally:
        if log:
            out.close()  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/healthz", proc, log)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextlib.contextmanager
def nginx_front(prefix: Path, upstream: str, **site: object) -> Iterator[str]:
    """Debian's nginx with deploy/'s site in front of ``upstream`` (host:port); yields its
    base URL. Skips where nginx is not installed (`apt-get install nginx`)."""
    from service.deploy import NginxSite, rehearsal_nginx

    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if nginx is None:
        pytest.skip("nginx not installed (apt-get install nginx)")
    port = free_port()
    conf = rehearsal_nginx(prefix, NginxSite(
        site_dir=ROOT / "build" / "site", upstreams=[upstream], listen=f"127.0.0.1:{port}",
        access_log=str(prefix / "access.log"), **site))  # type: ignore[arg-type]
    proc = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/healthz", proc, prefix / "error.log", seconds=20)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
