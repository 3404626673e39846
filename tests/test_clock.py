"""The one clock: Zaozhuang's day and year, whatever the server's own time zone."""

from __future__ import annotations

import datetime as dt

import pytest

from service import clock

UTC = dt.UTC


def test_someone_applying_just_before_midnight_on_new_years_eve_applies_in_the_old_year():
    with clock.frozen(dt.datetime(2026, 12, 31, 15, 30, tzinfo=UTC)):  # 23:30 in Zaozhuang
        assert clock.today() == dt.date(2026, 12, 31) and clock.this_year() == 2026
    with clock.frozen(dt.datetime(2026, 12, 31, 16, 30, tzinfo=UTC)):  # 00:30 on 1 January
        assert clock.today() == dt.date(2027, 1, 1) and clock.this_year() == 2027
        assert clock.local_now().hour == 0 and clock.now().tzinfo == UTC


def test_a_day_in_the_console_is_a_beijing_day_given_to_the_database_in_utc():
    start, end = clock.day_bounds(dt.date(2027, 3, 1), dt.date(2027, 3, 1))
    assert start == dt.datetime(2027, 2, 28, 16, 0, tzinfo=UTC)
    assert end == dt.datetime(2027, 3, 1, 16, 0, tzinfo=UTC)  # exclusive: the next midnight
    assert start.utcoffset() == end.utcoffset() == dt.timedelta(0)  # SQLite compares text
    assert clock.day_bounds(None, None) == (None, None)
    start, end = clock.day_bounds(None, dt.date(2027, 3, 31))
    assert start is None and end == dt.datetime(2027, 3, 31, 16, 0, tzinfo=UTC)


def test_times_are_shown_in_beijing_time():
    sent = dt.datetime(2027, 3, 1, 1, 5, tzinfo=UTC)
    assert clock.local_iso(sent) == "2027-03-01T09:05+08:00"
    assert clock.local_text(sent) == "2027-03-01 09:05"
    assert clock.local_text(None) == ""


@pytest.mark.parametrize("text, day", [
    ("2028-02-29", dt.date(2028, 2, 29)), ("2027-02-29", None), ("2027-13-01", None),
    ("", None), ("3月1日", None), ("99999-01-01", None),
    ("2028/2/29", dt.date(2028, 2, 29)), ("2028年2月29日", dt.date(2028, 2, 29)),
    ("20280229", dt.date(2028, 2, 29)), ("２０２８－０２－２９", dt.date(2028, 2, 29)),
    ("2027年2月29日", None), ("02/29/2028", None), ("٢٠٢٨-٠٢-٢٩", None), ("2028 0229", None),
])
def test_a_typed_day_is_a_real_day_or_nothing(text, day):
    assert clock.parse_day(text) == day


def test_a_test_sets_the_clock_for_everything_and_gets_the_real_one_back():
    with clock.frozen(dt.date(2024, 6, 1)):  # a day means noon in Zaozhuang
        assert clock.local_now() == dt.datetime(2024, 6, 1, 12, tzinfo=clock.BEIJING)
        with clock.frozen(dt.datetime(2025, 1, 1, 0, 0, tzinfo=clock.BEIJING)):
            assert clock.today() == dt.date(2025, 1, 1)
        assert clock.today() == dt.date(2024, 6, 1)
    assert abs(clock.now() - dt.datetime.now(UTC)) < dt.timedelta(minutes=1)
    with pytest.raises(ValueError), clock.frozen(dt.datetime(2024, 6, 1, 12)):
        pass  # a time without a zone is ambiguous
