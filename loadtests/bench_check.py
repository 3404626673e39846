"""Benchmark: POST /api/check against a bare Starlette JSON endpoint, in the same run.

    python loadtests/bench_check.py [--seconds 3] [--rounds 9]

Starts two uvicorn servers (one worker each) on 127.0.0.1 — the bare app
(loadtests/bare_app.py) and Jiuyetong on a scratch SQLite file — and drives both with wrk
(Debian package `wrk`), alternating many short rounds so machine noise hits both alike, and
reports the ratio of the two sides' median rates. Two bodies mixes:

- "crowd": the answer sets that 300 simulated people send while answering question by
  question, as the page sends them (brief between questions; what a job fair looks like:
  many identical early answers); "crowd-full": the same, each asking for every result;
- "distinct": every request a different complete answer set (the engine's cold path).

Prints requests/s and the ratio to the bare endpoint (goal: at least 0.5).

With ``--against REF`` an earlier version of the service (checked out into a temporary git
worktree) runs as a third server, and the crowd-full and distinct mixes are also compared
before/after in the same run. ``--gzip`` sends Accept-Encoding: gzip as phones do (the
bare endpoint never compresses, so read that ratio with care; before/after is the figure).

Then "scan": a QR short link (GET /q/CODE: count the scan, redirect) against the crowd
self-check on the same server (goal: scans at least as fast, ratio >= 1).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from loadtests._bench import (  # noqa: E402
    ROOT,
    Earlier,
    alternate,
    free_port,
    migrate,
    need_wrk,
    pin_cpus,
    start,
    wrk,
)


def bodies(kind: str) -> list[str]:
    from people import persona  # the same simulated people as the tests
    from test_engine import TODAY

    from service import selfcheck
    from service.catalog import load_catalog

    rng = random.Random(7)
    catalog = load_catalog(ROOT / "content")
    memo = selfcheck.Memo(catalog)
    out = []
    if kind in ("crowd", "crowd-full"):
        # crowd: as the page sends them (brief between questions: the counts and the next
        # question; every result with the last answer). crowd-full: every step asking for
        # every result, as the page did before brief answers.
        extra = {"brief": True} if kind == "crowd" else {}
        for _ in range(300):
            p, answers = persona(rng), {}
            out.append(json.dumps({"answers": dict(answers), **extra}))
            while q := json.loads(selfcheck.check(catalog, answers, TODAY,
                                                  memo=memo).raw)["next_question"]:
                answers[q["id"]] = p[q["id"]]
                out.append(json.dumps({"answers": dict(answers), **extra}))
    else:  # more than a run sends, so that no answer set comes twice
        for _ in range(60000):
            p = persona(rng)
            p["age"] = rng.randint(16, 70)
            p["ui_years"] = rng.randint(0, 30)
            out.append(json.dumps({"answers": p}))
    return out


def accepted(port: int, lines: Path) -> list[str]:
    """The bodies a server answers with 200 (each distinct body asked once)."""
    import urllib.error
    import urllib.request

    ok: dict[str, bool] = {}
    for line in lines.read_text().splitlines():
        if line not in ok:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/api/check", line.encode(),
                                         {"Content-Type": "application/json"})
            try:
                ok[line] = urllib.request.urlopen(req, timeout=10).status == 200
            except urllib.error.HTTPError:
                ok[line] = False
    kept = [line for line in lines.read_text().splitlines() if ok[line]]
    print(f"{lines.stem}: {sum(ok.values())} of {len(ok)} distinct bodies valid for both versions")
    return kept


LUA = """
local bodies = {}
for line in io.lines("%s") do bodies[#bodies + 1] = line end
local i = 0
request = function()
  i = i %% #bodies + 1
  return wrk.format("POST", "/api/check", {["Content-Type"] = "application/json"%s}, bodies[i])
end
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--against", metavar="REF",
                    help="also run this earlier version (a git ref) in the same run, on the "
                         "mixes it understands (crowd-full, distinct): before/after ratios")
    ap.add_argument("--mix", action="append", choices=["crowd", "crowd-full", "distinct"],
                    help="only these mixes (repeatable; default all three, then the scan)")
    ap.add_argument("--pin", action="store_true",
                    help="servers on one half of the CPUs, wrk on the other (per-core figures)")
    ap.add_argument("--gzip", action="store_true",
                    help="send Accept-Encoding: gzip, as every phone does (the bare endpoint "
                         "does not compress; use it with --against for before/after)")
    args = ap.parse_args()
    accept = ', ["Accept-Encoding"] = "gzip"' if args.gzip else ""
    need_wrk()
    if args.pin:
        print(pin_cpus())
    tmp = Path(tempfile.mkdtemp())
    db = f"sqlite://{tmp / 'bench.sqlite3'}"
    migrate(db)
    made = subprocess.run(
        [sys.executable, "-m", "service", "campaign", "create", "--name", "压测招聘会",
         "--kind", "job_fair", "--target", "/check/", "--out", str(tmp / "qr")],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": db}, capture_output=True, text=True,
        check=True)
    code = made.stdout.strip().rsplit("/", 1)[1]
    bare_port, app_port = free_port(), free_port()
    bare = start("loadtests.bare_app:app", {}, bare_port, probe="/api/check")
    ours = start("service.app:app_from_env", {"DATABASE_URL": db, "LOG_LEVEL": "warning"},
                 app_port)
    before = (Earlier(args.against, tmp / "before", {"DATABASE_URL": db, "LOG_LEVEL": "warning"})
              if args.against else None)
    def compare(kind: str, left: int, right: int, script: Path,
                names: tuple[str, str]) -> None:
        alternate(kind, args.rounds, lambda: wrk(left, "/api/check", script, args.seconds),
                  lambda: wrk(right, "/api/check", script, args.seconds), names)

    try:
        for kind in args.mix or ("crowd", "crowd-full", "distinct"):
            lines = tmp / f"{kind}.txt"
            lines.write_text("\n".join(bodies(kind)) + "\n")
            script = tmp / f"{kind}.lua"
            script.write_text(LUA % (lines, accept))
            compare(kind, bare_port, app_port, script, ("bare rps", "check rps"))
            if before is not None and kind != "crowd":  # the earlier page sent no `brief`
                # only the bodies both versions accept (new answers are new vocabulary)
                both = tmp / f"{kind}-both.txt"
                both.write_text("\n".join(accepted(before.port, lines)) + "\n")
                script_both = tmp / f"{kind}-both.lua"
                script_both.write_text(LUA % (both, accept))
                compare(kind, before.port, app_port, script_both, ("before rps", "after rps"))
        crowd = tmp / "crowd.lua"
        if args.mix and "crowd" not in args.mix:
            return
        alternate("scan", args.rounds,
                  lambda: wrk(app_port, "/api/check", crowd, args.seconds),
                  lambda: wrk(app_port, f"/q/{code}", None, args.seconds, redirects=True),
                  ("check rps", "scan rps"))
    finally:
        bare.terminate()
        ours.terminate()
        if before is not None:
            before.stop()


if __name__ == "__main__":
    main()
