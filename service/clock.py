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
import re
import unicodedata
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


# How staff may write a day (年-月-日, 2000 to 2099): 2026-12-03, 2026-12-3, 2026/12/3,
# 2026.12.3, 2026年12月3日 (or 号), 20261203, with full-width digits and signs as a Chinese
# input method types them. One pattern, written so that it means the same to Python's re
# and to a browser's <input pattern> (JavaScript, v flag: no named groups, and no escapes
# or ranges inside a class but digits): the console's date fields carry it, bodies.py
# checks the shape with it, and ``parse_day`` reads the day.
_D = "[0-9０-９]"
DAY_PATTERN = (
    rf"\s*(?:2|２)(?:0|０){_D}{{2}}(?:"
    rf"(?:-|－){_D}{{1,2}}(?:-|－){_D}{{1,2}}"
    rf"|(?:/|／){_D}{{1,2}}(?:/|／){_D}{{1,2}}"
    rf"|(?:\.|．){_D}{{1,2}}(?:\.|．){_D}{{1,2}}"
    rf"|\s*年\s*{_D}{{1,2}}\s*月\s*{_D}{{1,2}}\s*(?:日|号)?"
    rf"|{_D}{{4}})\s*")
_DAY = re.compile(DAY_PATTERN)
DAY_EXAMPLE = "2026-12-03"


# What staff read when a date field is wrong: text that is no date, or a day that is none.
DAY_FORMAT_ERROR = "日期请按“年-月-日”写，比如 2026-12-03（写 2026/12/3 或 2026年12月3日 也行）。"


def read_day(value: str) -> tuple[dt.date | None, str]:
    """A day as staff type it (``DAY_PATTERN``): (the date, "") or, for "", (None, ""); for
    anything else (None, what is wrong with it, in Chinese)."""
    if not value.strip():
        return None, ""
    if not _DAY.fullmatch(value):
        return None, DAY_FORMAT_ERROR
    digits = re.findall(r"[0-9]+", unicodedata.normalize("NFKC", value))
    if len(digits) == 1:  # 20261203
        digits = [digits[0][:4], digits[0][4:6], digits[0][6:]]
    year, month, day = (int(n) for n in digits)
    try:
        return dt.date(year, month, day), ""
    except ValueError:  # 2027-02-30
        return None, f"没有{year}年{month}月{day}日这一天，请核对一下日期。"


def parse_day(value: str) -> dt.date | None:
    """A day as staff type it as a date; None for "", for other text and for a day that
    does not exist (2027-02-30)."""
    return read_day(value)[0]


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
