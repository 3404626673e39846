"""Anonymous counts, buffered in memory and written in one batch every few seconds.

A job-fair surge means thousands of self-checks a minute; writing a row per request would make
every request wait on the database's write lock. The buffer is flushed by a background task
and at shutdown; a crash loses at most one interval of anonymous counts (never anything a
person submitted).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import Counter
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

log = logging.getLogger("service.tally")

Key = tuple[int, str, str]  # (hours since the epoch, event, campaign)
MAX_KEYS = 5000  # bound memory if someone sends many made-up campaign codes
OTHER = "(other)"


class TallyBuffer:
    def __init__(self) -> None:
        self.counts: Counter[Key] = Counter()

    def add(self, event: str, campaign: str = "", now: float | None = None) -> None:
        key = (int(time.time() if now is None else now) // 3600, event, campaign)
        if key not in self.counts and len(self.counts) >= MAX_KEYS:
            key = (key[0], event, OTHER)
        self.counts[key] += 1

    async def flush(self) -> int:
        """Write the buffered counts; on failure they go back into the buffer."""
        from .models import Tally

        pending, self.counts = self.counts, Counter()
        done = 0
        try:
            for (hours, event, campaign), n in list(pending.items()):
                hour = dt.datetime.fromtimestamp(hours * 3600, dt.UTC)
                where: dict[str, Any] = {"hour": hour, "event": event, "campaign": campaign}
                if not await Tally.filter(**where).update(count=F("count") + n):
                    try:
                        await Tally.create(**where, count=n)
                    except IntegrityError:  # another worker created it meanwhile
                        await Tally.filter(**where).update(count=F("count") + n)
                del pending[(hours, event, campaign)]
                done += n
        except Exception as e:  # database away: keep the counts for the next try
            log.warning("tally flush failed (%s: %s); will retry", type(e).__name__, e)
            self.counts.update(pending)
        return done

    async def run(self, interval: float = 5.0) -> None:
        while True:
            await asyncio.sleep(interval)
            await self.flush()
