"""The one self-check path (service/selfcheck.py): a person answering question by question,
and the memo that must never change an answer."""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics

from people import persona

from service import selfcheck

TODAY = dt.date(2026, 12, 2)


def lapsed(catalog, result: dict, on: dt.date = TODAY) -> bool:
    """Is this result's program past (or before) the dates its source states?"""
    return catalog.by_slug[result["slug"]].scheme.lapsed(on)


def walk(catalog, persona: dict, on: dt.date = TODAY, memo=None) -> tuple[int, dict, dict]:
    """Answer the self-check's questions one by one as this person would, to the end."""
    answers: dict = {}
    asked = 0
    while True:
        body = json.loads(selfcheck.check(catalog, answers, on, memo=memo).raw)
        q = body["next_question"]
        if q is None:
            return asked, answers, body
        fid = q["id"]
        assert fid not in answers, f"asked {fid} twice"
        undecided = {f for r in body["results"] for f in r["missing"]
                     if not lapsed(catalog, r, on)}
        assert fid in undecided, f"asked {fid}, which no undecided program needs"
        answers[fid] = persona[fid]
        asked += 1


def test_the_median_person_is_settled_within_eight_questions(catalog):
    rng = random.Random(20261127)
    memo = selfcheck.Memo(catalog)
    counts = []
    for _ in range(200):
        asked, answers, body = walk(catalog, persona(rng), memo=memo)
        counts.append(asked)
        # settled: nothing left undecided that another question could change, but for
        # programs past their stated end (可能 with the 12333 notice, whatever is answered)
        assert all(not r["missing"] for r in body["results"]
                   if not lapsed(catalog, r))
    assert statistics.median(counts) <= 8, f"median {statistics.median(counts)}: {counts}"


def test_reusing_program_outcomes_never_changes_an_answer(catalog):
    """The memoised checker gives byte-for-byte what a fresh evaluation gives."""
    rng = random.Random(3)
    memo = selfcheck.Memo(catalog)
    for _ in range(300):
        person = persona(rng)
        answers = {k: v for k, v in person.items() if rng.random() < 0.5}
        skip = tuple(k for k in person if k not in answers and rng.random() < 0.2)
        focus = rng.choice([None, "unemployment-insurance", "public-welfare-jobs"])
        on = rng.choice([TODAY, dt.date(2024, 6, 1)])
        assert (selfcheck.check(catalog, answers, on, skip, focus, memo).raw
                == selfcheck.check(catalog, answers, on, skip, focus).raw)


def test_cities_publishing_the_same_program_each_get_their_own_answer(tmp_path):
    """A province's cities publish the same program under their own names: the memo works
    a shared shape out once (selfcheck.shape) and must still give each city's guide its
    own title, link and steps, byte for byte what a fresh evaluation gives."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "loadtests"))
    from bench_catalog import synthetic

    from service.catalog import load_catalog

    copies = load_catalog(synthetic(2, tmp_path))
    memo = selfcheck.Memo(copies)
    assert len(set(memo.shape)) < len(copies.programs)  # some results really are shared
    rng = random.Random(11)
    for _ in range(150):
        person = persona(rng)
        answers = {k: v for k, v in person.items() if rng.random() < 0.7}
        focus = rng.choice([None, "unemployment-insurance-c2", "public-welfare-jobs"])
        got = selfcheck.check(copies, answers, TODAY, (), focus, memo).raw
        assert got == selfcheck.check(copies, answers, TODAY, (), focus).raw
    titles = [r["title"] for r in json.loads(got)["results"]]
    assert len(set(titles)) == len(titles) == len(copies.programs)
