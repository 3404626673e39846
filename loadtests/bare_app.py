"""The bare-stack baseline for benchmarks: a Starlette JSON endpoint with no project code."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def check(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"results": [], "next_question": None})


app = Starlette(routes=[Route("/api/check", check, methods=["POST"])])
