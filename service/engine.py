"""The eligibility engine: pure functions, no I/O.

A program's conditions come from its guide's front matter and are compiled once, when the
catalog is loaded. Evaluation is three-valued: a condition whose fact has not been answered is
*unknown* (None), never false. A program is ``eligible`` when every condition holds,
``ineligible`` when one fails, and ``maybe`` otherwise.

Condition syntax (YAML), one mapping per condition:

    - label: 离校2年内的高校毕业生            # plain words, required at the top level
      all:                                    # every part must hold   (or: any — one must)
        - {fact: groups, has_any: [graduate]} # a multi fact contains one of these
        - {fact: graduation_year, within_years: 2}
    - {label: 16岁以上, fact: age, min: 16}    # min / max: inclusive bounds for numbers
    - {label: 现在没有工作, fact: work_status, in: [unemployed]}
    - {label: 交满1年失业保险, fact: ui_years, min: 1}
    - {label: 不是替单位问的, fact: is_employer, is: false}

Operators on a fact: ``is`` (equals), ``in`` / ``not_in`` (one of a list), ``min`` / ``max``
(inclusive bounds), ``has_any`` / ``has_none`` (for lists), ``within_years`` (a year no more
than N years ago and not in the future).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from .facts import FACT_ORDER, FACTS_BY_ID, Fact

Answers = Mapping[str, Any]
Tri = bool | None

ELIGIBLE, MAYBE, INELIGIBLE = "eligible", "maybe", "ineligible"
STATUS_ZH = {ELIGIBLE: "符合", MAYBE: "可能符合", INELIGIBLE: "不符合"}

_LEAF_OPS = ("is", "in", "not_in", "min", "max", "has_any", "has_none", "within_years")


class ConditionError(ValueError):
    """A condition in a guide's front matter is malformed; ``path`` says where."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class Node:
    """A compiled condition: ``test(answers, year)`` gives True, False or None (unknown)."""

    test: Callable[[Answers, int], Tri]
    facts: tuple[str, ...]  # every fact the node reads, in vocabulary order
    children: tuple["Node", ...] = ()
    fact: str | None = None
    # answers worth trying when estimating what a question settles (number thresholds)
    points: tuple[int, ...] = ()

    def needed(self, answers: Answers, year: int) -> set[str]:
        """Facts whose answer could still change this node's value."""
        if self.test(answers, year) is not None:
            return set()
        if self.fact is not None:
            return {self.fact}
        out: set[str] = set()
        for child in self.children:
            out |= child.needed(answers, year)
        return out


@dataclass(frozen=True, slots=True)
class Rule:
    """A top-level condition with its plain-language label."""

    label: str
    node: Node
    # (fact, number thresholds) found in the condition, for estimating what a question settles
    points: tuple[tuple[str, tuple[int, ...]], ...] = ()


def _leaf(fact: Fact, op: str, arg: Any, path: str) -> Callable[[Answers, int], Tri]:
    fid = fact.id
    numeric = fact.type in ("int", "year")

    def need(ok: bool, message: str) -> None:
        if not ok:
            raise ConditionError(path, message)

    def check_values(values: Iterable[Any]) -> None:
        for v in values:
            need(v in fact.labels, f"“{v}” is not an option of fact {fid}")

    if op == "is":
        if fact.type == "bool":
            need(isinstance(arg, bool), f"{fid} is yes/no: `is` takes true or false")
        elif fact.type == "enum":
            check_values([arg])
        else:
            need(numeric and isinstance(arg, int), f"`is` does not apply to fact {fid}")
        return lambda a, y: None if (v := a.get(fid)) is None else v == arg
    if op in ("in", "not_in"):
        need(fact.type == "enum" and isinstance(arg, list) and arg != [],
             f"`{op}` needs a non-empty list and an enum fact ({fid} is {fact.type})")
        check_values(arg)
        options = frozenset(arg)
        if op == "in":
            return lambda a, y: None if (v := a.get(fid)) is None else v in options
        return lambda a, y: None if (v := a.get(fid)) is None else v not in options
    if op in ("has_any", "has_none"):
        need(fact.type == "multi" and isinstance(arg, list) and arg != [],
             f"`{op}` needs a non-empty list and a multi fact ({fid} is {fact.type})")
        check_values(arg)
        options = frozenset(arg)
        if op == "has_any":
            return lambda a, y: None if (v := a.get(fid)) is None else not options.isdisjoint(v)
        return lambda a, y: None if (v := a.get(fid)) is None else options.isdisjoint(v)
    if op in ("min", "max"):
        need(numeric and isinstance(arg, int) and not isinstance(arg, bool),
             f"`{op}` needs a whole number and a number fact ({fid} is {fact.type})")
        if op == "min":
            return lambda a, y: None if (v := a.get(fid)) is None else v >= arg
        return lambda a, y: None if (v := a.get(fid)) is None else v <= arg
    if op == "within_years":
        need(fact.type == "year" and isinstance(arg, int) and arg >= 0,
             f"`within_years` needs a year fact and a number of years ({fid} is {fact.type})")
        return lambda a, y: None if (v := a.get(fid)) is None else y - arg <= v <= y
    raise ConditionError(path, f"unknown operator {op}")  # pragma: no cover - filtered above


