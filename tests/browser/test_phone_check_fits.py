"""Every self-check screen fits a 360x640 phone: the question, its answers, its buttons and
the way on (← 上一题, 不知道, 直接看结果) are all in the first view, below the header, without
scrolling (issue 18: the general self-check opened with ten boxes and a button two screens
down).

Every question the self-check can ask is shown on the real page, each part of a list asked in
parts too: the engine only ever asks what GET /api/questions lists, so the page is handed each
of those as its next question, in the longest state a screen has (every other question
answered, so ← 上一题 shows and the progress line carries two-digit counts) and in the first
state (nothing answered). Then real walks, general and from a guide, the server choosing each
question, check every screen they pass.
"""

from __future__ import annotations

import json

import pytest
from browserkit import answer_self_check, click_answer
from test_phone_truth import LAID_OFF

HEADER = 48  # Material's fixed header covers the top of the page


def out_of_view(page) -> list[str]:
    """The self-check's controls not wholly inside the first view, and whether it scrolled."""
    return page.evaluate("""header => {
        const out = [];
        if (window.scrollY > 0) out.push('the page scrolled by ' + window.scrollY + ' px');
        const card = document.querySelector('#jy-check .jy-card');
        if (!card) return ['no card on the screen'];
        // the page keeps this much room from its first paint: a taller first question
        // would push what follows down as it appears
        const root = document.getElementById('jy-check');
        const kept = parseFloat(getComputedStyle(root).minHeight);
        if (root.scrollHeight > kept)
            out.push(`taller (${root.scrollHeight} px) than the room kept for it (${kept} px)`);
        for (const e of card.querySelectorAll('h2, button, input, label')) {
            const r = e.getBoundingClientRect();
            if (r.top < header || r.bottom > innerHeight || r.left < 0 || r.right > innerWidth)
                out.push(`${e.tagName} “${(e.textContent || e.id).trim().slice(0, 20)}” at `
                         + `${Math.round(r.top)}–${Math.round(r.bottom)} px`);
        }
        return out;
    }""", HEADER)


def screen_name(page) -> str:
    part = page.locator("[data-part]")
    name = page.locator("#jy-q").inner_text()
    return name + (f" (part {part.get_attribute('data-part')})" if part.count() else "")


def some_answer(q: dict):
    """A valid answer to a question, for the state in which another one is asked."""
    if q["type"] == "bool":
        return False
    if q["type"] == "enum":
        return q["options"][0]["value"]
    if q["type"] == "multi":
        return []
    return q["min"]


@pytest.fixture
def questions(server, page) -> list[dict]:
    return json.loads(page.request.get(server.url("/api/questions")).text())["questions"]


def big_text_out_of_reach(page) -> list[str]:
    """In 大字 mode a screen may be taller than the phone: the buttons that move on must still
    be in the first view, and every answer reachable by scrolling, not left under them."""
    return page.evaluate("""header => {
        const out = [];
        const card = document.querySelector('#jy-check .jy-card');
        if (!card) return ['no card on the screen'];
        const foot = card.querySelector('.jy-foot');
        for (const e of foot.querySelectorAll('button')) {
            const r = e.getBoundingClientRect();
            if (r.top < header || r.bottom > innerHeight)
                out.push(`${e.textContent.trim()} at ${Math.round(r.top)}–${Math.round(r.bottom)} px`);
        }
        // an answer is in reach if it shows between the header and the buttons, at first
        // or once the page is scrolled to the end of the card
        const clear = e => {
            const r = e.getBoundingClientRect(), t = foot.getBoundingClientRect().top;
            return r.top >= header && r.bottom <= t;
        };
        const answers = [...card.querySelectorAll('.jy-choices button, .jy-choices label')];
        const hidden = answers.filter(e => !clear(e));
        window.scrollBy(0, card.getBoundingClientRect().bottom - innerHeight);
        for (const e of hidden.filter(e => !clear(e)))
            out.push(`“${e.textContent.trim().slice(0, 12)}” under the buttons or the header`);
        window.scrollTo(0, 0);
        return out;
    }""", HEADER)


