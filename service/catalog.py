"""The program catalog: one Markdown guide per program under ``content/programs/``.

Each file's YAML front matter is the program's machine-readable part (slug, audiences,
sources, dated figures with their source and verification status, the program's own dates,
conditions each citing the clause it encodes, what a person gets, worked examples,
documents, offices); its body is the plain-language guide (docs/editing-guides.md). The
loader validates every file strictly and reports problems with the file and the field, so a
bad edit cannot ship: a condition without its clause is refused. The site build, the
content check, the self-check and the API all read the catalog through ``load_catalog``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import msgspec
import yaml

from . import engine
from .facts import validate_answers

# How people think of themselves: the catalog's entry points. Ids are public (URLs).
AUDIENCES: dict[str, str] = {
    "startup": "我想创业",
    "graduate": "我是高校毕业生",
    "veteran": "我是退役军人",
    "rural": "我在农村/外出务工",
    "unemployed": "我没有工作了",
    "skills": "我想学技能/考证",
    "hardship": "我有残疾/家庭困难",
    "flexible": "我是灵活就业/骑手",
    "wages": "我被欠薪了",
    "employer": "我是企业/单位",
}

# Sections a guide's body must have, in this order (level-2 headings). The generated page
# interleaves the sections built from the front matter (see service/pages.py).
BODY_SECTIONS: tuple[str, ...] = ("这是什么", "谁可以申请", "能得到什么", "怎么办", "常见问题")

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

Audience = Literal[
    "startup", "graduate", "veteran", "rural", "unemployed",
    "skills", "hardship", "flexible", "wages", "employer",
]


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pass


class Source(_Strict, frozen=True):
    """A document a figure or condition rests on: a law, the plan, a named policy document."""

    id: str
    title: str
    issuer: str
    date: str  # "2021-12-09", "2021-12" or "2021" (as precise as the document states)
    grade: Literal["A", "B", "C"]  # A official text, B news/official reprint, C lead only
    number: str = ""  # 文号, e.g. 枣人社发〔2021〕14号
    section: str = ""  # e.g. （二十三）2、专栏10.3
    url: str = ""
    short: str = ""  # as a reason cites it ("社会保险法"); derived from the title if empty

    @property
    def name(self) -> str:
        """The short name people read in a reason: 依据：社会保险法第四十五条."""
        if self.short:
            return self.short
        name = re.sub(r"（[^）]*）$", "", self.title.removeprefix("中华人民共和国"))
        return name.strip("《》")


class Figure(_Strict, frozen=True):
    """A figure a person relies on (amount, duration, age limit ...) with its source and
    dates: when it took effect, when its source says it ends ("none": no stated end), and
    whether and when someone last checked it against that source."""

    id: str
    label: str  # e.g. 最长领取期限
    value: str  # e.g. 最长24个月 — figures as the guide's body states them
    source: str  # a Source id
    verified: bool  # False: older or C-grade, shown as a reference value to check
    valid_from: str  # YYYY, YYYY-MM or YYYY-MM-DD
    valid_until: str  # YYYY-MM-DD (or YYYY, YYYY-MM) or "none"
    verified_on: dt.date | None = None  # required when verified
    note: str = ""


class InForce(_Strict, frozen=True):
    """When the program itself runs, as the source named here states it."""

    source: str
    valid_from: str
    valid_until: str  # or "none": the source states no end


class BasisSpec(_Strict, frozen=True):
    source: str
    section: str
    quote: str


class GetsSpec(_Strict, frozen=True):
    """One line of what a person gets. The first whose ``when`` holds is shown; the last has
    no ``when``. ``figure`` names the sourced figure the line states."""

    text: str
    figure: str = ""
    basis: BasisSpec | None = None  # for a line that states no figure
    when: dict[str, Any] | None = None


class Note(_Strict, frozen=True):
    """Something a person must know with the result that is not a condition."""

    text: str
    basis: BasisSpec | None = None


class DocumentSpec(_Strict, frozen=True):
    """One line of what to bring. ``id`` is stable (uploaded photos and a reviewer's "please
    add" name it); ``photo: false`` marks a line to read, not a paper to photograph
    (其他材料以窗口要求为准)."""

    id: str
    name: str
    photo: bool = True


class Office(_Strict, frozen=True):
    name: str
    where: str = ""
    phone: str = ""
    hours: str = ""
    note: str = ""


class Example(_Strict, frozen=True):
    """A worked example in plain words, run through the engine by the tests."""

    name: str
    story: str
    answers: dict[str, Any]
    expect: Literal["eligible", "maybe", "ineligible"]
    date: dt.date | None = None  # the day the example is told on; defaults to verified_on
    gets: str = ""  # words the what-you-get line must contain


class ProgramData(_Strict, frozen=True):
    slug: str
    title: str
    summary: str
    audiences: list[Audience]
    applicant: Literal["person", "employer", "both"]  # both: a worker side and an employer side
    applies_online: bool  # takes applications through this site
    weight: Literal[1, 2, 3]  # 3 money or a post paid to the person; 2 a loan, a subsidy
    #                           paid for them, training; 1 advice and services anyone can use
    verified_on: dt.date  # when someone last checked the whole guide against its sources
    in_force: InForce
    sources: list[Source]
    conditions: list[dict[str, Any]]
    gets: list[GetsSpec]
    examples: list[Example]
    documents: list[DocumentSpec]
    offices: list[Office]
    figures: list[Figure] = []
    notes: list[Note] = []
    keywords: list[str] = []
    related: list[str] = []
    # Slugs this guide was published under before (printed QR codes keep them for years):
    # their addresses redirect here.
    moved_from: list[str] = []


def parse_date(text: str, end: bool = False) -> dt.date | None:
    """YYYY, YYYY-MM or YYYY-MM-DD as a date: the first day of the period, or with ``end``
    its last day. "none" is None (no stated end). Raises ValueError otherwise."""
    if text == "none":
        return None
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text)
    if not m:
        raise ValueError("write it as YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if day:
        return dt.date(year, int(month), int(day))
    if month:
        first = dt.date(year, int(month), 1)
        if not end:
            return first
        nxt = dt.date(year + (first.month == 12), first.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)
    return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)


def zh_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass(frozen=True)
class Program:
    data: ProgramData
    body: str
    scheme: engine.Scheme
    path: Path
    sections: dict[str, str] = field(repr=False)

    @property
    def slug(self) -> str:
        return self.data.slug

    @property
    def rules(self) -> tuple[engine.Rule, ...]:
        return self.scheme.rules

    @property
    def url(self) -> str:
        return f"/guides/{self.data.slug}/"

    @cached_property
    def sources_by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.data.sources}

    def cite(self, source: str, section: str = "") -> str:
        """依据 text for a source and section of this guide: "社会保险法第四十五条"."""
        return f"{self.sources_by_id[source].name}{section}"

    def dates(self, f: Figure) -> engine.Dated:
        return engine.Dated(parse_date(f.valid_from), parse_date(f.valid_until, end=True),
                            f.verified, self.cite(f.source))

    @cached_property
    def figure_dates(self) -> dict[str, engine.Dated]:
        return {f.id: self.dates(f) for f in self.data.figures}

    def in_force(self, on: dt.date) -> dict[str, Any]:
        """The API's in_force: the program's dates and its state on ``on``."""
        d = self.scheme.in_force
        assert d is not None
        state = d.state(on)
        return {"valid_from": d.valid_from.isoformat() if d.valid_from else None,
                "valid_until": d.valid_until.isoformat() if d.valid_until else None,
                "state": state, "source": self.data.in_force.source,
                "notice": d.notice(on)}

    @cached_property
    def rests_on_plan_alone(self) -> bool:
        """True when the plan (2021–2025) is the guide's only source."""
        return all(s.id == "plan" for s in self.data.sources)

    @cached_property
    def documents_by_id(self) -> dict[str, DocumentSpec]:
        return {d.id: d for d in self.data.documents}

    @cached_property
    def checklist(self) -> list[dict[str, Any]]:
        """What to bring, as the apply form's and status page's checklist: id, name, and
        whether a photo of it can be sent (built once)."""
        return [{"id": d.id, "name": d.name, "photo": d.photo} for d in self.data.documents]

    @cached_property
    def where_to_go(self) -> dict[str, Any]:
        """What to bring and where to go, as an application receipt shows it (built once)."""
        return {
            "program": self.slug,
            "program_title": self.data.title,
            "documents": [d.name for d in self.data.documents],
            "checklist": self.checklist,
            "offices": [msgspec.structs.asdict(o) for o in self.data.offices],
        }

    def public(self, on: dt.date) -> dict[str, Any]:
        """The program as the API lists it."""
        d = self.data
        return {
            "slug": d.slug,
            "title": d.title,
            "summary": d.summary,
            "audiences": list(d.audiences),
            "applicant": d.applicant,
            "applies_online": d.applies_online,
            "url": self.url,
            "last_reviewed": d.verified_on.isoformat(),
            "verified_on": d.verified_on.isoformat(),
            "weight": d.weight,
            "in_force": self.in_force(on),
            "sources": [msgspec.structs.asdict(s) for s in d.sources],
        }

    def detail(self, on: dt.date) -> dict[str, Any]:
        d = self.data
        out = self.public(on)
        out.update(
            facts=[self.figure_json(f, on) for f in d.figures],
            documents=self.where_to_go["documents"],
            checklist=self.checklist,
            offices=self.where_to_go["offices"],
            conditions=[r.label for r in self.rules],
            rules=[{"label": r.label, "basis": basis_json(r.basis)} for r in self.rules],
            notes=[n.text for n in d.notes],
            keywords=list(d.keywords),
            related=list(d.related),
        )
        return out

    def figure_json(self, f: Figure, on: dt.date) -> dict[str, Any]:
        dated = self.figure_dates[f.id]
        out = msgspec.structs.asdict(f)
        out.update(valid_from=dated.valid_from.isoformat() if dated.valid_from else None,
                   valid_until=dated.valid_until.isoformat() if dated.valid_until else None,
                   verified_on=f.verified_on.isoformat() if f.verified_on else None,
                   state=dated.state(on), notice=dated.notice(on))
        return out


def basis_json(b: engine.Basis | None) -> dict[str, str] | None:
    if b is None:
        return None
    return {"source": b.source, "section": b.section, "cite": b.cite, "quote": b.quote}


@dataclass(frozen=True)
class Catalog:
    programs: tuple[Program, ...]
    by_slug: dict[str, Program]
    moved: dict[str, str] = field(default_factory=dict)  # an earlier slug -> the slug now


class CatalogError(Exception):
    """One or more guide files are invalid. ``problems`` holds "file: field: message" lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _NoDates(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay text, and msgspec checks their format."""


_NoDates.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)
_H2 = re.compile(r"^## +(.+?) *$", re.M)


