"""The built static site (``make site``; ``make test`` builds it first)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from service.config import ROOT

SITE = ROOT / "build" / "site"
pytestmark = pytest.mark.skipif(not (SITE / "index.html").exists(),
                                reason="site not built: run `make site` (make test does)")

# URLs inside Material's JS bundle that are only fetched for features this site never uses:
# GitHub/GitLab repository facts (no repo_url is set), mermaid diagrams (none in the
# content) and the clipboard library's home page (a comment). The ResizeObserver polyfill is
# only fetched by browsers older than Chrome 64, which WeChat no longer ships. The search
# worker names lunr's home page and the Porter stemmer's in its licence banner, and a help
# link in a console warning: text, never fetched.
JS_ALLOWED = re.compile(
    r"https?://(lunrjs\.com$|tartarus\.org/~martin/|bit\.ly/2s3ChXG$|api\.github\.com/(repos|users)/|\$\{e\}/api/v4/projects/|unpkg\.com/mermaid@|"
    r"clipboardjs\.com/|unpkg\.com/resize-observer-polyfill)"
)


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []  # URLs the browser fetches by itself
        self.links: list[str] = []  # URLs a person can follow

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "audio", "video", "source") and a.get("src"):
            self.loads.append(a["src"])
        if tag == "link" and a.get("href"):
            rel = (a.get("rel") or "").lower()
            if rel not in ("canonical", "alternate"):
                self.loads.append(a["href"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


def _html_files() -> list[Path]:
    return sorted(SITE.rglob("*.html"))


def test_every_program_has_a_published_guide(catalog):
    for p in catalog.programs:
        page = SITE / "guides" / p.slug / "index.html"
        assert page.exists(), p.slug
        html = page.read_text("utf-8")
        assert "最后核对" in html and "政策依据" in html and "举几个例子" in html
        assert 'href="../../glossary/"' in html  # every guide links the glossary


def test_no_page_loads_anything_from_another_host():
    for page in _html_files():
        refs = _Refs()
        refs.feed(page.read_text("utf-8"))
        for url in refs.loads:
            assert not urlsplit(url).netloc, f"{page}: loads {url}"
    for css in SITE.rglob("*.css"):
        text = css.read_text("utf-8", errors="replace")
        for url in re.findall(r"url\(\s*['\"]?([^)'\"]+)", text) + re.findall(
                r"@import\s+['\"]([^'\"]+)", text):
            assert not urlsplit(url).netloc, f"{css}: {url}"
    # The scripts pages run: the theme bundle, the search worker and our own. (lunr's
    # language files only mention URLs in comments.)
    scripts = [*SITE.glob("assets/javascripts/bundle.*.js"),
               *SITE.glob("assets/javascripts/workers/*.js"), *SITE.glob("assets/jy/*.js")]
    assert len(scripts) >= 3
    for js in scripts:
        text = js.read_text("utf-8", errors="replace")
        for url in re.findall(r"https?://[^\s\"'`)]+", text):
            if "w3.org" in url:  # XML namespace names, never fetched
                continue
            assert JS_ALLOWED.match(url), f"{js}: {url}"


def test_no_google_fonts_or_analytics():
    for page in _html_files():
        html = page.read_text("utf-8")
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html
        assert "googletagmanager" not in html and "google-analytics" not in html


def test_the_content_has_no_mermaid_diagrams():
    # Material would fetch mermaid from a foreign CDN for them.
    for md in (ROOT / "content").rglob("*.md"):
        assert "```mermaid" not in md.read_text("utf-8"), md


def test_every_internal_link_resolves():
    for page in _html_files():
        refs = _Refs()
        refs.feed(page.read_text("utf-8"))
        for href in refs.links + refs.loads:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path or href.startswith("#"):
                continue
            if parts.path.startswith(("/api/", "/apply/", "/status/")):
                continue  # served by the API, or pages of later issues
            path = unquote(parts.path)
            base = SITE if path.startswith("/") else page.parent
            target = (base / path.lstrip("/")).resolve()
            ok = target.is_file() or (target / "index.html").is_file()
            assert ok, f"{page.relative_to(SITE)}: broken link {href}"


def test_the_home_page_says_what_to_do_in_chinese():
    html = (SITE / "index.html").read_text("utf-8")
    assert 'lang="zh' in html
    for words in ("测一测", "看政策", "12333", "我想创业", "我被欠薪了", "我是企业/单位"):
        assert words in html


def _search_docs() -> list[dict]:
    return json.loads((SITE / "search" / "search_index.json").read_text("utf-8"))["docs"]


@pytest.mark.parametrize("word, slug", [
    ("贷款", "startup-guarantee-loan"),
    ("见习", "graduate-internship"),
    ("失业金", "unemployment-insurance"),
    ("欠薪", "unpaid-wages"),
    ("骑手", "gig-injury-insurance-subsidy"),
])
def test_search_finds_guides_by_everyday_words(word, slug):
    # Material segments Chinese with jieba and joins words with U+200B; a word is found when
    # it stands as its own token in the guide's indexed text.
    hits = {d["location"].split("#")[0] for d in _search_docs()
            if word in re.split(r"[\s\u200b\-，。、；：！？（）《》“”]+", d["text"] + " " + d["title"])}
    assert f"guides/{slug}/" in hits, f"{word}: {sorted(hits)[:10]}"


def test_the_targets_page_shows_the_plan_table_with_its_source():
    html = (SITE / "targets" / "index.html").read_text("utf-8")
    assert "<table" in html and "17.5" in html and "枣人社发〔2021〕14号" in html


def test_guides_offer_applying_only_where_the_program_takes_applications(catalog):
    for p in catalog.programs:
        html = (SITE / "guides" / p.slug / "index.html").read_text()
        offers = f'href="/apply/?program={p.slug}"' in html
        assert offers == p.data.applies_online, p.slug


def test_the_apply_and_status_pages_load_their_scripts_after_the_shared_one():
    for page, script in (("apply", "apply.js"), ("status", "status.js"), ("check", "check.js")):
        refs = _Refs()
        refs.feed((SITE / page / "index.html").read_text())
        ours = [u for u in refs.loads if "/assets/jy/" in u and u.endswith(".js")]
        assert [u.rsplit("/", 1)[1] for u in ours] == ["common.js", script], page


def test_the_shared_script_is_built_from_its_parts_and_the_servers_tables():
    from service.config import Settings
    from service.pages import common_script, site_data

    data = site_data(Settings.from_env().retention_days)   # what `make site` built with
    built = (SITE / "assets" / "jy" / "common.js").read_text("utf-8")
    assert built == common_script(data), "common.js is older than its sources: run `make site`"


def test_every_guide_shows_its_own_qr_code_and_a_printable_checklist(catalog):
    from qrread import decode, svg_to_image

    from service.config import Settings

    base = Settings.from_env().public_base_url  # what `make site` built with
    for p in catalog.programs:
        html = (SITE / "guides" / p.slug / "index.html").read_text()
        assert f'src="/guides/qr/{p.slug}.svg"' in html and 'loading="lazy"' in html
        assert "data-jy-print" in html and 'class="jy-print-only"' in html
        for document in p.data.documents:
            assert f"☐ {document.name}" in html
    svg = (SITE / "guides" / "qr" / "unemployment-insurance.svg").read_text()
    assert decode(svg_to_image(svg, 6)) == f"{base}/guides/unemployment-insurance/"


async def test_every_page_carries_a_csp_that_allows_only_its_own_inline_scripts(catalog):
    import base64
    import hashlib

    import httpx2

    from service.app import create_app
    from service.config import Settings

    app = create_app(Settings.from_env({}), catalog=catalog, init_db=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app),
                                  base_url="http://testserver") as c:
        for path in ("/", "/guides/unemployment-insurance/", "/check/", "/apply/"):
            r = await c.get(path)
            csp = r.headers["content-security-policy"]
            script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
            assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
            inline = [body for attrs, body in re.findall(
                r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", r.text, re.S)
                if "application/json" not in attrs]  # JSON data blocks never run
            assert inline, path  # Material has some: each must be allowed by its hash
            for body in inline:
                digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
                assert f"'sha256-{digest}'" in script_src, path
            assert "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
            assert r.headers["x-content-type-options"] == "nosniff"
        api = await c.get("/api/questions")
        assert api.headers["content-security-policy"].startswith("default-src 'none'")
        console = await c.get("/staff/login")
        assert "script-src 'none'" in console.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in console.headers["content-security-policy"]


async def test_the_site_is_sent_precompressed_to_phones_that_accept_gzip(catalog):
    import gzip

    import httpx2

    from service.app import create_app
    from service.config import Settings

    app = create_app(Settings.from_env({}), catalog=catalog, init_db=False)
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as c:
        page = SITE / "guides" / "unemployment-insurance" / "index.html"
        r = await c.get("/guides/unemployment-insurance/", headers={"accept-encoding": "gzip"})
        assert r.headers["content-encoding"] == "gzip" and r.headers["vary"] == "Accept-Encoding"
        assert int(r.headers["content-length"]) == (page.parent / "index.html.gz").stat().st_size
        assert r.content == page.read_bytes()  # httpx2 decodes; the same page either way
        assert gzip.decompress((page.parent / "index.html.gz").read_bytes()) == page.read_bytes()
        again = await c.get("/guides/unemployment-insurance/", headers={
            "accept-encoding": "gzip", "if-none-match": r.headers["etag"]})
        assert again.status_code == 304
        plain = await c.get("/guides/unemployment-insurance/", headers={"accept-encoding": ""})
        assert "content-encoding" not in plain.headers and plain.content == page.read_bytes()
        index = await c.get("/search/search_index.json", headers={"accept-encoding": "gzip"})
        assert int(index.headers["content-length"]) < (
            SITE / "search" / "search_index.json").stat().st_size / 3


def test_the_site_csp_follows_a_rebuild_without_a_restart(tmp_path):
    import base64
    import hashlib

    from service.middleware import SiteCSP

    def digest(body: str) -> str:
        return base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()

    (tmp_path / "index.html").write_text("<script>var a = 1;</script>")
    (tmp_path / ".built").touch()
    csp = SiteCSP(tmp_path, check_every=0)
    assert digest("var a = 1;").encode() in csp.current()
    (tmp_path / "index.html").write_text("<script>var a = 2;</script>")
    import os
    import time

    os.utime(tmp_path / ".built", ns=(time.time_ns() + 10**9,) * 2)  # make site finished
    assert digest("var a = 2;").encode() in csp.current()
    assert digest("var a = 1;").encode() not in csp.current()


async def test_an_old_guide_address_on_a_printed_qr_code_redirects_to_the_guide(settings,
                                                                               catalog, db):
    from dataclasses import replace

    import httpx2

    from service.app import create_app

    app = create_app(settings, catalog=replace(catalog, moved={
        "jobless-benefit": "unemployment-insurance"}), init_db=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app),
                                  base_url="http://testserver") as c:
        for path in ("/guides/jobless-benefit/", "/guides/jobless-benefit"):
            r = await c.get(path + "?c=TZ2027")
            assert r.status_code == 301
            assert r.headers["location"] == "/guides/unemployment-insurance/?c=TZ2027"
        assert (await c.get("/guides/never-was/")).status_code == 404


def test_the_search_partial_is_materials_own_but_for_the_dialogs_name():
    """site/partials/search.html shadows Material's file to give the dialog a name (搜索,
    for screen readers). Material may change its own file in any 9.x release; then ours
    would silently keep the old one. Upgrading Material fails here until ours is redone."""
    import material

    theirs = (Path(material.__file__).parent / "templates" / "partials" / "search.html").read_text()
    ours = (ROOT / "site" / "partials" / "search.html").read_text()
    strip = re.compile(r"\{#-.*?-#\}\s*", re.S)  # the comments at the top of each
    named = '<div class="md-search" data-md-component="search" role="dialog"'
    assert named + ' aria-label="{{ lang.t(\'search\') }}">' in ours
    assert strip.sub("", ours).replace(' aria-label="{{ lang.t(\'search\') }}"', "", 1) \
        == strip.sub("", theirs), "Material's partials/search.html changed: redo ours from it"
