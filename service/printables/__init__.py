"""What staff print for a QR campaign: an A4 poster and a sheet of small labels.

Both are plain HTML pages (print from any browser, or save the files the CLI writes with
``campaign create --out``); the QR codes are inline SVG, so a printed sheet needs nothing
from the network. Used by the staff console and the command line alike. Made with a
PUBLIC_BASE_URL that phones cannot reach (config.public_url_problem), a sheet says so on
screen, above the sheet, before anyone prints it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import campaigns, qr
from ..catalog import Catalog
from ..config import public_url_problem
from ..models import Campaign

HERE = Path(__file__).parent
_env = Environment(loader=FileSystemLoader(HERE / "templates"),
                   autoescape=select_autoescape(default=True))


def print_css() -> str:
    return (HERE / "print.css").read_text("utf-8")


def target_title(target: str, catalog: Catalog) -> str:
    """Where a code leads, in words: 首页, 自测, a guide's title."""
    if target.startswith("/guides/") and target.strip("/").split("/")[-1] in catalog.by_slug:
        return "指南：" + catalog.by_slug[target.strip("/").split("/")[-1]].data.title
    return {"/": "首页", "/check/": "自测：我能办哪些", "/apply/": "在线申请",
            "/guides/": "全部政策"}.get(target, target)


def _day(d: dt.date | str | None) -> dt.date | None:
    if isinstance(d, str):
        return dt.date.fromisoformat(d) if d else None
    return d


def dates_text(starts_on: dt.date | str | None, ends_on: dt.date | str | None) -> str:
    """A campaign's days as a poster prints them: 从2027年3月1日到3月3日, 2027年3月1日 (one
    day), 从2027年3月1日起，长期 (no last day), 到2027年3月3日为止, or 长期 (no days at all).
    Takes dates or their ISO text (campaigns.describe)."""
    first, last = _day(starts_on), _day(ends_on)

    def full(d: dt.date) -> str:
        return f"{d.year}年{d.month}月{d.day}日"

    if first and last:
        if first == last:
            return full(first)
        end = full(last) if last.year != first.year else f"{last.month}月{last.day}日"
        return f"从{full(first)}到{end}"
    if first:
        return f"从{full(first)}起，长期"
    if last:
        return f"到{full(last)}为止"
    return "长期"


def poster_html(c: Campaign, base_url: str, catalog: Catalog, standalone: bool) -> str:
    """An A4 poster: the QR at 11 cm, what scanning gives, the link as text, 12333.
    ``standalone`` puts the stylesheet in the page (a file saved by the CLI)."""
    link = campaigns.short_link(base_url, c.code)
    slug = c.target.strip("/").split("/")[-1] if c.target.startswith("/guides/") else ""
    program = catalog.by_slug.get(slug)
    headline = program.data.title if program else "就业补贴和服务"
    scan_line = (f"微信扫一扫，1分钟看懂{program.data.title}怎么办" if program
                 else campaigns.SCAN_LINE)
    return _env.get_template("poster.html").render(
        c=c, link=link, headline=headline, scan_line=scan_line, qr_svg=qr.svg(link),
        dates=dates_text(c.starts_on, c.ends_on), url_warning=public_url_problem(base_url),
        css_inline=print_css() if standalone else "")


def labels_html(c: Campaign, base_url: str, catalog: Catalog, standalone: bool) -> str:
    """A sheet of small labels, one per guide, each with its own QR (for notice boards)."""
    labels = []
    for p in catalog.programs:
        link = campaigns.short_link(base_url, c.code, p.slug)
        labels.append({"title": p.data.title, "link": link, "qr_svg": qr.svg(link)})
    return _env.get_template("labels.html").render(
        c=c, labels=labels, url_warning=public_url_problem(base_url),
        css_inline=print_css() if standalone else "")


SHEETS = {"poster": poster_html, "labels": labels_html}
