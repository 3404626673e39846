"""What a first visit costs on a 3G phone, and that nothing scrolls sideways at 360px.

Bytes are counted as they crossed the network: the compressed response bodies of every
request the page, its workers and the service worker made (responses the service worker
answered from its own cache, and the browser's HTTP cache hits, cost nothing).
"""

from __future__ import annotations

import re

import pytest
from browserkit import PROGRAM, open_phone, scroll_width

BUDGET = 150 * 1024

# Every public page type, and what shows once its script has drawn it.
PAGES = {
    "home": ("/", "h1"),
    "guide": (f"/guides/{PROGRAM}/", "h1"),
    "catalog": ("/guides/", "h1"),
    "audience": ("/for/unemployed/", "h1"),
    "check": (f"/check/?program={PROGRAM}", "#jy-q"),
    "apply": (f"/apply/?program={PROGRAM}", "#jy-name"),
    "status": ("/status/", "#jy-ref"),
    "glossary": ("/glossary/", "h1"),
    "privacy": ("/privacy/", "h1"),
    "targets": ("/targets/", "h1"),
}


def cold_load(phone, path: str) -> tuple[int, list[tuple[int, str]]]:
    """Open ``path`` on a phone that has never seen the site; wait until the offline copy
    is made as well. Returns (bytes, [(bytes, url)])."""
    seen: list[tuple[int, str]] = []

    def finished(request):
        response = request.response()
        if response is None or response.from_service_worker:
            return  # answered by the service worker: its own fetch, if any, is counted
        body = request.sizes()["responseBodySize"]
        if body == 0 and response.status == 200:
            body = int(response.headers.get("content-length") or 0)
        seen.append((max(body, 0), request.url))

    phone.context.on("requestfinished", finished)
    page = phone.new_page()
    page.goto(phone.server.url(path), wait_until="load")
    # The service worker has kept its offline copies once it controls the page.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_load_state("networkidle")
    return sum(n for n, _ in seen), sorted(seen, reverse=True)


@pytest.mark.parametrize("name", ["home", "guide"])
def test_a_first_visit_costs_at_most_150_kb(phone, name):
    total, parts = cold_load(phone, PAGES[name][0])
    listing = "\n".join(f"{n / 1024:7.1f} KB  {u}" for n, u in parts)
    print(f"\n{name}: {total / 1024:.1f} KB\n{listing}")
    assert total <= BUDGET, f"{name} transferred {total / 1024:.1f} KB:\n{listing}"
    urls = [u for _, u in parts]
    # Search is there when opened, and costs nothing before.
    assert not [u for u in urls if re.search(r"search_index|workers/search|lunr", u)]


def test_search_loads_its_index_only_when_opened_and_finds_guides(phone):
    page = phone.new_page()
    page.goto(phone.server.url(PAGES["guide"][0]), wait_until="networkidle")
    assert not [u for u in phone.requests if "search_index" in u]
    page.locator('label.md-header__button[for="__search"]').click()
    page.get_by_role("textbox", name="搜索").press_sequentially("失业金", delay=30)
    page.wait_for_function(
        "() => /\\d/.test(document.querySelector('.md-search-result__meta').textContent)")
    hrefs = page.locator(".md-search-result__list a").evaluate_all("as => as.map(a => a.href)")
    assert any(f"/guides/{PROGRAM}/" in h for h in hrefs)
    assert [u for u in phone.requests if u.endswith("/search/search_index.json")]


@pytest.mark.parametrize("big", [False, True], ids=["normal", "big-text"])
def test_no_page_scrolls_sideways_at_360px_and_each_has_the_big_text_switch(browser, server, big):
    phone = open_phone(browser, server, service_workers="block")
    if big:
        phone.context.add_init_script("localStorage.setItem('jy.big', '1')")
    try:
        page = phone.new_page()
        wide = {}
        for name, (path, drawn) in PAGES.items():
            page.goto(server.url(path))
            page.locator(drawn).wait_for()
            switch = page.get_by_role("button", name="大字")
            assert switch.is_visible(), name
            assert switch.get_attribute("aria-pressed") == ("true" if big else "false"), name
            if scroll_width(page) > 360:
                wide[name] = scroll_width(page)
        assert not wide, f"sideways scrolling at 360px: {wide}"
    finally:
        phone.context.close()
    assert not phone.foreign(), phone.foreign()
