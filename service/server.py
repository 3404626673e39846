"""``python -m service serve``: migrate once, then run uvicorn (one worker by default)."""

from __future__ import annotations

import sys

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
    uvicorn.run(
        "service.app:app_from_env",
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
    return 0
