"""A bounded memo of answers already worked out, limited by entries and by bytes.

Like ``functools.lru_cache`` (least recently used goes first, ``cache_info`` the same shape),
but it also counts the bytes the kept answers hold, and keeps an answer only the second time
it is asked for: a surge of large, never-repeated answers (every person's complete
self-check is new) then neither fills memory nor pushes out the often-repeated ones (the
first screens of a job fair). A key asked for once is remembered by its hash only.
Exceptions are never kept.
"""

from __future__ import annotations

import functools
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
CacheInfo = namedtuple("CacheInfo", "hits misses maxsize currsize")


class Bounded(Generic[T]):
    def __init__(self, build: Callable[..., T], size_of: Callable[[T], int],
                 max_entries: int, max_bytes: int) -> None:
        self.build, self.size_of = build, size_of
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.kept: OrderedDict[Hashable, tuple[T, int]] = OrderedDict()
        # hashes of keys asked for once, oldest first. An OrderedDict, not a dict: a dict
        # used as a queue leaves deleted slots at its front, and next(iter(...)) walked
        # them all (17 us a request once it was full, profiled on never-seen answer sets)
        self.seen: OrderedDict[int, None] = OrderedDict()
        self.bytes = self.hits = self.misses = 0
        functools.update_wrapper(self, build)

    def __call__(self, *key: Any) -> T:
        hit = self.kept.get(key)
        if hit is not None:
            self.kept.move_to_end(key)
            self.hits += 1
            return hit[0]
        self.misses += 1
        value = self.build(*key)
        h = hash(key)
        if h not in self.seen:  # the first time: remember that it was asked for
            self.seen[h] = None
            if len(self.seen) > 4 * self.max_entries:
                self.seen.popitem(last=False)
            return value
        size = self.size_of(value)
        if self.max_entries and size <= self.max_bytes:
            self.kept[key] = (value, size)
            self.bytes += size
            while len(self.kept) > self.max_entries or self.bytes > self.max_bytes:
                _, (_, gone) = self.kept.popitem(last=False)
                self.bytes -= gone
        return value

    def cache_info(self) -> CacheInfo:
        return CacheInfo(self.hits, self.misses, self.max_entries, len(self.kept))
