"""The standalone build step: pages derived from the catalog, written as Markdown.

``python -m service build-pages`` writes, under the content directory,

- ``guides/<slug>.md``  each program's published guide: its hand-written sections from
  ``programs/<slug>.md`` in the fixed order of a 办事指南, interleaved with the sections built
  from the front matter (its dates and a notice when its source says it has ended, the
  self-check's conditions with the clause each encodes, figures with sources and dates,
  what to bring, where to go, sources, worked examples with the engine's own reasons, the
  last-verified date);
- ``guides/index.md``   the whole catalog, grouped the way people think of themselves;
- ``for/<audience>.md`` one page per group ("我想创业" ...), linked from the home page;
- ``assets/jy/common.js`` the one script every page loads: the parts in ``js/common/``, one
  concern each, joined in one closure, so that a phone still makes a single request; and in
  front of them ``DATA``, the server's own tables the pages show (the districts, how long
  personal data is kept, the self-check's words for a result, what a 身份证号 may start
  with). They travel in a file every page loads anyway: no request of their own, and the
  service worker keeps them offline with the page.

It is a plain script rather than an mkdocs hook, so the pages survive a move to Zensical.
Generated files are not committed; ``make site`` runs this before ``mkdocs build``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import shutil
from pathlib import Path
from typing import Any

from . import clock, engine, qr
from .bodies import WHEN
from .callbacks import KEEP_DAYS as CALLBACK_DAYS
from .catalog import AUDIENCES, Catalog, Figure, Office, Program, Source, example_date, zh_date
from .config import ROOT, Settings
from .facts import DISTRICTS
from .identity import _PROVINCES as ID_PROVINCES  # the server's own table, not a copy
from .identity import MIN_AGE

GENERATED_DIRS = ("guides", "for")

# The parts of common.js (js/common/), in the order they are joined: each part may use what
# the parts before it define; start.js, which wires the page, comes last.
SCRIPT_PARTS_DIR = ROOT / "js" / "common"
SCRIPT_PARTS = (
    "dom.js", "storage.js", "api.js", "steps.js", "fields.js", "campaign.js", "outbox.js", "callback.js",
    "photos.js", "notices.js", "print.js", "tables.js", "big-text.js", "share.js",
    "read-aloud.js", "kiosk.js", "sw-register.js", "search.js", "start.js",
)
COMMON_SCRIPT = "assets/jy/common.js"   # under the content directory; the pages load it

REPORT_LINE = (
    "发现本页有错或已过时？请打 12333 或告诉区（市）公共就业服务机构，"
    "说明是哪一页（本页地址），我们会尽快核对更正。"
)


def _source_line(s: Source) -> str:
    parts = [f"《{s.title}》", s.issuer]
    if s.number:
        parts.append(s.number)
    parts.append(s.date)
    text = "，".join(parts)
    if s.section:
        text += f"，{s.section}"
    if s.grade == "C":
        text += "（转载资料，待核实）"
    if s.url:
        text += f"。[原文]({s.url})"
    return text


def _figure_line(p: Program, f: Figure, on: dt.date) -> str:
    n = [s.id for s in p.data.sources].index(f.source) + 1
    dated = p.figure_dates[f.id]
    line = f"- **{f.label}**：{f.value}"
    notice = dated.notice(on)
    if notice:
        line += f"（{notice}）"
    elif not f.verified:
        line += f"（参考标准，{f.valid_from}的资料，以最新公布为准）"
    line += f"〔依据{n}：{p.sources_by_id[f.source].title}〕"
    if f.note:
        line += f" {f.note}"
    return line


def _dates_line(p: Program) -> str:
    d = p.scheme.in_force
    assert d is not None
    start = f"{zh_date(d.valid_from)}起" if d.valid_from else ""
    end = f"文件写明执行到{zh_date(d.valid_until)}" if d.valid_until else "文件没有写明截止时间"
    src = p.sources_by_id[p.data.in_force.source]
    return f"执行时间：{start}，{end}（依据：{src.title}）。"


def _notice(p: Program, on: dt.date) -> list[str]:
    """The notice at the top of a guide whose source says it has ended (or rests on the
    2021–2025 plan alone). A page built before the end date carries the notice hidden, with
    the date, and the phone shows it once that day has passed (common.js)."""
    d = p.scheme.in_force
    assert d is not None
    lines = []
    if p.rests_on_plan_alone:
        lines.append("本页只依据《枣庄市“十四五”促进就业规划》（2021—2025年），规划里说的是要做的事，"
                     "不是具体的办事规定。")
    if d.valid_until is None:
        if not lines:
            return []
        return ['<div class="jy-notice" role="note">', *(f"<p>{x}</p>" for x in lines),
                "<p>现在怎么办、能不能办，请打12333问。</p>", "</div>", ""]
    ended = f"文件写明执行到{zh_date(d.valid_until)}，现在是否继续办理，请打12333问。"
    hidden = "" if d.state(on) == engine.ENDED else " hidden"
    return [f'<div class="jy-notice" role="note" data-until="{d.valid_until.isoformat()}"'
            f"{hidden}>", *(f"<p>{x}</p>" for x in lines), f"<p>{ended}</p>", "</div>", ""]


def _conditions(p: Program) -> list[str]:
    if not p.rules:
        return []
    out = ["**测一测按这些条件算：**", ""]
    for r in p.rules:
        out.append(f"- {r.label}（依据：{r.basis.cite}）" if r.basis else f"- {r.label}")
    for n in p.data.notes:
        out.append(f"- 另外：{n.text}")
    return [*out, ""]


def _office_line(o: Office) -> str:
    bits = [f"**{o.name}**"]
    if o.where:
        bits.append(o.where)
    if o.phone:
        bits.append(f"电话 {o.phone}")
    if o.hours:
        bits.append(o.hours)
    if o.note:
        bits.append(o.note)
    return "- " + "，".join(bits)


def _actions(p: Program) -> str:
    """The guide's buttons: check first; apply here when the program takes applications."""
    check = f'<a class="md-button md-button--primary" href="/check/?program={p.slug}">测一测我能不能办</a>'
    if not p.data.applies_online:
        return f'<p class="jy-actions">{check}</p>'
    apply = f'<a class="md-button" href="/apply/?program={p.slug}">在线申请</a>'
    return f'<p class="jy-actions">{check} {apply}</p>'


