"""The eligibility engine: pure functions, no I/O.

A program's conditions come from its guide's front matter and are compiled once, when the
catalog is loaded. Evaluation is three-valued and happens *as of a date*: a condition whose
fact has not been answered is *unknown* (None), never false. A program is ``eligible`` when
every condition holds and it is in force on that date, ``ineligible`` when a condition fails,
and ``maybe`` otherwise.

A rule may be looser than its source where the source leaves a case open, never stricter.
So a condition that fails only for want of a status a person can still obtain (失业登记,
就业困难人员认定, a skills certificate: ``facts.Step``) is unknown, with the step to take,
unless the program granting that status would itself turn the person away. A condition can
also name a case its source leaves open (``maybe``), and a number that sits exactly on a
yearly boundary ("离校2年内" for someone who left two calendar years ago) is unknown too. A
program past the end its source states, or not yet started, is never ``eligible``.

Condition syntax (YAML), one mapping per condition:

    - label: 离校2年内的高校毕业生            # plain words, required at the top level
      basis: {source: fund-rules, section: 第十条, quote: "……离校2年内未就业高校毕业生……"}
      all:                                    # every part must hold   (or: any — one must)
        - {fact: groups, has_any: [graduate]} # a multi fact contains one of these
        - {fact: graduation_year, within_years: 2}
    - {label: 16岁以上, basis: …, fact: age, min: 16}     # min / max: inclusive bounds
    - label: 打零工、灵活就业
      basis: …
      fact: work_status
      in: [flexible, platform]
      maybe:                                  # the source leaves this case open
        when: {fact: work_status, in: [unemployed]}
        step: 开始灵活就业、自己交社保后，可以申请

Operators on a fact: ``is`` (equals), ``in`` / ``not_in`` (one of a list), ``min`` / ``max``
(inclusive bounds), ``has_any`` / ``has_none`` (for lists), ``within_years`` (a year no more
than N years ago and not in the future), ``born_in_or_after`` (an age: born in that year or
later). ``basis`` is checked by the catalog, which knows the guide's sources.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import msgspec

from .facts import FACT_ORDER, FACTS_BY_ID, Fact, Step

Answers = Mapping[str, Any]
Tri = bool | None
Test = Callable[[Answers, int], Tri]

ELIGIBLE, MAYBE, INELIGIBLE = "eligible", "maybe", "ineligible"
STATUS_ZH = {ELIGIBLE: "符合", MAYBE: "可能符合", INELIGIBLE: "不符合"}
CURRENT, ENDED, NOT_YET, NO_STATED_END = "current", "ended", "not_yet", "no_stated_end"

_LEAF_OPS = ("is", "in", "not_in", "min", "max", "has_any", "has_none", "within_years",
             "born_in_or_after")
_RULE_KEYS = {"label", "basis", "maybe"}


class ConditionError(ValueError):
    """A condition in a guide's front matter is malformed; ``path`` says where."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class Basis:
    """The clause a condition encodes: one of the guide's sources and its article."""

    source: str  # a source id of the guide
    section: str  # 第四十五条（三）
    quote: str  # the source's own words
    cite: str = ""  # as people read it: "社会保险法第四十五条（三）" (filled in by the catalog)


