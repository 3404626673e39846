"""请工作人员联系我 on a 360px phone: from a guide, and under the self-check's results; then the
Tengzhou reviewer sees the request in 回电. Set JY_SCREENSHOTS=docs/screenshots to save what
the phone showed (16-guide-callback.png, 17-callback-sent.png)."""

from __future__ import annotations

import re

from browserkit import PASSWORD, PROGRAM, REVIEWER, answer_self_check, assert_accessible, scroll_width
from test_phone_truth import LAID_OFF, save


def small_targets(page, selector: str) -> list[str]:
    """What is tapped in ``selector`` and is less than 44px high."""
    return page.locator(selector).evaluate_all("""els => els
        .filter(e => e.getBoundingClientRect().height < 44)
        .map(e => e.tagName + ' ' + (e.textContent || e.name || e.id).trim().slice(0, 20))""")


def test_a_person_asks_for_a_call_from_a_guide_and_the_reviewer_sees_it(browser, phone,
                                                                         server):
    page = phone.new_page()
    page.goto(server.url(f"/guides/{PROGRAM}/"))
    page.get_by_role("button", name="请工作人员联系我").click()
    page.get_by_role("heading", name="请工作人员联系我").wait_for()
    form = page.locator(".jy-callback form")
    # one field per line, all on the screen's width, nothing smaller than a finger
    assert scroll_width(page) <= 360
    assert small_targets(page, ".jy-callback input:not([type=radio]):not([type=checkbox]), "
                               ".jy-callback select, .jy-callback .jy-check-row, "
                               ".jy-callback button") == []
    boxes = [form.get_by_label(label, exact=True).bounding_box() for label in
             ("怎么称呼你", "手机号", "你在哪个区（市）")]
    assert all(b is not None for b in boxes)
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]  # type: ignore[index]
    consent = form.locator(".jy-consent").inner_text()
    assert "用这个手机号给我打电话" in consent and "30天后删除" in consent

    form.get_by_label("怎么称呼你").fill("周大姐")
    form.get_by_label("手机号", exact=True).fill("139 0563 0071")
    form.get_by_label("你在哪个区（市）").select_option(label="滕州市")
    form.get_by_label("上午").check()
    page.evaluate("document.getElementById('jy-cb-h').scrollIntoView()")
    save(page, "16-guide-callback.png")
    form.get_by_role("button", name="提交，等电话").click()
    form.locator(".jy-field-error", has_text="请勾选“同意”：工作人员要用你的手机号打电话给你。"
                 ).wait_for()
    assert form.get_by_role("status").inner_text() == "有一项要改一下，请看红字。"
    assert_accessible(page, "the call-back form")

    form.get_by_label(re.compile("我同意")).check()
    send = form.get_by_role("button", name="提交，等电话")
    send.dblclick()   # a double tap asks once
    done = page.locator(".jy-callback .jy-done")
    done.get_by_role("heading", name="请等工作人员的电话").wait_for()
    said = done.inner_text()
    assert "滕州市的工作人员会在工作日上午打电话给你" in said and "139****0071" in said
    assert scroll_width(page) <= 360
    assert_accessible(page, "the call-back confirmation")
    page.evaluate("getSelection().removeAllRanges()")   # what the double click selected
    save(page, "17-callback-sent.png")

    staff = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    try:
        desk = staff.new_page()
        desk.goto(server.url("/staff/login"))
        desk.get_by_label("用户名").fill(REVIEWER)
        desk.get_by_label("密码").fill(PASSWORD)
        desk.get_by_role("button", name="登录").click()
        desk.get_by_role("link", name="回电", exact=True).click()
        row = desk.locator("tr", has_text="周大姐")
        assert row.count() == 1   # asked once, listed once
        assert row.get_by_role("link", name="13905630071").get_attribute(
            "href") == "tel:13905630071"
        assert "上午" in row.inner_text()
        assert_accessible(desk, "staff call-backs")
        row.get_by_label(re.compile("结果")).fill("已说明要带的材料")
        row.get_by_role("button", name="已回电").click()
        desk.get_by_role("heading", name=re.compile(r"回电：待回电")).wait_for()
        assert desk.locator("tr", has_text="周大姐").count() == 0
    finally:
        staff.close()


def test_the_self_checks_results_offer_a_call_about_what_was_found(phone, server):
    page = phone.new_page()
    page.goto(server.url("/check/"))
    answer_self_check(page, LAID_OFF)
    page.get_by_role("button", name="请工作人员联系我").click()
    form = page.locator(".jy-callback form")
    which = form.get_by_label("想问哪一项")
    offered = which.locator("option").all_inner_texts()
    assert "公益性岗位（城镇、乡村）" in offered and len(offered) > 1
    which.select_option(label="公益性岗位（城镇、乡村）")
    form.get_by_label("怎么称呼你").fill("周大姐")
    form.get_by_label("手机号", exact=True).fill("1390563007")   # a digit short
    form.get_by_label("你在哪个区（市）").select_option(label="山亭区")
    form.get_by_label(re.compile("我同意")).check()
    form.get_by_role("button", name="提交，等电话").click()
    form.locator("#jy-cb-phone-err", has_text="手机号应该是11位，你填了10位。").wait_for()
    form.get_by_label("手机号", exact=True).fill("13905630072")
    form.get_by_role("button", name="提交，等电话").click()
    done = page.locator(".jy-callback .jy-done")
    done.get_by_role("heading", name="请等工作人员的电话").wait_for()
    assert "山亭区的工作人员会在工作日打电话给你" in done.inner_text()
    assert scroll_width(page) <= 360
