"""service/identity.py on the shared table (tests/identity_cases.py) the page's own checks
are held to as well (tests/browser/test_phone_identity.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from identity_cases import NAME_CASES, PHONE_CASES, id_cases

from service import clock
from service.identity import clean_id_number, clean_name, clean_phone

# Today, and days where the age arithmetic is easiest to get wrong.
DAYS = [clock.today(), dt.date(2028, 2, 29), dt.date(2027, 2, 28), dt.date(2026, 12, 31),
        dt.date(2027, 1, 1)]


@pytest.mark.parametrize("today, case", [(d, c) for d in DAYS for c in id_cases(d)],
                         ids=lambda x: x.isoformat() if isinstance(x, dt.date) else x.id)
def test_id_numbers(today, case):
    assert clean_id_number(case.typed, today) == (case.clean, case.problem)


@pytest.mark.parametrize("case", PHONE_CASES, ids=lambda c: c.id)
def test_phone_numbers(case):
    assert clean_phone(case.typed) == (case.clean, case.problem)


@pytest.mark.parametrize("case", NAME_CASES, ids=lambda c: c.id)
def test_names(case):
    assert clean_name(case.typed) == (case.clean, case.problem)


@pytest.mark.parametrize("value", [None, 13800138000, ["13800138000"]])
def test_what_is_not_text_is_asked_for_again(value):
    # Only the API can send these; the page always has text.
    assert clean_phone(value)[1] and clean_id_number(value, clock.today())[1]
    assert clean_name(value)[1]