@dataclass(frozen=True, slots=True)
class Node:
    """A compiled condition: ``test(answers, year)`` gives True, False or None (unknown)."""

    test: Test
    facts: tuple[str, ...]  # every fact the node reads, in vocabulary order
    children: tuple[Node, ...] = ()
    kind: str = "leaf"  # leaf, all, any
    fact: str | None = None
    ops: tuple[tuple[str, Any], ...] = ()  # a leaf's operators and arguments
    # answers worth trying when estimating what a question settles (number thresholds)
    points: tuple[int, ...] = ()

    def needed(self, answers: Answers, year: int) -> set[str]:
        """Facts, not yet answered, whose answer could still change this node's value."""
        if self.test(answers, year) is not None:
            return set()
        if self.fact is not None:
            return set() if answers.get(self.fact) is not None else {self.fact}
        out: set[str] = set()
        for child in self.children:
            out |= child.needed(answers, year)
        return out

    def say(self, answers: Answers, year: int, value: Tri | str = "?") -> str:
        """The answers this node tested, said back; only the parts that decided it.
        ``value`` is this node's value when the caller knows it (each node is tested once)."""
        if self.fact is not None:
            v = answers.get(self.fact)
            return "" if v is None else _say_leaf(FACTS_BY_ID[self.fact], self.ops, v)
        if value == "?":
            value = self.test(answers, year)
        only = False if self.kind == "all" and value is False else (
            True if self.kind == "any" and value is True else "?")
        said: list[str] = []
        for c in self.children:
            v = c.test(answers, year)
            if only != "?" and v is not only:
                continue
            s = c.say(answers, year, v)
            if s and s not in said:
                said.append(s)
            if only is True:
                break  # the first part that holds is the reason enough
        return "，".join(said)


def _say_leaf(fact: Fact, ops: tuple[tuple[str, Any], ...], value: Any) -> str:
    if fact.type != "multi":
        return fact.say(value)
    tested = [o for op, arg in ops for o in arg]
    chosen = [o for o in tested if o in value]
    if chosen:
        return "，".join(fact.say_option(o, True) for o in chosen)
    return fact.say_none_of(tested)


@dataclass(frozen=True, slots=True)
class Obtainable:
    """An answer that a step can still change, for one rule (see facts.Step)."""

    fact: str
    option: str | None  # a multi option the person lacks, or None (bool: no; enum: any)
    step: Step
    via: tuple[Rule, ...] | None = None  # the granting program's rules, once linked


@dataclass(frozen=True, slots=True)
class Rule:
    """A top-level condition with its plain-language label and the clause it encodes."""

    label: str
    node: Node
    basis: Basis | None = None
    maybe_when: Node | None = None  # a case the source leaves open
    maybe_step: Step | None = None
    obtainable: tuple[Obtainable, ...] = ()
    # (fact, number thresholds) found in the condition, for estimating what a question settles
    points: tuple[tuple[str, tuple[int, ...]], ...] = ()
    generic: bool = False  # reads only where one lives / who is asking: not tailored
    reads: tuple[str, ...] = ()  # every fact its value depends on (its steps' programs too)
    # for list facts (groups …): the options it looks at; its value and its reason depend on
    # no other option, so a memo keyed on these alone loses nothing
    options: tuple[tuple[str, frozenset[str]], ...] = ()

    def value(
        self, answers: Answers, year: int, met: Tri | Literal["?"] = "?"
    ) -> tuple[Tri, Step | None]:
        """The condition's value, and the step to take when it is open only for want of it
        (with False: the step the person cannot take, to say why). ``met`` is the node's own
        value when the caller has it."""
        if isinstance(met, str):
            met = self.node.test(answers, year)
        if met is not False:
            return met, None
        if self.maybe_when is not None:
            open_case = self.maybe_when.test(answers, year)
            if open_case:
                return None, self.maybe_step
            if open_case is None:  # it may yet turn out to be the open case: ask
                return None, None
        if self.obtainable:
            return self._obtain(answers, year)
        return False, None

    def needed(self, answers: Answers, year: int) -> set[str]:
        """Facts, not yet answered, that could still change this condition's value."""
        if self.node.test(answers, year) is False:
            if self.maybe_when is not None and self.maybe_when.test(answers, year) is None:
                return self.maybe_when.needed(answers, year)
            return set()
        return self.node.needed(answers, year)

    def _obtain(self, answers: Answers, year: int) -> tuple[Tri, Step | None]:
        relaxed = dict(answers)
        used: list[Obtainable] = []
        for ob in self.obtainable:
            v = relaxed.get(ob.fact)
            if v is None:
                continue
            fact = FACTS_BY_ID[ob.fact]
            if fact.type == "bool" and v is False:
                relaxed[ob.fact] = True
            elif fact.type == "multi" and ob.option not in v:
                relaxed[ob.fact] = [*v, ob.option]
            elif fact.type == "enum" and fact.by_value[v].obtain is not None:
                relaxed[ob.fact] = None
            else:
                continue
            used.append(ob)
        if not used or self.node.test(relaxed, year) is False:
            return False, None
        # the step must be open to this person: the granting program must not rule them out
        for ob in used:
            if ob.via is None or status_of(ob.via, answers, year) != INELIGIBLE:
                return None, ob.step
        return False, used[0].step  # closed: said in the reason, never offered as a step


