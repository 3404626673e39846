"""Kiosk mode on a staff tablet at a job fair: ?kiosk=1, kept for the tab; big buttons; and
下一位 wipes what the last person entered and goes back to the start."""

from __future__ import annotations

from browserkit import PROGRAM, open_phone


def storage(page) -> tuple[dict, dict]:
    return (page.evaluate("Object.assign({}, localStorage)"),
            page.evaluate("Object.assign({}, sessionStorage)"))


def test_next_person_wipes_the_last_persons_answers_and_starts_again(phone, server):
    page = phone.new_page()
    page.goto(server.url(f"/check/?kiosk=1&c={server.campaign}"))
    page.locator("#jy-q").wait_for()
    assert "jy-kiosk" in page.evaluate("document.documentElement.className")
    first_question = page.locator("#jy-q").inner_text()
    choice = page.locator(".jy-choices .md-button").first
    assert choice.bounding_box()["height"] >= 60             # fair-sized buttons

    # The first person answers, then starts an application (kiosk stays on without ?kiosk=1).
    choice.click()                                          # whatever the first question is
    page.wait_for_function("q => document.getElementById('jy-q').textContent !== q",
                           arg=first_question)
    page.goto(server.url(f"/apply/?program={PROGRAM}"))
    page.get_by_label("姓名 *").fill("孙桂芝")
    page.get_by_label("手机号 *").fill("13905630005")
    page.get_by_label("身份证号 *").click()                  # leaving the field saves the draft
    local, session = storage(page)
    assert "jy.check.v1" in local and "jy.apply.draft" in session

    next_person = page.get_by_role("button", name="下一位")
    assert next_person.is_visible()
    next_person.click()
    page.wait_for_url(server.url("/check/"))
    page.locator("#jy-q").wait_for()
    assert page.locator("#jy-q").inner_text() == first_question
    local, session = storage(page)
    assert set(local) <= {"jy.campaign"} and local["jy.campaign"]     # the fair still counts
    assert set(session) == {"jy.kiosk"}
    assert "13905630005" not in str(local) + str(session)
    page.go_back()                                          # nothing of theirs comes back
    assert "孙桂芝" not in page.content()


def test_kiosk_mode_is_only_for_the_tab_that_asked_for_it(browser, server, phone):
    page = phone.new_page()
    page.goto(server.url("/?kiosk=1"))
    assert page.get_by_role("button", name="下一位").is_visible()
    page.goto(server.url("/guides/"))
    assert page.get_by_role("button", name="下一位").is_visible()
    page.goto(server.url("/guides/?kiosk=0"))
    assert page.get_by_role("button", name="下一位").is_hidden()

    other = open_phone(browser, server)
    try:
        p = other.new_page()
        p.goto(server.url("/"))
        assert p.get_by_role("button", name="下一位").is_hidden()
        assert "jy-kiosk" not in p.evaluate("document.documentElement.className")
    finally:
        other.context.close()


def test_next_person_never_leaves_the_site_whatever_address_kiosk_mode_began_on(phone, server):
    # A link made to look like ours: //evil.example/steal is a path on our server (its 404
    # page, which turns kiosk mode on too), but as a place to go back to it is another host.
    page = phone.new_page()
    for start in ("//evil.example/steal", "/\\evil.example/steal"):
        page.goto(server.url(f"{start}?kiosk=1"))
        page.goto(server.url("/guides/"))                       # kiosk mode goes on
        page.get_by_role("button", name="下一位").click()
        page.wait_for_url(server.url("/"))
    # A start page stored by an older page, before the check: 下一位 still stays home.
    page.goto(server.url("/guides/"))
    page.evaluate("sessionStorage.setItem('jy.kiosk', JSON.stringify({start: '//evil.example/'}))")
    page.get_by_role("button", name="下一位").click()
    page.wait_for_url(server.url("/"))
