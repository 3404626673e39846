"""The self-check: GET /api/questions and POST /api/check.

Stateless: nothing personal is stored. Only an anonymous count (per hour and campaign code)
is kept, for the staff's figures. Results for the same answers are the same for everyone, so
they are cached (a job fair's crowd gives the same first answers many times).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from .. import engine
from ..catalog import Catalog
from ..errors import JSON, ApiError
from ..facts import FACTS, FACTS_BY_ID, question_json, validate_answers
from ._body import json_object, reject_unknown

CAMPAIGN_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
_STATUS_ORDER = {engine.ELIGIBLE: 0, engine.MAYBE: 1, engine.INELIGIBLE: 2}
_ENCODE = msgspec.json.Encoder().encode


def this_year() -> int:
    return dt.datetime.now(SHANGHAI).year


def check_result(
    catalog: Catalog,
    answers: dict[str, Any],
    year: int,
    skip: tuple[str, ...] = (),
    focus: str | None = None,
) -> dict[str, Any]:
    """The self-check's answer for these (validated) answers: a pure function of its inputs."""
    results = []
    undecided = []
    for p in catalog.programs:
        outcome = engine.evaluate(p.rules, answers, year)
        if outcome.missing:
            undecided.append((p.rules, outcome.missing))
        results.append({
            "slug": p.slug,
            "title": p.data.title,
            "summary": p.data.summary,
            "status": outcome.status,
            "reasons": [{"text": r.text, "met": r.met} for r in outcome.reasons],
            "missing": list(outcome.missing),
            "url": p.url,
            "applies_online": p.data.applies_online,
        })
    # Within each group, programs that matched on more conditions (tailored to the person)
    # come before general services that only ask where one lives.
    results.sort(key=lambda r: (_STATUS_ORDER[r["status"]], -len(r["reasons"])))
    focus_needed = engine.needed_facts(catalog.by_slug[focus].rules, answers, year) if focus else ()
    nq = engine.choose_question(undecided, answers, year, skip, focus_needed)
    counts = {s: 0 for s in _STATUS_ORDER}
    for r in results:
        counts[r["status"]] += 1
    return {
        "results": results,
        "counts": counts,
        "next_question": question_json(FACTS_BY_ID[nq], year) if nq else None,
    }


def make_checker(catalog: Catalog, cache_size: int = 4096):
    """A cached check: (answers key, year) -> encoded JSON body."""

    @lru_cache(maxsize=cache_size)
    def cached(key: tuple, year: int, skip: tuple[str, ...], focus: str | None) -> bytes:
        answers = {k: list(v) if isinstance(v, tuple) else v for k, v in key}
        return _ENCODE(check_result(catalog, answers, year, skip, focus))

    def checker(answers: dict[str, Any], year: int, skip: tuple[str, ...] = (),
                focus: str | None = None) -> bytes:
        key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v)
                           for k, v in answers.items()))
        return cached(key, year, tuple(sorted(set(skip))), focus)

    checker.cache_info = cached.cache_info  # type: ignore[attr-defined]
    return checker


async def questions(request: Request) -> JSON:
    year = this_year()
    return JSON({"questions": [question_json(f, year) for f in FACTS]})


async def check(request: Request) -> Response:
    data = await json_object(request)
    reject_unknown(data, {"answers", "campaign", "skip", "focus"})
    campaign = data.get("campaign")
    if campaign is not None and not (isinstance(campaign, str) and CAMPAIGN_RE.match(campaign)):
        raise ApiError(422, "invalid_campaign", "二维码活动编号不对。",
                       [{"field": "campaign", "message": "活动编号只含字母、数字，最长32位。"}])
    skip = data.get("skip", [])
    if not (isinstance(skip, list) and len(skip) <= len(FACTS)
            and all(isinstance(f, str) and f in FACTS_BY_ID for f in skip)):
        raise ApiError(422, "invalid_skip", "跳过的问题不对。",
                       [{"field": "skip", "message": "应该是问题编号的列表。"}])
    focus = data.get("focus")
    if focus is not None and not (isinstance(focus, str)
                                  and focus in request.app.state.catalog.by_slug):
        raise ApiError(422, "unknown_program", "没有这项政策。",
                       [{"field": "focus", "message": "没有这项政策。"}])
    year = this_year()
    answers, errors = validate_answers(data.get("answers", {}), year)
    if errors:
        raise ApiError(422, "invalid_answers", "有的回答不对，请按提示改一下。", errors)
    body = request.app.state.checker(answers, year, tuple(skip), focus)
    request.app.state.tally.add("check", campaign or "")
    return Response(body, media_type="application/json")
