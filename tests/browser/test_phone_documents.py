"""Photos of documents from a 360px phone in WeChat, on a slow mobile network: taken on the
apply form before sending, or later from the status page when the reviewer asks for one;
and the reviewer opening them in the console. Set JY_SCREENSHOTS=docs/screenshots to save
what was seen (16- to 20-*.png)."""

from __future__ import annotations

import http.cookiejar
import io
import json
import os
import re
import urllib.request
from pathlib import Path

from browserkit import (
    PASSWORD,
    PROGRAM,
    REVIEWER,
    assert_accessible,
    fill_application,
    open_phone,
    scroll_width,
)
from people import make_id
from photos import MAKER, document_photo, exif_of
from PIL import Image

from service.config import ROOT

# A slow 3G upload: a 4 MB photo as it comes from the camera would take about 45 s; the
# page sends a few hundred KB.
SLOW_3G = {"offline": False, "latency": 300, "downloadThroughput": 750 * 1024 // 8,
           "uploadThroughput": 750 * 1024 // 8}


def save(page, name: str) -> None:
    folder = os.environ.get("JY_SCREENSHOTS")
    if folder:
        target = Path(folder) if Path(folder).is_absolute() else ROOT / folder
        page.mouse.move(0, 0)   # no button under a resting pointer (hover colours)
        page.screenshot(path=str(target / name), full_page=False)


def slow_network(page) -> None:
    page.context.new_cdp_session(page).send("Network.emulateNetworkConditions", SLOW_3G)


def camera(width: int = 4000, height: int = 3000) -> dict:
    """What the camera hands the page: a 12 MP JPEG with where it was taken."""
    return {"name": "IMG_20270312_093015.jpg", "mimeType": "image/jpeg",
            "buffer": document_photo(width, height, orientation=6)}


class Reviewer:
    """The Tengzhou reviewer, through the staff API (as the console's pages use it)."""

    def __init__(self, server):
        self.server, self.csrf = server, ""
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        r = self.call("/api/staff/login", {"username": REVIEWER, "password": PASSWORD})
        self.csrf = json.loads(r)["csrf_token"]

    def call(self, path: str, body: dict | None = None) -> bytes:
        req = urllib.request.Request(
            self.server.url(path), method="POST" if body is not None else "GET",
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json", "X-CSRF-Token": self.csrf})
        with self.opener.open(req, timeout=10) as r:
            return r.read()

    def photos(self, reference: str) -> list[bytes]:
        detail = json.loads(self.call(f"/api/staff/applications/{reference}"))
        return [self.call("/api" + p["url"]) for p in detail["photos"]]


def assert_small_and_clean(jpeg: bytes) -> None:
    im = Image.open(io.BytesIO(jpeg))
    assert im.format == "JPEG" and max(im.size) <= 1600 and im.height > im.width  # upright
    assert len(jpeg) < 400 * 1024, len(jpeg)
    assert exif_of(jpeg) == {} and MAKER.encode() not in jpeg


def test_photos_taken_on_the_form_go_up_right_after_sending(phone, server):
    page = phone.new_page()
    page.goto(server.url(f"/apply/?program={PROGRAM}"))
    page.get_by_label("姓名 *").wait_for()
    slow_network(page)
    fill_application(page, "王秀英", make_id("19760521", 128), "13905630011")
    papers = page.locator(".jy-papers")
    assert "单位开的解除或终止劳动关系证明" in papers.inner_text()
    page.get_by_label("拍照：单位开的解除或终止劳动关系证明").set_input_files(camera())
    row = papers.locator(".jy-doc", has_text="单位开的解除或终止劳动关系证明")
    row.get_by_text("拍好了1张，提交后上传。").wait_for()
    assert row.locator(".jy-thumbs img").count() == 1
    assert scroll_width(page) <= 360
    row.scroll_into_view_if_needed()
    save(page, "16-apply-photo-taken.png")
    assert_accessible(page, "apply form with a photo")
    page.get_by_role("button", name="下一步：核对信息").click()
    assert "拍了1张，提交后上传" in page.locator(".jy-summary-list").inner_text()
    page.get_by_role("button", name="确认提交").click()
    page.get_by_role("heading", name="申请已提交").wait_for()
    sent = page.locator("#jy-photos-sent")
    sent.get_by_text("照片都传好了").wait_for(timeout=30_000)
    assert "上传好了" in sent.inner_text()
    sent.scroll_into_view_if_needed()
    save(page, "17-apply-photos-sent.png")
    # nothing personal stays on the phone, photos included
    stored = page.evaluate("() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert "13905630011" not in stored and "jpeg" not in stored.lower()
    reference = page.locator(".jy-reference").inner_text().replace("-", "")
    [jpeg] = Reviewer(server).photos(reference)
    assert_small_and_clean(jpeg)


def test_the_reviewer_asks_for_a_paper_and_the_applicant_adds_it_from_the_status_page(
        browser, server):
    applied = server.apply(phone="13905630012", id_number=make_id("19690203", 431))
    reference = applied["reference"]
    staff = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    try:
        page = staff.new_page()
        page.goto(server.url("/staff/login"))
        page.get_by_label("用户名").fill(REVIEWER)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.goto(server.url(f"/staff/applications/{reference}"))
        page.get_by_label("改成").select_option(label="正在审核")
        page.get_by_role("button", name="保存").click()
        page.get_by_label("改成").select_option(label="需要补充材料")
        page.get_by_label(re.compile("缺的是哪一项")).select_option(
            label="单位开的解除或终止劳动关系证明")
        page.get_by_role("button", name="保存").click()
        page.locator("h1 .status", has_text="需要补充材料").wait_for()
    finally:
        staff.close()

    mobile = open_phone(browser, server)
    try:
        page = mobile.new_page()
        page.goto(server.url(f"/status/?ref={reference}"))
        slow_network(page)
        page.get_by_label("申请时填的手机号").fill("13905630012")
        page.get_by_role("button", name="查询").click()
        page.get_by_role("heading", name="需要补充材料").wait_for()
        papers = page.locator("#jy-papers")
        assert "工作人员请你补充：单位开的解除或终止劳动关系证明" in papers.inner_text()
        asked = papers.locator(".jy-doc-asked")
        assert "单位开的解除或终止劳动关系证明" in asked.inner_text()
        assert asked.evaluate("li => li === li.parentNode.firstElementChild")  # first
        assert scroll_width(page) <= 360
        papers.scroll_into_view_if_needed()
        save(page, "18-status-need-info.png")
        assert_accessible(page, "status, a paper asked for")
        page.get_by_label("拍照：单位开的解除或终止劳动关系证明").set_input_files(camera())
        row = page.locator("#jy-papers .jy-doc", has_text="单位开的解除或终止劳动关系证明")
        row.get_by_text(re.compile(r"上传好了。已上传1张")).wait_for(timeout=30_000)
        assert row.get_by_text("再拍一张").count() == 1
        row.scroll_into_view_if_needed()
        save(page, "19-status-photo-sent.png")
        assert_accessible(page, "status, a photo sent")
    finally:
        mobile.context.close()
    assert not mobile.foreign()

    staff = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    try:
        page = staff.new_page()
        page.goto(server.url("/staff/login"))
        page.get_by_label("用户名").fill(REVIEWER)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.goto(server.url(f"/staff/applications/{reference}"))
        card = page.locator(".card", has=page.get_by_role("heading", name="材料和照片"))
        assert "（已请申请人补充）" in card.inner_text()
        link = card.get_by_role("link", name="照片 1")
        card.scroll_into_view_if_needed()
        save(page, "20-console-photos.png")
        assert_accessible(page, "staff application with photos")
        with page.expect_popup() as opened:
            link.click()
        shown = opened.value
        shown.wait_for_load_state()
        assert shown.evaluate("document.images.length && document.images[0].naturalWidth") == 1200
    finally:
        staff.close()
    [jpeg] = Reviewer(server).photos(reference)
    assert_small_and_clean(jpeg)
