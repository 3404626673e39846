"""A job-fair rehearsal on a scratch database: `make loadtest` and the CI smoke.

    python loadtests/rehearsal.py [--seconds 40] [--users 60] [--spawn-rate 20]
                                  [--db sqlite|postgres] [--workers N] [--think 0.1]
                                  [--nginx] [--locust-workers K] [--pin] [--hold]

Creates a scratch database (SQLite in a temporary directory, or a fresh PostgreSQL database
jy_rehearsal), migrates it, creates an admin to review and a job fair's QR campaign (its
poster points at the self-check), starts `python -m service serve` with a random
LOADTEST_KEY on a private copy of build/site, runs loadtests/locustfile.py headless against
it (CSV and HTML reports in build/loadtest/), stops the server, prints a summary per
endpoint and the server's CPU time, and exits with locust's exit code (1 when the
thresholds in the locustfile were passed).

The production shape (deploy/): ``--nginx`` puts Debian's nginx, rendered from
deploy/nginx/ for this build, in front of the workers (and, with ``--db postgres``, Redis
for the shared limits when it answers on 127.0.0.1:6379); before the load it checks that
pages go out precompressed as built and with the security headers. ``--locust-workers K``
runs locust distributed, a master and K worker processes (README: workers on other
machines). ``--pin`` keeps the server side (workers and nginx) on the first half of the CPUs
and the load generator on the rest (taskset), so that the figures are the server's; on by
default with ``--nginx``. ``--hold`` brings the shape up and keeps it until Ctrl-C, for
trying it by hand (``make stack``).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
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


def cpu_seconds(*pids: int) -> float:
    """CPU time used so far by the server side: the processes and their children (psutil
    comes with locust)."""
    import psutil

    total = 0.0
    for pid in pids:
        procs = [psutil.Process(pid)]
        procs += procs[0].children(recursive=True)
        total += sum(t.user + t.system for t in (p.cpu_times() for p in procs))
    return total


def cpu_split(pin: bool) -> tuple[list[str], list[str]]:
    """taskset prefixes for the server side and for the load generator: the first half of
    the CPUs and the rest, or nothing when not pinning."""
    cpus = sorted(os.sched_getaffinity(0))
    if not pin or len(cpus) < 2 or shutil.which("taskset") is None:
        return [], []
    half = len(cpus) // 2
    as_list = lambda some: ",".join(map(str, some))  # noqa: E731
    return (["taskset", "-c", as_list(cpus[:half])], ["taskset", "-c", as_list(cpus[half:])])


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def check_front(base: str, site: Path) -> None:
    """What nginx must keep: pages as compressed at build time, the service's headers."""
    req = urllib.request.Request(base + "/", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=5) as r:
        body, headers = r.read(), r.headers
    problems = []
    if headers.get("Content-Encoding") != "gzip" or body != (site / "index.html.gz").read_bytes():
        problems.append("the home page is not sent as its precompressed file")
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                 "Referrer-Policy", "Permissions-Policy", "Cache-Control"):
        if not headers.get(name):
            problems.append(f"no {name} header")
    if problems:
        sys.exit("nginx front: " + "; ".join(problems))
    print("nginx front: pages precompressed as built, security headers intact", flush=True)


def start_nginx(scratch: Path, site: Path, upstream: str, prefix_cmd: list[str]
                ) -> tuple[subprocess.Popen, int]:
    sys.path.insert(0, str(ROOT))
    from service.deploy import NginxSite, rehearsal_nginx

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        sys.exit("nginx is not installed: deploy/apt-install nginx (or apt-get install nginx)")
    port = free_port()
    prefix = scratch / "nginx"
    conf = rehearsal_nginx(prefix, NginxSite(
        site_dir=site, upstreams=[upstream], listen=f"127.0.0.1:{port}",
        access_log=str(prefix / "access.log"),
        # one address sends everything here: the flood limit would measure itself
        submit_rate="10000r/s", submit_burst=10000, conn_per_address=65535))  # nginx allows no more
    # what nginx says before its own error log opens (a bad directive) goes there too
    with (prefix / "error.log").open("ab") as startup:
        proc = subprocess.Popen([*prefix_cmd, nginx, "-p", str(prefix), "-c", str(conf)],
                                stdout=startup, stderr=subprocess.STDOUT)
    return proc, port


def percentile(times: dict[str, int], share: float) -> int:
    """The response time (ms, as locust buckets it) that ``share`` of the requests kept under."""
    total, seen = sum(times.values()), 0
    for ms, count in sorted((int(k), n) for k, n in times.items()):
        seen += count
        if seen >= share * total:
            return ms
    return 0


