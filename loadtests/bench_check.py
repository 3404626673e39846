"""Benchmark: POST /api/check against a bare Starlette JSON endpoint, in the same run.

    python loadtests/bench_check.py [--seconds 3] [--rounds 9]

Starts two uvicorn servers (one worker each) on 127.0.0.1 — the bare app
(loadtests/bare_app.py) and Jiuyetong on a scratch SQLite file — and drives both with wrk
(Debian package `wrk`), alternating many short rounds so machine noise hits both alike, and
reports the ratio of the two sides' median rates. Two bodies mixes:

- "crowd": the answer sets that 300 simulated people send while answering question by
  question (what a job fair looks like: many identical early answers);
- "distinct": every request a different complete answer set (the engine's cold path).

Prints requests/s and the ratio to the bare endpoint (goal: at least 0.5).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app: str, env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--log-level", "warning",
         "--no-access-log", *(["--factory"] if "from_env" in app else [])],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/check", timeout=1)
        except urllib.error.HTTPError:
            return proc  # 405 for GET: the server is up
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{app} did not start")


def bodies(kind: str) -> list[str]:
    from test_engine import YEAR, _persona  # the same simulated people as the tests

    from service import engine
    from service.catalog import load_catalog

    rng = random.Random(7)
    catalog = load_catalog(ROOT / "content")
    out = []
    if kind == "crowd":
        for _ in range(300):
            p, answers = _persona(rng), {}
            out.append(json.dumps({"answers": dict(answers)}))
            while (f := engine.next_question(catalog.rules(), answers, YEAR)) is not None:
                answers[f] = p[f]
                out.append(json.dumps({"answers": dict(answers)}))
    else:
        for _ in range(20000):
            p = _persona(rng)
            p["age"] = rng.randint(16, 70)
            p["ui_years"] = rng.randint(0, 30)
            out.append(json.dumps({"answers": p}))
    return out


LUA = """
local bodies = {}
for line in io.lines("%s") do bodies[#bodies + 1] = line end
local i = 0
request = function()
  i = i %% #bodies + 1
  return wrk.format("POST", "/api/check", {["Content-Type"] = "application/json"}, bodies[i])
end
"""


def wrk(port: int, script: Path, seconds: int) -> float:
    out = subprocess.run(["wrk", "-t1", "-c32", f"-d{seconds}s", "-s", str(script),
                          f"http://127.0.0.1:{port}/api/check"],
                         capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"errors during the run:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk: apt-get install wrk")
    tmp = Path(tempfile.mkdtemp())
    db = f"sqlite://{tmp / 'bench.sqlite3'}"
    subprocess.run([sys.executable, "-m", "service", "migrate"], cwd=ROOT, check=True,
                   env={**os.environ, "DATABASE_URL": db}, stdout=subprocess.DEVNULL)
    bare_port, app_port = free_port(), free_port()
    bare = start("loadtests.bare_app:app", {}, bare_port)
    ours = start("service.app:app_from_env", {"DATABASE_URL": db, "LOG_LEVEL": "warning"},
                 app_port)
    try:
        print(f"{'mix':9} {'round':>5} {'bare rps':>9} {'check rps':>9} {'ratio':>6}")
        for kind in ("crowd", "distinct"):
            lines = tmp / f"{kind}.txt"
            lines.write_text("\n".join(bodies(kind)) + "\n")
            script = tmp / f"{kind}.lua"
            script.write_text(LUA % lines)
            bare_rates, check_rates = [], []
            for r in range(args.rounds):
                b = wrk(bare_port, script, args.seconds)
                o = wrk(app_port, script, args.seconds)
                bare_rates.append(b)
                check_rates.append(o)
                print(f"{kind:9} {r + 1:>5} {b:>9.0f} {o:>9.0f} {o / b:>6.2f}")
            b, o = statistics.median(bare_rates), statistics.median(check_rates)
            print(f"{kind:9} median {b:>9.0f} {o:>9.0f} {o / b:>6.2f}  <- ratio of medians")
    finally:
        bare.terminate()
        ours.terminate()


if __name__ == "__main__":
    main()
