"""The bare-stack baselines for benchmarks, with no project code:

- POST /api/check: a Starlette JSON endpoint;
- POST /api/applications: a bare Tortoise insert (decode the JSON, one ``create``).

    BARE_DB=sqlite:///tmp/bare.sqlite3 uvicorn loadtests.bare_app:app
"""

import contextlib
import json
import os
import secrets

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tortoise import fields
from tortoise.contrib.starlette import RegisterTortoise
from tortoise.models import Model


class BareApplication(Model):
    id = fields.IntField(primary_key=True)
    reference = fields.CharField(max_length=12, unique=True)
    program = fields.CharField(max_length=64)
    district = fields.CharField(max_length=16)
    data = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)


async def check(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"results": [], "next_question": None})


async def apply(request: Request) -> JSONResponse:
    body = json.loads(await request.body())
    row = await BareApplication.create(reference=secrets.token_hex(5)[:9],
                                       program=body["program"], district=body["district"],
                                       data=json.dumps(body))
    return JSONResponse({"reference": row.reference, "status": "submitted"}, 201)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette):
    async with RegisterTortoise(
            app, db_url=os.environ.get("BARE_DB", "sqlite://:memory:"),
            modules={"models": ["loadtests.bare_app"]}, generate_schemas=True):
        yield


app = Starlette(routes=[Route("/api/check", check, methods=["POST"]),
                        Route("/api/applications", apply, methods=["POST"])],
                lifespan=lifespan)