def _callback(p: Program) -> str:
    """Where 请工作人员联系我 goes (common.js builds it: a button, then a short form)."""
    return (f'<div class="jy-callback" data-jy-callback data-program="{p.slug}" '
            f'data-title="{html.escape(p.data.title)}"></div>')


def _share_and_print(p: Program, base_url: str) -> list[str]:
    """The page's own QR (to show phone to phone at a stand), and a one-page 办事清单 that
    only exists on paper: what to bring, where to go, the hotline and the QR."""
    d, e = p.data, html.escape
    qr_src = f"/guides/qr/{p.slug}.svg"
    offices = "".join(
        f"<li>{e(o.name)}{'：' + e(o.where) if o.where else ''}"
        f"{'，电话 ' + e(o.phone) if o.phone else ''}{'（' + e(o.note) + '）' if o.note else ''}</li>"
        for o in d.offices)
    return [
        '<details class="jy-share"><summary>给身边的人扫码看这一页</summary>',
        f'<p><img src="{qr_src}" alt="本页的二维码：{e(d.title)}" width="200" height="200" '
        'loading="lazy"></p>',
        "<p>用微信扫一扫，就能打开这一页。</p>",
        "</details>",
        "",
        '<p class="jy-actions"><button type="button" class="md-button" data-jy-print>'
        "打印办事清单</button></p>",
        "",
        '<div class="jy-print-only">',
        f"<h2>办事清单：{e(d.title)}</h2>",
        f"<p>{e(d.summary)}</p>",
        "<h3>要带什么（带齐打勾）</h3>",
        "<ul>" + "".join(f"<li>☐ {e(x.name)}</li>" for x in d.documents) + "</ul>",
        "<h3>去哪里办</h3>",
        f"<ul>{offices}</ul>",
        "<p>咨询电话 <strong>12333</strong></p>",
        f'<p class="jy-print-qr"><img data-src="{qr_src}" alt="" width="110" height="110"> '
        f"扫码看完整指南：{e(base_url)}/guides/{p.slug}/</p>",
        "</div>",
        "",
    ]


