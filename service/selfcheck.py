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
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from itertools import chain, islice
from operator import itemgetter
from typing import Any

import msgspec

from . import engine
from .catalog import Catalog, Program
from .facts import FACTS_BY_ID, Step, question_json
from .memo import Bounded
from .responses import Encoded

_STATUS_ORDER = {engine.ELIGIBLE: 0, engine.MAYBE: 1, engine.INELIGIBLE: 2}
_ENCODE = msgspec.json.Encoder().encode

# One program's result, ready to join into a response: its ordering key (one int, so that
# sorting the results is a sort of ints), status, the facts it still needs, whether it has
# lapsed, and the encoded part of its JSON object that follows ``static_json`` (``result``).
Entry = tuple[int, str, tuple[str, ...], bool, bytes]


def order_key(status: str, weight: int, tailored: int, index: int, position: int) -> int:
    """(status, then money before advice, then tailored before general, then catalog order
    ``index``) packed into one int that sorts the same; the low bits hold ``position``, where
    the entry sits in the list being sorted (the catalog order, or the memo's order)."""
    return ((_STATUS_ORDER[status] << 60) | ((1024 - weight) << 48) | ((65535 - tailored) << 32)
            | (index << 16) | position)


def _basis(b: engine.Basis | None) -> str | None:
    """The clause, as people read it ("社会保险法第四十五条（一）"); GET /api/programs/{slug}
    gives each condition's source, section and the words quoted."""
    return None if b is None else b.cite


def _step(s: Step | None, own: str) -> dict[str, str | None] | None:
    """The step to take, with the guide that explains it (none when it is this guide)."""
    if s is None:
        return None
    return {"text": s.text, "url": f"/guides/{s.via}/" if s.via and s.via != own else None}


def reason(r: engine.Reason, own: str) -> dict[str, Any]:
    """One reason as people see it (the staff console shows the same); ``step`` only when
    there is one."""
    out: dict[str, Any] = {"text": r.text, "met": r.met, "basis": _basis(r.basis)}
    if r.step is not None:
        out["step"] = _step(r.step, own)
    return out


def static_json(program: Program) -> bytes:
    """The parts of a program's result that never change, encoded: the opening of its JSON,
    with the comma that separates it from the result before it (see ``_check``)."""
    d = program.data
    out: dict[str, Any] = {"slug": program.slug, "title": d.title, "summary": d.summary,
                           "url": program.url, "applies_online": d.applies_online}
    if d.notes:
        out["notes"] = [n.text for n in d.notes]
    return b"," + _ENCODE(out)[:-1] + b","


def _reason_json(r: engine.Reason, own: str) -> bytes:
    return _ENCODE(reason(r, own))


def gets_json(outcome: engine.Outcome) -> bytes:
    """What the person gets: the line, its note (参考 …) and its source, when there are."""
    g = outcome.gets
    if g is None:
        return b"null"
    out = {"text": g.text}
    if outcome.gets_note:
        out["note"] = outcome.gets_note
    if g.cite:
        out["basis"] = g.cite
    return _ENCODE(out)


def result(program: Program, outcome: engine.Outcome, on: dt.date,
           memo: Memo | None = None, shape_id: int = 0) -> bytes:
    """The part of a program's result that depends on the answers, encoded: it follows
    ``static_json`` (with a memo, built from the pieces the memo already holds; programs of
    one ``shape`` share it)."""
    if memo is None:
        gets = gets_json(outcome)
        reasons = b",".join(_ENCODE(reason(r, program.slug)) for r in outcome.reasons)
    else:
        gets = memo.piece(("gets", id(outcome.gets), outcome.gets_note), gets_json, outcome)
        notice = program.scheme.notice(on) if program.scheme.lapsed(on) else None
        reasons = b",".join([
            memo.reason_json.get(id(r))
            or (memo.piece(("notice", shape_id, on), _reason_json, r, program.slug)
                if r is notice else _reason_json(r, program.slug))
            for r in outcome.reasons])
    return b"".join((
        b'"status":"', outcome.status.encode(), b'","reasons":[', reasons,
        b'],"missing":', _ENCODE(outcome.missing), b',"gets":', gets, b"}",
    ))


