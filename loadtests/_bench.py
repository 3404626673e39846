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

PG = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")

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


# Runs uvicorn on the code in the current directory rather than the installed (editable)
# package: for a side that is an earlier version of the service (see ``worktree``).
_HERE_FIRST = ("import sys; sys.path.insert(0, '.'); "
               "sys.meta_path[:] = [f for f in sys.meta_path if 'ditable' not in "
               "type(f).__name__ and 'ditable' not in getattr(f, '__name__', '')]; "
               "import uvicorn.main; sys.argv[0] = 'uvicorn'; uvicorn.main.main()")


# With ``pin_cpus()``: the servers on the first half of the CPUs, wrk on the rest (taskset),
# so that a figure is what one core of server gives, not a share fought over with wrk.
_SERVER_CPUS: list[str] = []
_LOAD_CPUS: list[str] = []


def pin_cpus() -> str:
    """Pin what starts from now on; returns a line saying how."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or not shutil.which("taskset"):
        return "not pinned (needs 2 CPUs and taskset)"
    half = len(cpus) // 2
    server, load = ",".join(map(str, cpus[:half])), ",".join(map(str, cpus[half:]))
    _SERVER_CPUS[:] = ["taskset", "-c", server]
    _LOAD_CPUS[:] = ["taskset", "-c", load]
    return f"servers pinned to CPU {server}, wrk to CPU {load}"


def start(app: str, env: dict, port: int, probe: str = "/healthz",
          cwd: Path = ROOT) -> subprocess.Popen:
    """A one-worker uvicorn server; returns once ``probe`` answers (any HTTP status).
    With ``cwd``, the service is the code there (an earlier version, say)."""
    runner = ["-m", "uvicorn"] if cwd == ROOT else ["-c", _HERE_FIRST]
    proc = subprocess.Popen(
        [*_SERVER_CPUS, sys.executable, *runner, app, "--port", str(port),
         "--log-level", "warning",
         "--no-access-log", *(["--factory"] if "from_env" in app else [])],
        cwd=cwd, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
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


def worktree(ref: str, where: Path) -> Path:
    """A checkout of ``ref`` (a commit, a tag) beside the repository, for a same-run
    comparison with an earlier version; its site is the current build."""
    subprocess.run(["git", "worktree", "add", "--detach", "--force", str(where), ref],
                   cwd=ROOT, check=True, capture_output=True)
    return where


def drop_worktree(where: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(where)], cwd=ROOT,
                   capture_output=True)


class Earlier:
    """An earlier version of the service (``--against REF``) as a third server, on its own
    content and today's built site, for a before/after in the same run."""

    def __init__(self, ref: str, where: Path, env: dict) -> None:
        self.where, self.port = where, free_port()
        old = worktree(ref, where)
        self.proc = start("service.app:app_from_env",
                          {**env, "CONTENT_DIR": str(old / "content"),
                           "SITE_DIR": str(ROOT / "build" / "site")}, self.port, cwd=old)

    def stop(self) -> None:
        self.proc.terminate()
        drop_worktree(self.where)


# The number of requests the last ``wrk`` run completed (for CPU time per request).
LAST_REQUESTS = [0]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time these processes have used so far (0 for one that is gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (backends included)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().split(" ", 2)[1] == "(postgres)":
                pids.append(int(stat.parent.name))
        except OSError:
            continue
    return pids


def wrk(port: int, path: str, script: Path | None, seconds: int, connections: int = 32,
        redirects: bool = False) -> float:
    """Requests per second; any error (or, unless ``redirects``, any non-2xx) fails the run."""
    out = subprocess.run([*_LOAD_CPUS, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
                          *(["-s", str(script)] if script else []),
                          f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, check=True).stdout
    if ("Non-2xx" in out and not redirects) or "Socket errors" in out:
        raise SystemExit(f"errors during the run:\n{out}")
    LAST_REQUESTS[0] = int(re.search(r"(\d+) requests in", out).group(1))
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


def scratch_pg(name: str) -> str:
    """A fresh PostgreSQL database for one side of the run."""
    import asyncio

    import asyncpg

    async def make() -> None:
        conn = await asyncpg.connect(PG)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(make())
    return PG.rsplit("/", 1)[0] + f"/{name}"
