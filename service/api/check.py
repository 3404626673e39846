"""The self-check over HTTP: GET /api/questions and POST /api/check.

Stateless: nothing personal is stored. Only an anonymous count (per hour and campaign code)
is kept, for the staff's figures. The work is ``selfcheck.check``; this module reads the
request and hands it over.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .. import campaigns, clock, selfcheck
from ..catalog import Catalog
from ..errors import ApiError
from ..responses import Encoded, cached_json
from ..memo import Bounded
from ..facts import FACTS, FACTS_BY_ID, question_json, validate_answers
from ._body import decode_object, json_bytes, reject_unknown

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


async def questions(request: Request) -> Response:
    year = clock.this_year()
    return cached_json(request, ("questions", year),
                       lambda: {"questions": [question_json(f, year) for f in FACTS]})


async def check(request: Request) -> Response:
    raw = await json_bytes(request)
    body, campaign, starting = request.app.state.check_body(raw, clock.today())
    if starting:  # count people starting a self-check, not every answer they give
        request.app.state.tally.add("check", campaign)
    return body.response(request)


def _date(value: Any, today: dt.date) -> dt.date:
    """The day the check is made as of: today, or a date given by staff and tests."""
    if value is None:
        return today
    try:
        if not (isinstance(value, str) and DATE_RE.match(value)):
            raise ValueError
        on = dt.date.fromisoformat(value)
        if not EARLIEST <= on <= LATEST:
            raise ValueError
    except ValueError:
        raise ApiError(422, "invalid_date", "日期不对。",
                       [{"field": "date", "message": "日期写成 2026-12-01 这样，"
                         "在2000年到2099年之间。"}]) from None
    return on


def make_body_checker(catalog: Catalog, memo: selfcheck.Memo, cache_size: int = 4096,
                      cache_bytes: int = 128 << 20):
    """(raw request body, today) -> (answer, campaign, starting), for valid bodies.

    ``starting`` is true for a check with no answers yet: the first screen of a self-check.

    The page sends answers in a fixed order, so at a job fair the same bytes arrive again and
    again; a valid body's answer is kept by its bytes, skipping decoding and validation
    (within a budget of entries and bytes: see service/memo.py). Invalid bodies raise
    ApiError and are never kept.
    """

    def check_body(raw: bytes, today: dt.date) -> tuple[Encoded, str, bool]:
        data = decode_object(raw)
        reject_unknown(data, {"answers", "campaign", "skip", "focus", "date", "brief"})
        campaign = data.get("campaign")
        if campaign is not None and not (isinstance(campaign, str)
                                         and campaigns.FIELD.match(campaign)):
            raise ApiError(422, "invalid_campaign", "二维码活动编号不对。",
                           [{"field": "campaign", "message": "活动编号只含字母、数字，最长32位。"}])
        skip = data.get("skip", [])
        if not (isinstance(skip, list) and len(skip) <= len(FACTS)
                and all(isinstance(f, str) and f in FACTS_BY_ID for f in skip)):
            raise ApiError(422, "invalid_skip", "跳过的问题不对。",
                           [{"field": "skip", "message": "应该是问题编号的列表。"}])
        focus = data.get("focus")
        if focus is not None and not (isinstance(focus, str) and focus in catalog.by_slug):
            raise ApiError(422, "unknown_program", "没有这项政策。",
                           [{"field": "focus", "message": "没有这项政策。"}])
        on = _date(data.get("date"), today)
        brief = data.get("brief", False)
        if not isinstance(brief, bool):
            raise ApiError(422, "invalid_brief", "brief 应该是 true 或 false。",
                           [{"field": "brief", "message": "应该是 true 或 false。"}])
        # answers are plausible relative to today, whatever day the check is made as of
        answers, errors = validate_answers(data.get("answers", {}), today.year)
        if errors:
            raise ApiError(422, "invalid_answers", "有的回答不对，请按提示改一下。", errors)
        body = selfcheck.check(catalog, answers, on, skip, focus, memo, brief)
        return body, campaign or "", not answers

    return Bounded(check_body, lambda answer: len(answer[0].raw) + 256, cache_size,
                   cache_bytes)
