"""The page tools on a phone: 朗读 (read aloud), 发给家人 (copy the link for WeChat) and the
share cards WeChat shows for a pasted link."""

from __future__ import annotations

import re
import struct
from html.parser import HTMLParser

import pytest
from browserkit import PROGRAM, SITE

# A speechSynthesis that records what it is asked to say and never finishes by itself.
SPEECH_STUB = """
    window.__said = []; window.__cancelled = 0;
    Object.defineProperty(window, 'speechSynthesis', {configurable: true, value: {
        speaking: false, pending: false, paused: false,
        getVoices: () => [{lang: 'zh-CN', name: '普通话', localService: true}],
        speak: u => window.__said.push(u),
        cancel: () => { window.__cancelled++; },
        pause: () => {}, resume: () => {},
        addEventListener: () => {}, removeEventListener: () => {},
    }});
"""
NO_SPEECH = "Object.defineProperty(window, 'speechSynthesis', {configurable: true, value: undefined});"


def said(page) -> list[dict]:
    return page.evaluate("window.__said.map(u => ({text: u.text, lang: u.lang}))")


def test_read_aloud_speaks_the_guide_in_mandarin_and_stops_and_continues(phone, server):
    phone.context.add_init_script(SPEECH_STUB)
    page = phone.new_page()
    page.goto(server.url(f"/guides/{PROGRAM}/"))
    read = page.get_by_role("button", name="朗读")
    read.click()
    first = said(page)
    assert len(first) == 1
    assert first[0]["lang"] == "zh-CN"
    assert first[0]["text"].startswith("失业保险金与网上失业登记")

    # The next part follows when one ends; the whole guide is read, not the buttons.
    page.evaluate("window.__said[0].onend({})")
    assert said(page)[1]["text"].startswith("交过1年以上失业保险")
    assert "测一测我能不能办" not in [s["text"] for s in said(page)]

    stop = page.get_by_role("button", name="停止朗读")
    stop.click()
    assert page.evaluate("window.__cancelled") >= 1
    page.get_by_role("button", name="继续朗读").click()
    assert said(page)[-1]["text"] == said(page)[1]["text"]   # on from where it stopped

    # Every part, in order, to the end; the citations are not read out.
    spoken = []
    for _ in range(200):
        last = page.evaluate("window.__said.length") - 1
        spoken.append(said(page)[last]["text"])
        page.evaluate(f"window.__said[{last}].onend({{}})")
        if page.evaluate("window.__said.length") - 1 == last:
            break
    assert page.get_by_role("button", name="朗读").is_visible()
    text = "".join(spoken)
    assert "要带什么材料" in text and "居民身份证或社会保障卡" in text
    assert "〔依据" not in text and "政策依据" not in text


def test_read_aloud_is_not_offered_where_the_browser_cannot_speak(phone, server):
    phone.context.add_init_script(NO_SPEECH)
    page = phone.new_page()
    page.goto(server.url(f"/guides/{PROGRAM}/"))
    assert page.get_by_role("button", name="大字").is_visible()
    assert page.get_by_role("button", name="发给家人").is_visible()
    assert page.locator("[data-jy-read]").is_hidden()
    assert page.get_by_role("button", name="朗读").count() == 0


def test_read_aloud_is_not_offered_where_the_phone_has_no_chinese_voice(phone, server):
    """A phone with only English voices: a tap would say nothing, so there is no button."""
    phone.context.add_init_script(SPEECH_STUB.replace(
        "[{lang: 'zh-CN', name: '普通话', localService: true}]",
        "[{lang: 'en-US', name: 'English', localService: true}]"))
    page = phone.new_page()
    page.goto(server.url(f"/guides/{PROGRAM}/"))
    page.locator("[data-jy-read]").wait_for(state="hidden")
    assert page.get_by_role("button", name="大字").is_visible()


def test_send_to_family_copies_the_page_link(phone, server):
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base)
    page = phone.new_page()
    page.goto(server.url(f"/guides/{PROGRAM}/?c={server.campaign}"))
    page.get_by_role("button", name="发给家人").click()
    page.get_by_role("status").filter(has_text="链接已复制，打开微信粘贴发给家人").wait_for()
    # The link itself, without the campaign code (the family did not scan the poster).
    assert page.evaluate("navigator.clipboard.readText()") == server.url(f"/guides/{PROGRAM}/")


def test_send_to_family_shows_the_link_selected_where_there_is_no_clipboard(phone, server):
    phone.context.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'clipboard',"
        " {configurable: true, get: () => undefined});")
    page = phone.new_page()
    page.goto(server.url("/guides/"))
    page.get_by_role("button", name="发给家人").click()
    field = page.get_by_role("textbox", name="这一页的链接")
    assert field.input_value() == server.url("/guides/")
    assert field.evaluate("f => document.activeElement === f && f.selectionStart === 0"
                          " && f.selectionEnd === f.value.length")
    message = page.locator("#jy-tool-msg").inner_text()
    assert message in ("链接已复制，打开微信粘贴发给家人",
                       "请长按上面的链接，选“复制”，再打开微信粘贴发给家人")


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("property") or a.get("name")):
            self.meta[a.get("property") or a.get("name")] = a.get("content", "")
        self._in_h1 = tag == "h1" or self._in_h1 and tag != "h1"

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_h1:
            self.title += data


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_every_guide_has_a_wechat_share_card(catalog):
    if not (SITE / "index.html").is_file():
        pytest.skip("site not built: run `make site`")
    images = set()
    for p in catalog.programs:
        parsed = _Meta()
        parsed.feed((SITE / "guides" / p.slug / "index.html").read_text("utf-8"))
        m = parsed.meta
        assert m["og:title"] == p.data.title == parsed.title.strip(), p.slug
        assert m["og:description"] == m["description"] and len(m["description"]) >= 10, p.slug
        assert m["og:url"].endswith(f"/guides/{p.slug}/"), p.slug
        assert re.match(r"https?://[^/]+/assets/jy/share\.png$", m["og:image"]), p.slug
        images.add(m["og:image"].rsplit("/", 1)[1])
    home = _Meta()
    home.feed((SITE / "index.html").read_text("utf-8"))
    assert home.meta["og:title"].startswith("就业通") and home.meta["og:image"].endswith("/share.png")
    data = (SITE / "assets" / "jy" / "share.png").read_bytes()
    width, height = _png_size(data)
    assert width >= 300 and height >= 300 and len(data) < 20_000   # WeChat wants 300px and up
    assert images == {"share.png"}
