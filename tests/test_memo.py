"""The bounded memo: what it keeps, and what it never lets grow."""

from __future__ import annotations

import pytest

from service.memo import Bounded


def test_an_answer_is_kept_the_second_time_it_is_asked_for():
    calls = []
    m = Bounded(lambda k: calls.append(k) or f"answer {k}", len, max_entries=10, max_bytes=1000)
    assert [m("a"), m("a"), m("a")] == ["answer a"] * 3
    assert calls == ["a", "a"] and m.cache_info().hits == 1 and m.cache_info().currsize == 1


def test_it_stays_within_its_bytes_and_entries_oldest_out_first():
    m = Bounded(lambda k: "x" * k, len, max_entries=3, max_bytes=25)
    for k in (10, 10, 11, 11, 12, 12):
        m(k)
    assert m.bytes <= 25 and list(m.kept) == [(11,), (12,)]
    for k in (1, 1, 2, 2, 3, 3):
        m(k)
    assert len(m.kept) == 3 and (12,) not in m.kept


def test_a_failure_is_never_kept():
    def build(k):
        raise ValueError(k)

    m = Bounded(build, len, max_entries=3, max_bytes=100)
    for _ in range(3):
        with pytest.raises(ValueError):
            m("bad")
    assert m.cache_info().currsize == 0


def test_what_is_asked_for_once_is_remembered_by_a_bounded_number_of_hashes():
    m = Bounded(str, len, max_entries=2, max_bytes=100)
    for k in range(100):
        m(k)
    assert len(m.seen) <= 8 and m.cache_info().currsize == 0
