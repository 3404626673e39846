"""Benchmark: POST /api/applications against a bare Tortoise insert endpoint, in the same run.

    python loadtests/bench_apply.py [--seconds 3] [--rounds 9] [--db sqlite|postgres]
                                    [--against REF]

Starts two uvicorn servers (one worker each) on 127.0.0.1: the bare app
(loadtests/bare_app.py: decode JSON, one ``Model.create``) and Jiuyetong, each on its own
scratch database of the chosen kind, and drives both with wrk (Debian package `wrk`) with
the same request bodies: every request a different person (a valid 身份证号 made in Lua) with
its own Idempotency-Key. Rounds alternate so machine noise hits both sides alike; the ratio
of the two sides' median rates is printed (goal: at least 0.7; issue 17: 0.8 on PostgreSQL),
and after it each side's CPU time per request (the server process, and on PostgreSQL the
database server's processes), which the machine's other load moves far less than the rates.

What ours does on top of the bare insert, per request: validate every field (ID check digit,
phone, district, consent, answers), encrypt the personal data (Fernet), five keyed hashes
(six with the per-client limit), and one INSERT with two unique indexes, grouped with the
submissions that arrive while one is in flight (service/rows.py).

With ``--against REF`` an earlier version of the service (a git worktree) runs as a third
server on a database of its own, and is compared before/after in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests._bench import (  # noqa: E402
    LAST_REQUESTS,
    Earlier,
    alternate,
    cpu_seconds,
    free_port,
    migrate,
    need_wrk,
    pin_cpus,
    postgres_pids,
    scratch_pg,
    start,
    wrk,
)
from service.config import durable  # noqa: E402

LUA = """
local W = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local C = "10X98765432"
local programs = {"startup-guarantee-loan", "flexible-social-insurance-subsidy",
                  "graduate-internship", "subsidized-skills-training"}
local n = %d
local function id_number(k)
  local serial = k %% 1000
  local day = math.floor(k / 1000) %% 28 + 1
  local month = math.floor(k / 28000) %% 12 + 1
  local year = 1960 + math.floor(k / 336000) %% 40
  local first = string.format("370481%%04d%%02d%%02d%%03d", year, month, day, serial)
  local sum = 0
  for i = 1, 17 do sum = sum + tonumber(first:sub(i, i)) * W[i] end
  local c = (sum %% 11) + 1
  return first .. C:sub(c, c)
end
request = function()
  n = n + 1
  local body = string.format(
    '{"program":"%%s","name":"张三","id_number":"%%s","phone":"13800138000",' ..
    '"district":"tengzhou","consent":true,"answers":{"age":30,"residence":"hukou"}}',
    programs[n %% 4 + 1], id_number(n))
  return wrk.format("POST", "/api/applications",
    {["Content-Type"] = "application/json",
     ["Idempotency-Key"] = string.format("bench-%%s-%%09d", "%s", n)}, body)
end
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--against", metavar="REF",
                    help="also run this earlier version (a git ref): before/after ratios")
    ap.add_argument("--pin", action="store_true",
                    help="servers on one half of the CPUs, wrk on the other (per-core figures)")
    args = ap.parse_args()
    need_wrk()
    if args.pin:
        print(pin_cpus())
    tmp = Path(tempfile.mkdtemp())
    if args.db == "sqlite":
        ours_db, before_db = (f"sqlite://{tmp / f'{n}.sqlite3'}" for n in ("ours", "before"))
        # the same durability as ours (WAL, synchronous=FULL): a fair comparison
        bare_db = durable(f"sqlite://{tmp / 'bare.sqlite3'}")
    else:
        ours_db, bare_db, before_db = (scratch_pg(f"jy_bench_{n}")
                                       for n in ("ours", "bare", "before"))
    migrate(ours_db)
    bare_port, app_port = free_port(), free_port()
    bare = start("loadtests.bare_app:app", {"BARE_DB": bare_db}, bare_port,
                 probe="/api/check")
    # one client address sends everything here: lift the per-client limit (it still runs)
    env = {"LOG_LEVEL": "warning", "SUBMIT_LIMIT": "1000000000/600"}
    ours = start("service.app:app_from_env", {**env, "DATABASE_URL": ours_db}, app_port)
    before = None
    if args.against:
        migrate(before_db)  # the schema of both versions must be the same
        before = Earlier(args.against, tmp / "before", {**env, "DATABASE_URL": before_db})
    counter = iter(range(0, 10**9, 10**6))
    pids = {bare_port: bare.pid, app_port: ours.pid}
    if before is not None:
        pids[before.port] = before.proc.pid
    # CPU time per request, each round: the server's, and the database's (PostgreSQL: all
    # of its processes, so another user of the server counts too; SQLite runs inside the
    # server). Unlike requests/s, little moved by what else the machine runs.
    cpu: dict[int, list[tuple[float, float]]] = {port: [] for port in pids}

    def side(port: int) -> float:
        script = tmp / f"apply-{port}.lua"
        script.write_text(LUA % (next(counter), uuid.uuid4().hex[:8]))
        database = postgres_pids() if args.db == "postgres" else []
        s0, d0 = cpu_seconds([pids[port]]), cpu_seconds(database)
        rate = wrk(port, "/api/applications", script, args.seconds, connections=16)
        n = max(1, LAST_REQUESTS[0])
        cpu[port].append(((cpu_seconds([pids[port]]) - s0) / n * 1e6,
                          (cpu_seconds(database) - d0) / n * 1e6))
        return rate

    def cpu_line(names: tuple[str, str], ports: tuple[int, int]) -> None:
        med = {p: (statistics.median(s for s, _ in cpu[p]), statistics.median(d for _, d in cpu[p]))
               for p in ports}
        (s1, d1), (s2, d2) = med[ports[0]], med[ports[1]]
        # as the rates' ratio: above 1 when the second side costs less per request
        print(f"CPU µs per request (median of rounds): {names[0]} server {s1:.0f} + database "
              f"{d1:.0f}, {names[1]} server {s2:.0f} + database {d2:.0f}: "
              f"{names[0]}/{names[1]} {(s1 + d1) / (s2 + d2):.2f} (servers alone "
              f"{s1 / s2:.2f})")

    try:
        print(f"POST /api/applications on {args.db}, one worker each")
        alternate(args.db, args.rounds, lambda: side(bare_port), lambda: side(app_port),
                  ("insert rps", "apply rps"))
        cpu_line(("insert", "apply"), (bare_port, app_port))
        if before is not None:
            for p in cpu:
                cpu[p].clear()
            alternate(args.db, args.rounds, lambda: side(before.port),
                      lambda: side(app_port), ("before rps", "after rps"))
            cpu_line(("before", "after"), (before.port, app_port))
    finally:
        bare.terminate()
        ours.terminate()
        if before is not None:
            before.stop()


if __name__ == "__main__":
    main()
