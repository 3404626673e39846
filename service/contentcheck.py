"""``python -m service check-content``: the editorial checks a guide must pass.

Beyond the loader's schema checks (missing sections, sources, two examples ...), this checks
what a reader relies on:

- every figure in a guide's body (an amount, duration, age, percentage ...) is one of the
  figures in its front matter ``facts``, each of which names its source;
- every worked example gives the result it claims when run through the engine;
- relative links in the body point at files that exist;
- sentences are short: the median sentence of a guide is at most 30 characters.
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path

from . import engine
from .catalog import Catalog, CatalogError, Program, example_year, load_catalog

MAX_MEDIAN_SENTENCE = 30

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


def check_program(p: Program) -> list[str]:
    problems: list[str] = []
    name = str(p.path)
    known = " ".join(f"{f.label} {f.value}" for f in p.data.facts)
    known_figures = set(figures(known))
    for section, text in p.sections.items():
        for fig in figures(text):
            if fig not in known_figures:
                problems.append(
                    f"{name}: body.{section}: the figure “{fig}” has no entry in `facts` "
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
    for i, x in enumerate(p.data.examples):
        got = engine.evaluate(p.rules, x.answers, example_year(p, x)).status
        if got != x.expect:
            problems.append(
                f"{name}: examples[{i}] “{x.name}”: expects {x.expect} but the conditions "
                f"give {got}"
            )
    return problems


def check_catalog(catalog: Catalog) -> list[str]:
    problems: list[str] = []
    for p in catalog.programs:
        problems += check_program(p)
    return problems


def run(content_dir: Path) -> list[str]:
    """All problems in the content, as "file: field: message" lines (empty when clean)."""
    try:
        catalog = load_catalog(content_dir)
    except CatalogError as e:
        return e.problems
    return check_catalog(catalog)