def split_front_matter(text: str) -> tuple[Any, str]:
    m = _FRONT.match(text.replace("\r\n", "\n"))
    if not m:
        raise ValueError("must start with YAML front matter between two `---` lines")
    return yaml.load(m.group(1), Loader=_NoDates), m.group(2)


def split_sections(body: str) -> tuple[str, dict[str, str]]:
    """Split a body into (text before the first ## heading, {heading: text})."""
    parts = _H2.split(body)
    intro, sections = parts[0], {}
    for i in range(1, len(parts), 2):
        sections[parts[i].strip()] = parts[i + 1].strip("\n")
    return intro, sections


def _where(e: msgspec.ValidationError) -> str:
    msg = str(e)
    m = re.search(r" - at `\$\.?(.*)`$", msg)
    if m:
        return f"{m.group(1) or '(top)'}: {msg[: m.start()]}"
    return f"(top): {msg}"


def load_program(path: Path) -> Program:
    """Load and validate one guide file. Raises CatalogError naming the file and field."""
    name = str(path)
    problems: list[str] = []

    def bad(where: str, message: str) -> None:
        problems.append(f"{name}: {where}: {message}")

    try:
        raw, body = split_front_matter(path.read_text("utf-8"))
    except (ValueError, yaml.YAMLError, UnicodeDecodeError) as e:
        raise CatalogError([f"{name}: front matter: {e}"]) from None
    if not isinstance(raw, dict):
        raise CatalogError([f"{name}: front matter: must be a mapping of fields"])
    # `date: 2019` is a year, as editors write it: dates stay text, checked below
    for item, key in [*((s, "date") for s in raw.get("sources") or []),
                      *((f, k) for f in [*(raw.get("figures") or []), raw.get("in_force")]
                        for k in ("valid_from", "valid_until"))]:
        if isinstance(item, dict) and isinstance(item.get(key), int):
            item[key] = str(item[key])
    try:
        data = msgspec.convert(raw, ProgramData)
    except msgspec.ValidationError as e:
        raise CatalogError([f"{name}: {_where(e)}"]) from None

    if data.slug != path.stem:
        bad("slug", f"“{data.slug}” must equal the file name “{path.stem}”")
    if not SLUG_RE.match(data.slug):
        bad("slug", "use lower-case letters, digits and single hyphens")
    for i, old in enumerate(data.moved_from):
        if not SLUG_RE.match(old) or old == data.slug:
            bad(f"moved_from[{i}]", "an earlier slug of this guide: lower-case letters, digits "
                                    "and single hyphens, not its slug now")
    for fld in ("title", "summary"):
        if not getattr(data, fld).strip():
            bad(fld, "must not be empty")
    if len(data.summary) > 80:
        bad("summary", f"{len(data.summary)} characters; keep it to 80 (ten seconds to read)")
    if not data.audiences:
        bad("audiences", "name at least one audience")
    if not data.sources:
        bad("sources", "cite at least one source")
    source_ids = [s.id for s in data.sources]
    for dup in {i for i in source_ids if source_ids.count(i) > 1}:
        bad("sources", f"source id “{dup}” is used twice")
    for i, s in enumerate(data.sources):
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", s.date):
            bad(f"sources[{i}].date", "write it as YYYY, YYYY-MM or YYYY-MM-DD")
    figure_ids = [f.id for f in data.figures]
    for dup in {i for i in figure_ids if figure_ids.count(i) > 1}:
        bad("figures", f"figure id “{dup}” is used twice")
    by_id = {s.id: s for s in data.sources}

    def source_ok(where: str, source: str) -> bool:
        if source not in by_id:
            bad(where, f"“{source}” is not one of the sources {source_ids}")
            return False
        return True

    def dates_ok(where: str, start: str, end: str) -> None:
        first = last = None
        try:
            first = parse_date(start)
            if start == "none":
                raise ValueError("a start date is needed")
        except ValueError as e:
            bad(f"{where}.valid_from", str(e))
        try:
            last = parse_date(end, end=True)
        except ValueError as e:
            bad(f"{where}.valid_until", f"{e}, or none (the source states no end)")
        if first and last and last < first:
            bad(f"{where}.valid_until", "ends before it starts")

    for i, f in enumerate(data.figures):
        if source_ok(f"figures[{i}].source", f.source):
            if by_id[f.source].grade == "C" and f.verified:
                bad(f"figures[{i}].verified", "a C-grade source cannot verify a figure: set false")
        if f.verified and f.verified_on is None:
            bad(f"figures[{i}].verified_on", "a verified figure needs the day it was checked")
        dates_ok(f"figures[{i}]", f.valid_from, f.valid_until)
    if source_ok("in_force.source", data.in_force.source):
        dates_ok("in_force", data.in_force.valid_from, data.in_force.valid_until)
    if not data.documents:
        bad("documents", "list what to bring (at least one item)")
    document_ids = [d.id for d in data.documents]
    for i, d in enumerate(data.documents):
        if not SLUG_RE.match(d.id) or len(d.id) > 32:
            bad(f"documents[{i}].id", "a stable id: lower-case letters, digits and single "
                                      "hyphens, at most 32 (photos sent for it keep it)")
        if document_ids.count(d.id) > 1:
            bad(f"documents[{i}].id", f"“{d.id}” is used twice")
        if not d.name.strip():
            bad(f"documents[{i}].name", "must not be empty")
    if not data.offices:
        bad("offices", "say where to go (at least one office or channel)")
    if data.applies_online and data.applicant == "employer":
        bad("applies_online", "the application form is for people (ID number, phone); an "
            "employer's program must say applies_online: false and where employers apply")

    def basis_ok(where: str, b: Any) -> None:
        if not isinstance(b, dict):
            bad(where, "cite the clause: {source: <one of the sources>, section: 第…条, "
                "quote: <its words>}; a condition with no basis in a cited source is not a "
                "condition (drop it, or make it a note)")
            return
        extra = set(b) - {"source", "section", "quote"}
        if extra:
            bad(where, f"unknown key(s) {sorted(extra)}")
        for k in ("source", "section", "quote"):
            if not (isinstance(b.get(k), str) and b[k].strip()):
                bad(f"{where}.{k}", "must not be empty")
        if isinstance(b.get("source"), str):
            source_ok(f"{where}.source", b["source"])

    for i, spec in enumerate(data.conditions):
        basis_ok(f"conditions[{i}].basis", spec.get("basis") if isinstance(spec, dict) else None)
    for i, n in enumerate(data.notes):
        if n.basis is not None:
            basis_ok(f"notes[{i}].basis", msgspec.structs.asdict(n.basis))

    rules: tuple[engine.Rule, ...] = ()
    try:
        rules = engine.compile_rules(data.conditions)
    except engine.ConditionError as e:
        bad(e.path, e.message)

    gets: list[engine.Gets] = []
    if not data.gets:
        bad("gets", "say what a person gets (the sourced amount, or that it is not yet known)")
    for i, g in enumerate(data.gets):
        where = f"gets[{i}]"
        when = None
        if g.when is not None:
            try:
                when = engine.compile_node(g.when, f"{where}.when")
            except engine.ConditionError as e:
                bad(e.path, e.message)
        elif i != len(data.gets) - 1:
            bad(where, "only the last line may have no `when` (it is the line for everyone else)")
        if i == len(data.gets) - 1 and g.when is not None:
            bad(where, "the last line must have no `when`: it is what everyone else is told")
        if g.figure and g.figure not in figure_ids:
            bad(f"{where}.figure", f"“{g.figure}” is not one of the figures {figure_ids}")
        if g.basis is not None:
            basis_ok(f"{where}.basis", msgspec.structs.asdict(g.basis))
        if len(g.text) > 40:
            bad(f"{where}.text", f"{len(g.text)} characters; one short line (40 at most)")
        gets.append(engine.Gets(text=g.text, when=when))

    if len(data.examples) < 2:
        bad("examples", "give at least two worked examples (one who qualifies, one who does not)")
    expects = {x.expect for x in data.examples}
    if data.examples and not ({"eligible", "maybe"} & expects and "ineligible" in expects):
        bad("examples", "include someone who qualifies and someone who does not")
    for i, x in enumerate(data.examples):
        _, errors = validate_answers(x.answers, (x.date or data.verified_on).year)
        for err in errors:
            bad(f"examples[{i}].{err['field']}", err["message"])

    intro, sections = split_sections(body)
    if intro.strip():
        bad("body", "put all text under the ## sections (the summary comes from front matter)")
    headings = list(sections)
    missing = [s for s in BODY_SECTIONS if s not in sections]
    if missing:
        bad("body", f"missing section(s) {missing}; a guide has {list(BODY_SECTIONS)}")
    extra = [h for h in headings if h not in BODY_SECTIONS]
    if extra:
        bad("body", f"unexpected section(s) {extra}; a guide has {list(BODY_SECTIONS)}")
    if not missing and not extra and headings != list(BODY_SECTIONS):
        bad("body", f"sections out of order; use {list(BODY_SECTIONS)}")
    for h, text in sections.items():
        if not text.strip():
            bad(f"body.{h}", "section is empty")

    if problems:
        raise CatalogError(problems)
    program = Program(data=data, body=body, path=path, sections=sections,
                      scheme=engine.Scheme(data.slug, rules))
    return _with_scheme(program, rules, gets)


