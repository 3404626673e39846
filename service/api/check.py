"""The self-check over HTTP: GET /api/questions and POST /api/check.

Stateless: nothing personal is stored. Only an anonymous count (per hour and campaign code)
is kept, for the staff's figures. The work is ``selfcheck.check``; this module reads the
request and hands it over.
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response

from .. import bodies, clock, selfcheck
from ..bodies import CheckRequest
from ..catalog import Catalog
from ..errors import ApiError
from ..facts import FACTS, question_json, validate_answers
from ..memo import Bounded
from ..responses import Encoded, cached_json
from ._body import decode_object, json_bytes

EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


async def questions(request: Request) -> Response:
    year = clock.this_year()
    return cached_json(request, ("questions", year),
                       lambda: {"questions": [question_json(f, year) for f in FACTS]})


async def check(request: Request) -> Response:
    raw = await json_bytes(request)
    check_body: Bounded[tuple[Encoded, str, bool]] = request.app.state.check_body
    body, campaign, starting = check_body(raw, clock.today())
    if starting:  # count people starting a self-check, not every answer they give
        state = request.app.state
        state.tally.add("check", await state.campaigns.known(campaign))
    return body.response(request)


def _date(value: str | None, today: dt.date) -> dt.date:
    """The day the check is made as of: today, or a date given by staff and tests."""
    if value is None:
        return today
    on = clock.parse_day(value)
    if on is None or not EARLIEST <= on <= LATEST:
        raise bodies.bad(CheckRequest, "date")
    return on


def make_body_checker(catalog: Catalog, memo: selfcheck.Memo, cache_size: int = 4096,
                      cache_bytes: int = 128 << 20) -> Bounded[tuple[Encoded, str, bool]]:
    """(raw request body, today) -> (answer, campaign, starting), for valid bodies.

    ``starting`` is true for a check with no answers yet: the first screen of a self-check.

    The page sends answers in a fixed order, so at a job fair the same bytes arrive again and
    again; a valid body's answer is kept by its bytes, skipping decoding and validation
    (within a budget of entries and bytes: see service/memo.py). Invalid bodies raise
    ApiError and are never kept.
    """

    def check_body(raw: bytes, today: dt.date) -> tuple[Encoded, str, bool]:
        req = bodies.decode(CheckRequest, decode_object(raw))
        if req.focus is not None and req.focus not in catalog.by_slug:
            raise bodies.bad(CheckRequest, "focus")
        on = _date(req.date, today)
        # answers are plausible relative to today, whatever day the check is made as of
        answers, errors = validate_answers(req.answers, today.year)
        if errors:
            raise ApiError(422, "invalid_answers", "有的回答不对，请按提示改一下。", errors)
        body = selfcheck.check(catalog, answers, on, req.skip, req.focus, memo, req.brief)
        return body, req.campaign or "", not answers

    return Bounded(check_body, lambda answer: len(answer[0].raw) + 256, cache_size,
                   cache_bytes)
