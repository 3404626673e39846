"""The staff API for QR campaigns: GET/POST /api/staff/campaigns, one campaign's funnel,
retiring a code. Figures only (no personal data): every staff role may read them; only
admins make or retire campaigns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .. import campaigns
from ..errors import JSON, ApiError
from ..models import Campaign
from ..staff import Session, audit
from ._body import decode_object, json_bytes, reject_unknown
from .staff import admin_only, changing, session_of


async def flushed(request: Request) -> None:
    """Write the buffered scan and check counts first, so the figures are current."""
    await request.app.state.tally.flush()


def campaign_json(request: Request, c: Campaign) -> dict[str, Any]:
    base = request.app.state.settings.public_base_url
    return {**campaigns.describe(c), "short_link": campaigns.short_link(base, c.code)}


async def one(request: Request, row: Campaign) -> dict[str, Any]:
    """One campaign with its totals and its funnel by day and hour (current counts)."""
    await flushed(request)
    [totals] = (await campaigns.figures(row.code))["campaigns"]
    return {**campaign_json(request, row), **totals, **await campaigns.funnel(row.code)}


async def find(code: str) -> Campaign:
    normalized = campaigns.normalize_code(code)
    row = await Campaign.get_or_none(code=normalized) if normalized else None
    if row is None:
        raise ApiError(404, "campaign_not_found", "没有这个活动。")
    return row


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ApiError(422, "invalid_campaign", "日期格式是 2027-03-01。",
                       [{"field": field, "message": "日期格式是 2027-03-01。"}]) from None


async def make(request: Request, session: Session, data: dict[str, Any]) -> Campaign:
    """Create a campaign from form or JSON fields (admins only; audited)."""
    admin_only(session)
    text = {k: data.get(k, "") for k in ("name", "kind", "target", "district", "place")}
    if not all(isinstance(v, str) for v in text.values()):
        raise ApiError(422, "invalid_campaign", "请填写活动名称、类型和二维码指向的页面。")
    try:
        made = await campaigns.create(
            text["name"], text["kind"], text["target"] or "/", request.app.state.catalog,
            district=text["district"], place=text["place"],
            starts_on=_date(data.get("starts_on"), "starts_on"),
            ends_on=_date(data.get("ends_on"), "ends_on"), created_by=session.username)
    except campaigns.CampaignError as e:
        raise ApiError(422, "invalid_campaign", str(e)) from None
    await audit(session.username, "campaign_create", made.code, made.name)
    request.app.state.campaigns.forget()
    return made


async def list_campaigns(request: Request) -> Response:
    await session_of(request)
    await flushed(request)
    return JSON(await campaigns.figures())


async def create_campaign(request: Request) -> Response:
    session = await changing(request)
    data = decode_object(await json_bytes(request))
    reject_unknown(data, {"name", "kind", "target", "district", "place", "starts_on",
                          "ends_on"})
    made = await make(request, session, data)
    return JSON(campaign_json(request, made), 201)


async def get_campaign(request: Request) -> Response:
    await session_of(request)
    return JSON(await one(request, await find(request.path_params["code"])))


async def retire(request: Request, session: Session, code: str) -> Campaign:
    admin_only(session)
    row = await find(code)
    await Campaign.filter(id=row.id).update(active=False)
    await audit(session.username, "campaign_retire", row.code, row.name)
    request.app.state.campaigns.forget()
    row.active = False
    return row


async def retire_campaign(request: Request) -> Response:
    row = await retire(request, await changing(request), request.path_params["code"])
    return JSON(campaign_json(request, row))


async def campaigns_root(request: Request) -> Response:
    """/api/staff/campaigns: GET lists with figures, POST creates."""
    if request.method == "POST":
        return await create_campaign(request)
    return await list_campaigns(request)
