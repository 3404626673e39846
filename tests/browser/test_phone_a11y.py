"""Accessibility at 360px: axe-core finds no serious or critical WCAG 2.1 AA problem on any
public page type, nothing scrolls sideways, tap targets are large, and the 大字 switch
enlarges text everywhere, remembered and applied before the first paint."""

from __future__ import annotations

import pytest
from browserkit import PROGRAM, assert_accessible, scroll_width

# Every public page type, what shows once its script has drawn it, and whether axe checks it
# here (the self-check's question and results, the apply form, summary and success, and a
# status answer are checked on the way in test_phone_journey.py).
PAGES = {
    "home": ("/", "h1", True),
    "guide": (f"/guides/{PROGRAM}/", "h1", True),
    "catalog": ("/guides/", "h1", True),
    "audience": ("/for/unemployed/", "h1", True),
    "check": (f"/check/?program={PROGRAM}", "#jy-q", False),
    "apply": (f"/apply/?program={PROGRAM}", "#jy-name", False),
    "status": ("/status/", "#jy-ref", True),
    "glossary": ("/glossary/", "h1", True),
    "privacy": ("/privacy/", "h1", True),
    "targets": ("/targets/", "h1", True),
}


def test_every_page_type_passes_axe_and_fits_360px_in_normal_and_big_text(phone, server):
    """axe-core on each page type as it opens; then 大字 is switched, so the pages open in
    normal and big text in turn. The switch is on every page, and in both sizes nothing is
    wider than the screen."""
    page = phone.new_page()
    wide, big = {}, False
    for name, (path, drawn, axe) in PAGES.items():
        page.goto(server.url(path))
        page.locator(drawn).wait_for()
        if axe:
            assert_accessible(page, name + (" in big text" if big else ""))
        switch = page.get_by_role("button", name="大字")
        for switched in (False, True):
            if switched:
                switch.click()
                big = not big
            assert switch.get_attribute("aria-pressed") == ("true" if big else "false"), name
            if scroll_width(page) > 360:
                wide[name + (" (大字)" if big else "")] = scroll_width(page)
    assert not wide, f"sideways scrolling at 360px: {wide}"


def _body_size(page) -> float:
    return page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('article.md-typeset')).fontSize)")


def test_big_text_is_remembered_and_applied_before_the_page_is_drawn(phone, server):
    page = phone.new_page()
    page.goto(server.url(f"/guides/{PROGRAM}/"))
    normal = _body_size(page)
    switch = page.get_by_role("button", name="大字")
    assert switch.get_attribute("aria-pressed") == "false"
    switch.click()
    assert switch.get_attribute("aria-pressed") == "true"
    assert _body_size(page) >= normal * 1.15

    # Every later page starts big. The class is on <html> before <body> exists, so nothing
    # is ever drawn small first.
    phone.context.add_init_script("""
        new MutationObserver((_, observer) => {
            if (document.body) {
                window.__classWhenBodyAppeared = document.documentElement.className;
                observer.disconnect();
            }
        }).observe(document, {childList: true, subtree: true});
    """)
    page.goto(server.url("/guides/"))
    assert "jy-big" in page.evaluate("window.__classWhenBodyAppeared")
    assert _body_size(page) >= normal * 1.15
    assert page.get_by_role("button", name="大字").get_attribute("aria-pressed") == "true"

    page.get_by_role("button", name="大字").click()
    page.reload()
    assert "jy-big" not in page.evaluate("window.__classWhenBodyAppeared")
    assert _body_size(page) == pytest.approx(normal, abs=0.5)


def test_buttons_and_choices_are_large_enough_to_tap(phone, server):
    page = phone.new_page()
    page.goto(server.url(f"/check/?program={PROGRAM}"))
    page.locator("#jy-q").wait_for()
    small = page.evaluate("""() => Array.from(document.querySelectorAll(
            '.md-typeset button, .md-typeset .md-button, .md-typeset .jy-check-row'))
        .filter(e => e.offsetParent !== null)
        .map(e => [e.textContent.trim(), e.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert not small, small
