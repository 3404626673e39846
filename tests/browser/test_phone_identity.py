"""The apply form's own checks, as the person types (apply.js), say what the server says
(service/identity.py): the same words for every case in one table, tests/identity_cases.py,
which tests/test_identity.py holds the server to."""

from __future__ import annotations

import datetime as dt

import pytest
from browserkit import PROGRAM
from identity_cases import NAME_CASES, PHONE_CASES, id_cases, id_length

from service import clock


def open_form(phone, server, day: dt.date | None = None):
    page = phone.new_page()
    if day:   # the phone's clock at noon in Beijing on that day
        page.clock.set_fixed_time(dt.datetime(day.year, day.month, day.day, 12,
                                              tzinfo=clock.BEIJING))
    page.goto(server.url(f"/apply/?program={PROGRAM}"))
    page.get_by_label("姓名 *").wait_for()
    return page


@pytest.mark.parametrize("day", [None, dt.date(2028, 2, 29), dt.date(2026, 12, 31)],
                         ids=["today", "2028-02-29", "2026-12-31"])
def test_the_page_checks_every_case_as_the_server_does(phone, server, day):
    page = open_form(phone, server, day)
    cases = ([("id", c) for c in id_cases(day or clock.today())]
             + [("phone", c) for c in PHONE_CASES] + [("name", c) for c in NAME_CASES])
    said = page.evaluate("cases => cases.map(c => JY.checks[c[0]](c[1]))",
                         [[kind, c.typed] for kind, c in cases])
    wrong = [f"{kind} {c.id}: the page says {got!r}, the server {c.problem!r}"
             for (kind, c), got in zip(cases, said, strict=True) if got != (c.problem or "")]
    assert not wrong, "\n".join(wrong)


def test_the_form_shows_the_servers_words_when_a_field_is_left(phone, server):
    page = open_form(phone, server)
    page.get_by_label("身份证号 *").fill("11010519491231002")
    page.get_by_label("手机号 *").fill("１３９０５６３０００１")     # full-width, from an IME
    page.get_by_label("姓名 *").fill("李桂兰")
    assert page.locator("#jy-id-err").inner_text() == id_length(17)
    assert page.locator("#jy-phone-err").inner_text() == ""
    assert page.get_by_label("手机号 *").get_attribute("aria-invalid") is None
