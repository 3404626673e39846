"""What a first visit costs on a 3G phone, and search that costs nothing until it is used.

Bytes are counted as they crossed the network: the compressed response bodies of every
request the page, its workers and the service worker made (responses the service worker
answered from its own cache, and the browser's HTTP cache hits, cost nothing).
"""

from __future__ import annotations

import re

import pytest
from browserkit import PROGRAM, PlaywrightError

BUDGET = 150 * 1024

PAGES = {"home": "/", "guide": f"/guides/{PROGRAM}/"}


def cold_load(phone, path: str) -> tuple[int, list[tuple[int, str]]]:
    """Open ``path`` on a phone that has never seen the site; wait until the offline copy
    is made as well. Returns (bytes, [(bytes, url)])."""
    seen: list[tuple[int, str]] = []

    def finished(request):
        try:
            response = request.response()
        except PlaywrightError:  # its worker is gone
            return
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
    count = -1
    while count != len(seen):   # until the last reports of finished requests are in
        count = len(seen)
        page.wait_for_timeout(200)
    phone.context.remove_listener("requestfinished", finished)
    return sum(n for n, _ in seen), sorted(seen, reverse=True)


@pytest.mark.parametrize("name", ["home", "guide"])
def test_a_first_visit_costs_at_most_150_kb(phone_sw, name):
    total, parts = cold_load(phone_sw, PAGES[name])
    listing = "\n".join(f"{n / 1024:7.1f} KB  {u}" for n, u in parts)
    print(f"\n{name}: {total / 1024:.1f} KB\n{listing}")
    assert total <= BUDGET, f"{name} transferred {total / 1024:.1f} KB:\n{listing}"
    urls = [u for _, u in parts]
    # Search is there when opened, and costs nothing before.
    assert not [u for u in urls if re.search(r"search_index|workers/search|lunr", u)]


def test_search_loads_its_index_only_when_opened_and_finds_guides(phone):
    page = phone.new_page()
    page.goto(phone.server.url(PAGES["guide"]), wait_until="networkidle")
    assert not [u for u in phone.requests if "search_index" in u]
    page.locator('label.md-header__button[for="__search"]').click()
    page.get_by_role("textbox", name="搜索").press_sequentially("失业金", delay=30)
    page.wait_for_function(     # the worker builds the index first: slow on a busy machine
        "() => /\\d/.test(document.querySelector('.md-search-result__meta').textContent)",
        timeout=30_000)
    hrefs = page.locator(".md-search-result__list a").evaluate_all("as => as.map(a => a.href)")
    assert any(f"/guides/{PROGRAM}/" in h for h in hrefs)
    assert [u for u in phone.requests if u.endswith("/search/search_index.json")]
