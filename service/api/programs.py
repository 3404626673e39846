"""GET /api/programs and /api/programs/{slug}: the catalog, as the guides state it, with
each program's dates and state as of today (Beijing)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .. import clock
from ..catalog import AUDIENCES
from ..errors import ApiError
from ..responses import cached_json


async def list_programs(request: Request) -> Response:
    catalog = request.app.state.catalog
    audience = request.query_params.get("audience")
    if audience is not None and audience not in AUDIENCES:
        raise ApiError(422, "unknown_audience", "没有这个人群分类。",
                       [{"field": "audience", "message": f"可选：{'、'.join(AUDIENCES)}"}])
    today = clock.today()
    return cached_json(request, ("programs", audience, today), lambda: {
        "programs": [p.public(today) for p in catalog.programs
                     if audience is None or audience in p.data.audiences],
        "audiences": [{"id": k, "title": v} for k, v in AUDIENCES.items()],
    })


async def get_program(request: Request) -> Response:
    program = request.app.state.catalog.by_slug.get(request.path_params["slug"])
    if program is None:
        raise ApiError(404, "program_not_found", "没有找到这项政策。")
    today = clock.today()
    return cached_json(request, ("program", program.slug, today),
                       lambda: program.detail(today))
