"""The one clock: the current time, and Beijing dates, for everything in the service.

Times are stored and compared in UTC; people see dates and times in Beijing time (UTC+8, no
daylight saving). Everything that asks "what time is it" or "what day is it in Zaozhuang"
asks this module, so a test can set the clock once (``frozen``) and every part of the service
sees the same moment: the self-check's "as of today", year limits on answers, throttle
windows, session expiry and the staff console's date filters.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
UTC = dt.UTC

_fixed: dt.datetime | None = None


def now() -> dt.datetime:
    """The current moment, timezone-aware, in UTC."""
    return _fixed if _fixed is not None else dt.datetime.now(UTC)


def local_now() -> dt.datetime:
    """The current moment in Beijing time."""
    return now().astimezone(BEIJING)


def today() -> dt.date:
    """Today's date in Zaozhuang."""
    return local_now().date()


def this_year() -> int:
    return local_now().year


def parse_day(value: str) -> dt.date | None:
    """A YYYY-MM-DD text as a date; None for "" and for a day that does not exist."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (ValueError, OverflowError):
        return None


def day_start(d: dt.date) -> dt.datetime:
    """Midnight at the start of ``d`` in Beijing, as UTC.

    SQLite compares the stored (UTC) times as text, so a bound with another offset would
    compare wrongly: bounds are always given in UTC."""
    return dt.datetime(d.year, d.month, d.day, tzinfo=BEIJING).astimezone(UTC)


def day_bounds(first: dt.date | None, last: dt.date | None) -> tuple[dt.datetime | None,
                                                                    dt.datetime | None]:
    """[start, end) in UTC covering the Beijing days ``first`` to ``last`` inclusive."""
    start = day_start(first) if first else None
    end = day_start(last + dt.timedelta(days=1)) if last else None
    return start, end


def local(t: dt.datetime) -> dt.datetime:
    """A stored time, in Beijing time."""
    return t.astimezone(BEIJING)


def local_text(t: dt.datetime | None, spec: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time as staff read it ("2026-12-02 14:05"); empty for no time."""
    return local(t).strftime(spec) if t else ""


def local_iso(t: dt.datetime) -> str:
    """A stored time as the API gives it to applicants (ISO 8601, minutes, +08:00)."""
    return local(t).isoformat(timespec="minutes")


@contextlib.contextmanager
def frozen(at: dt.datetime | dt.date) -> Iterator[None]:
    """Set the clock for the duration of a block (tests). A date means noon in Beijing."""
    global _fixed
    if not isinstance(at, dt.datetime):
        at = dt.datetime(at.year, at.month, at.day, 12, tzinfo=BEIJING)
    if at.tzinfo is None:
        raise ValueError("a frozen time needs a timezone")
    previous, _fixed = _fixed, at.astimezone(UTC)
    try:
        yield
    finally:
        _fixed = previous
