"""API errors: JSON with a stable ``code`` for programs and a Chinese ``message`` for people,
and the exception handlers that turn every failure into one."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .responses import JSON

log = logging.getLogger("service")

class ApiError(Exception):
    """Raise from a handler to answer with ``{"code", "message", "errors"?}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message
        self.errors, self.headers, self.extra = errors, headers, extra


# Stable codes and Chinese messages for the HTTP errors Starlette raises by itself.
_HTTP_CODES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求有误。"),
    404: ("not_found", "没有找到这个地址。"),
    405: ("method_not_allowed", "不支持这种请求方式。"),
    413: ("body_too_large", "提交的内容太大了。"),
    415: ("unsupported_media_type", "请用 JSON 格式提交（Content-Type: application/json）。"),
    429: ("too_many_requests", "请求太频繁了，请稍后再试。"),
}


def error_body(code: str, message: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return body


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    body = error_body(exc.code, exc.message, exc.errors)
    if exc.extra:
        body.update(exc.extra)
    return JSON(body, exc.status, headers=exc.headers)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code, message = _HTTP_CODES.get(exc.status_code, ("http_error", "请求没有成功。"))
    if _is_api(request):
        return JSON(error_body(code, message), exc.status_code, headers=exc.headers)
    return HTMLResponse(_page(message), exc.status_code, headers=exc.headers)


def _database_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "the database cannot be reached right now" (not a bug)."""
    import asyncpg.exceptions as pg

    return (OSError,  # refused, reset, unreachable; tortoise's DBConnectionError too
            pg.PostgresConnectionError, pg.CannotConnectNowError, pg.TooManyConnectionsError,
            pg.InterfaceError)


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """503 with a kind message; the pool reconnects by itself when the database is back."""
    log.warning("database unavailable (%s) on %s %s", type(exc).__name__, request.method,
                request.url.path)
    message = "系统有点忙，暂时连不上。请过一会儿再试，你填的内容还在。急事请打 12333。"
    headers = {"Retry-After": "10"}
    if _is_api(request):
        return JSON(error_body("database_unavailable", message), 503, headers=headers)
    return HTMLResponse(_page(message), 503, headers=headers)


def where(exc: BaseException) -> str:
    """Where an exception was raised, as file:line of each frame: no message, no values
    (an exception's message may quote the input, and the input may be personal data)."""
    frames = traceback.extract_tb(exc.__traceback__)
    return " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames[-6:]))


async def server_error(request: Request, exc: Exception) -> Response:
    # The type, the path and the code's own lines only: request data may hold personal data.
    log.error("unhandled %s on %s %s at %s", type(exc).__name__, request.method,
              request.url.path, where(exc))
    message = "服务器出了点问题，请稍后再试。急事请打 12333。"
    if _is_api(request):
        return JSON(error_body("server_error", message), 500)
    return HTMLResponse(_page(message), 500)


def _page(message: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>就业通</title><p>{message}</p><p><a href=\"/\">回到首页</a></p></html>"
    )


async def client_gone(request: Request, exc: Exception) -> Response:
    """The phone went away mid-request (a weak signal, a closed tab): not an error of ours."""
    log.info("client disconnected during %s %s", request.method, request.url.path)
    return Response(status_code=400)


class QuietErrors:
    """The outermost layer: Starlette re-raises an exception after its handler has answered
    (for servers to log it), and uvicorn would then log the whole traceback, message and all.
    It was logged once already, as type and place (``server_error``); here it stops."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception:  # answered and logged already
            if scope["type"] == "lifespan":
                raise


EXCEPTION_HANDLERS: dict[Any, Any] = {ApiError: api_error, HTTPException: http_error,
                                      ClientDisconnect: client_gone,
                            **{e: database_unavailable for e in _database_errors()},
                            Exception: server_error}