@dataclass(frozen=True, slots=True)
class Dated:
    """When something is in force, as its source states, and whether it was checked."""

    valid_from: dt.date | None
    valid_until: dt.date | None  # None: the source states no end
    verified: bool = True
    cite: str = ""  # the source, as people read it

    def state(self, on: dt.date) -> str:
        if self.valid_from is not None and on < self.valid_from:
            return NOT_YET
        if self.valid_until is None:
            return NO_STATED_END
        return ENDED if on > self.valid_until else CURRENT

    def notice(self, on: dt.date) -> str:
        """What a person must know about the date, or "" when it is in force."""
        state = self.state(on)
        if state == ENDED:
            return (f"文件写明执行到{_zh_date(self.valid_until)}，"
                    "现在是否继续办理，请打12333问")
        if state == NOT_YET:
            return f"文件写明从{_zh_date(self.valid_from)}起执行"
        return ""


def _zh_date(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


@dataclass(frozen=True, slots=True)
class Gets:
    """One line of what a person gets, used when ``when`` holds (or always, without it)."""

    text: str
    when: Node | None = None
    figure: Dated | None = None  # the sourced figure the line states
    cite: str = ""


@dataclass(frozen=True, slots=True)
class Scheme:
    """What the engine needs of a program: its rules, its dates, what it gives."""

    slug: str
    rules: tuple[Rule, ...]
    in_force: Dated | None = None
    gets: tuple[Gets, ...] = ()
    facts: tuple[str, ...] = field(default=(), compare=False)  # every fact it reads
    options: tuple[tuple[str, frozenset[str]], ...] = field(default=(), compare=False)
    _notices: dict[dt.date, Reason] = field(default_factory=dict, compare=False, repr=False)

    def lapsed(self, on: dt.date) -> bool:
        return self.in_force is not None and self.in_force.state(on) in (ENDED, NOT_YET)

    def notice(self, on: dt.date) -> Reason:
        """The reason saying the program's source has ended (or not begun) on ``on``: the
        same object for the same day, so what is built from it can be kept."""
        hit = self._notices.get(on)
        if hit is None:
            assert self.in_force is not None
            hit = self._notices[on] = Reason(text=self.in_force.notice(on), met=None)
        return hit


def _leaf(fact: Fact, op: str, arg: Any, path: str) -> Test:
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

        def within(a: Answers, y: int) -> Tri:
            v = a.get(fid)
            if v is None:
                return None
            if y - arg < v <= y:
                return True
            # left exactly N calendar years ago: it depends on the day, so it is open
            return None if v == y - arg and arg > 0 else False

        return within
    if op == "born_in_or_after":
        need(fact.id == "age" and isinstance(arg, int) and not isinstance(arg, bool),
             "`born_in_or_after` needs the age fact and a year")

        def born(a: Answers, y: int) -> Tri:
            v = a.get(fid)
            if v is None:
                return None
            latest_birth_year = y - v  # born this year if the birthday has passed
            if latest_birth_year - 1 >= arg:
                return True
            # aged exactly y - arg: born in arg or the year before, depending on the birthday
            return None if latest_birth_year == arg else False

        return born
    raise ConditionError(path, f"unknown operator {op}")  # pragma: no cover - filtered above


def _all(tests: list[Test]) -> Test:
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


def _any(tests: list[Test]) -> Test:
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


# Identical conditions compile to the one Node: a province's cities publishing the same
# program then have equal rules, and the self-check works their results out once
# (selfcheck.shape). Keyed by the condition's canonical JSON; only what compiled is kept.
_COMPILED: dict[bytes, Node] = {}
_CANONICAL = msgspec.json.Encoder(order="sorted")


def compile_node(spec: Any, path: str, extra_keys: frozenset[str] = frozenset()) -> Node:
    """Compile one condition mapping (see the module docstring) into a Node."""
    if not isinstance(spec, dict):
        raise ConditionError(path, "a condition must be a mapping")
    try:
        canonical = _CANONICAL.encode({k: v for k, v in spec.items() if k not in extra_keys})
    except (TypeError, msgspec.EncodeError):  # not JSON-like: compiled (and refused) below
        return _compile_node(spec, path, extra_keys)
    node = _COMPILED.get(canonical)
    if node is None:
        node = _COMPILED[canonical] = _compile_node(spec, path, extra_keys)
    return node


def _compile_node(spec: dict[str, Any], path: str, extra_keys: frozenset[str]) -> Node:
    keys = set(spec) - extra_keys
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
            kind=kind,
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
    if "born_in_or_after" in spec:  # ages around y - year, encoded as -year (see _candidates)
        points += [-spec["born_in_or_after"] + d for d in (-1, 0, 1)]
    multi_ops = tuple((op, tuple(spec[op])) for op in sorted(ops) if op in ("has_any", "has_none"))
    return Node(test=tests[0] if len(tests) == 1 else _all(tests), facts=(fid,), fact=fid,
                ops=multi_ops, points=tuple(points))


def _leaves(node: Node) -> Iterable[Node]:
    if node.fact is not None:
        yield node
    for child in node.children:
        yield from _leaves(child)


def _obtainable(node: Node) -> tuple[Obtainable, ...]:
    """The answers, read by this condition, that a step can still change."""
    out: list[Obtainable] = []
    for leaf in _leaves(node):
        fact = FACTS_BY_ID[leaf.fact]  # type: ignore[index]
        if fact.type == "bool" and fact.obtain is not None:
            out.append(Obtainable(fact.id, None, fact.obtain))
        elif fact.type == "multi":
            for op, values in leaf.ops:
                for v in values:
                    step = fact.by_value[v].obtain
                    if op == "has_any" and step is not None:
                        out.append(Obtainable(fact.id, v, step))
        elif fact.type == "enum":
            steps = {o.obtain for o in fact.options if o.obtain is not None}
            if steps:
                out.append(Obtainable(fact.id, None, next(iter(steps))))
    return tuple(dict.fromkeys(out))


GENERIC_FACTS = frozenset({"residence", "is_employer"})


def compile_rules(specs: Any, path: str = "conditions") -> tuple[Rule, ...]:
    """Compile a program's list of top-level conditions; each needs a label.

    ``basis`` is kept as given (a mapping) in ``Rule.basis`` only after the catalog checks
    it; here it is read into a Basis when present."""
    if not isinstance(specs, list):
        raise ConditionError(path, "must be a list")
    rules = []
    for i, spec in enumerate(specs):
        where = f"{path}[{i}]"
        label = spec.get("label") if isinstance(spec, dict) else None
        if not isinstance(label, str) or not label.strip():
            raise ConditionError(f"{where}.label", "every condition needs a plain-language label")
        node = compile_node(spec, where, frozenset(_RULE_KEYS))
        maybe_when, maybe_step = None, None
        if "maybe" in spec:
            m = spec["maybe"]
            if not (isinstance(m, dict) and set(m) == {"when", "step"}
                    and isinstance(m["step"], str) and m["step"].strip()):
                raise ConditionError(f"{where}.maybe", "needs `when` (a condition) and `step`")
            maybe_when = compile_node(m["when"], f"{where}.maybe.when")
            maybe_step = Step(m["step"].strip())
        basis = None
        b = spec.get("basis")
        if isinstance(b, dict) and all(isinstance(b.get(k), str) for k in
                                       ("source", "section", "quote")):
            basis = Basis(b["source"], b["section"].strip(), b["quote"].strip())
        points = tuple((leaf.fact, leaf.points) for leaf in _leaves(node) if leaf.points)
        rules.append(Rule(label=label.strip(), node=node, basis=basis, maybe_when=maybe_when,
                          maybe_step=maybe_step, obtainable=_obtainable(node),
                          points=points,  # type: ignore[arg-type]
                          generic=set(node.facts) <= GENERIC_FACTS,
                          reads=_ordered([*node.facts,
                                          *(maybe_when.facts if maybe_when else ())]),
                          options=options_read(node, *([maybe_when] if maybe_when else []))))
    return tuple(rules)


def link(rules: tuple[Rule, ...], granting: Mapping[str, tuple[Rule, ...]],
         own: str) -> tuple[Rule, ...]:
    """Give each step the rules of the program that grants it (its own program: none)."""
    out = []
    for r in rules:
        obs = tuple(replace(ob, via=granting[ob.step.via])
                    if ob.step.via and ob.step.via != own else ob for ob in r.obtainable)
        reads = _ordered([*r.reads, *(f for ob in obs if ob.via for v in ob.via
                                      for f in v.reads)])
        options = merge_options([r.options, *(v.options for ob in obs if ob.via
                                              for v in ob.via)])
        out.append(replace(r, obtainable=obs, reads=reads, options=options))
    return tuple(out)


def options_read(*nodes: Node) -> tuple[tuple[str, frozenset[str]], ...]:
    """The options of list facts that these conditions look at."""
    seen: dict[str, set[str]] = {}
    for node in nodes:
        for leaf in _leaves(node):
            for _, values in leaf.ops:
                seen.setdefault(leaf.fact, set()).update(values)  # type: ignore[arg-type]
    return tuple(sorted((f, frozenset(v)) for f, v in seen.items()))


def merge_options(groups: Iterable[tuple[tuple[str, frozenset[str]], ...]]
                  ) -> tuple[tuple[str, frozenset[str]], ...]:
    seen: dict[str, frozenset[str]] = {}
    for group in groups:
        for f, values in group:
            seen[f] = seen.get(f, frozenset()) | values
    return tuple(sorted(seen.items()))


# --- evaluating --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    text: str
    met: Tri
    basis: Basis | None = None
    step: Step | None = None
    missing: tuple[str, ...] = ()  # unanswered facts that could still decide it
    tailored: bool = False  # met, and about the person (not only where they live)


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    reasons: tuple[Reason, ...]
    missing: tuple[str, ...]  # facts still to answer, in vocabulary order
    gets: Gets | None = None
    gets_note: str = ""
    tailored: int = 0  # conditions met that are about the person, not where they live


def reason(rule: Rule, answers: Answers, year: int) -> Reason:
    raw = rule.node.test(answers, year)
    met, step = rule.value(answers, year, raw)
    said = rule.node.say(answers, year, raw)
    if step is not None and met is False:  # the step exists, but not for this person
        why = f"按{step.name}的条件，你现在的情况办不了" if step.name else "这一步你现在办不了"
        return Reason(text=f"{rule.label} — {said}。{why}，不符合", met=False, basis=rule.basis)
    missing: tuple[str, ...] = ()
    if step is not None:
        text = f"{rule.label} — {said}。{step.text}" if said else f"{rule.label} — {step.text}"
    elif met is None:
        missing = _ordered(rule.needed(answers, year))
        if missing:
            asks = "".join(FACTS_BY_ID[f].question for f in missing)
            text = f"{rule.label} — 还不知道，需要回答：{asks}"
        else:
            text = f"{rule.label} — {said}，正在界线上，要看具体日期，办理时以证件为准"
    else:
        verdict = "符合" if met else "不符合"
        text = f"{rule.label} — {said}，{verdict}" if said else f"{rule.label} — {verdict}"
    return Reason(text=text, met=met, basis=rule.basis, step=step, missing=missing,
                  tailored=bool(met) and not rule.generic)


def gets_line(scheme: Scheme, answers: Answers, on: dt.date) -> tuple[Gets | None, str]:
    """What the person gets, worked out from the answers where the rule is known, and a
    note on the figure behind it (a reference value, or one whose source says it ended)."""
    for g in scheme.gets:
        if g.when is None or g.when.test(answers, on.year) is True:
            note = ""
            if g.figure is not None:
                note = g.figure.notice(on) or ("" if g.figure.verified
                                               else "参考标准，以最新公布为准")
            return g, note
    return None, ""


def evaluate(scheme: Scheme, answers: Answers, on: dt.date,
             reason_of: Callable[[Rule, Answers, int], Reason] = reason) -> Outcome:
    """A program's status as of ``on`` for these answers, with one reason per condition.

    ``reason_of`` is ``reason`` or something that gives the same (a memo of it)."""
    year = on.year
    reasons = [reason_of(r, answers, year) for r in scheme.rules]
    if scheme.lapsed(on):
        reasons.append(scheme.notice(on))
    mets = [r.met for r in reasons]
    missing: tuple[str, ...] = ()
    if False in mets:
        status = INELIGIBLE
    elif None not in mets:
        status = ELIGIBLE
    else:
        status = MAYBE
        missing = _ordered(f for r in reasons for f in r.missing)
    gets, note = gets_line(scheme, answers, on)
    return Outcome(status=status, reasons=tuple(reasons), missing=missing, gets=gets,
                   gets_note=note, tailored=sum(r.tailored for r in reasons))


def status_of(rules: tuple[Rule, ...], answers: Answers, year: int,
              lapsed: bool = False) -> str:
    """Only the status, without building reasons (the fast path for choosing a question)."""
    result: Tri = not lapsed or None
    for r in rules:
        v = r.node.test(answers, year)
        if v is False:
            v = r.value(answers, year)[0]
            if v is False:
                return INELIGIBLE
        if v is None:
            result = None
    return ELIGIBLE if result else MAYBE


def needed_facts(rules: tuple[Rule, ...], answers: Answers, year: int,
                 lapsed: bool = False) -> set[str]:
    """Facts that could still change an undecided program's status (empty if decided)."""
    if status_of(rules, answers, year, lapsed) != MAYBE:
        return set()
    out: set[str] = set()
    for r in rules:
        out |= r.needed(answers, year)
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
    elif fid == "age":
        points = {year + p if p < -1000 else p for p in points}  # born_in_or_after: y - year
    return sorted(points) or [fact.min or 0]


def choose_question(
    undecided: Iterable[tuple[tuple[Rule, ...], bool, Iterable[str]]],
    answers: Answers,
    year: int,
    skip: Iterable[str] = (),
    focus_needed: Iterable[str] = (),
) -> str | None:
    """The fact to ask next: the one expected to settle the most undecided programs.

    ``undecided`` holds, for each undecided program, its rules, whether it has lapsed on the
    date asked about, and the facts it still needs (as ``evaluate`` reports them in
    ``Outcome.missing``), so nothing is evaluated twice. For every such fact, each plausible
    answer is tried and the programs it would settle are counted; the fact with the highest
    average wins (ties go to the fact more programs need, then to the earlier fact in the
    vocabulary). Facts in ``skip`` (the person said "不知道") are not asked again.
    ``focus_needed`` (the missing facts of the program whose guide the person came from) are
    asked first. A fact that no undecided program needs is never asked; None means nothing
    left to ask would change a result.
    """
    skipped = frozenset(skip)
    wanted = set(focus_needed) - skipped
    if wanted:
        return min(wanted, key=FACT_ORDER.__getitem__)
    needing: dict[str, list[tuple[tuple[Rule, ...], bool]]] = {}
    for rules, lapsed, needed in undecided:
        for f in needed:
            if f not in skipped:
                needing.setdefault(f, []).append((rules, lapsed))
    if not needing:
        return None
    trial = dict(answers)

    def expected_settled(fid: str) -> float:
        group = needing[fid]
        values = _candidates(fid, [rules for rules, _ in group], year)
        settled = 0
        for v in values:
            trial[fid] = v
            settled += sum(1 for rules, lapsed in group
                           if status_of(rules, trial, year, lapsed) != MAYBE)
        del trial[fid]
        return settled / len(values)

    score = {f: expected_settled(f) for f in needing}
    return min(score, key=lambda f: (-round(score[f], 9), -len(needing[f]), FACT_ORDER[f]))
