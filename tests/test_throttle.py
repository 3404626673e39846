"""One limiter, one window, in every store: what a client at the limit is told."""

from __future__ import annotations

import datetime as dt
import socket
import uuid

import pytest

from service import clock
from service.errors import ApiError
from service.throttle import DatabaseStore, Limiter, MemoryStore, RedisStore

pytestmark = pytest.mark.asyncio
T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=clock.UTC)


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(params=["memory", "database", "redis"])
async def store(request):
    if request.param == "database":
        from testdb import DB_URLS
        from tortoise.context import tortoise_test_context

        from service.config import DB_TIMEZONE

        async with tortoise_test_context(["service.models"], db_url=DB_URLS[0].values[0],
                                         timezone=DB_TIMEZONE):
            yield DatabaseStore()
    elif request.param == "redis":
        if not _redis_up():
            pytest.skip("no Redis on 127.0.0.1:6379")
        s = RedisStore("redis://127.0.0.1:6379/0")
        yield s
        await s.close()
    else:
        yield MemoryStore()


async def test_a_client_at_the_limit_waits_until_its_oldest_event_ages_out(store):
    limiter = Limiter(f"t-{uuid.uuid4().hex[:8]}", 3, 600, store, "too_many_attempts",
                      "请{minutes}分钟后再试。")
    client, other = uuid.uuid4().hex, uuid.uuid4().hex
    for minute in (0, 1, 2):
        with clock.frozen(T0 + dt.timedelta(minutes=minute)):
            await limiter.hit(client)
    with clock.frozen(T0 + dt.timedelta(minutes=3)):
        with pytest.raises(ApiError) as e:
            await limiter.hit(client)
        assert e.value.status == 429 and e.value.code == "too_many_attempts"
        assert e.value.headers["Retry-After"] == str(7 * 60)  # the first event ages out at 10
        assert e.value.message == "请7分钟后再试。"
        await limiter.check(other)  # someone else is not held back
    with clock.frozen(T0 + dt.timedelta(minutes=10, seconds=1)):
        await limiter.hit(client)  # a moving window: one slot free again, not all three
        with pytest.raises(ApiError):
            await limiter.check(client)


async def test_checking_counts_nothing(store):
    limiter = Limiter(f"t-{uuid.uuid4().hex[:8]}", 2, 60, store, "c", "{minutes}")
    client = uuid.uuid4().hex
    with clock.frozen(T0):
        for _ in range(5):
            await limiter.check(client)
        assert await limiter.retry_after(client) == 0


async def test_a_flood_of_new_addresses_forgets_the_oldest_not_everyone():
    store = MemoryStore(clients=3)
    limiter = Limiter("t", 1, 600, store, "c", "{minutes}")
    with clock.frozen(T0):
        await limiter.add("patient")
        for i in range(2):
            await limiter.add(f"new{i}")
        with pytest.raises(ApiError):
            await limiter.check("patient")  # still remembered after two more
        await limiter.add("new2")
        await limiter.check("patient")  # the one seen longest ago is forgotten
        with pytest.raises(ApiError):
            await limiter.check("new2")