def guide_markdown(p: Program, catalog: Catalog, base_url: str = "",
                   on: dt.date | None = None) -> str:
    on = on or clock.today()
    d = p.data
    s = p.sections
    out = [
        "---",
        f"title: {d.title}",
        f"description: {d.summary}",
        "---",
        "",
        f"# {d.title}",
        "",
        f'<p class="jy-summary">{d.summary}</p>',
        "",
        *_notice(p, on),
        _actions(p),
        "",
        "## 这是什么", "", s["这是什么"], "",
        "## 谁可以申请", "", s["谁可以申请"], "",
        *_conditions(p),
        "## 能得到什么", "", s["能得到什么"], "",
    ]
    if d.figures:
        out += ["**数字和依据：**", "", *(_figure_line(p, f, on) for f in d.figures), ""]
    out += [_dates_line(p), ""]
    out += ["## 怎么办", "", s["怎么办"], ""]
    out += ["## 要带什么材料", "", *(f"- {x.name}" for x in d.documents), ""]
    out += ["## 去哪里办、咨询电话", "", *(_office_line(o) for o in d.offices), ""]
    out += [_callback(p), ""]
    out += ["## 常见问题", "", s["常见问题"], ""]
    out += ["## 政策依据", ""]
    out += [f"{i}. {_source_line(src)}" for i, src in enumerate(d.sources, 1)]
    out += [""]
    out += ["## 举几个例子", "", "下面是按本页条件算出来的结果，和“测一测”用的是同一套规则。", ""]
    for x in d.examples:
        when = example_date(p, x)
        outcome = engine.evaluate(p.scheme, x.answers, when)
        out += [
            f"### {x.name}",
            "",
            x.story,
            "",
            f"结果：**{engine.STATUS_ZH[outcome.status]}**（按{zh_date(when)}算）",
            "",
            *(_reason_line(r, p.slug) for r in outcome.reasons),
        ]
        if outcome.gets:
            label = "这项政策给的是" if outcome.status == engine.INELIGIBLE else "能得到"
            out.append(f"- {label}：{outcome.gets.text}"
                       + (f"（{outcome.gets_note}）" if outcome.gets_note else ""))
        out.append("")
    if d.related:
        out += ["## 相关政策", ""]
        out += [f"- [{catalog.by_slug[r].data.title}]({r}.md)" for r in d.related]
        out += [""]
    out += ["有看不懂的词？看[名词解释](../glossary.md)。", ""]
    if d.keywords:
        out += [f'<p class="jy-keywords">也可以叫：{"、".join(d.keywords)}</p>', ""]
    out += _share_and_print(p, base_url)
    out += [
        "---",
        "",
        f'<p class="jy-reviewed">最后核对：{d.verified_on.isoformat()}。{REPORT_LINE}</p>',
        "",
    ]
    return "\n".join(out)


def _reason_line(r: engine.Reason, own: str) -> str:
    mark = "✔" if r.met else ("✘" if r.met is False else "？")
    line = f"- {mark} {r.text}"
    if r.step and r.step.via and r.step.via != own:
        line += f"（[怎么办]({r.step.via}.md)）"
    if r.basis:
        line += f"〔依据：{r.basis.cite}〕"
    return line


def _entry(p: Program, prefix: str) -> str:
    return f"- [{p.data.title}]({prefix}{p.slug}.md)  \n  {p.data.summary}"


def for_audience(catalog: Catalog, audience: str) -> list[Program]:
    """The programs for one group, in the order that matters to its reader: those written
    first for this group before those that also serve it, then money or a post before a
    loan or a subsidy, before advice and services."""
    members = [(i, p) for i, p in enumerate(catalog.programs) if audience in p.data.audiences]
    members.sort(key=lambda ip: (ip[1].data.audiences[0] != audience, -ip[1].data.weight, ip[0]))
    return [p for _, p in members]


def audience_markdown(audience: str, catalog: Catalog) -> str:
    title = AUDIENCES[audience]
    members = for_audience(catalog, audience)
    lines = [
        "---", f"title: {title}", "---", "", f"# {title}", "",
        f"和你有关的政策有 {len(members)} 项，最要紧的排在前面。"
        "点开看看，或者[测一测你能办哪些](/check/)。", "",
    ]
    lines += [_entry(p, "../guides/") for p in members]
    lines += ["", "[看全部政策](../guides/index.md)", ""]
    return "\n".join(lines)


def catalog_markdown(catalog: Catalog) -> str:
    lines = [
        "---", "title: 全部政策", "---", "", "# 全部政策", "",
        f"枣庄的就业补贴和服务，一共 {len(catalog.programs)} 项。按你的情况找：", "",
    ]
    for aid, title in AUDIENCES.items():
        members = for_audience(catalog, aid)
        if not members:
            continue
        lines += [f"## {title}", "", *(_entry(p, "") for p in members), ""]
    return "\n".join(lines)


def retention_words(days: int) -> str:
    """How long personal data is kept (RETENTION_DAYS), as the notices say it: 730 -> 2年."""
    if days % 365 == 0:
        return f"{days // 365}年"
    if days % 30 == 0:
        return f"{days // 30}个月"
    return f"{days}天"