def entry(program: Program, index: int, answers: dict[str, Any], on: dt.date) -> Entry:
    """One program's entry, worked out afresh (no memo: its position is its index)."""
    outcome = engine.evaluate(program.scheme, answers, on)
    encoded = result(program, outcome, on)
    order = order_key(outcome.status, program.data.weight, outcome.tailored, index, index)
    return order, outcome.status, outcome.missing, program.scheme.lapsed(on), encoded


def shape(program: Program) -> tuple[Any, ...]:
    """What a program's result depends on besides its own static text: its conditions, its
    dates and its what-you-get lines (identical conditions compile to the one Node, so two
    cities publishing one program have equal shapes). A step that points at the program's
    own guide is said without a link, so such a program shares its shape with no other."""
    sch = program.scheme
    own = any(step is not None and step.via == program.slug
              for r in sch.rules for step in (r.maybe_step, *(ob.step for ob in r.obtainable)))
    return sch.rules, sch.in_force, sch.gets, program.slug if own else None


Narrowing = tuple[str, frozenset[str]]  # a list fact, and the options someone looks at


class Memo:
    """Results already worked out, kept for reuse; the self-check itself stays pure.

    A program's result depends only on the answers to the facts it reads (its own, those of
    the programs granting its steps, those of its what-you-get lines) — of a list such as
    ``groups``, only the options it looks at — and the day. Across a crowd those values
    repeat (everyone from Zaozhuang gets the same "户口…在枣庄" reason), so results are kept,
    already encoded, keyed by those values, and so is each condition's reason. Whole
    responses are kept too, for repeated answer sets (the first screens of a job fair). All
    are bounded, so made-up answers cannot grow memory without limit.

    Programs that read the same facts (and the same options of lists) form a group: one key
    a group is read and looked up per request, and a miss works out the whole group, each
    distinct ``shape`` once (a province's cities publishing the same program cost one). The
    memo's list of entries is in group order; ``programs`` and ``position`` translate.

    Keys are read in one step (``operator.itemgetter``) from a per-request view of the
    answers that already holds every narrowed list (see ``view``).

    Groups' entries share one budget of bytes (``program_bytes``, by default 2 MB a program
    up to 256 MB), oldest out first: a group that reads one yes/no question needs two
    entries, one that reads age, insured years and work status thousands, and a count per
    group would starve the second while the first never fills its share.
    """

    def __init__(self, catalog: Catalog, cache_size: int = 4096,
                 program_bytes: int | None = None, per_rule: int = 32768,
                 whole_bytes: int = 128 << 20):
        self.catalog = catalog
        programs = catalog.programs
        self.program_bytes = (min(len(programs) << 21, 256 << 20) if program_bytes is None
                              else program_bytes)
        self.kept_bytes = 0
        self.kept: deque[tuple[int, tuple[Any, ...], int]] = deque()  # oldest first
        # reasons kept: ``per_rule`` for up to 50 programs, as many more for each 50 beyond
        self.per_rule = per_rule * max(1, len(programs) // 50)
        readers: dict[tuple[Any, ...], list[int]] = {}
        for i, p in enumerate(programs):
            readers.setdefault((p.scheme.facts, p.scheme.options), []).append(i)
        self.groups = list(readers.values())  # catalog indices, a list per group
        self.programs = [programs[i] for g in self.groups for i in g]  # by position
        self.position = {i: pos for pos, i in enumerate(i for g in self.groups for i in g)}
        shapes: dict[tuple[Any, ...], int] = {}
        self.shape = [shapes.setdefault(shape(p), len(shapes)) for p in programs]
        self.memos: list[dict[tuple[Any, ...], tuple[Entry, ...]]] = [{} for _ in self.groups]
        # a condition's reason, and its JSON, by the answers it reads (see ``reason``)
        self.reasons: dict[tuple[Any, ...], engine.Reason] = {}
        self.reason_json: dict[int, bytes] = {}  # by id of a reason kept in self.reasons
        self.pieces: dict[tuple[Any, ...], bytes] = {}
        self.static = [static_json(p) for p in self.programs]  # by position
        self.narrowings: set[Narrowing] = set()
        # a list answer (groups …) narrowed to each set of options someone looks at
        self.narrowed: dict[tuple[str, tuple[str, ...]], list[tuple[Narrowing, Any]]] = {}
        self.group_keys = [self._getter(facts, options) for facts, options in readers]
        self.rule_keys = {id(r): self._getter(r.reads, r.options)
                          for p in programs for r in p.rules}
        self.by_list = {f: [opts for g, opts in self.narrowings if g == f]
                        for f, _ in self.narrowings}
        self.whole = Bounded(self._whole, lambda e: len(e.raw), cache_size, whole_bytes)
        self.cache_info = self.whole.cache_info

    def _getter(self, facts: tuple[str, ...],
                options: tuple[Narrowing, ...]) -> Callable[[dict[Any, Any]], tuple[Any, ...]]:
        narrow = dict(options)
        names: list[Any] = []
        for f in facts:
            if f in narrow:
                self.narrowings.add((f, narrow[f]))
                names.append((f, narrow[f]))
            else:
                names.append(f)
        getter = itemgetter(*names, "_on") if names else itemgetter("_on")
        return getter if names else (lambda view: (getter(view),))

    def view(self, frozen: dict[str, Any], on: dt.date) -> dict[Any, Any]:
        """Every fact's answer (None when not given), each list also narrowed to the options
        each program or condition looks at, and the day."""
        v: dict[Any, Any] = dict.fromkeys(FACTS_BY_ID)
        v.update(frozen)
        for f, all_opts in self.by_list.items():
            x = frozen.get(f)
            if not x:  # None or (): the same whatever the options
                v.update(((f, opts), x) for opts in all_opts)
                continue
            narrowed = self.narrowed.get((f, x))
            if narrowed is None:
                narrowed = [((f, opts), tuple(o for o in x if o in opts)) for opts in all_opts]
                if len(self.narrowed) >= self.per_rule:
                    self.narrowed.clear()
                self.narrowed[(f, x)] = narrowed
            v.update(narrowed)
        v["_on"] = on
        return v

    def entries(self, answers: dict[str, Any], view: dict[Any, Any], on: dt.date) -> list[Entry]:
        """Every program's entry, in the memo's order: each group's key read and looked up
        in one pass (C loops: a Python call per program cost more than the lookup itself),
        then the few misses worked out."""
        keys = [key_of(view) for key_of in self.group_keys]
        found: list[tuple[Entry, ...] | None] = list(map(dict.get, self.memos, keys))
        if None in found:
            for g, hit in enumerate(found):
                if hit is None:
                    found[g] = self._miss(g, keys[g], answers, view, on)
        return list(chain.from_iterable(found))  # type: ignore[arg-type]  # no None is left

    def _miss(self, g: int, key: tuple[Any, ...], answers: dict[str, Any],
              view: dict[Any, Any], on: dt.date) -> tuple[Entry, ...]:
        done: dict[int, tuple[engine.Outcome, bytes]] = {}  # by shape: its result, shared
        out = []
        programs = self.catalog.programs
        for i in self.groups[g]:
            program, s = programs[i], self.shape[i]
            hit = done.get(s)
            if hit is None:
                reason_of = partial(self.reason, view, program.slug)
                outcome = engine.evaluate(program.scheme, answers, on, reason_of)
                hit = done[s] = (outcome, result(program, outcome, on, self, s))
            outcome, part = hit
            out.append((order_key(outcome.status, program.data.weight, outcome.tailored, i,
                                  self.position[i]),
                        outcome.status, outcome.missing, program.scheme.lapsed(on), part))
        group = tuple(out)
        size = (sum(len(part) for _, part in done.values())
                + _ENTRY_OVERHEAD * len(group))
        if size <= self.program_bytes:
            self.memos[g][key] = group
            self.kept.append((g, key, size))
            self.kept_bytes += size
            while self.kept_bytes > self.program_bytes:
                h, old, gone = self.kept.popleft()
                del self.memos[h][old]
                self.kept_bytes -= gone
        return group

    def reason(self, view: dict[Any, Any], own: str, rule: engine.Rule, answers: Any,
               year: int) -> engine.Reason:
        """A condition's reason depends only on the answers it reads: a program's whole
        answers may be new while most of its conditions' values have been seen before."""
        key = (id(rule), self.rule_keys[id(rule)](view))
        hit = self.reasons.get(key)
        if hit is None:
            hit = engine.reason(rule, answers, year)
            if len(self.reasons) >= self.per_rule:
                for k in list(islice(self.reasons, len(self.reasons) // 2)):
                    self.reason_json.pop(id(self.reasons.pop(k)), None)
            if self.per_rule:
                self.reasons[key] = hit
                self.reason_json[id(hit)] = _ENCODE(reason(hit, own))
        return hit

    def piece(self, key: tuple[Any, ...], build: Callable[..., bytes], *args: Any) -> bytes:
        """A small encoded piece of a result (what-you-get, dates), built once. Keys hold ids
        of objects the catalog keeps alive; dates bound how many there can be."""
        hit = self.pieces.get(key)
        if hit is None:
            if len(self.pieces) >= self.per_rule:
                self.pieces.clear()
            hit = self.pieces[key] = build(*args)
        return hit

    def _whole(self, key: tuple[Any, ...], on: dt.date, skip: tuple[str, ...],
               focus: str | None, brief: bool) -> Encoded:
        return _check(self.catalog, dict(key), on, skip, focus, self, brief)


# What one kept entry costs besides its JSON, counted generously: the key and entry tuples,
# the bytes object's header, the dict and queue slots (tracemalloc: 8,800 new entries with
# 12.0 MB of JSON grew the heap by 20.5 MB, the rule memo growing alongside: under 1 KB)
_ENTRY_OVERHEAD = 512


def _freeze(answers: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v)
                        for k, v in answers.items()))


def check(catalog: Catalog, answers: dict[str, Any], on: dt.date,
          skip: Iterable[str] = (), focus: str | None = None,
          memo: Memo | None = None, brief: bool = False) -> Encoded:
    """The self-check's answer for validated answers, as of ``on``, as an encoded JSON body.

    ``skip`` are questions the person answered "不知道" (not asked again); ``focus`` is the
    program whose guide they came from (its questions first, its result first). ``brief``
    leaves the results out while there is a next question (the counts and the question are
    all a phone shows between questions: a tenth of the bytes on a slow network)."""
    skip = tuple(sorted(set(skip)))
    if memo is not None:
        return memo.whole(_freeze(answers), on, skip, focus, brief)
    return _check(catalog, dict(_freeze(answers)), on, skip, focus, None, brief)


def _check(catalog: Catalog, frozen: dict[str, Any], on: dt.date, skip: tuple[str, ...],
           focus: str | None, memo: Memo | None, brief: bool = False) -> Encoded:
    # lists are tuples in ``frozen`` (hashable, for the memo keys); the engine reads lists
    answers = {k: list(v) if isinstance(v, tuple) else v for k, v in frozen.items()}
    if memo is not None:
        programs: Sequence[Program] = memo.programs  # the entries' order
        entries = memo.entries(answers, memo.view(frozen, on), on)
        static = memo.static
    else:
        programs = catalog.programs
        entries = [entry(p, i, answers, on) for i, p in enumerate(programs)]
        static = [static_json(p) for p in programs]
    # A program past its stated end cannot be 符合 whatever the answers: its result is 可能
    # with the 12333 notice at best, so no question is asked only to settle it.
    undecided = [(programs[i].rules, e[3], e[2]) for i, e in enumerate(entries)
                 if e[2] and not e[3]]
    focus_needed: Iterable[str] = ()
    if focus:
        fp = catalog.by_slug[focus]
        focus_needed = engine.needed_facts(fp.rules, answers, on.year, fp.scheme.lapsed(on))
    nq = engine.choose_question(undecided, answers, on.year, skip, focus_needed)
    statuses = Counter(map(itemgetter(1), entries))
    counts = {s: statuses[s] for s in _STATUS_ORDER}
    brief = brief and nq is not None
    # the program the person came from comes first, whatever its status
    order = [] if brief else [k & 0xFFFF for k in sorted(map(itemgetter(0), entries))]
    if focus and not brief:
        first = next(i for i, p in enumerate(programs) if p.slug == focus)
        order.remove(first)
        order.insert(0, first)
    # each result is its static opening (with a leading comma) and its answer-dependent
    # part, joined once with the rest of the answer (one copy of a body of up to 600 KB)
    parts: list[bytes] = [b""] * (2 * len(order) + 1)
    parts[1::2] = [static[i] for i in order]
    parts[2::2] = [entries[i][4] for i in order]
    parts[0] = b'{"results":['
    if order:
        parts[1] = parts[1][1:]  # no comma before the first
    parts += (b'],"brief":', b"true" if brief else b"false", b',"counts":', _ENCODE(counts),
              b',"focus":', _ENCODE(focus), b',"date":', _ENCODE(on.isoformat()),
              b',"next_question":',
              _ENCODE(question_json(FACTS_BY_ID[nq], on.year) if nq else None), b"}")
    return Encoded(b"".join(parts))
