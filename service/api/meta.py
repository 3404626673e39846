"""GET /api/openapi.json."""

from starlette.requests import Request
from starlette.responses import Response

from ..clock import this_year
from ..openapi import document
from ..responses import cached_json


async def openapi(request: Request) -> Response:
    year = this_year()
    slugs = list(request.app.state.catalog.by_slug)
    return cached_json(request, ("openapi", year), lambda: document(year, slugs))
