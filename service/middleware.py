"""Pure ASGI middleware (BaseHTTPMiddleware would break Tortoise's context variables)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# at the top, not inside __call__: an import statement run on every request cost about
# 1 µs each (the import system's checks, and an AttributeError made and dropped inside them)
from .errors import ApiError, error_body
from .responses import JSON

# Material's bundles carry a content hash in the name: main.a1b2c3d4.min.css
_HASHED = re.compile(r"\.[0-9a-f]{8,}\.(?:min\.)?(?:js|css)$")

_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S)

# The API answers JSON only; the console is plain HTML forms with no script at all.
CSP_API = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# A photo of a document (console and staff API): an image and nothing else, never framed.
CSP_PHOTO = b"default-src 'none'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; sandbox"
_PHOTO = re.compile(r"^/(?:api/)?staff/applications/[^/]+/photos/")
CSP_CONSOLE = (b"default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
               b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def site_script_hashes(site_dir: Path) -> list[str]:
    """The sha256 of every inline script in the built site (MkDocs Material has a few), so
    the site's Content-Security-Policy can allow exactly those and no other inline script."""
    hashes: set[str] = set()
    if site_dir.is_dir():
        for page in site_dir.rglob("*.html"):
            for attrs, body in _INLINE_SCRIPT.findall(page.read_text("utf-8")):
                if "application/json" in attrs:
                    continue  # data, never run
                digest = hashlib.sha256(body.encode("utf-8")).digest()
                hashes.add("'sha256-" + base64.b64encode(digest).decode() + "'")
    return sorted(hashes)


class SiteCSP:
    """The site's CSP, recomputed when the site is rebuilt (``make site`` touches .built),
    so a changed inline script in a template never needs a restart to be allowed."""

    def __init__(self, site_dir: Path, check_every: float = 5.0) -> None:
        self.site_dir, self.check_every = site_dir, check_every
        self.value, self.checked = b"", -1e9
        self.stamp: int | None = None

    def current(self) -> bytes:
        now = time.monotonic()
        if now - self.checked >= self.check_every:
            self.checked = now
            try:
                stamp = (self.site_dir / ".built").stat().st_mtime_ns
            except OSError:
                stamp = 0
            if stamp != self.stamp or not self.value:
                self.value, self.stamp = site_csp(site_script_hashes(self.site_dir)), stamp
        return self.value


def site_csp(script_hashes: list[str]) -> bytes:
    return ("default-src 'self'; script-src 'self' " + " ".join(script_hashes) + "; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; "
            "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'self'").encode()


def csp_for(path: str, site: SiteCSP) -> bytes:
    if _PHOTO.match(path):
        return CSP_PHOTO
    if path.startswith("/api/") or path == "/healthz":
        return CSP_API
    if path.startswith("/staff"):
        return CSP_CONSOLE
    return site.current()


def cache_control(path: str) -> bytes:
    """How long a browser (and a proxy) may keep a response for this path."""
    if path.startswith(("/api/", "/staff/", "/q/")) or path in ("/healthz", "/staff"):
        if path.startswith("/staff/static/"):
            return b"public, max-age=3600"
        return b"no-store"  # the API and the staff console: nothing kept anywhere
    if path.startswith("/assets/") and _HASHED.search(path):
        return b"public, max-age=31536000, immutable"
    if path.startswith(("/assets/", "/extra/", "/search/")):
        return b"public, max-age=3600"
    return b"no-cache"  # pages: always revalidate (ETag), so a fix reaches people at once


_ABSOLUTE = re.compile(rb"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*")


def _same_site(location: bytes) -> bytes:
    """A redirect of ours as a path: Starlette builds absolute ones (a missing trailing
    slash) from the request's Host header, which the client chose. Every redirect the
    service makes stays on this site, so the browser's own address is the right base."""
    path = _ABSOLUTE.sub(b"", location, count=1)
    return b"/" + path.lstrip(b"/") if path != location or not path else location


class HeadersMiddleware:
    """Adds caching and basic security headers to every HTTP response."""

    def __init__(self, app: ASGIApp, site: SiteCSP, hsts: bool = False) -> None:
        self.app = app
        self.site_csp = site
        self.extra = list(_COMMON)
        if hsts:
            self.extra.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cc = cache_control(scope["path"])
        csp = csp_for(scope["path"], self.site_csp)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, _same_site(v)) if k == b"location" else (k, v)
                           for k, v in message.get("headers", []) if k != b"cache-control"]
                headers.append((b"cache-control", cc))
                headers.append((b"content-security-policy", csp))
                headers.extend(self.extra)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


