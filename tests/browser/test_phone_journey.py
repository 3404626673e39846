"""Click by click on a 360px phone in WeChat: scan a village poster's code, read the guide,
do the self-check, apply, look up the status; and a reviewer handling that application."""

from __future__ import annotations

import re

from browserkit import (
    PASSWORD,
    PROGRAM,
    REVIEWER,
    answer_self_check,
    assert_accessible,
    click_answer,
    fill_application,
    open_phone,
    scroll_width,
)
from people import make_id

# How a 52-year-old woman from Tengzhou who was laid off answers the self-check.
ANSWERS = {
    "你是替单位": "不是",
    "你和枣庄是什么关系": "我是枣庄户口",
    "你现在的工作情况": "现在没有工作",
    "你今年多少岁": 52,
    "哪些说的是你": "都不是",          # the list is asked in two parts, two screens
    "这些呢？哪些说的是你": "都不是",
    "你哪一年毕业": 1992,
    "你正在创业": "不是",
    "你一共交了几年失业保险": 8,
    "你没了工作，是不是因为": "是",
    "你办过失业登记吗": "是",
    "你有职业技能证书吗": "没有",
    "你在工作上遇到下面的麻烦了吗": "都不是",
    "你的性别": "女",
    "你的单位是中小微企业吗": "不是",
}


def answer_until_results(page, keyboard: bool = False) -> int:
    """Answer every question the self-check asks; returns how many were asked."""
    return answer_self_check(page, ANSWERS, answer_by_keyboard if keyboard else click_answer)


def focused_text(page) -> str:
    return page.evaluate("""() => {
        const a = document.activeElement;
        if (!a) return '';
        const label = a.labels && a.labels[0];
        return (label ? label.textContent : (a.textContent || a.value || '')).trim();
    }""")


def tab_to(page, name: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_text(page) == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def answer_by_keyboard(page, answer) -> None:
    if isinstance(answer, int):
        page.keyboard.press("Tab")          # from the question to its number field
        page.keyboard.type(str(answer))
        page.keyboard.press("Enter")
    else:
        tab_to(page, answer)
        page.keyboard.press("Enter" if answer != "都不是" else "Space")


def test_a_villager_scans_reads_checks_applies_and_looks_up_the_status(phone, server):
    page = phone.new_page()
    # The poster's QR code: a short link that lands on the guide, counted for the campaign.
    page.goto(server.url(f"/q/{server.campaign}"))
    assert re.search(rf"/guides/{PROGRAM}/\?c={server.campaign}$", page.url)
    assert page.get_by_role("heading", level=1).inner_text() == "失业保险金与网上失业登记"
    assert scroll_width(page) <= 360

    page.get_by_role("link", name="测一测我能不能办").click()
    page.locator("#jy-q").wait_for()
    assert scroll_width(page) <= 360
    assert_accessible(page, "self-check question")
    asked = answer_until_results(page)
    assert 3 <= asked <= len(ANSWERS)

    results = page.locator("#jy-results")
    assert re.match(r"已找到 \d+ 项可能适合你", results.inner_text())
    mine = page.locator("li.jy-result", has=page.get_by_role("link", name="失业保险金与网上失业登记"))
    assert "jy-eligible" in mine.get_attribute("class")
    assert "✔ 失业保险交满1年" in mine.inner_text()
    assert scroll_width(page) <= 360
    assert_accessible(page, "self-check results")

    mine.get_by_role("link", name="在线申请").click()
    page.get_by_label("姓名 *").wait_for()
    assert_accessible(page, "apply form")
    id_number = make_id("19740312", 246)
    fill_application(page, "李桂兰", id_number, "13905630001")
    assert scroll_width(page) <= 360
    page.get_by_role("button", name="下一步：核对信息").click()

    summary = page.locator(".jy-summary-list")
    assert "李桂兰" in summary.inner_text() and id_number in summary.inner_text()
    assert_accessible(page, "apply summary")
    page.get_by_role("button", name="确认提交").click()

    page.get_by_role("heading", name="申请已提交").wait_for()
    reference = page.locator(".jy-reference").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{3}-[A-Z2-9]{3}-[A-Z2-9]{3}", reference)
    assert scroll_width(page) <= 360
    assert_accessible(page, "apply success")
    # Nothing personal stays on the phone: only the reference, for the status page.
    stored = page.evaluate("() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert id_number not in stored and "13905630001" not in stored

    page.locator("#jy-apply").get_by_role("link", name="查进度").click()
    assert page.get_by_label("申请编号").input_value().replace("-", "") == reference.replace("-", "")
    page.get_by_label("申请时填的手机号").fill("13905630001")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("heading", name="已提交，等待受理").wait_for()
    assert "失业保险金与网上失业登记" in page.locator(".jy-result").inner_text()
    assert scroll_width(page) <= 360
    assert_accessible(page, "status")


def test_the_self_check_can_be_done_with_the_keyboard_alone(phone, server):
    page = phone.new_page()
    page.goto(server.url(f"/check/?program={PROGRAM}"))
    page.locator("#jy-q").wait_for()
    assert answer_until_results(page, keyboard=True) >= 3
    assert page.locator("#jy-results").evaluate("h => document.activeElement === h")
    mine = page.locator("li.jy-result", has=page.get_by_role("link", name="失业保险金与网上失业登记"))
    assert "jy-eligible" in mine.get_attribute("class")
    # On to the application, still by keyboard.
    tab_to(page, "在线申请")
    page.keyboard.press("Enter")
    page.get_by_label("姓名 *").wait_for()
    assert f"program={PROGRAM}" in page.url


def test_a_reviewer_changes_the_status_and_the_applicant_sees_it(browser, server):
    applied = server.apply(phone="13905630002", id_number=make_id("19800101", 357))
    reference = applied["reference_display"]

    # Staff work on a tablet in the office.
    staff = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    try:
        page = staff.new_page()
        page.goto(server.url("/staff/login"))
        assert_accessible(page, "staff login")
        page.get_by_label("用户名").fill(REVIEWER)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("link", name="申请", exact=True).click()
        page.get_by_role("heading", name=re.compile(r"申请（共 \d+ 份）")).wait_for()
        assert_accessible(page, "staff queue")

        page.get_by_role("link", name=reference).click()
        page.get_by_role("heading", name=re.compile(reference)).wait_for()
        assert_accessible(page, "staff application")
        page.get_by_label("改成").select_option(label="正在审核")
        page.get_by_role("button", name="保存").click()
        page.get_by_label("改成").select_option(label="审核通过")
        page.get_by_label(re.compile("给申请人的话")).fill("请带身份证到滕州市人社局就业窗口办理。")
        page.get_by_role("button", name="保存").click()
        page.locator("h1 .status", has_text="审核通过").wait_for()
    finally:
        staff.close()

    phone = open_phone(browser, server)
    try:
        page = phone.new_page()
        page.goto(server.url(f"/status/?ref={applied['reference']}"))
        page.get_by_label("申请时填的手机号").fill("13905630002")
        page.get_by_role("button", name="查询").click()
        page.get_by_role("heading", name="审核通过").wait_for()
        assert "请带身份证到滕州市人社局就业窗口办理。" in page.locator(".jy-message").inner_text()
        history = page.locator(".jy-history").inner_text()
        assert "正在审核" in history and "已提交，等待受理" in history
    finally:
        phone.context.close()
    assert not phone.foreign()
