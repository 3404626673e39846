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
from ..errors import ApiError, Encoded, cached_json
from ..facts import FACTS, FACTS_BY_ID, question_json, validate_answers
from ._body import decode_object, json_bytes, reject_unknown

CAMPAIGN_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
_STATUS_ORDER = {engine.ELIGIBLE: 0, engine.MAYBE: 1, engine.INELIGIBLE: 2}
_ENCODE = msgspec.json.Encoder().encode


def this_year() -> int:
    return dt.datetime.now(SHANGHAI).year


class Checker:
    """The self-check's answer for validated answers, as an encoded JSON body.

    A program's outcome depends only on the answers to its own few facts, and across a crowd
    those values repeat (everyone from Zaozhuang gets the same "户口…在枣庄" reason), so each
    program's outcome is kept, already encoded as its JSON fragment, keyed by those values.
    Whole responses are also kept for repeated answer sets (the first screens of a job fair).
    Both memos are bounded, so made-up answers cannot grow memory without limit. The engine
    itself stays pure; this is only reuse of its results.
    """

    def __init__(self, catalog: Catalog, cache_size: int = 4096, per_program: int = 2048):
        self.catalog = catalog
        self.per_program = per_program
        self.programs = [
            (p, _ordered_facts(p.rules), {}) for p in catalog.programs
        ]
        self._cached = lru_cache(maxsize=cache_size)(self._check)
        self.cache_info = self._cached.cache_info

    def __call__(self, answers: dict[str, Any], year: int, skip: tuple[str, ...] = (),
                 focus: str | None = None) -> Encoded:
        key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v)
                           for k, v in answers.items()))
        return self._cached(key, year, tuple(sorted(set(skip))), focus)

    def _outcome(self, i: int, answers: dict[str, Any], frozen: dict[str, Any], year: int):
        program, facts, memo = self.programs[i]
        key = (year, *map(frozen.get, facts))
        hit = memo.get(key)
        if hit is None:
            outcome = engine.evaluate(program.rules, answers, year)
            fragment = _ENCODE({
                "slug": program.slug,
                "title": program.data.title,
                "summary": program.data.summary,
                "status": outcome.status,
                "reasons": [{"text": r.text, "met": r.met} for r in outcome.reasons],
                "missing": list(outcome.missing),
                "url": program.url,
                "applies_online": program.data.applies_online,
            })
            # Within each group, programs that matched on more conditions (tailored to the
            # person) come before general services that only ask where one lives.
            order = (_STATUS_ORDER[outcome.status], -len(outcome.reasons), i)
            hit = (order, outcome.status, outcome.missing, fragment)
            if len(memo) >= self.per_program:
                memo.clear()
            if self.per_program:
                memo[key] = hit
        return hit

    def _check(self, key: tuple, year: int, skip: tuple[str, ...], focus: str | None) -> Encoded:
        frozen = dict(key)  # lists as tuples: hashable, for the per-program memo
        answers = {k: list(v) if isinstance(v, tuple) else v for k, v in key}
        outcomes = [self._outcome(i, answers, frozen, year) for i in range(len(self.programs))]
        undecided = [(self.programs[i][0].rules, o[2]) for i, o in enumerate(outcomes) if o[2]]
        focus_needed = (engine.needed_facts(self.catalog.by_slug[focus].rules, answers, year)
                        if focus else ())
        nq = engine.choose_question(undecided, answers, year, skip, focus_needed)
        counts = {s: 0 for s in _STATUS_ORDER}
        for o in outcomes:
            counts[o[1]] += 1
        outcomes.sort(key=lambda o: o[0])
        return Encoded(b"".join((
            b'{"results":[', b",".join(o[3] for o in outcomes), b'],"counts":',
            _ENCODE(counts), b',"next_question":',
            _ENCODE(question_json(FACTS_BY_ID[nq], year) if nq else None), b"}",
        )))


def _ordered_facts(rules: tuple[engine.Rule, ...]) -> tuple[str, ...]:
    return tuple(sorted({f for r in rules for f in r.node.facts}))


async def questions(request: Request) -> Response:
    year = this_year()
    return cached_json(request, ("questions", year),
                       lambda: {"questions": [question_json(f, year) for f in FACTS]})


async def check(request: Request) -> Response:
    raw = await json_bytes(request)
    body, campaign, starting = request.app.state.check_body(raw, this_year())
    if starting:  # count people starting a self-check, not every answer they give
        request.app.state.tally.add("check", campaign)
    return body.response(request)


def make_body_checker(catalog: Catalog, checker: Checker, cache_size: int = 4096):
    """(raw request body, year) -> (answer, campaign, starting), for valid bodies.

    ``starting`` is true for a check with no answers yet: the first screen of a self-check.

    The page sends answers in a fixed order, so at a job fair the same bytes arrive again and
    again; a valid body's answer is kept by its bytes, skipping decoding and validation.
    Invalid bodies raise ApiError and are never kept.
    """

    @lru_cache(maxsize=cache_size)
    def check_body(raw: bytes, year: int) -> tuple[Encoded, str, bool]:
        data = decode_object(raw)
        reject_unknown(data, {"answers", "campaign", "skip", "focus"})
        campaign = data.get("campaign")
        if campaign is not None and not (isinstance(campaign, str)
                                         and CAMPAIGN_RE.match(campaign)):
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
        answers, errors = validate_answers(data.get("answers", {}), year)
        if errors:
            raise ApiError(422, "invalid_answers", "有的回答不对，请按提示改一下。", errors)
        return checker(answers, year, tuple(skip), focus), campaign or "", not answers

    return check_body
