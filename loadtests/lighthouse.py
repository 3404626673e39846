"""Lighthouse on a phone (issue 18): the home page, a guide and the self-check.

    python loadtests/lighthouse.py [--runs 3] [--out build/lighthouse] [--site DIR]
                                                                           (make lighthouse)

Builds nothing: it serves the site already built in build/site (`make site`) with the real
server (`python -m service serve` on a scratch SQLite database, tests/liveserver.py), and runs
npm `lighthouse` (`npm ci`) in Debian's Chromium (/usr/bin/chromium, or CHROME_PATH): mobile
form factor, simulated throttling (slow 4G, a 4x slower CPU), Lighthouse's defaults. Prints
performance, accessibility and CLS per page (the median run of ``--runs``), with what cost
points, and exits 1 when a page misses the goal: performance >= 0.95, accessibility 1.0,
CLS 0. The JSON reports go to ``--out``. ``--site`` serves another build (an earlier
version's, for a before/after in one sitting).

Not a timed test: the machine's other work moves performance by a few points, so it runs by
hand and its figures go to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from liveserver import served  # noqa: E402

PAGES = {"home": "/", "guide": "/guides/unemployment-insurance/", "check": "/check/"}
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
GOAL = {"performance": 0.95, "accessibility": 1.0, "cls": 0.0}


def run(url: str, out: Path, chrome: str) -> dict:
    """One Lighthouse run of ``url``; its JSON report."""
    subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
                    "--only-categories=performance,accessibility",
                    "--form-factor=mobile", "--throttling-method=simulate",
                    "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
                   env={**os.environ, "CHROME_PATH": chrome}, check=True)
    return json.loads(out.read_text("utf-8"))


def figures(report: dict) -> dict:
    audits = report["audits"]
    return {
        "performance": report["categories"]["performance"]["score"],
        "accessibility": report["categories"]["accessibility"]["score"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "fcp": audits["first-contentful-paint"]["numericValue"],
        "lcp": audits["largest-contentful-paint"]["numericValue"],
        "tbt": audits["total-blocking-time"]["numericValue"],
        # what cost accessibility points, and the biggest performance opportunities
        "a11y_failed": [a["id"] for a in (audits[r["id"]] for r in
                        report["categories"]["accessibility"]["auditRefs"] if r["weight"])
                        if a["score"] is not None and a["score"] < 1],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per page; the median is shown")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "lighthouse")
    ap.add_argument("--pages", nargs="*", choices=sorted(PAGES), default=list(PAGES))
    ap.add_argument("--site", type=Path, default=ROOT / "build" / "site",
                    help="the built site to serve (default: build/site)")
    args = ap.parse_args()
    if not (args.site / "index.html").is_file():
        raise SystemExit(f"no built site in {args.site}: run `make site`")
    if not LIGHTHOUSE.is_file():
        raise SystemExit("lighthouse is not installed: run `npm ci` (make node_modules/.installed)")
    chrome = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chrome).is_file():
        raise SystemExit("no Chromium: apt-get install chromium (or set CHROME_PATH)")
    args.out.mkdir(parents=True, exist_ok=True)
    missed = []
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite://{tmp}/lighthouse.sqlite3"
        subprocess.run([sys.executable, "-m", "service", "migrate"], cwd=ROOT, check=True,
                       env={**os.environ, "DATABASE_URL": db}, stdout=subprocess.DEVNULL)
        with served(db, log=Path(tmp) / "server.log", LOG_LEVEL="warning",
                    SITE_DIR=str(args.site.resolve())) as base:
            print(f"{'page':6} {'perf':>5} {'a11y':>5} {'CLS':>6} {'FCP ms':>7} {'LCP ms':>7}"
                  f" {'TBT ms':>7}  (median of {args.runs}; Lighthouse mobile, simulated)")
            for name in args.pages:
                runs = [figures(run(base + PAGES[name], args.out / f"{name}-{i + 1}.json", chrome))
                        for i in range(args.runs)]
                runs.sort(key=lambda f: f["performance"])
                f = runs[len(runs) // 2]
                cls = statistics.median(r["cls"] for r in runs)
                print(f"{name:6} {f['performance']:>5.2f} {f['accessibility']:>5.2f} {cls:>6.3f}"
                      f" {f['fcp']:>7.0f} {f['lcp']:>7.0f} {f['tbt']:>7.0f}"
                      + (f"  a11y: {', '.join(f['a11y_failed'])}" if f["a11y_failed"] else ""),
                      flush=True)
                if (f["performance"] < GOAL["performance"] or f["accessibility"] < GOAL["accessibility"]
                        or cls > GOAL["cls"]):
                    missed.append(name)
    if missed:
        print(f"below the goal (performance >= 0.95, accessibility 1.0, CLS 0): {', '.join(missed)}")
        return 1
    print("every page meets the goal: performance >= 0.95, accessibility 1.0, CLS 0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
