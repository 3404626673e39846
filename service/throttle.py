"""Per-client limits: one mechanism, one window, for failed lookups, sign-ins and sending.

A ``Limiter`` allows ``limit`` events per client in any ``window`` seconds (a moving
window): a client with that many events in the last ``window`` seconds is refused with 429
and a Retry-After until the oldest of them ages out. Clients are recorded as keyed hashes
of their address, never as addresses.

Where the events are counted is the limiter's ``store``:

- ``DatabaseStore``: the ``Strike`` table, shared by every worker behind the proxy. For
  failures (wrong status lookups, wrong passwords): only failures are written, so honest use
  costs one indexed read.
- ``RedisStore`` (when REDIS_URL is set): a sorted set per client, shared by every worker,
  cheap enough for every application sent.
- ``MemoryStore``: this worker's memory, for the submission limit without Redis (one
  worker counts alone; the README says so).
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import itertools
import math
from collections import OrderedDict, deque
from typing import Any, Protocol, cast

from starlette.requests import Request

from . import clock
from .errors import ApiError
from .pii import Vault


@functools.lru_cache(maxsize=4096)  # a fair's hall sends thousands from one address
def client_address(host: str) -> str:
    """One spelling per client: an IPv4 address as is (also when written as ::ffff:a.b.c.d),
    an IPv6 address as its /64 (one household or phone gets a whole /64, and can write an
    address in it many ways), anything unreadable as given."""
    text = host.strip().strip("[]").split("%", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def address_of(request: Request) -> str:
    """The client's address in one spelling (uvicorn applies trusted proxy headers)."""
    return client_address(request.client.host if request.client else "unknown")


def client_of(request: Request, vault: Vault) -> str:
    """The client, as a keyed hash of its address."""
    return _client_key(vault, address_of(request))


@functools.lru_cache(maxsize=4096)  # one HMAC per address, not per request
def _client_key(vault: Vault, address: str) -> str:
    return vault.digest("client", address)


class Store(Protocol):
    async def nth_latest(self, scope: str, client: str, since: dt.datetime,
                         n: int) -> dt.datetime | None:
        """The time of this client's ``n``-th latest event after ``since``; None when it
        has fewer. (One value, found without walking the others: a generous limit, as in a
        rehearsal, must not make every request slower.)"""

    async def add(self, scope: str, client: str, at: dt.datetime, window: float) -> None:
        """Record one event (and forget what no window looks at any more)."""

    async def clear(self, scope: str, client: str) -> None:
        """Forget this client's events (an administrator lifting a lock)."""

    async def close(self) -> None: ...


class DatabaseStore:
    async def nth_latest(self, scope: str, client: str, since: dt.datetime,
                         n: int) -> dt.datetime | None:
        from .models import Strike

        times = await (Strike.filter(scope=scope, client=client, at__gte=since)
                       .order_by("-at").offset(n - 1).limit(1).values_list("at", flat=True))
        return cast(list[dt.datetime], times)[0] if times else None

    async def add(self, scope: str, client: str, at: dt.datetime, window: float) -> None:
        from .models import Strike

        await Strike.create(scope=scope, client=client, at=at)
        # forget what no window looks at any more (cheap: `at` is indexed)
        await Strike.filter(scope=scope, at__lt=at - dt.timedelta(seconds=window)).delete()

    async def clear(self, scope: str, client: str) -> None:
        from .models import Strike

        await Strike.filter(scope=scope, client=client).delete()

    async def close(self) -> None:
        return None


class RedisStore:
    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        # redis-py types one client for sync and async use; its async calls are typed loosely
        self.redis: Any = redis.from_url(url)
        self.serial = itertools.count()

    async def nth_latest(self, scope: str, client: str, since: dt.datetime,
                         n: int) -> dt.datetime | None:
        rows = await self.redis.zrevrangebyscore(f"jy:{scope}:{client}", "+inf",
                                                 since.timestamp(), start=n - 1, num=1,
                                                 withscores=True)
        return dt.datetime.fromtimestamp(rows[0][1], clock.UTC) if rows else None

    async def add(self, scope: str, client: str, at: dt.datetime, window: float) -> None:
        key, t = f"jy:{scope}:{client}", at.timestamp()
        async with self.redis.pipeline(transaction=False) as pipe:
            await (pipe.zadd(key, {f"{t}:{next(self.serial)}": t})
                   .zremrangebyscore(key, "-inf", t - window)
                   .expire(key, int(window) + 5).execute())

    async def clear(self, scope: str, client: str) -> None:
        await self.redis.delete(f"jy:{scope}:{client}")

    async def close(self) -> None:
        await self.redis.aclose()


