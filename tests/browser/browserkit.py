"""Helpers for the browser tests (fixtures are in conftest.py)."""

from __future__ import annotations

import functools
import json
import os
import shutil
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from service.config import ROOT

try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # the tests that need it skip
    PlaywrightError = Exception

SITE = ROOT / "build" / "site"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "Zz-review-2027!"
ADMIN, REVIEWER = "admin", "teng01"
PROGRAM = "unemployment-insurance"     # takes applications online

# WeChat 8.0.47 on a cheap Android phone (XWEB, the WebView WeChat ships).
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 10; V2001A Build/QP1A.190711.020; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
    "MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 "
    "Weixin NetType/4G Language/zh_CN ABI/arm64")
PHONE = dict(viewport={"width": 360, "height": 640}, screen={"width": 360, "height": 640},
             user_agent=WECHAT_UA, is_mobile=True, has_touch=True, device_scale_factor=1,
             locale="zh-CN", timezone_id="Asia/Shanghai")

def chromium_path() -> str | None:
    """JY_CHROMIUM when set (a path that does not exist means: no browser), else Debian's."""
    if os.environ.get("JY_CHROMIUM"):
        candidates = [os.environ["JY_CHROMIUM"]]
    else:
        candidates = ["/usr/bin/chromium", shutil.which("chromium")]
    return next((c for c in candidates if c and Path(c).is_file()), None)


@dataclass
class Server:
    base: str
    campaign: str
    admin_totp: str = ""  # the admin's authenticator secret, as create-staff printed it

    def url(self, path: str) -> str:
        return self.base + path

    def apply(self, phone: str, id_number: str, district: str = "tengzhou",
              program: str = PROGRAM, name: str = "李桂兰") -> dict:
        """An application sent straight to the API, as a phone would."""
        body = {"program": program, "name": name, "id_number": id_number, "phone": phone,
                "district": district, "consent": True, "answers": {"age": 52}}
        req = urllib.request.Request(
            self.base + "/api/applications", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 201
            return json.loads(r.read())


@dataclass
class Phone:
    """One browser context (a phone), with the address of every request it made."""
    context: object
    server: Server
    requests: list = field(default_factory=list)

    def new_page(self):
        return self.context.new_page()

    def foreign(self) -> list[str]:
        here = urlsplit(self.server.base).netloc
        return [u for u in self.requests
                if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != here]


def open_phone(browser, server: Server, **options) -> Phone:
    context = browser.new_context(**{**PHONE, "service_workers": "block", **options})
    context.set_default_timeout(10_000)
    phone = Phone(context=context, server=server)
    context.on("request", lambda r: phone.requests.append(r.url))
    return phone


@functools.cache
def _axe_source() -> str:
    return AXE.read_text("utf-8")


def axe_violations(page) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations axe-core finds on the page as it is now."""
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run `npm ci`")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through DevTools rather than page.add_script_tag: the site's
        # Content-Security-Policy (rightly) refuses inline scripts it does not know.
        page.evaluate(_axe_source() + "\n;typeof axe")
    return page.evaluate("""async () => {
        const r = await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: '
                            + (n.failureSummary || '').replace(/\\s+/g, ' '))}));
    }""")


def assert_accessible(page, what: str) -> None:
    found = axe_violations(page)
    assert not found, f"{what}: " + json.dumps(found, ensure_ascii=False, indent=1)


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def fill_application(page, name: str, id_number: str, phone: str, district: str = "滕州市"):
    """Type the apply form as a person would: name, ID, phone, district, consent."""
    page.get_by_label("姓名 *").fill(name)
    page.get_by_label("身份证号 *").fill(id_number)
    page.get_by_label("手机号 *").fill(phone)
    page.get_by_label(district).check()
    page.get_by_label("我已看过，同意以上说明").check()


def click_answer(page, answer) -> None:
    """Answer the question on screen by tapping: a number, boxes to tick (a list), or a
    button ("是", "都不是", an option)."""
    if isinstance(answer, int):
        page.get_by_role("spinbutton").fill(str(answer))
        page.get_by_role("button", name="确定", exact=True).click()
    elif isinstance(answer, list):
        for label in answer:
            page.get_by_label(label).check()
        page.get_by_role("button", name="选好了" if answer else "都不是", exact=True).click()
    else:
        page.get_by_role("button", name=answer, exact=True).click()


def answer_self_check(page, answers: dict, answer_one=click_answer) -> int:
    """Answer every question the self-check asks (``answers`` maps the start of a
    question's text to the answer); returns how many were asked."""
    asked = 0
    for _ in range(30):
        page.locator("#jy-q, #jy-results").first.wait_for()
        if page.locator("#jy-results").count():
            return asked
        question = page.locator("#jy-q").inner_text()
        answer_one(page, answers[next(k for k in answers if question.startswith(k))])
        asked += 1
        page.wait_for_function(
            "q => !document.getElementById('jy-q') || "
            "document.getElementById('jy-q').textContent !== q", arg=question)
    raise AssertionError("the self-check never showed results")
