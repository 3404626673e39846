"""The staff console at a desk (1280x800) in a browser whose language is English, as on
many office computers: Chromium draws <input type=date> in that language (mm/dd/yyyy), so
the console's dates are text fields written 年-月-日. Also the campaign pages' warning while
PUBLIC_BASE_URL is this machine (the session's server runs on 127.0.0.1), and a poster that
prints its days. Set JY_SCREENSHOTS=docs/screenshots to save what was seen (21-, 22-*.png)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pyotp
from browserkit import ADMIN, PASSWORD, REVIEWER, assert_accessible

from service import clock
from service.config import ROOT

DESK = {"viewport": {"width": 1280, "height": 800}, "locale": "en-US",
        "timezone_id": "Asia/Shanghai"}
# Each as the browser's pattern must let through and the server must read as the same day.
WRITTEN = ["2026-12-03", "2026-12-3", "2026/12/3", "2026.12.03", "2026年12月3日",
           "2026 年 12 月 3 号", "20261203", "２０２６－１２－０３", " 2026-12-03 "]
# Written in another order, or not a date: the browser stops it, the server would refuse it.
NOT_WRITTEN = ["12/03/2026", "3/12/2026", "12月3日", "2026-12", "2026-12/03", "1999-12-03",
               "yesterday", "2026 1203"]


def save(page, name: str) -> None:
    folder = os.environ.get("JY_SCREENSHOTS")
    if folder:
        target = Path(folder) if Path(folder).is_absolute() else ROOT / folder
        page.mouse.move(0, 0)
        page.screenshot(path=str(target / name), full_page=False)


def sign_in(page, server, username: str, totp: str = "") -> None:
    page.goto(server.url("/staff/login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    if totp:
        page.get_by_label(re.compile("验证码")).fill(pyotp.TOTP(totp).now())
    page.get_by_role("button", name="登录").click()
    page.locator("header").get_by_text(username).wait_for()


def test_the_queue_dates_are_year_first_whatever_the_browsers_language(browser, server):
    desk = browser.new_context(**DESK)
    try:
        page = desk.new_page()
        sign_in(page, server, REVIEWER)
        page.goto(server.url("/staff/applications"))
        first, last = page.get_by_label("从", exact=True), page.get_by_label("到", exact=True)
        for field in (first, last):
            assert field.get_attribute("type") == "text"
            assert field.get_attribute("placeholder") == "2026-12-03"
            assert field.get_attribute("inputmode") == "numeric"
        assert "年-月-日" in page.locator("#date-help").inner_text()
        # the browser and the server agree on what a date is (one pattern, two engines)
        for typed in WRITTEN:
            first.fill(typed)
            assert not first.evaluate("e => e.validity.patternMismatch"), typed
            assert clock.parse_day(typed) is not None, typed
        for typed in NOT_WRITTEN:
            first.fill(typed)
            assert first.evaluate("e => e.validity.patternMismatch"), typed
            assert clock.parse_day(typed) is None, typed
        # mm/dd/yyyy typed out of habit: the browser says so and sends nothing
        first.fill("12/03/2026")
        page.get_by_role("button", name="筛选").click()
        assert "from=" not in page.url
        # typed as people write them: filtered, and shown back year first
        first.fill("")
        first.press_sequentially("2026/12/3")
        last.fill("")
        last.press_sequentially("2026年12月3日")
        page.get_by_role("button", name="筛选").click()
        page.wait_for_url(re.compile(r"from="))
        first, last = page.get_by_label("从", exact=True), page.get_by_label("到", exact=True)
        assert first.input_value() == last.input_value() == "2026-12-03"
        assert "from=2026-12-03" in page.get_by_role("link", name="导出 CSV").get_attribute("href")
        # a day that is none: said in Chinese beside the form, the field marked, no list
        first.fill("2027-02-30")
        last.fill("")
        page.get_by_role("button", name="筛选").click()
        alert = page.get_by_role("alert")
        alert.wait_for()
        assert "没有2027年2月30日这一天" in alert.inner_text()
        first = page.get_by_label("从", exact=True)
        assert first.input_value() == "2027-02-30"
        assert first.get_attribute("aria-invalid") == "true"
        assert page.locator("table").count() == 0
        box = first.bounding_box()
        assert box and box["y"] + box["height"] < 800  # in view at a desk, without scrolling
        save(page, "21-console-dates.png")
        assert_accessible(page, "console queue, a bad date")
    finally:
        desk.close()


def test_a_campaign_is_made_with_typed_days_and_its_pages_warn_of_a_local_address(
        browser, server):
    desk = browser.new_context(**DESK)
    try:
        page = desk.new_page()
        sign_in(page, server, ADMIN, server.admin_totp)
        page.goto(server.url("/staff/campaigns"))
        banner = page.locator("#url-warning")
        assert banner.is_visible() and banner.get_attribute("role") == "alert"
        assert f"PUBLIC_BASE_URL 现在是 {server.base}" in banner.inner_text()
        assert "https://" in banner.inner_text() and "先不要打印" in banner.inner_text()
        assert banner.bounding_box()["y"] < 200  # the first thing on the page
        page.get_by_label("活动名称").fill("峄城区政务大厅窗口")
        page.get_by_label("类型").select_option(label="办事窗口")
        page.get_by_label("开始", exact=True).press_sequentially("2027年3月1日")
        assert page.get_by_label(re.compile("^结束")).get_attribute("type") == "text"
        page.get_by_role("button", name="生成").click()
        page.wait_for_url(re.compile(r"/staff/campaigns/[2-9A-HJ-NP-Z]{6}$"))
        facts = page.locator("dl.facts").inner_text()
        assert "从2027年3月1日起，长期" in facts
        assert page.locator("#url-warning").is_visible()
        save(page, "22-console-campaign-warning.png")
        assert_accessible(page, "console campaign, local PUBLIC_BASE_URL")
        page.get_by_role("link", name="A4 海报").click()
        page.locator(".sheet").wait_for()
        assert page.locator(".url-warning").is_visible()
        assert "从2027年3月1日起，长期" in page.locator(".where").inner_text()
        page.emulate_media(media="print")  # on paper: the poster alone
        assert not page.locator(".url-warning").is_visible()
        assert page.locator(".where").is_visible()
    finally:
        desk.close()
