"""GET /api/openapi.json."""

from starlette.requests import Request

from ..errors import JSON
from ..openapi import document
from .check import this_year


async def openapi(request: Request) -> JSON:
    return JSON(document(this_year()))
