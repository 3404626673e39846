"""Capacity: the largest job-fair crowd one shape holds with p95 under 300 ms and no errors.

    python loadtests/capacity.py [--db postgres] [--workers 1] [--seconds 30]
                                 [--low 50] [--high 1600] [--think 0.1]

Runs loadtests/rehearsal.py through nginx (deploy/) with the server side pinned to the first
half of the CPUs and locust (distributed, one worker process per CPU of its half) on the
rest, doubling the simulated users from ``--low`` until a run breaks the bar (any failed
request, or an aggregated p95 over 300 ms), then bisecting between the last good and the
first bad. Prints a line per run and the largest crowd held, from each run's
build/loadtest/run-summary.json. With think x0.1 each simulated user walks a visitor's
journey ten times as fast, so it stands for about ten people at a real fair.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = ROOT / "build" / "loadtest" / "run-summary.json"


def run(users: int, args: argparse.Namespace) -> dict:
    generator_cpus = max(1, (len(os.sched_getaffinity(0)) + 1) // 2)
    cmd = [sys.executable, "loadtests/rehearsal.py", "--nginx", "--pin", "--db", args.db,
           "--workers", str(args.workers), "--seconds", str(args.seconds),
           "--users", str(users), "--spawn-rate", str(max(20, users // 5)),
           "--think", str(args.think), "--locust-workers", str(generator_cpus)]
    SUMMARY.unlink(missing_ok=True)
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not SUMMARY.exists():
        return {"users": users, "held": False, "failures": -1, "p95_ms": -1, "rps": 0,
                "api_rps": 0, "server_cpu_share": 0}
    s = json.loads(SUMMARY.read_text())
    s["held"] = s.get("failures", 1) == 0 and 0 < s.get("p95_ms", 10**6) <= 300
    return s


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--think", type=float, default=0.1)
    ap.add_argument("--low", type=int, default=50)
    ap.add_argument("--high", type=int, default=1600, help="stop doubling here")
    args = ap.parse_args()
    print(f"{'users':>6} {'held':>5} {'fails':>6} {'p95 ms':>7} {'req/s':>7} {'API/s':>7} "
          f"{'server CPU':>10}")
    results: dict[int, dict] = {}

    def trial(users: int) -> bool:
        s = results[users] = run(users, args)
        print(f"{users:>6} {'yes' if s['held'] else 'no':>5} {s['failures']:>6} "
              f"{s['p95_ms']:>7} {s['rps']:>7.0f} {s['api_rps']:>7.0f} "
              f"{s['server_cpu_share']:>10.0%}", flush=True)
        return bool(s["held"])

    good, bad, users = 0, 0, args.low
    while users <= args.high:
        if not trial(users):
            bad = users
            break
        good, users = users, users * 2
    while bad and bad - good > max(10, good // 10):
        mid = (good + bad) // 2
        good, bad = (mid, bad) if trial(mid) else (good, mid)
    if good:
        s = results[good]
        print(f"largest crowd held: {good} simulated users (think x{args.think}: about "
              f"{good / args.think:.0f} people at a fair), {s['rps']:.0f} requests/s of which "
              f"{s['api_rps']:.0f} API, p95 {s['p95_ms']} ms, server side "
              f"{s['server_cpu_share']:.0%} of a core ({s['shape']})")
    else:
        print("no crowd was held: even the smallest run broke the bar")


if __name__ == "__main__":
    main()
