"""``python -m service check-content``: the editorial checks a guide must pass.

Beyond the loader's schema checks (missing sections, sources, a basis for every condition,
two examples ...), this checks what a reader relies on:

- every figure in a guide's body or its what-you-get lines (an amount, duration, age,
  percentage ...) is one of the figures in its front matter ``figures``, each of which names
  its source and dates;
- no figure is shown as verified past the end its source states (as of today), and figures
  checked more than a year ago are listed for re-verification (a reminder, not a failure);
- every worked example gives the result it claims when run through the engine on its date,
  and the examples cover the hard cases: a number on its boundary, a status not yet held,
  a date after the program's stated end;
- relative links in the body point at files that exist;
- sentences are short: the median sentence of a guide is at most 30 characters, and no
  sentence of a figure, note or condition label is longer than 30;
- words that need explaining (兜底安置, 社保经办机构 …) are in the glossary;
- nothing is left marked 待核 (to be checked).
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from pathlib import Path

from . import clock, engine
from .catalog import Catalog, CatalogError, Example, Program, example_date, load_catalog

MAX_MEDIAN_SENTENCE = 30
MAX_SENTENCE = 30  # any one sentence of a figure, note or condition label
REVERIFY_AFTER = dt.timedelta(days=365)
TODO = "待核"
# Words a reader may not know: a guide that uses one needs it explained in the glossary,
# under the heading given here.
JARGON = {"兜底安置": "兜底安置", "扩容提质": "扩容提质", "失信惩戒": "失信惩戒",
          "社保经办机构": "社保经办机构", "社会保险经办机构": "社保经办机构",
          "户籍或常住地": "户籍或常住地", "安家补贴": "安家补贴", "意外伤害保险": "意外伤害保险",
          "就业困难人员": "就业困难人员", "失业登记": "失业登记", "公益性岗位": "公益性岗位",
          "灵活就业": "灵活就业", "反担保": "反担保", "以工代训": "以工代训",
          "以工代赈": "以工代赈", "劳动仲裁": "劳动仲裁", "劳动保障监察": "劳动保障监察",
          "公共就业服务机构": "公共就业服务机构", "贴息": "贴息", "新就业形态": "新就业形态"}

# A figure: a number with a unit a policy would state. Years (2025年) and hotline numbers are
# not figures; "第45条"-style article numbers have no unit here.
FIGURE_RE = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?(?:[-—～~至到]\d+(?:\.\d+)?)?)\s*"
    r"(万元|亿元|元|万|%|个月|周岁|岁|年|天|日|次|倍|小时|课时|人次|名|个)"
)
_YEAR = re.compile(r"^(19|20)\d\d$")
_LINK_RE = re.compile(r"\]\(([^)\s]+)\)")
_SENTENCE_END = re.compile(r"[。！？；!?;\n]+")
_MARKUP = re.compile(r"[*_`#>|]|\[([^\]]*)\]\([^)]*\)|^\s*(?:[-+]|\d+\.)\s+", re.M)


def figures(text: str) -> list[str]:
    """The figures a text states, e.g. ["12个月", "1.2万"]. Calendar years are skipped."""
    out = []
    for m in FIGURE_RE.finditer(text):
        number, unit = m.group(1), m.group(2)
        if unit == "年" and _YEAR.match(number):
            continue
        out.append(f"{number}{unit}")
    return out


def sentences(text: str) -> list[str]:
    plain = _MARKUP.sub(lambda m: m.group(1) or "", text)
    return [s.strip() for s in _SENTENCE_END.split(plain) if len(s.strip()) >= 2]


def _boundaries(p: Program, x: Example) -> bool:
    """Does this example put an answer exactly on one of the program's number boundaries?"""
    year = example_date(p, x).year
    for r in p.rules:
        for fid, _ in r.points:
            v = x.answers.get(fid)
            if v is None:
                continue
            for leaf in engine._leaves(r.node):
                if leaf.fact != fid:
                    continue
                edges = _edges(leaf, year)
                if v in edges:
                    return True
    return False


def _edges(leaf: engine.Node, year: int) -> set[int]:
    """The answers that sit on a leaf's boundary (both sides of it)."""
    out: set[int] = set()
    for p in leaf.points:
        if p < -1000:  # born_in_or_after, encoded as -year
            out |= {year + p, year + p - 1}
        elif leaf.fact == "graduation_year" and p <= 1:
            out.add(year + p)
        else:
            out.add(p)
    return out


def _sentences_over(text: str, limit: int) -> list[str]:
    return [s for s in sentences(text) if len(s) > limit]


