"""Shared harness for the benchmarks: start servers, drive them with wrk, compare in one run.

Each benchmark alternates many short wrk rounds between the bare-stack baseline and
Jiuyetong, so machine noise hits both sides alike, and reports the ratio of the medians.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need_wrk() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk: apt-get install wrk")


def migrate(db_url: str) -> None:
    subprocess.run([sys.executable, "-m", "service", "migrate"], cwd=ROOT, check=True,
                   env={**os.environ, "DATABASE_URL": db_url}, stdout=subprocess.DEVNULL)


def start(app: str, env: dict, port: int, probe: str = "/healthz") -> subprocess.Popen:
    """A one-worker uvicorn server; returns once ``probe`` answers (any HTTP status)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--log-level", "warning",
         "--no-access-log", *(["--factory"] if "from_env" in app else [])],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=1)
            return proc
        except urllib.error.HTTPError:
            return proc  # it answered
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{app} did not start")


def wrk(port: int, path: str, script: Path | None, seconds: int, connections: int = 32,
        redirects: bool = False) -> float:
    """Requests per second; any error (or, unless ``redirects``, any non-2xx) fails the run."""
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
                          *(["-s", str(script)] if script else []),
                          f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, check=True).stdout
    if ("Non-2xx" in out and not redirects) or "Socket errors" in out:
        raise SystemExit(f"errors during the run:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def alternate(label: str, rounds: int, bare: Callable[[], float], ours: Callable[[], float],
              names: tuple[str, str] = ("bare rps", "ours rps")) -> float:
    """Run both sides ``rounds`` times, alternating; print each round; return the ratio."""
    print(f"{'mix':9} {'round':>5} {names[0]:>9} {names[1]:>9} {'ratio':>6}")
    bare_rates, our_rates = [], []
    for r in range(rounds):
        b, o = bare(), ours()
        bare_rates.append(b)
        our_rates.append(o)
        print(f"{label:9} {r + 1:>5} {b:>9.0f} {o:>9.0f} {o / b:>6.2f}", flush=True)
    b, o = statistics.median(bare_rates), statistics.median(our_rates)
    print(f"{label:9} median {b:>9.0f} {o:>9.0f} {o / b:>6.2f}  <- ratio of medians")
    return o / b
