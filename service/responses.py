"""Responses: JSON encoded with msgspec, and bodies encoded (and compressed) once."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

_ENCODER = msgspec.json.Encoder()


class JSON(Response):
    """A JSON response encoded with msgspec (fast, UTF-8, no ASCII escaping)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _ENCODER.encode(content)


class Photo(Response):
    """A photo of a document as staff receive it: kept nowhere (no-store) and shown as an
    image only (the photo CSP and nosniff: service/middleware.py), to this site only."""

    media_type = "image/jpeg"

    def __init__(self, jpeg: bytes) -> None:
        super().__init__(jpeg, headers={"content-disposition": "inline",
                                        "cross-origin-resource-policy": "same-origin"})


class Encoded:
    """A JSON body encoded once, gzip-compressed at most twice.

    Compression happens when a client that accepts gzip asks for this body, and is kept with
    it: clients that do not ask for gzip never pay for it, and small bodies are sent as they
    are. The first compression is the quick one (level 1: a never-seen complete self-check
    answer, ~60 KB, takes ~0.4 ms against ~1.2 ms at level 6, six times the self-check's own
    cost, for ~20% more bytes). A body asked for a second time is a popular one (the same
    answers from many phones, the catalog): it is compressed once more at level 6 and that
    smaller copy is kept for everyone after.
    """

    __slots__ = ("raw", "_gz", "_level")
    MIN_SIZE = 1024
    QUICK, SMALL = 1, 6

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self._gz: bytes | None = None
        self._level = 0

    def response(self, request: Request) -> Response:
        if len(self.raw) < self.MIN_SIZE:
            return Response(self.raw, media_type="application/json")
        headers = {"vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            if self._level != self.SMALL:
                self._level = self.QUICK if self._gz is None else self.SMALL
                self._gz = gzip.compress(self.raw, self._level, mtime=0)
            headers["content-encoding"] = "gzip"
            return Response(self._gz, media_type="application/json", headers=headers)
        return Response(self.raw, media_type="application/json", headers=headers)


def cached_json(request: Request, key: tuple[Any, ...], build: Callable[[], Any]) -> Response:
    """Answer with a JSON body that depends only on ``key`` (and the app's catalog)."""
    cache: dict[tuple[Any, ...], Encoded] = request.app.state.encoded
    body = cache.get(key)
    if body is None:
        body = cache[key] = Encoded(_ENCODER.encode(build()))
    return body.response(request)
