"""In-process cost of one submission: the ASGI app called directly, no HTTP in between.

    python loadtests/inproc_apply.py [--db sqlite|postgres] [-n 3000] [--runs 5]
                                     [-c 1] [--bare] [--tree DIR] [--profile [FILE]]

Builds the app (``app_from_env``, as a uvicorn worker does) on a scratch database of the
chosen kind, runs its lifespan, then sends ``-n`` submissions, every one a different person
with its own Idempotency-Key (the bodies of ``bench_apply.py``), and prints per submission
the wall time and this process's CPU time (for SQLite that includes the driver's thread; for
PostgreSQL the server's own work is in another process and not counted). ``-c`` keeps that
many submissions in flight at once (as wrk's connections do). ``--bare`` runs
``loadtests/bare_app.py`` instead; ``--tree DIR`` runs the service in DIR (an earlier version
checked out with ``git worktree add``) for a before/after on the same machine. With
``--profile`` one more run is made under cProfile and the top functions are printed (and the
stats saved to FILE for pstats/snakeviz). Instructions per submission, which the other engineers'
work on the machine does not change (``--callgrind``, 200 submissions take about a minute):

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/dev/null \
        python loadtests/inproc_apply.py -n 200 --runs 1 --callgrind
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from loadtests._bench import scratch_pg  # noqa: E402

PROGRAMS = ("startup-guarantee-loan", "flexible-social-insurance-subsidy",
            "graduate-internship", "subsidized-skills-training")
W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(k: int) -> str:
    """The bench's 身份证号 for person ``k`` (the same as bench_apply.py's Lua)."""
    first = (f"370481{1960 + k // 336000 % 40:04d}{k // 28000 % 12 + 1:02d}"
             f"{k // 1000 % 28 + 1:02d}{k % 1000:03d}")
    return first + "10X98765432"[sum(int(c) * w for c, w in zip(first, W, strict=True)) % 11]


def body(k: int) -> bytes:
    return (f'{{"program":"{PROGRAMS[k % 4]}","name":"张三","id_number":"{id_number(k)}",'
            '"phone":"13800138000","district":"tengzhou","consent":true,'
            '"answers":{"age":30,"residence":"hukou"}}').encode()


# ``python -m service migrate`` with the code in the current directory first
_MIGRATE = ("import sys; sys.path.insert(0, '.'); "
            "sys.meta_path[:] = [f for f in sys.meta_path if 'ditable' not in "
            "type(f).__name__ and 'ditable' not in getattr(f, '__name__', '')]; "
            "from service.__main__ import main; sys.exit(main(['migrate']))")




async def call(app, path: str, raw: bytes, key: str) -> int:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "server": ("127.0.0.1", 8000),
             "client": ("127.0.0.1", 40000),
             "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"),
                         (b"idempotency-key", key.encode()),
                         (b"content-length", str(len(raw)).encode())]}
    sent = False
    status = 0

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


CONCURRENCY = 1


async def drive(app, n: int, start: int, tag: str) -> tuple[float, float]:
    """(wall µs, CPU µs) per submission over ``n`` submissions, ``CONCURRENCY`` at a time.
    The bodies are made first: only the app's work is measured."""
    requests = [(body(k), f"inproc-{tag}-{k:09d}") for k in range(start, start + n)]

    async def one(first: int) -> None:
        for i in range(first, n, CONCURRENCY):
            raw, key = requests[i]
            status = await call(app, "/api/applications", raw, key)
            if status != 201:
                raise SystemExit(f"submission {start + i}: HTTP {status}")

    t0, c0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(i) for i in range(CONCURRENCY)))
    return ((time.perf_counter() - t0) / n * 1e6, (time.process_time() - c0) / n * 1e6)


async def main_async(args: argparse.Namespace, db_url: str) -> None:
    from asgi_lifespan import LifespanManager

    if args.bare:
        os.environ["BARE_DB"] = db_url
        from loadtests.bare_app import app
    else:
        os.environ.update(DATABASE_URL=db_url, LOG_LEVEL="warning",
                          SUBMIT_LIMIT="1000000000/600")
        from service.app import app_from_env
        app = app_from_env()
    async with LifespanManager(app):
        await drive(app, 300, 0, "warm")  # caches, the pool, the statement cache
        if args.callgrind:  # count the measured submissions only
            subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True,
                           stdout=subprocess.DEVNULL)
        walls, cpus = [], []
        for r in range(args.runs):
            wall, cpu = await drive(app, args.n, (r + 1) * 10**6, "run")
            walls.append(wall)
            cpus.append(cpu)
            print(f"run {r + 1}: {wall:7.0f} µs wall, {cpu:7.0f} µs CPU per submission",
                  flush=True)
        if args.callgrind:
            subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True,
                           stdout=subprocess.DEVNULL)
            print(f"callgrind: divide 'Collected' by {args.n * args.runs} submissions")
        print(f"median: {statistics.median(walls):7.0f} µs wall, "
              f"{statistics.median(cpus):7.0f} µs CPU   (best CPU {min(cpus):.0f})")
        if args.pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002, async_mode="disabled")
            profiler.start()
            await drive(app, args.n, 80 * 10**6, "pyi")
            profiler.stop()
            print(profiler.output_text(unicode=True, show_all=False, timeline=False))
        if args.profile is not None:
            prof = cProfile.Profile()
            prof.enable()
            await drive(app, args.n, 90 * 10**6, "prof")
            prof.disable()
            if args.profile:
                prof.dump_stats(args.profile)
            stats = pstats.Stats(prof).strip_dirs()
            stats.sort_stats("tottime").print_stats(35)
            stats.sort_stats("cumulative").print_stats(45)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("-n", type=int, default=3000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bare", action="store_true")
    ap.add_argument("--tree", type=Path, help="the service as checked out in this directory")
    ap.add_argument("--profile", nargs="?", const="", default=None, metavar="FILE")
    ap.add_argument("-c", "--concurrency", type=int, default=1,
                    help="submissions in flight at once (1: one after another)")
    ap.add_argument("--callgrind", action="store_true",
                    help="under valgrind --tool=callgrind --instr-atstart=no: instructions "
                         "are counted for the measured submissions only")
    ap.add_argument("--pyinstrument", action="store_true",
                    help="one more run under pyinstrument (pip install pyinstrument)")
    args = ap.parse_args()
    global CONCURRENCY
    CONCURRENCY = args.concurrency
    tree = (args.tree or HERE).resolve()
    if tree != HERE:  # the earlier version's code, not the installed (editable) package
        sys.meta_path[:] = [f for f in sys.meta_path if "ditable" not in type(f).__name__
                            and "ditable" not in getattr(f, "__name__", "")]
        os.environ["CONTENT_DIR"] = str(tree / "content")
        os.environ["SITE_DIR"] = str(HERE / "build" / "site")
    sys.path[:0] = [str(tree), str(HERE)]
    os.chdir(tree)
    tmp = Path(tempfile.mkdtemp())
    if args.db == "sqlite":
        from service.config import durable

        db_url = f"sqlite://{tmp / 'inproc.sqlite3'}"
        if args.bare:
            db_url = durable(db_url)
    else:
        db_url = scratch_pg("jy_inproc_bare" if args.bare else "jy_inproc")
    if not args.bare:
        subprocess.run([sys.executable, "-c", _MIGRATE],
                       cwd=tree, check=True, env={**os.environ, "DATABASE_URL": db_url},
                       stdout=subprocess.DEVNULL)
    asyncio.run(main_async(args, db_url))


if __name__ == "__main__":
    main()
