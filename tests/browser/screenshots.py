"""Retake docs/screenshots 01 to 13 and 23 from the current pages, by hand:

    make site && .venv/bin/python tests/browser/screenshots.py [--out docs/screenshots]

A 360x640 phone with WeChat's user agent (12 is kiosk mode on an 800x1000 tablet), Debian's
Chromium, the real server on a scratch database: the home page, a guide, 发给家人, 大字, a
self-check question and its results, the apply form, its summary, saved without a network,
sent, the status, kiosk mode, search, a self-check question in 大字 (23). 14 to 22 are taken
by the browser tests themselves (`JY_SCREENSHOTS=docs/screenshots make test`). Look at every
picture before committing it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent), str(HERE.parent.parent)]

from browserkit import (  # noqa: E402
    PHONE,
    PROGRAM,
    answer_self_check,
    chromium_path,
    click_answer,
    fill_application,
)
from liveserver import served  # noqa: E402
from people import make_id  # noqa: E402
from test_phone_truth import LAID_OFF  # noqa: E402

from service.config import ROOT  # noqa: E402

TABLET = {**PHONE, "viewport": {"width": 800, "height": 1000},
          "screen": {"width": 800, "height": 1000}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    if not (ROOT / "build" / "site" / "index.html").is_file():
        raise SystemExit("the site is not built: run `make site`")
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite://{tmp}/shots.sqlite3"
        subprocess.run([sys.executable, "-m", "service", "migrate"], cwd=ROOT, check=True,
                       env={**os.environ, "DATABASE_URL": db}, stdout=subprocess.DEVNULL)
        with served(db, JY_ENV="development") as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=[
                "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"])
            shots = Shots(browser, base, args.out)
            shots.take()
            browser.close()
    return 0


class Shots:
    def __init__(self, browser, base: str, out: Path) -> None:
        self.browser, self.base, self.out = browser, base, out

    def save(self, page, name: str) -> None:
        page.wait_for_timeout(300)       # transitions (the search dialog, focus) settle
        page.screenshot(path=str(self.out / name))
        print("wrote", self.out / name)

    def phone(self, **options):
        context = self.browser.new_context(**{**PHONE, "service_workers": "block", **options})
        context.set_default_timeout(15_000)
        return context, context.new_page()

    def take(self) -> None:
        def url(path: str) -> str:
            return self.base + path

        guide = url(f"/guides/{PROGRAM}/")
        context, page = self.phone()
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=self.base)
        page.goto(url("/"))
        self.save(page, "01-home.png")
        page.goto(guide)
        self.save(page, "02-guide.png")
        page.get_by_role("button", name="发给家人").click()
        page.get_by_role("status").filter(has_text="链接已复制").wait_for()
        self.save(page, "03-guide-share.png")
        page.reload()
        page.get_by_role("button", name="大字").click()
        self.save(page, "04-guide-big-text.png")
        page.get_by_role("button", name="大字").click()     # back to normal text

        page.locator('label.md-header__button[for="__search"]').click()
        page.get_by_role("textbox", name="搜索").press_sequentially("失业金", delay=30)
        page.wait_for_function(
            "() => /\\d/.test(document.querySelector('.md-search-result__meta').textContent)",
            timeout=30_000)
        self.save(page, "13-search-opened.png")

        # The self-check: her answers up to the work question (eight answers in two
        # columns), then the rest, and her results.
        page.goto(url("/check/"))
        q = page.locator("#jy-q")
        while not q.inner_text().startswith("你现在的工作情况"):
            text = q.inner_text()
            click_answer(page, LAID_OFF[next(k for k in LAID_OFF if text.startswith(k))])
            page.wait_for_function("t => document.getElementById('jy-q').textContent !== t",
                                   arg=text)
        self.save(page, "05-check-question.png")
        page.get_by_role("button", name="大字").click()     # the buttons stay at the bottom
        self.save(page, "23-check-big-text.png")
        page.get_by_role("button", name="大字").click()
        answer_self_check(page, LAID_OFF)
        self.save(page, "06-check-results.png")

        # Applying: the form, the summary, sent without a network, then sent.
        page.goto(url(f"/apply/?program={PROGRAM}"))
        fill_application(page, "李桂兰", make_id("19740312", 588), "13905630001")
        page.get_by_label("姓名 *").scroll_into_view_if_needed()
        page.evaluate("window.scrollTo(0, 0)")
        self.save(page, "07-apply-form.png")
        page.get_by_role("button", name="下一步：核对信息").click()
        page.get_by_role("heading", name="请核对一下").wait_for()
        self.save(page, "08-apply-summary.png")
        context.set_offline(True)
        page.get_by_role("button", name="确认提交").click()
        page.get_by_role("heading", name="已保存在手机上").wait_for()
        self.save(page, "09-apply-saved-offline.png")
        context.set_offline(False)                         # the `online` event sends it
        page.get_by_role("heading", name="申请已提交").wait_for()
        self.save(page, "10-apply-sent.png")
        page.locator("#jy-apply").get_by_role("link", name="查进度").click()
        page.get_by_label("申请时填的手机号").fill("13905630001")
        page.get_by_role("button", name="查询").click()
        page.locator(".jy-result h2").wait_for()
        self.save(page, "11-status.png")
        context.close()

        context, page = self.phone(**TABLET)
        page.goto(url("/check/?kiosk=1"))
        page.locator("#jy-q").wait_for()
        self.save(page, "12-kiosk-tablet.png")
        context.close()


if __name__ == "__main__":
    sys.exit(main())
