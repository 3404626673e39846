"""No dead ends (issue 18): a wrong address, a pasted search, the footer, the phone's back
button within the self-check and the apply form."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest
from browserkit import PROGRAM, click_answer, fill_application
from people import form, make_id
from test_phone_truth import LAID_OFF


@pytest.mark.parametrize("path", ["/guides/no-such-guide/", "/gudies/", "/guides/unemployment"])
def test_a_wrong_address_says_so_in_chinese_and_leads_home(phone, server, path):
    """A QR code printed years ago, or a mistyped address."""
    page = phone.new_page()
    response = page.goto(server.url(path))
    assert response.status == 404
    page.get_by_role("heading", name="没有找到这一页").wait_for()
    text = page.locator("body").inner_text()
    assert "Not found" not in text and "12333" in text
    page.get_by_role("link", name="回到首页").click()
    page.wait_for_url(server.url("/"))


def test_search_finds_what_was_pasted_not_only_typed(phone, server):
    """Voice input and pasting send no key presses: only `input` events."""
    page = phone.new_page()
    page.goto(server.url(f"/guides/{PROGRAM}/"), wait_until="networkidle")
    page.locator('label.md-header__button[for="__search"]').click()
    # a screen reader says what opened (Material's dialog had no name)
    assert page.get_by_role("dialog", name="搜索").count() == 1
    box = page.get_by_role("textbox", name="搜索")
    box.focus()
    page.evaluate("""() => { const q = document.querySelector('[data-md-component=search-query]');
        q.value = '失业金'; q.dispatchEvent(new Event('input', {bubbles: true})); }""")
    page.wait_for_function(
        "() => /\\d/.test(document.querySelector('.md-search-result__meta').textContent)",
        timeout=30_000)
    meta = page.locator(".md-search-result__meta").inner_text()
    assert "找到" in meta and "符合条件" not in meta
    hrefs = page.locator(".md-search-result__list a").evaluate_all("as => as.map(a => a.href)")
    assert any(f"/guides/{PROGRAM}/" in h for h in hrefs)


def test_no_page_credits_an_outside_site(phone, server):
    page = phone.new_page()
    for path in ("/", f"/guides/{PROGRAM}/", "/check/"):
        page.goto(server.url(path))
        footer = page.locator("footer").inner_text()
        assert "Made with" not in footer and "Material" not in footer
        outside = page.locator("footer a[href^='http']").evaluate_all(
            "as => as.map(a => a.href).filter(h => !h.startsWith(location.origin))")
        assert outside == []


def test_the_phones_back_button_goes_to_the_previous_question_not_off_the_page(phone, server):
    """WeChat has a back button and no forward one: mid-self-check it left for the home page."""
    page = phone.new_page()
    page.goto(server.url("/guides/"))
    page.goto(server.url("/check/"))
    q = page.locator("#jy-q")
    q.wait_for()
    asked = []
    for _ in range(2):
        asked.append(q.inner_text())
        page.locator(".jy-card .md-button:not(.jy-link)").first.click()   # 是, an option, 选好了
        page.wait_for_function("t => document.getElementById('jy-q') && "
                               "document.getElementById('jy-q').textContent !== t",
                               arg=asked[-1])
    page.go_back()
    page.wait_for_function("t => document.getElementById('jy-q').textContent === t",
                           arg=asked[1])
    assert page.url == server.url("/check/")
    page.reload()                                              # reload keeps the answers
    q.wait_for()
    page.go_back()                                             # back: the first question
    page.wait_for_function("t => document.getElementById('jy-q').textContent === t",
                           arg=asked[0])
    page.go_back()                                             # and then off the page
    page.wait_for_url(server.url("/guides/"))


def test_a_list_in_two_parts_is_gone_back_through_part_by_part(phone, server):
    """The ten boxes come in two screens: back goes to the first with its ticks, a reload
    keeps the second, and from the question after them back lands on the second."""
    page = phone.new_page()
    page.goto(server.url("/check/"))
    q = page.locator("#jy-q")
    for _ in range(len(LAID_OFF)):              # her answers, until the list comes
        text = q.inner_text()
        if text.startswith("哪些说的是你"):
            break
        click_answer(page, LAID_OFF[next(k for k in LAID_OFF if text.startswith(k))])
        page.wait_for_function("t => document.getElementById('jy-q').textContent !== t",
                               arg=text)
    first, second = q.filter(has_text="哪些说的是你？可以多选"), q.filter(has_text="这些呢")
    page.get_by_label("退役军人").check()
    page.get_by_role("button", name="选好了").click()
    second.wait_for()
    page.reload()
    second.wait_for()
    page.go_back()
    first.wait_for()
    assert page.get_by_label("退役军人").is_checked()
    page.get_by_role("button", name="选好了").click()
    page.get_by_label("有残疾人证").check()
    page.get_by_role("button", name="选好了").click()
    page.wait_for_function("() => !document.querySelector('[data-part]')")
    assert page.url == server.url("/check/")
    page.go_back()
    second.wait_for()
    assert page.get_by_label("有残疾人证").is_checked()
    page.go_back()
    first.wait_for()
    assert page.get_by_label("退役军人").is_checked()


def test_an_error_appearing_does_not_move_the_button_under_the_finger(phone, server):
    """She types a short phone number and taps her district below it: the tap lands on the
    district she tapped, and the phone's error shows after."""
    page = phone.new_page()
    page.goto(server.url(f"/apply/?program={PROGRAM}"))
    phone_box = page.get_by_label("手机号 *")
    phone_box.fill("1380013")
    target = page.get_by_text("山亭区", exact=True)
    target.scroll_into_view_if_needed()
    before = target.bounding_box()
    target.tap()
    assert page.locator("#jy-d-shanting").is_checked()
    page.locator("#jy-phone-err").filter(has_text="11位").wait_for()
    after = target.bounding_box()
    assert page.locator("#jy-d-shanting").is_checked()
    assert after["y"] > before["y"]        # the error did appear above it, after the tap


