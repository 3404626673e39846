"""The self-check: from (catalog, answers, date, skip, focus) to the answer people see.

``check`` is the one path: the API, the tests and the benchmarks all call it. It is pure —
the same inputs give the same bytes — and it may be given a ``Memo``, which only keeps
results it has already worked out (nothing personal is kept: see ``Memo``).

The answer lists every program with its status (符合 / 可能符合 / 不符合), one reason per
condition (each with the clause it encodes, and the step to take where one is open), what
the person gets, and the program's dates; then the counts and the next question to ask.
Results come in the order that matters to the person: the program whose guide they came
from first, whatever its status; then by status; within a status, money or a post paid to
them before a loan or a subsidy, before advice (the guide's ``weight``), and programs
tailored to them (more conditions about them met) before general services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from typing import Any

import msgspec

from . import engine
from .catalog import Catalog, Program
from .errors import Encoded
from .facts import FACTS_BY_ID, question_json

_STATUS_ORDER = {engine.ELIGIBLE: 0, engine.MAYBE: 1, engine.INELIGIBLE: 2}
_ENCODE = msgspec.json.Encoder().encode

# One program's result, ready to join into a response: its ordering key, status, the facts it
# still needs, whether it has lapsed, and its encoded JSON.
Entry = tuple[tuple[int, int, int, int], str, tuple[str, ...], bool, bytes]


def _basis(b: engine.Basis | None) -> str | None:
    """The clause, as people read it ("社会保险法第四十五条（一）"); GET /api/programs/{slug}
    gives each condition's source, section and the words quoted."""
    return None if b is None else b.cite


def _step(s: engine.Step | None, own: str) -> dict[str, str | None] | None:
    """The step to take, with the guide that explains it (none when it is this guide)."""
    if s is None:
        return None
    return {"text": s.text, "url": f"/guides/{s.via}/" if s.via and s.via != own else None}


def reason(r: engine.Reason, own: str) -> dict[str, Any]:
    """One reason as people see it (the staff console shows the same)."""
    return {"text": r.text, "met": r.met, "basis": _basis(r.basis), "step": _step(r.step, own)}


def static_json(program: Program) -> bytes:
    """The parts of a program's result that never change, encoded: the opening of its JSON."""
    d = program.data
    return _ENCODE({"slug": program.slug, "title": d.title, "summary": d.summary,
                    "url": program.url, "applies_online": d.applies_online,
                    "notes": [n.text for n in d.notes]})[:-1] + b","


def result(program: Program, outcome: engine.Outcome, on: dt.date,
           static: bytes | None = None,
           encoded: Callable[[engine.Reason], bytes | None] = lambda r: None) -> bytes:
    """One program's result as the API gives it, encoded (``encoded`` may already hold a
    reason's JSON)."""
    g = outcome.gets
    gets = None if g is None else {"text": g.text, "note": outcome.gets_note or None,
                                   "basis": g.cite or None}
    return b"".join((
        static or static_json(program),
        b'"status":"', outcome.status.encode(), b'","reasons":[',
        b",".join(encoded(r) or _ENCODE(reason(r, program.slug)) for r in outcome.reasons),
        b'],"missing":', _ENCODE(outcome.missing), b',"gets":', _ENCODE(gets),
        b',"in_force":', _ENCODE(program.in_force_state(on)), b"}",
    ))


def entry(program: Program, index: int, answers: dict[str, Any], on: dt.date,
          memo: Memo | None = None, frozen: dict[str, Any] | None = None) -> Entry:
    if memo is None or frozen is None:
        outcome = engine.evaluate(program.scheme, answers, on)
        encoded = result(program, outcome, on)
    else:
        reason_of = partial(memo.reason, frozen, program.slug)
        outcome = engine.evaluate(program.scheme, answers, on, reason_of)
        encoded = result(program, outcome, on, memo.static[index], memo.encoded_reason)
    order = (_STATUS_ORDER[outcome.status], -program.data.weight, -outcome.tailored, index)
    return order, outcome.status, outcome.missing, program.scheme.lapsed(on), encoded