def _with_scheme(p: Program, rules: tuple[engine.Rule, ...],
                 gets: list[engine.Gets]) -> Program:
    """The program's engine view: bases cited as people read them, figures dated."""
    rules = tuple(replace(r, basis=replace(r.basis, cite=p.cite(r.basis.source, r.basis.section)))
                  if r.basis else r for r in rules)
    lines = []
    for g, spec in zip(gets, p.data.gets, strict=True):
        figure = p.figure_dates.get(spec.figure) if spec.figure else None
        cite = figure.cite if figure else (p.cite(spec.basis.source, spec.basis.section)
                                           if spec.basis else "")
        lines.append(replace(g, figure=figure, cite=cite))
    f = p.data.in_force
    in_force = engine.Dated(parse_date(f.valid_from), parse_date(f.valid_until, end=True),
                            True, p.cite(f.source))
    return replace(p, scheme=engine.Scheme(p.slug, rules, in_force, tuple(lines)))


def _linked(scheme: engine.Scheme, granting: dict[str, tuple[engine.Rule, ...]]) -> engine.Scheme:
    """Steps linked to the rules of the programs granting them, and every fact the program's
    result reads: its conditions, its what-you-get lines, its granting programs' conditions."""
    rules = engine.link(scheme.rules, granting, scheme.slug)
    facts = {x for r in rules for x in r.reads}  # conditions, open cases, granting programs
    facts |= {x for g in scheme.gets if g.when for x in g.when.facts}
    options = engine.merge_options([*(r.options for r in rules),
                                    engine.options_read(*(g.when for g in scheme.gets if g.when))])
    return replace(scheme, rules=rules, facts=tuple(sorted(facts)), options=options)


