"""The staff API for QR campaigns: GET/POST /api/staff/campaigns, one campaign's funnel,
retiring a code. Figures only (no personal data): every staff role may read them; only
admins make or retire campaigns (service/campaigns.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .. import bodies, campaigns
from ..bodies import CampaignRequest
from ..responses import JSON
from ._body import decode_object, json_bytes
from .staff import changing, session_of


async def list_campaigns(request: Request) -> Response:
    await session_of(request)
    await request.app.state.tally.flush()
    return JSON(await campaigns.figures())


async def create_campaign(request: Request) -> Response:
    session = await changing(request)
    req = bodies.decode(CampaignRequest, decode_object(await json_bytes(request)))
    state = request.app.state
    made = await campaigns.make(session, req, state.catalog, state.campaigns)
    return JSON(campaigns.with_link(made, state.settings.public_base_url), 201)


async def get_campaign(request: Request) -> Response:
    await session_of(request)
    state = request.app.state
    row = await campaigns.find(request.path_params["code"])
    return JSON(await campaigns.one(row, state.settings.public_base_url, state.tally))


async def retire_campaign(request: Request) -> Response:
    state = request.app.state
    row = await campaigns.retire(await changing(request), request.path_params["code"],
                                 state.campaigns)
    return JSON(campaigns.with_link(row, state.settings.public_base_url))


async def campaigns_root(request: Request) -> Response:
    """/api/staff/campaigns: GET lists with figures, POST creates."""
    if request.method == "POST":
        return await create_campaign(request)
    return await list_campaigns(request)
