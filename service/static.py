"""Serving the built site: precompressed once at build time, never per request.

`python -m service precompress` (run by `make site`) writes a ``.gz`` beside every
compressible file; ``PrecompressedFiles`` sends it to clients that accept gzip, as nginx's
``gzip_static on`` does. Compressing per request cost about 150 ms of CPU per cold visitor
(Material's search index alone took 62 ms at level 9) and held up the API on the same loop.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

COMPRESSIBLE = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map"}
MIN_SIZE = 512


def precompress(site_dir: Path) -> tuple[int, int, int]:
    """Write ``file.gz`` for each compressible file; returns (files, bytes in, bytes out)."""
    files = raw = packed = 0
    for path in sorted(site_dir.rglob("*")):
        if path.suffix not in COMPRESSIBLE or not path.is_file():
            continue
        data = path.read_bytes()
        if len(data) < MIN_SIZE:
            continue
        body = gzip.compress(data, 9, mtime=0)
        if len(body) >= len(data):
            continue
        path.with_name(path.name + ".gz").write_bytes(body)
        files, raw, packed = files + 1, raw + len(data), packed + len(body)
    return files, raw, packed


class PrecompressedFiles(StaticFiles):
    """StaticFiles that answers with the ``.gz`` twin when the client accepts gzip."""

    def __init__(self, directory: Path, **kwargs: Any) -> None:
        super().__init__(directory=directory, **kwargs)
        self.gzipped = {str(p)[:-3] for p in Path(directory).rglob("*.gz")}

    async def get_response(self, path: str, scope: Scope) -> Response:
        parts = Path(path).parts
        if path.endswith(".gz") or any(p.startswith(".") for p in parts):
            # build artefacts: the .gz twins are sent only as the encoding of their file,
            # and dot-files (the build stamp) are not pages
            page = Path(str(self.directory)) / "404.html"
            if self.html and page.is_file():
                return FileResponse(page, status_code=404)
            raise HTTPException(status_code=404)
        response = await super().get_response(path, scope)
        if not isinstance(response, FileResponse) or str(response.path) not in self.gzipped:
            return response
        headers = dict(scope.get("headers") or [])
        response.headers["vary"] = "Accept-Encoding"
        if b"gzip" not in headers.get(b"accept-encoding", b""):
            return response
        gz_path = f"{response.path}.gz"
        gz = FileResponse(gz_path, status_code=response.status_code,
                          media_type=response.media_type, stat_result=os.stat(gz_path),
                          headers={"content-encoding": "gzip", "vary": "Accept-Encoding"})
        # StaticFiles' own test (Headers read the bytes as latin-1: never a decode error)
        if self.is_not_modified(gz.headers, Headers(scope=scope)):
            return Response(status_code=304, headers={"etag": gz.headers["etag"],
                                                      "vary": "Accept-Encoding"})
        return gz