def load_catalog(content_dir: Path) -> Catalog:
    """Load every guide under content_dir/programs, reporting all problems at once."""
    folder = Path(content_dir) / "programs"
    problems: list[str] = []
    programs: list[Program] = []
    for path in sorted(folder.glob("*.md")):
        if path.name == "index.md":
            continue
        try:
            programs.append(load_program(path))
        except CatalogError as e:
            problems.extend(e.problems)
    by_slug = {p.slug: p for p in programs}
    for p in programs:
        for i, rel in enumerate(p.data.related):
            if rel not in by_slug:
                problems.append(f"{p.path}: related[{i}]: no program “{rel}”")
    moved: dict[str, str] = {}
    for p in programs:
        for i, old in enumerate(p.data.moved_from):
            if old in by_slug:
                problems.append(f"{p.path}: moved_from[{i}]: “{old}” is a live guide's slug")
            elif old in moved:
                problems.append(f"{p.path}: moved_from[{i}]: “{old}” also moved to "
                                f"“{moved[old]}”")
            moved[old] = p.slug
    granting = {p.slug: p.rules for p in programs}
    for p in programs:
        for i, r in enumerate(p.rules):
            for ob in r.obtainable:
                if ob.step.via and ob.step.via not in by_slug:
                    problems.append(f"{p.path}: conditions[{i}]: the step “{ob.step.text}” "
                                    f"names a program “{ob.step.via}” that has no guide")
    if not problems:  # each step knows whether its granting program would turn a person away
        programs = [replace(p, scheme=_linked(p.scheme, granting)) for p in programs]
        by_slug = {p.slug: p for p in programs}
    if not programs and not problems:
        problems.append(f"{folder}: no program guides found")
    if problems:
        raise CatalogError(problems)
    return Catalog(programs=tuple(programs), by_slug=by_slug, moved=moved)


def example_date(program: Program, example: Example) -> dt.date:
    """The day a worked example is told on (its own date, or when the guide was checked)."""
    return example.date or program.data.verified_on
