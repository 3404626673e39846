"""Pure ASGI middleware (BaseHTTPMiddleware would break Tortoise's context variables)."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Material's bundles carry a content hash in the name: main.a1b2c3d4.min.css
_HASHED = re.compile(r"\.[0-9a-f]{8,}\.(?:min\.)?(?:js|css)$")

_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
]


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


class HeadersMiddleware:
    """Adds caching and basic security headers to every HTTP response."""

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.extra = list(_COMMON)
        if hsts:
            self.extra.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cc = cache_control(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != b"cache-control"]
                headers.append((b"cache-control", cc))
                headers.extend(self.extra)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """413 with the API's JSON error for request bodies over ``max_body_size`` bytes.

    Starlette's RequestBodyLimitMiddleware answers in plain text; here a declared
    Content-Length over the limit is refused before the app runs, and a body that grows
    past it while streaming raises ApiError, which the exception handlers turn into JSON.
    """

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from .errors import JSON, ApiError, error_body

        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit()
                                     or int(declared) > self.max_body_size):
            too_big = declared.isdigit()
            response = JSON(error_body(
                "body_too_large" if too_big else "bad_request",
                "提交的内容太大了。" if too_big else "请求有误。"), 413 if too_big else 400)
            await response(scope, receive, send)
            return
        seen = 0
        limit = self.max_body_size

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise ApiError(413, "body_too_large", "提交的内容太大了。")
            return message

        await self.app(scope, limited, send)