def _all(tests: list[Callable[[Answers, int], Tri]]) -> Callable[[Answers, int], Tri]:
    def test(a: Answers, y: int) -> Tri:
        result: Tri = True
        for t in tests:
            v = t(a, y)
            if v is False:
                return False
            if v is None:
                result = None
        return result

    return test


def _any(tests: list[Callable[[Answers, int], Tri]]) -> Callable[[Answers, int], Tri]:
    def test(a: Answers, y: int) -> Tri:
        result: Tri = False
        for t in tests:
            v = t(a, y)
            if v is True:
                return True
            if v is None:
                result = None
        return result

    return test


def _ordered(facts: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(facts), key=FACT_ORDER.__getitem__))


def compile_node(spec: Any, path: str) -> Node:
    """Compile one condition mapping (see the module docstring) into a Node."""
    if not isinstance(spec, dict):
        raise ConditionError(path, "a condition must be a mapping")
    keys = set(spec) - {"label"}
    if keys & {"any", "all"}:
        if len(keys) != 1:
            raise ConditionError(path, "`any`/`all` cannot be mixed with other keys")
        kind = keys.pop()
        parts = spec[kind]
        if not isinstance(parts, list) or len(parts) < 2:
            raise ConditionError(f"{path}.{kind}", "needs a list of at least two conditions")
        children = tuple(compile_node(p, f"{path}.{kind}[{i}]") for i, p in enumerate(parts))
        tests = [c.test for c in children]
        return Node(
            test=_all(tests) if kind == "all" else _any(tests),
            facts=_ordered(f for c in children for f in c.facts),
            children=children,
        )
    if "fact" not in spec:
        raise ConditionError(path, "needs `fact` (or `any`/`all`)")
    fid = spec["fact"]
    fact = FACTS_BY_ID.get(fid)
    if fact is None:
        raise ConditionError(f"{path}.fact", f"unknown fact “{fid}” (see service/facts.py)")
    ops = keys - {"fact"}
    unknown = ops - set(_LEAF_OPS)
    if unknown:
        raise ConditionError(path, f"unknown key(s) {sorted(unknown)}; use {list(_LEAF_OPS)}")
    if not ops:
        raise ConditionError(path, f"needs an operator: one of {list(_LEAF_OPS)}")
    tests = [_leaf(fact, op, spec[op], f"{path}.{op}") for op in sorted(ops)]
    points: list[int] = []
    if "min" in spec:
        points += [spec["min"] - 1, spec["min"]]
    if "max" in spec:
        points += [spec["max"], spec["max"] + 1]
    if "within_years" in spec:
        points += [-spec["within_years"], -spec["within_years"] - 1, 1]  # relative to the year
    return Node(test=tests[0] if len(tests) == 1 else _all(tests), facts=(fid,), fact=fid,
                points=tuple(points))


def _leaves(node: Node) -> Iterable[Node]:
    if node.fact is not None:
        yield node
    for child in node.children:
        yield from _leaves(child)


def compile_rules(specs: Any, path: str = "conditions") -> tuple[Rule, ...]:
    """Compile a program's list of top-level conditions; each needs a label."""
    if not isinstance(specs, list):
        raise ConditionError(path, "must be a list")
    rules = []
    for i, spec in enumerate(specs):
        where = f"{path}[{i}]"
        label = spec.get("label") if isinstance(spec, dict) else None
        if not isinstance(label, str) or not label.strip():
            raise ConditionError(f"{where}.label", "every condition needs a plain-language label")
        node = compile_node(spec, where)
        points = tuple((leaf.fact, leaf.points) for leaf in _leaves(node) if leaf.points)
        rules.append(Rule(label=label.strip(), node=node, points=points))
    return tuple(rules)


# --- evaluating --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    text: str
    met: Tri


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    reasons: tuple[Reason, ...]
    missing: tuple[str, ...]  # facts still to answer, in vocabulary order


def _said(node: Node, answers: Answers) -> str:
    parts = [FACTS_BY_ID[f].say(answers[f]) for f in node.facts if answers.get(f) is not None]
    return "，".join(parts)


