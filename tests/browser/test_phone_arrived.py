"""On a 360px phone in WeChat: 李桂兰 asks for texts on the form; once approved, the status
page asks her whether the money arrived (到账了吗), and her tap is recorded. Set
JY_SCREENSHOTS=docs/screenshots to save what she saw (20-status-arrived.png)."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

from browserkit import PASSWORD, PROGRAM, REVIEWER, assert_accessible, fill_application, scroll_width
from people import make_id

from service.config import ROOT

PHONE = "13905630088"


def _post(url: str, body: dict, **headers: str) -> tuple[dict, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **headers})
    with urllib.request.urlopen(req, timeout=10) as r:
        return {k.lower(): v for k, v in r.headers.items()}, json.loads(r.read())


def approve(server, reference: str) -> None:
    """The Tengzhou reviewer takes the application up and approves it (staff API)."""
    headers, me = _post(server.url("/api/staff/login"),
                        {"username": REVIEWER, "password": PASSWORD})
    auth = {"Cookie": headers["set-cookie"].split(";", 1)[0], "X-CSRF-Token": me["csrf_token"]}
    for status in ("in_review", "approved"):
        _post(server.url(f"/api/staff/applications/{reference}/status"),
              {"status": status, "note": "补贴下个月发到社保卡。"}, **auth)


def save(page, name: str) -> None:
    folder = os.environ.get("JY_SCREENSHOTS")
    if folder:
        target = Path(folder) if Path(folder).is_absolute() else ROOT / folder
        page.screenshot(path=str(target / name), full_page=False)


def test_after_approval_the_status_page_asks_whether_the_money_arrived(page, server):
    page.goto(server.url(f"/apply/?program={PROGRAM}"))
    page.get_by_label("姓名 *").wait_for()
    fill_application(page, "李桂兰", make_id("19740312", 588), PHONE)
    page.get_by_label("办理进度有变化时，给我发短信（免费）").check()
    page.get_by_role("button", name="下一步：核对信息").click()
    assert "要，进度有变化时发短信" in page.locator(".jy-summary-list").inner_text()
    page.get_by_role("button", name="确认提交").click()
    page.get_by_role("heading", name="申请已提交").wait_for()
    reference = page.locator(".jy-reference").inner_text().replace("-", "")

    approve(server, reference)
    page.goto(server.url(f"/status/?ref={reference}"))
    page.get_by_label("申请时填的手机号").fill(PHONE)
    page.get_by_role("button", name="查询").click()
    page.get_by_role("heading", name="审核通过").wait_for()
    assert "进度有变化时，会给你发短信。" in page.locator(".jy-result").inner_text()
    page.get_by_role("heading", name="钱或服务到了吗？").wait_for()
    yes = page.get_by_role("button", name="到了", exact=True)
    no = page.get_by_role("button", name="还没到", exact=True)
    for button in (yes, no):  # two big buttons, easy to hit with a thumb
        box = button.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 250
    assert scroll_width(page) <= 360
    assert_accessible(page, "到账了吗")
    page.locator(".jy-arrived").scroll_into_view_if_needed()
    save(page, "20-status-arrived.png")

    no.click()
    page.get_by_text("你说还没到。一般通过后30天内到账。").wait_for()
    assert page.get_by_role("status").filter(has_text="收到了，谢谢。").count() == 1
    page.get_by_role("button", name="到了", exact=True).click()  # a week later, it came
    page.get_by_role("heading", name="谢谢你告诉我们：已经到了").wait_for()
    assert page.get_by_role("button", name="到了", exact=True).count() == 0
    assert_accessible(page, "到账了吗 answered")

    lookup = urllib.request.urlopen(
        server.url(f"/api/applications/{reference}?phone={PHONE}"), timeout=10)
    recorded = json.loads(lookup.read())
    assert recorded["received"] is True and recorded["notify_sms"] is True
