"""Benchmark: photos of documents, POST /api/applications/{reference}/documents, one worker.

    python loadtests/bench_upload.py [--seconds 10] [--connections 4] [--kb 300]
                                     [--db sqlite|postgres] [--applications 200]

Starts one uvicorn worker on a scratch database, makes ``--applications`` applications
through the API, then drives the upload route with wrk (Debian package `wrk`): every request
a ~300 KB phone photo (1600x1200 JPEG, what the page sends after shrinking it) for another
application and checklist item, with its own Idempotency-Key, as multipart. Prints uploads
per second, the latency percentiles and the MB/s received, and fails on any non-201.

Per upload the server parses the multipart form, checks the phone against the application
(a keyed hash), decodes the photo, re-encodes it (Pillow, in a thread), seals it (Fernet)
and inserts it: CPU-bound, so the figure is about the decode and encode.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from loadtests._bench import free_port, migrate, need_wrk, start  # noqa: E402
from loadtests.bench_apply import scratch_pg  # noqa: E402

PROGRAM = "unemployment-insurance"
DOCUMENTS = ("id-card", "termination-proof", "unemployment-registration")  # 5 photos each
PHONE = "13800138000"
BOUNDARY = "jybench7MA4YWxkTrZu0gW"

LUA = """
local refs = {%s}
local docs = {"id-card", "termination-proof", "unemployment-registration"}
local f = io.open("%s", "rb")
local photo = f:read("*all")
f:close()
local n = 0
local B = "%s"
request = function()
  local k = n %% #refs
  local d = math.floor(n / #refs) %% 3
  n = n + 1
  local body = "--" .. B .. "\\r\\n" ..
    'Content-Disposition: form-data; name="document"\\r\\n\\r\\n' .. docs[d + 1] .. "\\r\\n" ..
    "--" .. B .. "\\r\\n" ..
    'Content-Disposition: form-data; name="phone"\\r\\n\\r\\n%s\\r\\n' ..
    "--" .. B .. "\\r\\n" ..
    'Content-Disposition: form-data; name="file"; filename="photo.jpg"\\r\\n' ..
    "Content-Type: image/jpeg\\r\\n\\r\\n" .. photo .. "\\r\\n" ..
    "--" .. B .. "--\\r\\n"
  return wrk.format("POST", "/api/applications/" .. refs[k + 1] .. "/documents",
    {["Content-Type"] = "multipart/form-data; boundary=" .. B,
     ["Idempotency-Key"] = string.format("upload-%%s-%%09d", "%s", n)}, body)
end
"""


def photo_of(kb: int) -> bytes:
    """A 1600x1200 document photo as near ``kb`` KB as a JPEG quality gets it."""
    from photos import document_photo

    best = b""
    for quality in range(60, 99, 2):
        jpeg = document_photo(1600, 1200, gps=False, quality=quality)
        if not best or abs(len(jpeg) - kb * 1024) < abs(len(best) - kb * 1024):
            best = jpeg
    return best


def applications(port: int, count: int) -> list[str]:
    from people import make_id

    refs = []
    for i in range(count):
        body = {"program": PROGRAM, "name": "张三", "id_number": make_id(serial=i % 1000),
                "phone": PHONE, "district": "tengzhou", "consent": True, "answers": {}}
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/applications", json.dumps(body).encode(),
            {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                refs.append(json.loads(r.read())["reference"])
        except urllib.error.HTTPError as e:  # the same made-up person twice: skip
            if e.code != 409:
                raise
    return refs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--kb", type=int, default=300)
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--applications", type=int, default=200)
    args = ap.parse_args()
    need_wrk()
    tmp = Path(tempfile.mkdtemp())
    db = (f"sqlite://{tmp / 'upload.sqlite3'}" if args.db == "sqlite"
          else scratch_pg("jy_bench_upload"))
    migrate(db)
    port = free_port()
    # one client address sends everything here: lift the per-client limit (it still runs)
    server = start("service.app:app_from_env",
                   {"DATABASE_URL": db, "LOG_LEVEL": "warning",
                    "SUBMIT_LIMIT": "1000000000/600"}, port)
    try:
        refs = applications(port, args.applications)
        photo = photo_of(args.kb)
        (tmp / "photo.jpg").write_bytes(photo)
        from PIL import Image

        size = Image.open(io.BytesIO(photo)).size
        script = tmp / "upload.lua"
        script.write_text(LUA % (",".join(f'"{r}"' for r in refs), tmp / "photo.jpg",
                                 BOUNDARY, PHONE, uuid.uuid4().hex[:8]))
        print(f"POST /api/applications/{{ref}}/documents on {args.db}, one worker; "
              f"{len(refs)} applications, photo {len(photo) / 1024:.0f} KB {size[0]}x{size[1]}, "
              f"{args.connections} connections, {args.seconds} s (at most "
              f"{len(refs) * len(DOCUMENTS) * 5} uploads before the per-item limit)")
        out = subprocess.run(["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s",
                              "--latency", "-s", str(script), f"http://127.0.0.1:{port}/"],
                             capture_output=True, text=True, check=True).stdout
        if "Non-2xx" in out or "Socket errors" in out:
            raise SystemExit(f"errors during the run:\n{out}")
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        done = int(re.search(r"(\d+) requests in", out).group(1))
        lat = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", out, re.M))
        print(f"uploads/s {rate:.1f}  ({done} uploads, {rate * len(photo) / 1e6:.1f} MB/s in)  "
              f"latency p50 {lat.get('50')} p90 {lat.get('90')} p99 {lat.get('99')}")
        if done > len(refs) * len(DOCUMENTS) * 5:
            print("note: more uploads than the per-item limit allows; raise --applications")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
