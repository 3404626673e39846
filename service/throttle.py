"""Throttles on failed attempts per client (status lookups, logins), shared by all workers.

A moving window: a client with ``limit`` strikes in the last ``window`` seconds is refused
with 429 and a Retry-After until the oldest of them ages out. Strikes live in the database,
so every worker behind the proxy sees the same count; only failures are written, so honest
use costs one indexed read. Clients are recorded as keyed hashes of their address.
"""

from __future__ import annotations

import datetime as dt
import math
import time

from starlette.requests import Request

from . import clock
from .errors import ApiError
from .pii import Vault


def client_of(request: Request, vault: Vault) -> str:
    """The client, as a keyed hash of its address (uvicorn applies trusted proxy headers)."""
    host = request.client.host if request.client else "unknown"
    return vault.digest("client", host)


class Throttle:
    def __init__(self, scope: str, limit: int, window: float) -> None:
        self.scope, self.limit, self.window = scope, limit, window

    async def retry_after(self, client: str) -> int:
        """Seconds until this client may try again; 0 when it may now."""
        from .models import Strike

        now = clock.now()
        recent = await (Strike.filter(scope=self.scope, client=client,
                                      at__gte=now - dt.timedelta(seconds=self.window))
                        .order_by("-at").limit(self.limit).values_list("at", flat=True))
        if len(recent) < self.limit:
            return 0
        oldest = min(recent)
        return max(1, math.ceil((oldest - now).total_seconds() + self.window))

    async def guard(self, client: str) -> None:
        wait = await self.retry_after(client)
        if wait:
            minutes = max(1, math.ceil(wait / 60))
            raise ApiError(429, "too_many_attempts",
                           f"试错的次数太多了，请{minutes}分钟后再试。急事请打12333。",
                           headers={"Retry-After": str(wait)})

    async def strike(self, client: str) -> None:
        from .models import Strike

        now = clock.now()
        await Strike.create(scope=self.scope, client=client, at=now)
        # forget what no window looks at any more (cheap: `at` is indexed)
        await Strike.filter(scope=self.scope,
                            at__lt=now - dt.timedelta(seconds=self.window)).delete()


class RateLimit:
    """At most ``limit`` events per client in each ``window`` seconds (a fixed window).

    Counted in Redis when REDIS_URL is set (shared by every worker: one INCR, one EXPIRE),
    otherwise in this worker's memory. Meant for successful events on hot paths (sending an
    application), where a database write per request would cost too much.
    """

    def __init__(self, scope: str, limit: int, window: int, redis_url: str = "") -> None:
        self.scope, self.limit, self.window = scope, limit, window
        self.counts: dict[str, int] = {}
        self.slot = 0
        self.redis = None
        if redis_url:
            import redis.asyncio as redis

            self.redis = redis.from_url(redis_url)

    async def hit(self, client: str) -> None:
        """Count one event; 429 with Retry-After when the client is over the limit."""
        now = time.time()
        slot = int(now // self.window)
        if self.redis is not None:
            key = f"jy:{self.scope}:{client}:{slot}"
            async with self.redis.pipeline(transaction=False) as pipe:
                count, _ = await pipe.incr(key).expire(key, self.window + 5).execute()
        else:
            if slot != self.slot or len(self.counts) > 50000:  # a new window (or a flood)
                self.counts, self.slot = {}, slot
            count = self.counts[client] = self.counts.get(client, 0) + 1
        if count > self.limit:
            wait = max(1, math.ceil((slot + 1) * self.window - now))
            raise ApiError(429, "too_many_submissions",
                           f"这个网络提交得太多了，请{max(1, math.ceil(wait / 60))}分钟后再试。"
                           "急事请打12333。", headers={"Retry-After": str(wait)})

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