def check_program(p: Program, glossary: str = "", today: dt.date | None = None) -> list[str]:
    today = today or clock.today()
    problems: list[str] = []
    name = str(p.path)
    d = p.data
    known_figures = set(figures(" ".join(f"{f.label} {f.value}" for f in d.figures)))
    for section, text in p.sections.items():
        for fig in figures(text):
            if fig not in known_figures:
                problems.append(
                    f"{name}: body.{section}: the figure “{fig}” has no entry in `figures` "
                    "(with its source); add one, or remove the figure"
                )
        for target in _LINK_RE.findall(text):
            if re.match(r"^[a-z]+:|^/|^#", target):
                continue
            file_part = target.split("#", 1)[0]
            if file_part and not (p.path.parent / file_part).resolve().exists():
                problems.append(f"{name}: body.{section}: broken link “{target}”")
    lengths = [len(s) for s in sentences(p.body)]
    if lengths and statistics.median(lengths) > MAX_MEDIAN_SENTENCE:
        problems.append(
            f"{name}: body: median sentence is {statistics.median(lengths):.0f} characters; "
            f"keep it to {MAX_MEDIAN_SENTENCE} (about 20 is best)"
        )
    by_figure = {f.id: f for f in d.figures}
    for i, g in enumerate(d.gets):
        stated = set(figures(g.text))
        own = set(figures(by_figure[g.figure].value)) if g.figure in by_figure else set()
        for fig in sorted(stated - own):
            problems.append(f"{name}: gets[{i}].text: the figure “{fig}” is not in the figure "
                            f"it names ({g.figure or 'none'}); name the figure that states it")
    for i, f in enumerate(d.figures):
        dated = p.figure_dates[f.id]
        if f.verified and dated.state(today) == engine.ENDED:
            problems.append(
                f"{name}: figures[{i}].verified: “{f.label}” is shown as verified, but its "
                f"source says it ended on {dated.valid_until}; set verified: false (the page "
                "then says it may have lapsed), or cite the document that continues it")
        for field in ("label", "value", "note"):
            for s in _sentences_over(getattr(f, field), MAX_SENTENCE):
                problems.append(f"{name}: figures[{i}].{field}: “{s}” is {len(s)} characters; "
                                f"say it in sentences of {MAX_SENTENCE} or fewer")
    for i, n in enumerate(d.notes):
        for s in _sentences_over(n.text, MAX_SENTENCE):
            problems.append(f"{name}: notes[{i}].text: “{s}” is {len(s)} characters; keep "
                            f"each sentence to {MAX_SENTENCE}")
    for i, r in enumerate(p.rules):
        if len(r.label) > MAX_SENTENCE:
            problems.append(f"{name}: conditions[{i}].label: {len(r.label)} characters; keep "
                            f"it to {MAX_SENTENCE}")
    outcomes = []
    for i, x in enumerate(d.examples):
        outcome = engine.evaluate(p.scheme, x.answers, example_date(p, x))
        outcomes.append(outcome)
        if outcome.status != x.expect:
            problems.append(
                f"{name}: examples[{i}] “{x.name}”: expects {x.expect} but the conditions "
                f"give {outcome.status}"
            )
        got = outcome.gets.text if outcome.gets else ""
        if x.gets and x.gets not in got:
            problems.append(f"{name}: examples[{i}] “{x.name}”: expects what-you-get to say "
                            f"“{x.gets}” but it says “{got}”")
    has_edges = any(r.points for r in p.rules)
    if has_edges and not any(_boundaries(p, x) for x in d.examples):
        problems.append(f"{name}: examples: add a boundary case (an answer exactly on a number "
                        "limit of a condition, e.g. 16岁, or a graduation year on the limit)")
    steps = any(r.obtainable or r.maybe_when for r in p.rules)
    if steps and not any(r.step for o in outcomes for r in o.reasons):
        problems.append(f"{name}: examples: add someone who does not hold a status yet (a step "
                        "to take: 失业登记, 就业困难人员认定, a certificate …)")
    end = p.scheme.in_force.valid_until if p.scheme.in_force else None
    if end and not any(example_date(p, x) > end for x in d.examples):
        problems.append(f"{name}: examples: the program's source says it ends on {end}; add an "
                        "example told after that date")
    if glossary:
        text = p.body + " ".join(f.value for f in d.figures) + " ".join(g.text for g in d.gets)
        for word, heading in JARGON.items():
            if word in text and f"## {heading} " not in glossary:
                problems.append(f"{name}: uses “{word}”: explain it in content/glossary.md "
                                "(## heading) or say it in everyday words")
    front = p.path.read_text("utf-8").split("\n---\n", 1)[0]
    if TODO in front:
        problems.append(f"{name}: front matter: {front.count(TODO)} place(s) still marked "
                        f"“{TODO}”: cite the clause, or drop the condition")
    return problems


def due_for_reverification(catalog: Catalog, today: dt.date | None = None) -> list[str]:
    """Verified figures and guides last checked more than a year ago (a reminder)."""
    today = today or clock.today()
    out = []
    for p in catalog.programs:
        if today - p.data.verified_on > REVERIFY_AFTER:
            out.append(f"{p.path}: verified_on: the guide was last checked on "
                       f"{p.data.verified_on}")
        for i, f in enumerate(p.data.figures):
            if f.verified and f.verified_on and today - f.verified_on > REVERIFY_AFTER:
                out.append(f"{p.path}: figures[{i}] “{f.label}”: last checked on "
                           f"{f.verified_on}")
    return out


def check_catalog(catalog: Catalog, glossary: str = "",
                  today: dt.date | None = None) -> list[str]:
    problems: list[str] = []
    for p in catalog.programs:
        problems += check_program(p, glossary, today)
    return problems


def run(content_dir: Path) -> list[str]:
    """All problems in the content, as "file: field: message" lines (empty when clean)."""
    try:
        catalog = load_catalog(content_dir)
    except CatalogError as e:
        return e.problems
    glossary = Path(content_dir) / "glossary.md"
    return check_catalog(catalog, glossary.read_text("utf-8") if glossary.exists() else "")
