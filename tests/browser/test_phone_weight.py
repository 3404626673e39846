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


# English voices only: 朗读 is hidden once the voices are known (it used to move 大字 then).
ENGLISH_VOICES = """
    Object.defineProperty(window, 'speechSynthesis', {configurable: true, value: {
        getVoices: () => [{lang: 'en-US', name: 'English', localService: true}],
        speak: () => {}, cancel: () => {}, addEventListener: () => {}}});
"""
SHIFTS = """() => new Promise(resolve => {
    const seen = [];
    new PerformanceObserver(list => {
        for (const e of list.getEntries()) if (!e.hadRecentInput)
            seen.push([e.value, e.sources.map(
                s => s.node ? s.node.nodeName + '.' + s.node.className : '?').join(' ')]);
    }).observe({type: 'layout-shift', buffered: true});
    setTimeout(() => resolve(seen), 500);
})"""


@pytest.mark.parametrize("path", ["/", f"/guides/{PROGRAM}/", "/check/"])
def test_nothing_moves_while_a_page_loads(phone, path):
    """Text that jumps as the page loads makes people tap the wrong thing (CLS 0): the
    self-check keeps the room its first question takes, 朗读 keeps its place in the row."""
    phone.context.add_init_script(ENGLISH_VOICES)
    page = phone.new_page()
    # a slow network, so that the page is drawn before its scripts and answers arrive
    cdp = phone.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 300,
             "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8})
    page.goto(phone.server.url(path), wait_until="load")
    if path == "/check/":
        page.locator("#jy-q").wait_for()            # its first question is on the screen
    elif path != "/":
        page.locator("[data-jy-read]").wait_for(state="hidden")   # no Chinese voice, known
    shifts = page.evaluate(SHIFTS)
    assert shifts == [], f"{path} moved as it loaded: {shifts}"


def test_the_menu_opens_and_leads_to_a_page(phone):
    """Material's bundle is deferred, after the first paint: the drawer still opens (by CSS
    alone before the bundle runs) and its links lead on."""
    page = phone.new_page()
    page.goto(phone.server.url(PAGES["guide"]), wait_until="load")
    page.locator('label.md-header__button[for="__drawer"]').click()
    link = page.locator(".md-nav--primary").get_by_role("link", name="测一测", exact=True)
    link.click()
    page.wait_for_url(phone.server.url("/check/"))
    page.locator("#jy-q").wait_for()