class MemoryStore:
    """Events in this worker's memory; at most ``clients`` clients are remembered (the one
    seen longest ago is forgotten first, so a flood of new addresses cannot reset everyone)."""

    def __init__(self, clients: int = 50_000) -> None:
        self.clients = clients
        self.events: OrderedDict[tuple[str, str], deque[dt.datetime]] = OrderedDict()

    async def nth_latest(self, scope: str, client: str, since: dt.datetime,
                         n: int) -> dt.datetime | None:
        times = self.events.get((scope, client))
        if not times:
            return None
        while times and times[0] < since:  # oldest first: what no window looks at goes
            times.popleft()
        return times[-n] if len(times) >= n else None

    async def add(self, scope: str, client: str, at: dt.datetime, window: float) -> None:
        key = (scope, client)
        times = self.events.pop(key, None) or deque()
        times.append(at)
        while times and times[0] < at - dt.timedelta(seconds=window):
            times.popleft()
        self.events[key] = times  # most recently seen last
        while len(self.events) > self.clients:
            self.events.popitem(last=False)

    async def clear(self, scope: str, client: str) -> None:
        self.events.pop((scope, client), None)

    async def close(self) -> None:
        return None


class Limiter:
    """At most ``limit`` events per client in any ``window`` seconds (see the module)."""

    def __init__(self, scope: str, limit: int, window: float, store: Store, code: str,
                 message: str) -> None:
        """``message`` is said with 429; ``{minutes}`` is how long to wait."""
        self.scope, self.limit, self.window = scope, limit, window
        self.store, self.code, self.message = store, code, message

    async def retry_after(self, client: str) -> int:
        """Seconds until this client may go on; 0 when it may now."""
        now = clock.now()
        oldest = await self.store.nth_latest(
            self.scope, client, now - dt.timedelta(seconds=self.window), self.limit)
        if oldest is None:
            return 0
        return max(1, math.ceil((oldest - now).total_seconds() + self.window))

    async def check(self, client: str) -> None:
        """429 with Retry-After when the client is at the limit; nothing is counted."""
        wait = await self.retry_after(client)
        if wait:
            raise ApiError(429, self.code,
                           self.message.format(minutes=max(1, math.ceil(wait / 60))),
                           headers={"Retry-After": str(wait)})

    async def add(self, client: str) -> None:
        """Count one event (a failed attempt, an application sent)."""
        await self.store.add(self.scope, client, clock.now(), self.window)

    async def clear(self, client: str) -> None:
        """Forget this client's events: it may go on at once."""
        await self.store.clear(self.scope, client)

    async def hit(self, client: str) -> None:
        """Check, then count: for events that are limited as they happen."""
        await self.check(client)
        await self.add(client)

    async def close(self) -> None:
        await self.store.close()


ATTEMPTS = "试错的次数太多了，请{minutes}分钟后再试。急事请打12333。"
SUBMISSIONS = "这个网络提交得太多了，请{minutes}分钟后再试。急事请打12333。"


def limiters(submit_limit: str, redis_url: str = "") -> dict[str, Limiter]:
    """The service's limiters: failed status lookups (10 per client and reference, 100 per
    client, per 15 minutes: a fair's shared address must not lock everyone behind it out for
    one person's typos), wrong passwords (5 per username, 20 per client, per 15 minutes),
    applications sent (SUBMIT_LIMIT), and call-back requests (SUBMIT_LIMIT as well)."""
    shared: Store = RedisStore(redis_url) if redis_url else DatabaseStore()
    sending: Store = shared if redis_url else MemoryStore()
    count, seconds = (int(x) for x in submit_limit.split("/"))
    return {
        "lookup": Limiter("lookup", 100, 15 * 60, shared, "too_many_attempts", ATTEMPTS),
        "lookup-ref": Limiter("lookup-ref", 10, 15 * 60, shared, "too_many_attempts",
                              ATTEMPTS),
        "login-user": Limiter("login-user", 5, 15 * 60, shared, "too_many_attempts",
                              ATTEMPTS),
        "login": Limiter("login", 20, 15 * 60, shared, "too_many_attempts", ATTEMPTS),
        "submit": Limiter("submit", count, seconds, sending, "too_many_submissions",
                          SUBMISSIONS),
        # call-back requests: as many again, counted apart (asking for a call must not use
        # up what a fair's shared address may send in applications)
        "callback": Limiter("callback", count, seconds, sending, "too_many_submissions",
                            SUBMISSIONS),
    }
