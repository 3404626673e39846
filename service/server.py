"""``python -m service serve``: migrate once, then run uvicorn (one worker by default)."""

from __future__ import annotations

import sys
from typing import Any

import uvicorn

from .config import Settings
from .db import migrate


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> int:
    if workers < 1:
        print("--workers must be at least 1", file=sys.stderr)
        return 2
    if workers > 1 and settings.is_sqlite:
        print(
            "Refusing --workers > 1 on SQLite: several processes writing one SQLite file lock "
            "each other out. Use PostgreSQL for several workers, e.g.\n"
            "  DATABASE_URL=postgres://user@127.0.0.1:5432/jiuyetong python -m service serve "
            f"--workers {workers}",
            file=sys.stderr,
        )
        return 2
    migrate(settings)  # a release step, run once here, never in each worker
    options = dict(
        app="service.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies or "",
        server_header=False,
        # slow or idle clients must not hold the worker: idle keep-alive connections close
        # after 5 s, and past CONCURRENCY_LIMIT open connections and tasks new ones get 503
        timeout_keep_alive=5,
        limit_concurrency=settings.concurrency_limit,
        access_log=False,  # access logs would record status-lookup URLs; see SECURITY notes
    )
    if workers > 1:  # uvicorn's supervisor: say where before it starts the workers
        print(ready(settings, host, port), flush=True)
        uvicorn.run(**options)  # type: ignore[arg-type]
        return 0
    server = _Server(uvicorn.Config(**options))  # type: ignore[arg-type]
    server.ready = ready(settings, host, port)
    server.run()
    return 0


class _Server(uvicorn.Server):
    """uvicorn, saying where the service is and what to do next once it is listening."""

    ready = ""

    async def startup(self, sockets: list[Any] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            print(self.ready, flush=True)


def ready(settings: Settings, host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"
    return (f"\n就业通 is running: {base}/  (the self-check: {base}/check/)\n"
            f"Staff console: {base}/staff/\n"
            "No staff account yet? Make the first one (it says the password rules, asks for\n"
            "the password twice, and prints the administrator's second factor for an\n"
            "authenticator app):\n"
            "  .venv/bin/python -m service create-staff --username admin --role admin\n"
            "Stop with Ctrl-C.\n")
