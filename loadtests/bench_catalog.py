"""Benchmark: how the cold self-check grows with the catalog (issue 17; goal: ten times the
programs for at most three times the cost).

    python loadtests/bench_catalog.py [--times 10] [--rounds 7] [--requests 2000]

Builds a synthetic catalog of ``--times`` copies of every guide (the same conditions under
new slugs, as if each city of a province had published the same programs) and runs, in one
process and alternating rounds, the self-check as the server does (``selfcheck.check`` with a
warm ``Memo``) on never-seen complete answer sets against the real catalog and against the
synthetic one. Prints the median microseconds per check of each and their ratio.

Copies with the same conditions are worked out once (``selfcheck.shape``); with
``--own-wording`` each copy words every condition its own way (the label gains the city), so
no two programs share a result and only the lookups are shared: the worst case.
"""

from __future__ import annotations

import argparse
import gc
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from loadtests._bench import ROOT  # noqa: E402


def synthetic(times: int, into: Path, own_wording: bool = False) -> Path:
    """``content/programs`` with ``times`` copies of each guide (the first is the guide);
    with ``own_wording`` every condition's label names the copy's city."""
    shutil.copytree(ROOT / "content" / "programs", into / "programs")
    for path in sorted((ROOT / "content" / "programs").glob("*.md")):
        text = path.read_text("utf-8")
        for n in range(2, times + 1):
            slug = f"{path.stem}-c{n}"
            copy = re.sub(r"^slug: .*$", f"slug: {slug}", text, count=1, flags=re.M)
            copy = re.sub(r"^title: (.*)$", rf"title: \1（第{n}城）", copy, count=1, flags=re.M)
            copy = re.sub(r"^moved_from:.*$", "", copy, flags=re.M)
            if own_wording:
                copy = re.sub(r"^(  - label: .*)$", rf"\1（第{n}城）", copy, flags=re.M)
            (into / "programs" / f"{slug}.md").write_text(copy, "utf-8")
    return into


def main() -> None:
    from people import persona
    from test_engine import TODAY

    from service import selfcheck
    from service.catalog import load_catalog

    ap = argparse.ArgumentParser()
    ap.add_argument("--times", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--requests", type=int, default=2000, help="never-seen answer sets a round")
    ap.add_argument("--own-wording", action="store_true",
                    help="every copy words its conditions its own way: nothing worked out once")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    big = load_catalog(synthetic(args.times, tmp, args.own_wording))
    catalogs = {"real": load_catalog(ROOT / "content"), f"x{args.times}": big}
    print(f"{len(big.programs)} programs: {len(set(map(selfcheck.shape, big.programs)))} "
          "distinct conditions")
    rng = random.Random(7)
    people = []
    for _ in range(2000 + args.rounds * args.requests):
        p = persona(rng)
        p["age"] = rng.randint(16, 70)
        p["ui_years"] = rng.randint(0, 30)
        people.append(p)
    memos = {name: selfcheck.Memo(c) for name, c in catalogs.items()}
    for name, c in catalogs.items():  # a server that has been up a while
        for p in people[:2000]:
            selfcheck.check(c, p, TODAY, memo=memos[name])
    gc.freeze()
    times: dict[str, list[float]] = {name: [] for name in catalogs}
    print(f"{'round':>5} " + " ".join(f"{n + ' µs':>10}" for n in catalogs))
    for r in range(args.rounds):
        batch = people[2000 + r * args.requests:2000 + (r + 1) * args.requests]
        for name, c in catalogs.items():
            t = time.perf_counter()
            for p in batch:
                selfcheck.check(c, p, TODAY, memo=memos[name])
            times[name].append((time.perf_counter() - t) / len(batch) * 1e6)
        print(f"{r + 1:>5} " + " ".join(f"{times[n][-1]:>10.0f}" for n in catalogs))
    med = {n: statistics.median(v) for n, v in times.items()}
    real, big = med["real"], med[f"x{args.times}"]
    print(f"median: {len(catalogs['real'].programs)} programs {real:.0f} µs, "
          f"{len(catalogs[f'x{args.times}'].programs)} programs {big:.0f} µs: "
          f"{big / real:.2f}x the cost for {args.times}x the programs (goal <= 3)")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
