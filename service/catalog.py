"""The program catalog: one Markdown guide per program under ``content/programs/``.

Each file's YAML front matter is the program's machine-readable part (slug, audiences,
sources, facts with their source and verification status, conditions, worked examples,
documents, offices); its body is the plain-language guide. The loader validates every file
strictly and reports problems with the file and the field, so a bad edit cannot ship. The
site build, the content check and the API all read the catalog through ``load_catalog``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
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


class Source(_Strict):
    """A document a fact rests on: the plan's section or a named policy document."""

    id: str
    title: str
    issuer: str
    date: str  # "2021-12-09", "2021-12" or "2021" (as precise as the document states)
    grade: Literal["A", "B", "C"]  # A official text, B news/official reprint, C lead only
    number: str = ""  # 文号, e.g. 枣人社发〔2021〕14号
    section: str = ""  # e.g. （二十三）2、专栏10.3
    url: str = ""


class Fact(_Strict):
    """A figure a person relies on (amount, duration, age limit ...) with its source."""

    id: str
    label: str  # e.g. 最长领取期限
    value: str  # e.g. 最长24个月 — figures as the guide's body states them
    source: str  # a Source id
    verified: bool  # False: older or C-grade, shown as a reference value to check
    as_of: str = ""  # the figure's date when it may have changed since
    note: str = ""


class Office(_Strict):
    name: str
    where: str = ""
    phone: str = ""
    hours: str = ""
    note: str = ""


class Example(_Strict):
    """A worked example in plain words, run through the engine by the tests."""

    name: str
    story: str
    answers: dict[str, Any]
    expect: Literal["eligible", "maybe", "ineligible"]
    year: int = 0  # the year the example is told in; defaults to last_reviewed's year


class Question(_Strict):
    q: str
    a: str


class ProgramData(_Strict):
    slug: str
    title: str
    summary: str
    audiences: list[Audience]
    applicant: Literal["person", "employer"]
    applies_online: bool  # takes applications through this site
    last_reviewed: dt.date
    sources: list[Source]
    conditions: list[dict[str, Any]]
    examples: list[Example]
    documents: list[str]
    offices: list[Office]
    facts: list[Fact] = []
    keywords: list[str] = []
    related: list[str] = []


@dataclass(frozen=True)
class Program:
    data: ProgramData
    body: str
    rules: tuple[engine.Rule, ...]
    path: Path
    sections: dict[str, str] = field(repr=False)

    @property
    def slug(self) -> str:
        return self.data.slug

    @property
    def url(self) -> str:
        return f"/guides/{self.data.slug}/"

    @cached_property
    def where_to_go(self) -> dict[str, Any]:
        """What to bring and where to go, as an application receipt shows it (built once)."""
        return {
            "program": self.slug,
            "program_title": self.data.title,
            "documents": list(self.data.documents),
            "offices": [msgspec.structs.asdict(o) for o in self.data.offices],
        }

    def public(self) -> dict[str, Any]:
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
            "last_reviewed": d.last_reviewed.isoformat(),
            "sources": [msgspec.structs.asdict(s) for s in d.sources],
        }

    def detail(self) -> dict[str, Any]:
        d = self.data
        out = self.public()
        out.update(
            facts=[msgspec.structs.asdict(f) for f in d.facts],
            documents=self.where_to_go["documents"],
            offices=self.where_to_go["offices"],
            conditions=[r.label for r in self.rules],
            keywords=list(d.keywords),
            related=list(d.related),
        )
        return out


@dataclass(frozen=True)
class Catalog:
    programs: tuple[Program, ...]
    by_slug: dict[str, Program]

    def rules(self) -> tuple[tuple[engine.Rule, ...], ...]:
        return self._rules

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rules", tuple(p.rules for p in self.programs))


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
    for src in raw.get("sources") or []:  # `date: 2019` is a year, as editors write it
        if isinstance(src, dict) and isinstance(src.get("date"), int):
            src["date"] = str(src["date"])
    try:
        data = msgspec.convert(raw, ProgramData)
    except msgspec.ValidationError as e:
        raise CatalogError([f"{name}: {_where(e)}"]) from None

    if data.slug != path.stem:
        bad("slug", f"“{data.slug}” must equal the file name “{path.stem}”")
    if not SLUG_RE.match(data.slug):
        bad("slug", "use lower-case letters, digits and single hyphens")
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
    fact_ids = [f.id for f in data.facts]
    for dup in {i for i in fact_ids if fact_ids.count(i) > 1}:
        bad("facts", f"fact id “{dup}” is used twice")
    for i, f in enumerate(data.facts):
        if f.source not in source_ids:
            bad(f"facts[{i}].source", f"“{f.source}” is not one of the sources {source_ids}")
        src = next((s for s in data.sources if s.id == f.source), None)
        if src is not None and src.grade == "C" and f.verified:
            bad(f"facts[{i}].verified", "a C-grade source cannot verify a figure: set false")
        if not f.verified and not f.as_of:
            bad(f"facts[{i}].as_of", "an unverified figure needs the date it dates from")
    if not data.documents:
        bad("documents", "list what to bring (at least one item)")
    if not data.offices:
        bad("offices", "say where to go (at least one office or channel)")
    if data.applies_online and data.applicant != "person":
        bad("applies_online", "the application form is for people (ID number, phone); an "
            "employer's program must say applies_online: false and where employers apply")

    rules: tuple[engine.Rule, ...] = ()
    try:
        rules = engine.compile_rules(data.conditions)
    except engine.ConditionError as e:
        bad(e.path, e.message)

    if len(data.examples) < 2:
        bad("examples", "give at least two worked examples (one who qualifies, one who does not)")
    expects = {x.expect for x in data.examples}
    if data.examples and not ({"eligible", "maybe"} & expects and "ineligible" in expects):
        bad("examples", "include someone who qualifies and someone who does not")
    for i, x in enumerate(data.examples):
        year = x.year or data.last_reviewed.year
        _, errors = validate_answers(x.answers, year)
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
    return Program(data=data, body=body, rules=rules, path=path, sections=sections)


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
    if not programs and not problems:
        problems.append(f"{folder}: no program guides found")
    if problems:
        raise CatalogError(problems)
    return Catalog(programs=tuple(programs), by_slug=by_slug)


def example_year(program: Program, example: Example) -> int:
    return example.year or program.data.last_reviewed.year