def site_data(retention_days: int = Settings.retention_days) -> dict[str, Any]:
    """The server's tables the pages need, as window.JY.data: the apply form's districts (the
    table the API checks them against), how long personal data is kept once an application
    is closed, the self-check's words for a result, for the form's checks as a person
    types, the first two digits a 身份证号 may have and the youngest age that may apply, and
    for 请工作人员联系我 the times of day it offers and how many days the number is kept."""
    return {
        "districts": [[d.value, d.label] for d in DISTRICTS],
        "retention": retention_words(retention_days),
        "outcomes": dict(engine.STATUS_ZH),
        "id": {"provinces": sorted(ID_PROVINCES), "min_age": MIN_AGE},
        "callback": {"when": list(WHEN), "days": CALLBACK_DAYS},
    }


def _code_lines(text: str, name: str) -> list[str]:
    """The lines of a part without the comments that fill whole lines (``//`` or ``/* */``):
    the phone does not need them, and on 3G they are a fifth of the file. A comment that
    ends in the middle of a line is refused rather than guessed at; comments after code
    are kept."""
    out, inside = [], False
    for n, line in enumerate(text.rstrip("\n").split("\n"), 1):
        s = line.strip()
        if inside or s.startswith("/*"):
            end = s.find("*/", 0 if inside else 2)
            if 0 <= end < len(s) - 2:
                raise RuntimeError(f"js/common/{name}:{n}: put code after a comment on a "
                                   "line of its own")
            inside = end < 0
        elif not s.startswith("//"):
            out.append(line)
    return out


def common_script(data: dict[str, Any], parts_dir: Path = SCRIPT_PARTS_DIR) -> str:
    """common.js: ``data`` as DATA, then every part, inside one strict closure, without
    their comment lines."""
    found = sorted(p.name for p in Path(parts_dir).glob("*.js"))
    if found != sorted(SCRIPT_PARTS):
        raise RuntimeError(
            f"{parts_dir}: the parts are {found}, service/pages.py SCRIPT_PARTS lists "
            f"{sorted(SCRIPT_PARTS)}: add a new part to SCRIPT_PARTS, in its place")
    # U+2028 and U+2029 end a line in ES5 source, even inside a string
    literal = (json.dumps(data, ensure_ascii=False, separators=(",", ":"))
               .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    out = ["/* 就业通: helpers shared by every page, and the page tools (大字, 朗读, 发给家人, 下一位),",
           " * the offline outbox for applications and the service worker.",
           " * Plain ES5 with fetch, for old WeChat browsers. Text is always set with textContent.",
           " * Built by `python -m service build-pages` (service/pages.py) from js/common/*.js and",
           " * the server's tables: edit those, never this file. */",
           "(function () {",
           '  "use strict";',
           f"  var DATA = {literal};"]
    for name in SCRIPT_PARTS:
        out += ["", f"  /* ---- {name} ---- */"]
        text = (Path(parts_dir) / name).read_text("utf-8")
        out += [("  " + line) if line else "" for line in _code_lines(text, name)]
    out += ["})();", ""]
    return "\n".join(out)


def build_pages(catalog: Catalog, content_dir: Path, base_url: str,
                retention_days: int = Settings.retention_days) -> list[Path]:
    """Write every generated page and common.js; returns the paths written. Stale pages
    are removed.

    ``base_url`` (PUBLIC_BASE_URL) goes into each guide's QR code: build the site with the
    address people will reach; ``retention_days`` (RETENTION_DAYS) is what the apply form
    says about how long personal data is kept."""
    content_dir = Path(content_dir)
    for name in GENERATED_DIRS:
        shutil.rmtree(content_dir / name, ignore_errors=True)
        (content_dir / name).mkdir(parents=True)
    written: list[Path] = []

    def write(rel: str, text: str) -> None:
        path = content_dir / rel
        path.write_text(text, "utf-8")
        written.append(path)

    (content_dir / "guides" / "qr").mkdir()
    for p in catalog.programs:
        write(f"guides/{p.slug}.md", guide_markdown(p, catalog, base_url))
        write(f"guides/qr/{p.slug}.svg", qr.svg(f"{base_url}/guides/{p.slug}/"))
    write("guides/index.md", catalog_markdown(catalog))
    for aid in AUDIENCES:
        write(f"for/{aid}.md", audience_markdown(aid, catalog))
    (content_dir / COMMON_SCRIPT).parent.mkdir(parents=True, exist_ok=True)
    write(COMMON_SCRIPT, common_script(site_data(retention_days)))
    return written