MAX_HEADER_BYTES = 16 * 1024
# Seconds a request body may pause between parts (a phone on 3G sends 8 KB in well under
# one): past it, 408. Headers are bounded by nginx's client_header_timeout (deploy/), and
# idle connections by uvicorn's keep-alive timeout (service/server.py).
BODY_TIMEOUT = 20.0
LATE = -1.0  # a body read's deadline once the watchdog has cancelled it


@dataclass(frozen=True)
class RouteLimit:
    """A body limit of its own for the paths ``pattern`` matches (a photo upload is not a
    JSON form), with the message a person gets above it."""

    pattern: re.Pattern[str]
    max_body_size: int
    message: str


class BodyLimitMiddleware:
    """413 with the API's JSON error for request bodies over ``max_body_size`` bytes (or a
    route's own limit, ``routes``), and 431 for request headers over 16 KB in all.

    Starlette's RequestBodyLimitMiddleware answers in plain text; here a declared
    Content-Length over the limit is refused before the app runs, and a body that grows
    past it while streaming raises ApiError, which the exception handlers turn into JSON.
    """

    def __init__(self, app: ASGIApp, max_body_size: int,
                 routes: tuple[RouteLimit, ...] = ()) -> None:
        self.app = app
        self.max_body_size = max_body_size
        self.routes = routes
        # Body reads in progress: task -> deadline, LATE once cancelled for being late. One
        # watchdog a second cancels them; a timer per read (asyncio.timeout) cost about 4 µs
        # on every request.
        self.reading: dict[asyncio.Task[Any], float] = {}
        self.watchdog: asyncio.Task[None] | None = None
        self.last_read = 0.0

    async def _watch(self) -> None:
        """Once a second, cancel the body reads past their deadline; stop after a minute
        without any (the next request starts it again: one task, not one per request)."""
        loop = asyncio.get_running_loop()
        while self.reading or loop.time() - self.last_read < 60:
            await asyncio.sleep(min(1.0, BODY_TIMEOUT))
            now = loop.time()
            for task, deadline in list(self.reading.items()):
                if LATE < deadline <= now:
                    self.reading[task] = LATE
                    task.cancel()
        self.watchdog = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or []
        if sum(len(k) + len(v) for k, v in headers) > MAX_HEADER_BYTES:
            # uvicorn's httptools parser sets no limit of its own (nginx would say 400)
            await JSON(error_body("headers_too_large", "请求头太大了。"), 431)(
                scope, receive, send)
            return
        limit, too_big_message = self.max_body_size, "提交的内容太大了。"
        for route in self.routes:
            if route.pattern.match(scope["path"]):
                limit, too_big_message = route.max_body_size, route.message
                break
        declared = dict(headers).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            too_big = declared.isdigit()
            response = JSON(error_body(
                "body_too_large" if too_big else "bad_request",
                too_big_message if too_big else "请求有误。"), 413 if too_big else 400)
            await response(scope, receive, send)
            return
        seen = 0
        complete = False

        async def limited() -> Message:
            nonlocal seen, complete
            if complete:  # after the body: waiting for a disconnect is not slow sending
                return await receive()
            # a client that stops sending mid-body must not hold a worker's slot
            task = asyncio.current_task()
            assert task is not None
            loop = task.get_loop()
            self.last_read = now = loop.time()
            self.reading[task] = now + BODY_TIMEOUT
            if self.watchdog is None or self.watchdog.get_loop() is not loop:
                self.watchdog = loop.create_task(self._watch())
            try:
                message = await receive()
            except asyncio.CancelledError:
                if self.reading.get(task) != LATE:
                    raise
                task.uncancel()
                raise ApiError(408, "request_timeout", "网络太慢，内容没有传完。"
                               "请再点一次提交，你填的内容还在。") from None
            finally:
                self.reading.pop(task, None)
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise ApiError(413, "body_too_large", too_big_message)
                complete = not message.get("more_body", False)
            return message

        await self.app(scope, limited, send)