def summary(stats_json: Path, seconds: int) -> dict[str, int | float]:
    """Per endpoint, from locust's final statistics (its CSV is a snapshot taken each second);
    returns the totals (for run-summary.json)."""
    if not stats_json.exists():
        print("no statistics were written")
        return {}
    entries = sorted(json.loads(stats_json.read_text()), key=lambda e: e["name"])
    everything: Counter[str] = Counter()
    rows = []
    for e in entries:
        everything.update(e["response_times"])
        rows.append((f"{e['method']} {e['name']}", e["num_requests"], e["num_failures"],
                     e["response_times"]))
    rows.append(("Aggregated", sum(r[1] for r in rows), sum(r[2] for r in rows), everything))
    print(f"\n{'endpoint':<62} {'reqs':>6} {'fails':>5} {'rps':>6} {'p50':>5} {'p95':>5}  (ms)")
    for name, requests, failures, times in rows:
        print(f"{name[:62]:<62} {requests:>6} {failures:>5} {requests / seconds:>6.1f} "
              f"{percentile(times, 0.5):>5} {percentile(times, 0.95):>5}")
    api = [r for r in rows[:-1] if " /api/" in r[0]]
    api_times: Counter[str] = Counter()
    for r in api:
        api_times.update(r[3])
    return {"requests": rows[-1][1], "failures": rows[-1][2],
            "p50_ms": percentile(everything, 0.5), "p95_ms": percentile(everything, 0.95),
            "rps": rows[-1][1] / seconds, "api_rps": sum(r[1] for r in api) / seconds,
            "api_p95_ms": percentile(api_times, 0.95)}


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
    p.add_argument("--nginx", action="store_true",
                   help="through nginx rendered from deploy/ (Debian's nginx)")
    p.add_argument("--locust-workers", type=int, default=0,
                   help="run locust distributed: a master and this many worker processes")
    p.add_argument("--pin", action=argparse.BooleanOptionalAction, default=None,
                   help="server side and load generator on different CPUs (default: with "
                        "--nginx)")
    p.add_argument("--hold", action="store_true",
                   help="no load: bring the shape up and keep it until Ctrl-C")
    args = p.parse_args()
    pin = args.nginx if args.pin is None else args.pin
    server_cpus, load_cpus = cpu_split(pin)

    if not (ROOT / "build" / "site" / "index.html").exists():
        sys.exit("the static site is not built: run `make site` first")
    if importlib.util.find_spec("locust") is None:
        sys.exit(f"locust is not installed in {sys.executable}: pip install -e '.[load]'")
    OUT.mkdir(parents=True, exist_ok=True)
    pg_url = fresh_postgres(args.postgres) if args.db == "postgres" else None
    scratch = Path(tempfile.mkdtemp(prefix="jy-rehearsal-"))
    # a private copy of the site: a `make site` during the run cannot turn pages into 404s
    shutil.copytree(ROOT / "build" / "site", scratch / "site")
    db_url = pg_url or f"sqlite://{scratch / 'rehearsal.sqlite3'}"
    password = f"Jy!{secrets.token_urlsafe(18)}7a"
    env = {**os.environ, "DATABASE_URL": db_url, "LOADTEST_KEY": secrets.token_urlsafe(24),
           "SITE_DIR": str(scratch / "site"), "LOG_LEVEL": "warning"}
    if args.nginx and args.db == "postgres" and redis_answers():
        env["REDIS_URL"] = "redis://127.0.0.1:6379/15"  # limits shared by the workers
    if args.nginx:
        scratch.chmod(0o755)  # nginx's own workers (user nobody) read the site copy
    server, front, server_cpu = None, None, 0.0
    shape = ""
    locust_workers: list[subprocess.Popen] = []
    try:
        run(["-m", "service", "migrate"], env)
        # reviewers, as at a real fair (an admin would need a second factor, and each of
        # its codes works once): one reviewer per 50 visitors, and an account keeps at most
        # 5 sessions, so one account per 4 reviewers
        reviewers = [f"rehearsal{i or ''}" for i in range(args.users // 200 + 1)]
        for username in reviewers:
            run(["-m", "service", "create-staff", "--username", username, "--password",
                 password, "--role", "reviewer", "--district", "tengzhou"], env)
        link = subprocess.run(  # a job fair's campaign: its poster and labels in the scratch dir
            [sys.executable, "-m", "service", "campaign", "create", "--name", "招聘会演练",
             "--kind", "job_fair", "--target", "/check/", "--out", str(scratch / "campaign")],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout.strip()
        port = free_port()
        log = OUT / "server.log"
        server = subprocess.Popen(
            [*server_cpus, sys.executable, "-m", "service", "serve", "--port", str(port),
             "--workers", str(args.workers)],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        wait_healthy(port, server, log)
        target_port = port
        if args.nginx:
            front, target_port = start_nginx(scratch, scratch / "site", f"127.0.0.1:{port}",
                                             server_cpus)
            wait_healthy(target_port, front, scratch / "nginx" / "error.log")
            check_front(f"http://127.0.0.1:{target_port}", scratch / "site")
        host = f"http://127.0.0.1:{target_port}"
        shape = (f"{'nginx -> ' if args.nginx else ''}{args.workers} worker(s) on {args.db}"
                 f"{' + Redis' if 'REDIS_URL' in env else ''}")
        pinned = (f"; server side on CPU {server_cpus[-1]}, load on CPU {load_cpus[-1]}"
                  if server_cpus else "")
        if args.hold:
            print(f"{shape} on {host}{pinned}\nstaff console: {host}/staff/ (rehearsal / "
                  f"{password}); a job fair's QR: {host}/q/{link.rsplit('/', 1)[-1]}\n"
                  "Ctrl-C stops it and deletes the scratch database", flush=True)
            try:
                server.wait()
            except KeyboardInterrupt:
                pass
            return 0
        print(f"rehearsal: {shape}, {args.users} users (+{args.spawn_rate}/s) for "
              f"{args.seconds} s, think x{args.think}, "
              f"{args.locust_workers or 'no'} locust workers, on {host}{pinned}", flush=True)
        locust_env = {**env, "LOADTEST_STAFF_USER": ",".join(reviewers),
                      "LOADTEST_GENERATORS": str(args.locust_workers or 1),
                      "LOADTEST_STAFF_PASSWORD": password,
                      "LOADTEST_CAMPAIGN": link.rsplit("/", 1)[-1],
                      "LOADTEST_THINK": str(args.think)}
        locust_cmd = [*load_cpus, sys.executable, "-m", "locust", "-f", "loadtests/locustfile.py"]
        distributed: list[str] = []
        if args.locust_workers:
            master_port = free_port()
            distributed = ["--master", "--master-bind-port", str(master_port),
                           "--expect-workers", str(args.locust_workers)]
            locust_workers = [
                subprocess.Popen([*locust_cmd, "--worker", "--master-port", str(master_port)],
                                 cwd=ROOT, env={**locust_env, "LOADTEST_GENERATOR": str(i)},
                                 stdout=subprocess.DEVNULL,
                                 stderr=(OUT / f"locust-worker-{i}.log").open("w"))
                for i in range(args.locust_workers)]
        cpu_before = cpu_seconds(*[p.pid for p in (server, front) if p])
        locust = subprocess.run(
            [*locust_cmd, *distributed, "--headless",
             "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s",
             "--host", host, "--only-summary",
             "--csv", str(OUT / "run"), "--html", str(OUT / "report.html"),
             "--json-file", str(OUT / "run")],
            cwd=ROOT, env=locust_env)
        server_cpu = cpu_seconds(*[p.pid for p in (server, front) if p]) - cpu_before
    finally:
        for proc in (*locust_workers, front, server):
            if proc is None:
                continue
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(scratch, ignore_errors=True)
        if args.db == "postgres":
            fresh_postgres(args.postgres, drop_only=True)
    totals = summary(OUT / "run.json", args.seconds)
    (OUT / "run-summary.json").write_text(json.dumps({
        "shape": shape, "users": args.users, "seconds": args.seconds, "think": args.think,
        "locust_workers": args.locust_workers, "pinned": bool(server_cpus),
        "server_cpu_share": round(server_cpu / args.seconds, 3),
        "exit_code": locust.returncode, **totals}, indent=2))
    print(f"server CPU: {server_cpu:.1f} s during the {args.seconds} s run "
          f"({server_cpu / args.seconds:.0%} of a core; near 100% per worker is saturation"
          f"{', nginx included' if args.nginx else ''})")
    print(f"\nreports: {OUT.relative_to(ROOT)}/report.html, run.json, run_*.csv; server log: "
          f"{OUT.relative_to(ROOT)}/server.log; locust exit code {locust.returncode}")
    return locust.returncode


if __name__ == "__main__":
    sys.exit(main())