def show_each(page, server, questions, answered: bool, look=out_of_view,
              big: bool = False) -> dict[str, list[str]]:
    """Every question and every part of it on the page, the server's answer otherwise
    real; returns what ``look`` found wrong, by screen (``big``: in 大字 mode)."""
    asking = {"q": questions[0]}

    def next_question(route):
        response = route.fetch()
        data = response.json()
        data["next_question"], data["brief"] = asking["q"], True
        if answered:   # the longest progress line: two-digit counts
            data["counts"] = {"eligible": 48, "maybe": 99, "ineligible": 0}
        route.fulfill(response=response, json=data)

    page.route("**/api/check", next_question)
    page.goto(server.url("/check/"))
    if big:
        page.evaluate("localStorage.setItem('jy.big', '1')")
    problems = {}
    for q in questions:
        others = [o for o in questions if o["id"] != q["id"]] if answered else []
        state = {"answers": {o["id"]: some_answer(o) for o in others},
                 "history": [o["id"] for o in others], "skip": []}
        page.evaluate("s => localStorage.setItem('jy.check.v1', s)", json.dumps(state))
        asking["q"] = q
        page.reload()
        for n, part in enumerate(q.get("parts") or [q]):
            page.locator("#jy-q", has_text=part["text"]).wait_for()
            if answered:
                page.get_by_role("button", name="← 上一题").wait_for()
            if found := look(page):
                problems[screen_name(page)] = found
            if n < len(q.get("parts") or [q]) - 1:
                page.get_by_role("button", name="选好了").click()   # on to the next part
    page.unroute("**/api/check")
    return problems


def test_every_question_fits_with_everything_else_answered(page, server, questions):
    assert len(questions) >= 14 and any(q.get("parts") for q in questions)
    problems = show_each(page, server, questions, answered=True)
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_every_question_fits_as_the_first_one(page, server, questions):
    """A guide's self-check can open with any question its program needs."""
    problems = show_each(page, server, questions, answered=False)
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_in_big_text_the_buttons_that_move_on_stay_in_reach(page, server, questions):
    """大字 (150%) is for those who read with difficulty: no screen fits any more, so the
    buttons stay at the bottom of the screen and the answers scroll above them."""
    problems = show_each(page, server, questions, answered=True, look=big_text_out_of_reach,
                         big=True)
    assert page.evaluate("document.documentElement.classList.contains('jy-big')")
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


GRADUATE = {**LAID_OFF, "你今年多少岁": 22, "你现在的工作情况": "现在没有工作",
            "哪些说的是你": ["高校毕业生（含大专）"], "你哪一年毕业": 2026,
            "你一共交了几年失业保险": 0}


@pytest.mark.parametrize(("path", "answers"), [
    ("/check/", LAID_OFF),                                   # the general self-check
    ("/check/?program=graduate-internship", GRADUATE),       # from a guide
])
def test_each_screen_a_walk_passes_fits(page, server, path, answers):
    seen: dict[str, list[str]] = {}

    def look_then_answer(page, answer):
        seen[screen_name(page)] = out_of_view(page)
        click_answer(page, answer)

    page.goto(server.url(path))
    asked = answer_self_check(page, answers, look_then_answer)
    assert asked >= 3
    problems = {k: v for k, v in seen.items() if v}
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_the_screen_without_a_network_fits_with_its_button(page, server):
    page.route("**/api/*", lambda route: route.abort())
    page.goto(server.url("/check/"))
    retry = page.get_by_role("button", name="再试一次")
    retry.wait_for()
    box = retry.bounding_box()
    assert HEADER <= box["y"] and box["y"] + box["height"] <= 640


def test_the_button_that_comes_under_the_finger_is_not_lit_up(page, server, questions):
    """A phone keeps the place last tapped "hovered": the button that comes there on the next
    screen (选好了, from the first part of the list to the second) must not show Material's
    red hover colour, as if it had been chosen."""
    listed = next(q for q in questions if q.get("parts"))

    def ask_the_list(route):
        response = route.fetch()
        route.fulfill(response=response, json={**response.json(), "next_question": listed,
                                               "brief": True})

    page.route("**/api/check", ask_the_list)
    page.goto(server.url("/check/"))
    done = page.get_by_role("button", name="选好了")
    box = done.bounding_box()
    done.click()
    page.locator("[data-part='2/2']").wait_for()
    page.wait_for_timeout(300)                     # Material's colour transition (125 ms)
    hovered, colour = page.evaluate("""([x, y]) => {
        const e = document.elementFromPoint(x, y).closest('.md-button');
        return [e.textContent, e.matches(':hover'), getComputedStyle(e).backgroundColor];
    }""", [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])[1:]
    assert hovered                                 # the place is hovered, as on a phone
    assert colour != "rgb(192, 57, 43)", "lit up in the hover colour"