def reason(rule: Rule, answers: Answers, year: int) -> Reason:
    met = rule.node.test(answers, year)
    said = _said(rule.node, answers)
    if met is None:
        missing = rule.node.needed(answers, year)
        asks = "、".join(FACTS_BY_ID[f].question for f in _ordered(missing))
        text = f"{rule.label} — 还不知道，需要回答：{asks}"
    else:
        verdict = "符合" if met else "不符合"
        text = f"{rule.label} — {said}，{verdict}" if said else f"{rule.label} — {verdict}"
    return Reason(text=text, met=met)


def evaluate(rules: tuple[Rule, ...], answers: Answers, year: int) -> Outcome:
    """A program's status for these answers, with one reason per condition."""
    reasons = tuple(reason(r, answers, year) for r in rules)
    if any(r.met is False for r in reasons):
        status = INELIGIBLE
        missing: tuple[str, ...] = ()
    elif all(r.met is True for r in reasons):
        status, missing = ELIGIBLE, ()
    else:
        status = MAYBE
        missing = _ordered(f for r in rules for f in r.node.needed(answers, year))
    return Outcome(status=status, reasons=reasons, missing=missing)


def status_of(rules: tuple[Rule, ...], answers: Answers, year: int) -> str:
    """Only the status, without building reasons (the fast path for choosing a question)."""
    result: Tri = True
    for r in rules:
        v = r.node.test(answers, year)
        if v is False:
            return INELIGIBLE
        if v is None:
            result = None
    return ELIGIBLE if result else MAYBE


def needed_facts(rules: tuple[Rule, ...], answers: Answers, year: int) -> set[str]:
    """Facts that could still change an undecided program's status (empty if decided)."""
    if status_of(rules, answers, year) != MAYBE:
        return set()
    out: set[str] = set()
    for r in rules:
        out |= r.node.needed(answers, year)
    return out


def _candidates(fid: str, programs: list[tuple[Rule, ...]], year: int) -> list[Any]:
    """Answers to try for a fact when estimating how many programs it would settle."""
    fact = FACTS_BY_ID[fid]
    if fact.type == "bool":
        return [True, False]
    if fact.type == "enum":
        return [o.value for o in fact.options]
    if fact.type == "multi":
        return [[]] + [[o.value] for o in fact.options]
    points = {p for rules in programs for r in rules for f, pts in r.points if f == fid
              for p in pts}
    if fact.type == "year":
        points = {year + p if p <= 1 else p for p in points}
    return sorted(points) or [fact.min or 0]


def next_question(
    programs: Iterable[tuple[Rule, ...]],
    answers: Answers,
    year: int,
    skip: Iterable[str] = (),
    focus: tuple[Rule, ...] | None = None,
) -> str | None:
    """The fact to ask next, for callers that have not evaluated the programs yet."""
    undecided = [(rules, needed) for rules in programs
                 if (needed := needed_facts(rules, answers, year))]
    focus_needed = needed_facts(focus, answers, year) if focus is not None else ()
    return choose_question(undecided, answers, year, skip, focus_needed)


def choose_question(
    undecided: Iterable[tuple[tuple[Rule, ...], Iterable[str]]],
    answers: Answers,
    year: int,
    skip: Iterable[str] = (),
    focus_needed: Iterable[str] = (),
) -> str | None:
    """The fact to ask next: the one expected to settle the most undecided programs.

    ``undecided`` pairs each undecided program's rules with the facts it still needs (as
    ``evaluate`` reports them in ``Outcome.missing``), so nothing is evaluated twice. For every
    such fact, each plausible answer is tried and the programs it would settle are counted; the
    fact with the highest average wins (ties go to the fact more programs need, then to the
    earlier fact in the vocabulary). Facts in ``skip`` (the person said "不知道") are not asked
    again. ``focus_needed`` (the missing facts of the program whose guide the person came from)
    are asked first. A fact that no undecided program needs is never asked; None means nothing
    left to ask would change a result.
    """
    skipped = frozenset(skip)
    wanted = set(focus_needed) - skipped
    if wanted:
        return min(wanted, key=FACT_ORDER.__getitem__)
    needing: dict[str, list[tuple[Rule, ...]]] = {}
    for rules, needed in undecided:
        for f in needed:
            if f not in skipped:
                needing.setdefault(f, []).append(rules)
    if not needing:
        return None
    trial = dict(answers)

    def expected_settled(fid: str) -> float:
        group = needing[fid]
        values = _candidates(fid, group, year)
        settled = 0
        for v in values:
            trial[fid] = v
            settled += sum(1 for rules in group if status_of(rules, trial, year) != MAYBE)
        del trial[fid]
        return settled / len(values)

    score = {f: expected_settled(f) for f in needing}
    return min(score, key=lambda f: (-round(score[f], 9), -len(needing[f]), FACT_ORDER[f]))
