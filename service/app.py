"""The Starlette application factory: API under /api, /healthz, and the built site at /."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp
from tortoise.contrib.starlette import RegisterTortoise

from . import api, campaigns, console, documents, selfcheck, sms, smsproviders, throttle
from .api.check import make_body_checker
from .catalog import Catalog, load_catalog
from .config import Settings
from .db import database_ok
from .errors import EXCEPTION_HANDLERS, QuietErrors
from .middleware import BodyLimitMiddleware, HeadersMiddleware, RouteLimit, SiteCSP
from .models import Application
from .pii import Vault
from .responses import JSON
from .rows import Inserts
from .static import PrecompressedFiles
from .tally import TallyBuffer

log = logging.getLogger("service")
# A photo of a document: its own body limit (the file, and a little for the form around it)
UPLOAD_PATH = re.compile(r"^/api/applications/[^/]+/documents$")


async def healthz(request: Request) -> JSON:
    if await database_ok():
        return JSON({"status": "ok", "database": "ok"})
    return JSON({"status": "unavailable", "database": "down",
                 "message": "数据库暂时连不上，请稍后再试。"}, 503)


async def scan(request: Request) -> RedirectResponse:
    """GET /q/{code}[/{slug}]: count the scan, then on to the campaign's page with ?c=code.

    Unknown or retired codes, and any failure, land on the home page: a printed code must
    never lead to an error.
    """
    state = request.app.state
    code = campaigns.normalize_code(request.path_params["code"])
    try:
        target = await state.campaigns.target(code) if code else None
    except Exception:  # database away: still take the person somewhere useful
        log.warning("scan: campaign lookup failed; sent to the home page")
        target = None
    if target is None or code is None:
        return RedirectResponse("/", 302)
    slug = request.path_params.get("slug")
    if slug in state.catalog.by_slug:  # a label for one guide on a campaign's sheet
        target = f"/guides/{slug}/"
    state.tally.add("scan", code)
    return RedirectResponse(f"{target}?c={code}", 302)


async def moved_guide(request: Request) -> RedirectResponse:
    old = request.url.path.removeprefix("/guides/").strip("/")
    new = request.app.state.catalog.moved[old]
    query = f"?{request.url.query}" if request.url.query else ""  # ?c= campaign codes
    return RedirectResponse(f"/guides/{new}/{query}", 301)


async def site_missing(request: Request) -> HTMLResponse:
    return HTMLResponse(
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>就业通</title>'
        "<p>网站页面还没有生成。请先运行 <code>make site</code>。</p></html>", 503)


class Service(Starlette):
    """Starlette with ``QuietErrors`` outermost (see there)."""

    def build_middleware_stack(self) -> ASGIApp:
        return QuietErrors(super().build_middleware_stack())


def create_app(
    settings: Settings | None = None,
    catalog: Catalog | None = None,
    init_db: bool = True,
    tally_interval: float = 5.0,
) -> Starlette:
    """Build the app. Tests pass ``init_db=False`` when a fixture owns the database."""
    settings = settings or Settings.from_env().validate()
    catalog = catalog or load_catalog(settings.content_dir)
    tally = TallyBuffer()
    vault = Vault.from_settings(settings)
    sender = sms.Sender(smsproviders.from_settings(settings), vault, settings.sms_interval)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if init_db:
                await stack.enter_async_context(
                    RegisterTortoise(app, config=settings.tortoise_config(serving=True),
                                     generate_schemas=False))
            flusher = asyncio.create_task(tally.run(tally_interval))
            texts = asyncio.create_task(sender.run())  # the outbox, in every worker
            try:
                yield
            finally:
                flusher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await flusher
                await tally.flush()
                sender.stop()  # the text in hand is finished and marked first
                try:
                    await asyncio.wait_for(texts, 15)
                except (TimeoutError, asyncio.CancelledError):
                    pass  # its lease runs out; another pass sends it
                await sender.provider.close()
                for store in {id(x.store): x.store for x in app.state.limiters.values()}.values():
                    await store.close()

    routes: list[Route | Mount] = [
        Mount("/api", routes=api.routes),  # the busiest: tried first
        Route("/healthz", healthz, methods=["GET"]),
        Route("/q/{code}", scan, methods=["GET"]),
        Route("/q/{code}/{slug}", scan, methods=["GET"]),
        Mount("/staff", routes=console.routes),
        # guides published under another slug before: printed QR codes still lead there
        *(Route(f"/guides/{old}{end}", moved_guide, methods=["GET", "HEAD"])
          for old in catalog.moved for end in ("", "/")),
    ]
    if settings.site_dir.is_dir():
        # pages and assets precompressed at build time (service/static.py); API bodies are
        # compressed once when cached
        routes.append(Mount("/", PrecompressedFiles(settings.site_dir, html=True)))
    else:
        log.warning("site not built at %s: run `make site`", settings.site_dir)
        routes.append(Route("/", site_missing))

    # The ORM and the SQLite driver log every statement with its parameters at DEBUG: CSRF
    # tokens, staff notes, keyed hashes. Never, whatever LOG_LEVEL says.
    for name in ("tortoise.db_client", "aiosqlite"):
        logging.getLogger(name).setLevel(logging.INFO)
    app = Service(
        routes=routes,
        middleware=[
            # production answers only its own host names (Host is the client's to choose)
            *([Middleware(TrustedHostMiddleware, allowed_hosts=settings.hosts,
                          www_redirect=False)] if settings.production else []),
            Middleware(HeadersMiddleware, site=SiteCSP(settings.site_dir),
                       hsts=settings.public_base_url.startswith("https://")),
            Middleware(BodyLimitMiddleware, max_body_size=settings.max_json_body,
                       routes=(RouteLimit(UPLOAD_PATH, settings.max_upload_bytes + 64 * 1024,
                                          documents.too_big(settings.max_upload_bytes)),)),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.catalog = catalog
    app.state.check_body = make_body_checker(catalog, selfcheck.Memo(catalog))
    app.state.encoded = {}  # JSON bodies that depend only on the catalog (see cached_json)
    app.state.tally = tally
    app.state.vault = vault
    # submissions: one INSERT each, grouped when they arrive together (service/rows.py)
    app.state.application_rows = Inserts(Application)
    app.state.sms = sender
    app.state.campaigns = campaigns.CampaignCache()
    # Failed status lookups: 10 per client and reference and 100 per client per 15 minutes,
    # then wait (no guessing; a fair's shared address is not locked by one person). Staff
    # sign-in: 5 wrong passwords lock a username for 15 minutes (whether or not it exists),
    # and 20 from one client lock that client. Applications, and call-back requests apart:
    # SUBMIT_LIMIT per client.
    limits = throttle.limiters(settings.submit_limit, settings.redis_url)
    app.state.lookup_throttle = limits["lookup"]
    app.state.lookup_ref_throttle = limits["lookup-ref"]
    app.state.login_user_throttle = limits["login-user"]
    app.state.login_client_throttle = limits["login"]
    app.state.submit_limit = limits["submit"]
    app.state.callback_limit = limits["callback"]
    app.state.limiters = limits
    return app


def app_from_env() -> Starlette:
    """Entry point for uvicorn workers: ``uvicorn --factory service.app:app_from_env``.

    The catalog, its compiled rules and the app live as long as the process: once built,
    they are moved out of the garbage collector's way (``gc.freeze``), so its full passes
    look only at what requests create (measured: BENCHMARKS.md, the cold self-check)."""
    logging.basicConfig(level=Settings.from_env().log_level.upper())
    app = create_app()
    gc.collect()
    gc.freeze()
    return app
