"""A job-fair rehearsal on a scratch database: `make loadtest` and the CI smoke.

    python loadtests/rehearsal.py [--seconds 40] [--users 60] [--spawn-rate 20]
                                  [--db sqlite|postgres] [--workers N] [--think 0.1]

Creates a scratch database (SQLite in a temporary directory, or a fresh PostgreSQL database
jy_rehearsal), migrates it, creates an admin to review, starts `python -m service serve` with
a random LOADTEST_KEY, runs loadtests/locustfile.py headless against it (CSV and HTML reports
in build/loadtest/), stops the server, prints a summary per endpoint and exits with locust's
exit code (1 when the SLO gate in the locustfile failed).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import importlib.util
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "loadtest"
PG_DB = "jy_rehearsal"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args: list[str], env: dict) -> None:
    subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def fresh_postgres(server: str, drop_only: bool = False) -> str:
    """(Re)create the scratch database on ``server`` (postgres://user@host:port/)."""
    import asyncpg  # the service's own PostgreSQL driver

    async def work() -> None:
        conn = await asyncpg.connect(server.rstrip("/") + "/postgres")
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            if not drop_only:
                await conn.execute(f"CREATE DATABASE {PG_DB}")
        finally:
            await conn.close()

    asyncio.run(work())
    return server.rstrip("/") + f"/{PG_DB}"


def wait_healthy(port: int, server: subprocess.Popen, log: Path) -> None:
    for _ in range(300):
        if server.poll() is not None:
            sys.exit(f"the server exited ({server.returncode}):\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("the server did not answer /healthz within 30 s")


def summary(stats_csv: Path, seconds: int) -> None:
    if not stats_csv.exists():
        print("no statistics were written")
        return
    rows = list(csv.DictReader(stats_csv.open()))
    print(f"\n{'endpoint':<62} {'reqs':>6} {'fails':>5} {'rps':>6} {'p50':>5} {'p95':>5}  (ms)")
    for row in rows:
        name = row["Name"] if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        print(f"{name[:62]:<62} {row['Request Count']:>6} {row['Failure Count']:>5} "
              f"{float(row['Requests/s']):>6.1f} {row['50%']:>5} {row['95%']:>5}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=int, default=40)
    p.add_argument("--users", type=int, default=60)
    p.add_argument("--spawn-rate", type=float, default=20)
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/",
                   help="the PostgreSQL server for --db postgres")
    p.add_argument("--workers", type=int, default=1, help="server workers (PostgreSQL only)")
    p.add_argument("--think", type=float, default=0.1,
                   help="think-time factor (1 = people at a fair; the default compresses a "
                        "journey into seconds so a short run covers whole journeys)")
    args = p.parse_args()

    if not (ROOT / "build" / "site" / "index.html").exists():
        sys.exit("the static site is not built: run `make site` first")
    if importlib.util.find_spec("locust") is None:
        sys.exit(f"locust is not installed in {sys.executable}: pip install -e '.[load]'")
    OUT.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="jy-rehearsal-"))
    # a private copy of the site: a `make site` during the run cannot turn pages into 404s
    shutil.copytree(ROOT / "build" / "site", scratch / "site")
    db_url = (fresh_postgres(args.postgres) if args.db == "postgres"
              else f"sqlite://{scratch / 'rehearsal.sqlite3'}")
    password = f"Jy!{secrets.token_urlsafe(18)}7a"
    env = {**os.environ, "DATABASE_URL": db_url, "LOADTEST_KEY": secrets.token_urlsafe(24),
           "SITE_DIR": str(scratch / "site"), "LOG_LEVEL": "warning"}
    server = None
    try:
        run(["-m", "service", "migrate"], env)
        run(["-m", "service", "create-staff", "--username", "rehearsal", "--password", password,
             "--role", "admin"], env)
        port = free_port()
        log = OUT / "server.log"
        server = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port),
             "--workers", str(args.workers)],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        wait_healthy(port, server, log)
        print(f"rehearsal: {args.db}, {args.workers} worker(s), {args.users} users "
              f"(+{args.spawn_rate}/s) for {args.seconds} s, think x{args.think}, "
              f"on http://127.0.0.1:{port}", flush=True)
        locust = subprocess.run(
            [sys.executable, "-m", "locust", "-f", "loadtests/locustfile.py", "--headless",
             "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s",
             "--host", f"http://127.0.0.1:{port}", "--only-summary",
             "--csv", str(OUT / "run"), "--html", str(OUT / "report.html")],
            cwd=ROOT, env={**env, "LOADTEST_STAFF_USER": "rehearsal",
                           "LOADTEST_STAFF_PASSWORD": password,
                           "LOADTEST_THINK": str(args.think)})
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(scratch, ignore_errors=True)
        if args.db == "postgres":
            fresh_postgres(args.postgres, drop_only=True)
    summary(OUT / "run_stats.csv", args.seconds)
    print(f"\nreports: {OUT.relative_to(ROOT)}/report.html, run_*.csv; server log: "
          f"{OUT.relative_to(ROOT)}/server.log; locust exit code {locust.returncode}")
    return locust.returncode


if __name__ == "__main__":
    sys.exit(main())