class Memo:
    """Results already worked out, kept for reuse; the self-check itself stays pure.

    A program's result depends only on the answers to the facts it reads (its own, those of
    the programs granting its steps, those of its what-you-get lines) and the day, and across
    a crowd those values repeat (everyone from Zaozhuang gets the same "户口…在枣庄" reason), so
    each program's entry is kept, already encoded, keyed by those values. Whole responses
    are kept too, for repeated answer sets (the first screens of a job fair). Both are
    bounded, so made-up answers cannot grow memory without limit.
    """

    def __init__(self, catalog: Catalog, cache_size: int = 4096, per_program: int = 2048,
                 per_rule: int = 16384):
        self.catalog = catalog
        self.per_program = per_program
        self.per_rule = per_rule
        self.memos: list[dict[tuple, Entry]] = [{} for _ in catalog.programs]
        # a condition's reason, and its JSON, by the answers it reads (see ``reason``)
        self.reasons: dict[tuple, engine.Reason] = {}
        self.reason_json: dict[int, bytes] = {}
        self.static = [static_json(p) for p in catalog.programs]
        self.whole = lru_cache(maxsize=cache_size)(self._whole)
        self.cache_info = self.whole.cache_info

    def entry(self, i: int, program: Program, answers: dict[str, Any],
              frozen: dict[str, Any], on: dt.date) -> Entry:
        memo = self.memos[i]
        key = (on, *map(frozen.get, program.scheme.facts))
        hit = memo.get(key)
        if hit is None:
            hit = entry(program, i, answers, on, self, frozen)
            if len(memo) >= self.per_program:
                memo.clear()
            if self.per_program:
                memo[key] = hit
        return hit

    def reason(self, frozen: dict[str, Any], own: str, rule: engine.Rule, answers: Any,
               year: int) -> engine.Reason:
        """A condition's reason depends only on the answers it reads: a program's whole
        answers may be new while most of its conditions' values have been seen before."""
        key = (id(rule), year, *map(frozen.get, rule.reads))
        hit = self.reasons.get(key)
        if hit is None:
            hit = engine.reason(rule, answers, year)
            if len(self.reasons) >= self.per_rule:
                self.reasons.clear()
                self.reason_json.clear()
            if self.per_rule:
                self.reasons[key] = hit
                self.reason_json[id(hit)] = _ENCODE(reason(hit, own))
        return hit

    def encoded_reason(self, r: engine.Reason) -> bytes | None:
        """The JSON of a reason this memo gave out (kept alive with it), or None."""
        return self.reason_json.get(id(r))

    def _whole(self, key: tuple, on: dt.date, skip: tuple[str, ...],
               focus: str | None) -> Encoded:
        return _check(self.catalog, dict(key), on, skip, focus, self)


def _freeze(answers: dict[str, Any]) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v)
                        for k, v in answers.items()))


def check(catalog: Catalog, answers: dict[str, Any], on: dt.date,
          skip: Iterable[str] = (), focus: str | None = None,
          memo: Memo | None = None) -> Encoded:
    """The self-check's answer for validated answers, as of ``on``, as an encoded JSON body.

    ``skip`` are questions the person answered "不知道" (not asked again); ``focus`` is the
    program whose guide they came from (its questions first, its result first)."""
    skip = tuple(sorted(set(skip)))
    if memo is not None:
        return memo.whole(_freeze(answers), on, skip, focus)
    return _check(catalog, dict(_freeze(answers)), on, skip, focus, None)


def _check(catalog: Catalog, frozen: dict[str, Any], on: dt.date, skip: tuple[str, ...],
           focus: str | None, memo: Memo | None) -> Encoded:
    # lists are tuples in ``frozen`` (hashable, for the memo keys); the engine reads lists
    answers = {k: list(v) if isinstance(v, tuple) else v for k, v in frozen.items()}
    programs = catalog.programs
    entries = [memo.entry(i, p, answers, frozen, on) if memo is not None
               else entry(p, i, answers, on) for i, p in enumerate(programs)]
    # A program past its stated end cannot be 符合 whatever the answers: its result is 可能
    # with the 12333 notice at best, so no question is asked only to settle it.
    undecided = [(programs[i].rules, e[3], e[2]) for i, e in enumerate(entries)
                 if e[2] and not e[3]]
    focus_needed: Iterable[str] = ()
    if focus:
        fp = catalog.by_slug[focus]
        focus_needed = engine.needed_facts(fp.rules, answers, on.year, fp.scheme.lapsed(on))
    nq = engine.choose_question(undecided, answers, on.year, skip, focus_needed)
    counts = {s: 0 for s in _STATUS_ORDER}
    for e in entries:
        counts[e[1]] += 1
    # the program the person came from comes first, whatever its status
    order = sorted(range(len(entries)),
                   key=lambda i: (programs[i].slug != focus, entries[i][0]))
    return Encoded(b"".join((
        b'{"results":[', b",".join(entries[i][4] for i in order), b'],"counts":',
        _ENCODE(counts), b',"focus":', _ENCODE(focus), b',"date":', _ENCODE(on.isoformat()),
        b',"next_question":',
        _ENCODE(question_json(FACTS_BY_ID[nq], on.year) if nq else None), b"}",
    )))