def test_the_phones_back_button_on_the_summary_goes_back_to_the_form(phone, server):
    """She checks the summary, sees a wrong digit and presses the phone's back button: the
    form again, as she typed it, not the guide she came from. A reload keeps the summary."""
    page = phone.new_page()
    guide = server.url(f"/guides/{PROGRAM}/")
    page.goto(guide)
    page.goto(server.url(f"/apply/?program={PROGRAM}"))
    fill_application(page, "赵春梅", make_id("19780914", 266), "13905631234")
    page.get_by_role("button", name="下一步：核对信息").click()
    summary = page.get_by_role("heading", name="请核对一下")
    summary.wait_for()
    page.reload()                                              # a reload keeps the place
    summary.wait_for()
    assert "13905631234" in page.locator("#jy-apply").inner_text()
    page.go_back()
    page.get_by_label("手机号 *").wait_for()
    assert page.url == server.url(f"/apply/?program={PROGRAM}")
    assert page.get_by_label("手机号 *").input_value() == "13905631234"
    assert page.get_by_label("滕州市").is_checked()
    page.reload()                                              # and the form stays the form
    page.get_by_label("手机号 *").wait_for()
    assert not summary.count()

    # 返回修改 on the summary does what the back button does, and keeps the browser's history
    # in step: one more back leaves for the guide.
    page.get_by_role("button", name="下一步：核对信息").click()
    summary.wait_for()
    page.get_by_role("button", name="返回修改").click()
    page.get_by_label("手机号 *").wait_for()
    page.go_back()
    page.wait_for_url(guide)


def test_the_phones_back_button_on_a_status_goes_back_to_the_lookup(phone, server):
    """王建国 looks up his application from the receipt's link, then presses the phone's back
    button: the lookup again, with his reference and phone still in it (to look once more or
    correct a digit), not the page he came from; one more back leaves. 查另一份 does the same
    and keeps the browser's history in step."""
    body = form(name="王建国", id_number=make_id("19700506", 311), phone="13905637788")
    req = urllib.request.Request(server.url("/api/applications"), json.dumps(body).encode(),
                                 {"Content-Type": "application/json",
                                  "Idempotency-Key": uuid.uuid4().hex})
    with urllib.request.urlopen(req, timeout=10) as r:
        reference = json.loads(r.read())["reference"]
    page = phone.new_page()
    home = server.url("/")
    page.goto(home)
    lookup = server.url(f"/status/?ref={reference}")
    page.goto(lookup)
    page.get_by_label("申请时填的手机号").fill("13905637788")
    page.get_by_role("button", name="查询").click()
    shown = page.get_by_role("heading", name="已提交，等待受理")
    shown.wait_for()
    page.go_back()
    page.get_by_label("申请时填的手机号").wait_for()
    assert page.url == lookup
    assert page.get_by_label("申请时填的手机号").input_value() == "13905637788"
    assert page.get_by_label("申请编号").input_value() == reference
    page.get_by_role("button", name="查询").click()
    shown.wait_for()
    page.get_by_role("button", name="查另一份").click()
    page.get_by_label("申请时填的手机号").wait_for()
    page.go_back()
    page.wait_for_url(home)
