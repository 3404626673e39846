"""QR campaigns: a short code per job fair, village visit, office window or online post.

``/q/{code}`` counts the scan (in the anonymous tally: time and code, nothing personal) and
redirects to the campaign's target with ``?c=code``, which the pages keep so that the
self-check and any application that follows are attributed to the campaign. Unknown or
retired codes go to the home page, never to an error.

Scans are the hottest path at a job fair: the redirect reads the campaign from a small
in-process cache and adds to the in-memory tally, so a scan touches no database and takes
no lock. The cache is refreshed from the database every minute and on a miss, so a
campaign made in one worker works in every worker.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import time
from typing import TYPE_CHECKING, Any

from tortoise.exceptions import IntegrityError

from . import clock
from .catalog import Catalog
from .errors import ApiError
from .facts import DISTRICT_LABELS
from .models import Application, Campaign, Tally
from .reference import ALPHABET
from .staff import Session, audit, require_admin
from .tally import TallyBuffer

if TYPE_CHECKING:
    from .bodies import CampaignRequest

log = logging.getLogger("service")

KINDS = {"job_fair": "招聘会", "village": "进村入户", "office": "办事窗口", "online": "线上"}
CODE = re.compile(r"^[2-9A-HJ-NP-Z]{4,12}$")
# The campaign code a page sends with a self-check or an application, as the phone kept it:
# checked for shape here; what is counted or stored is CampaignCache.known's answer.
FIELD = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
SCAN_LINE = "微信扫一扫，1分钟查你能领哪些补贴"


class CampaignError(ValueError):
    """The campaign cannot be made as asked; the message says why (in Chinese)."""


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(6))


def normalize_code(raw: str) -> str | None:
    code = raw.strip().upper()
    return code if CODE.match(code) else None


def check_target(target: str, catalog: Catalog) -> str:
    """A page on this site a QR code may point at: home, the self-check or a guide."""
    target = target.strip() or "/"
    if not target.startswith("/"):
        target = "/" + target
    if not target.endswith("/"):
        target += "/"
    if target in ("/", "/check/", "/apply/", "/guides/"):
        return target
    m = re.fullmatch(r"/guides/([a-z0-9-]+)/", target)
    if m and m.group(1) in catalog.by_slug:
        return target
    raise CampaignError("二维码只能指向首页（/）、自测（/check/）或一项政策的指南（/guides/政策编号/）。")


def short_link(base_url: str, code: str, slug: str = "") -> str:
    return f"{base_url}/q/{code}" + (f"/{slug}" if slug else "")


async def create(name: str, kind: str, target: str, catalog: Catalog, *, district: str = "",
                 place: str = "", starts_on: dt.date | None = None,
                 ends_on: dt.date | None = None, created_by: str = "") -> Campaign:
    name, place = name.strip(), place.strip()
    if not 2 <= len(name) <= 64:
        raise CampaignError("活动名称要2到64个字，比如“2027春风行动·滕州专场”。")
    if kind not in KINDS:
        raise CampaignError(f"类型只能是：{'、'.join(f'{k}（{v}）' for k, v in KINDS.items())}。")
    if district and district not in DISTRICT_LABELS:
        raise CampaignError(f"区（市）只能是：{'、'.join(DISTRICT_LABELS)}。")
    if len(place) > 64:
        raise CampaignError("地点最多64个字。")
    if starts_on and ends_on and ends_on < starts_on:
        raise CampaignError("结束日期不能早于开始日期。")
    target = check_target(target, catalog)
    for _ in range(5):
        try:
            return await Campaign.create(code=new_code(), name=name, kind=kind,
                                         district=district, place=place, starts_on=starts_on,
                                         ends_on=ends_on, target=target,
                                         created_by=created_by)
        except IntegrityError:
            continue  # the code was taken: draw another
    raise CampaignError("暂时生成不了活动编号，请再试一次。")


UNKNOWN = "?"  # counted in place of a code that is no active campaign


class CampaignCache:
    """code -> target for active campaigns, shared by the requests of one worker."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self.targets: dict[str, str | None] = {}
        self.loaded_at = float("-inf")  # load on first use

    def stale(self) -> bool:
        return time.monotonic() - self.loaded_at > self.ttl

    async def target(self, code: str) -> str | None:
        if self.stale():
            await self.reload()
        if code not in self.targets:  # made by another worker since the last reload?
            row = await Campaign.get_or_none(code=code, active=True)
            if len(self.targets) < 20000:  # bound memory against made-up codes
                self.targets[code] = row.target if row else None
        return self.targets.get(code)

    async def known(self, raw: str) -> str:
        """The code as counted: an active campaign's code, ``UNKNOWN`` for any other
        non-empty text (made-up codes must not make rows or inflate a fair's figures), ""
        for none. From this worker's copy, reloaded every ``ttl`` seconds: no query per
        code, and the self-check goes on when the database is away."""
        if not raw:
            return ""
        if self.stale():
            try:
                await self.reload()
            except Exception:  # database away: keep the last copy, try again later
                log.warning("campaigns: reload failed; kept the last copy")
                self.loaded_at = time.monotonic()
        code = normalize_code(raw)
        return code if code and self.targets.get(code) is not None else UNKNOWN

    async def reload(self) -> None:
        rows = await Campaign.filter(active=True).values_list("code", "target")
        self.targets = {code: target for code, target in rows}
        self.loaded_at = time.monotonic()

    def forget(self) -> None:
        self.loaded_at = float("-inf")


async def find(code: str) -> Campaign:
    normalized = normalize_code(code)
    row = await Campaign.get_or_none(code=normalized) if normalized else None
    if row is None:
        raise ApiError(404, "campaign_not_found", "没有这个活动。")
    return row


def _dates(req: CampaignRequest) -> tuple[dt.date | None, dt.date | None]:
    """The campaign's first and last day as typed (bodies.py checked their shape); a 422
    naming each day that does not exist (2027-02-30)."""
    (starts, start_problem), (ends, end_problem) = (clock.read_day(req.starts_on),
                                                    clock.read_day(req.ends_on))
    errors = [{"field": field, "message": problem} for field, problem in (
        ("starts_on", start_problem), ("ends_on", end_problem)) if problem]
    if errors:
        raise ApiError(422, "invalid_campaign", errors[0]["message"] if len(errors) == 1
                       else "开始和结束日期都不对，请核对一下。", errors)
    return starts, ends


async def make(session: Session, req: CampaignRequest, catalog: Catalog,
               cache: CampaignCache) -> Campaign:
    """Create a campaign (admins only; audited)."""
    require_admin(session)
    starts_on, ends_on = _dates(req)
    try:
        made = await create(
            req.name, req.kind, req.target or "/", catalog, district=req.district,
            place=req.place, starts_on=starts_on, ends_on=ends_on, created_by=session.username)
    except CampaignError as e:
        raise ApiError(422, "invalid_campaign", str(e)) from None
    await audit(session.username, "campaign_create", made.code, made.name)
    cache.forget()
    return made


async def retire(session: Session, code: str, cache: CampaignCache) -> Campaign:
    """Stop a code: its scans land on the home page from now on (admins only; audited)."""
    require_admin(session)
    row = await find(code)
    await Campaign.filter(id=row.id).update(active=False)
    await audit(session.username, "campaign_retire", row.code, row.name)
    cache.forget()
    row.active = False
    return row


def with_link(c: Campaign, base_url: str) -> dict[str, Any]:
    return {**describe(c), "short_link": short_link(base_url, c.code)}


async def one(row: Campaign, base_url: str, tally: TallyBuffer) -> dict[str, Any]:
    """One campaign with its totals and its funnel by day and hour (counts written first,
    so the figures are current)."""
    await tally.flush()
    [totals] = (await figures(row.code))["campaigns"]
    return {**with_link(row, base_url), **totals, **await funnel(row.code)}


def describe(c: Campaign) -> dict[str, Any]:
    """What a campaign is (not what it reached)."""
    return {
        "code": c.code, "name": c.name, "kind": c.kind, "kind_text": KINDS[c.kind],
        "district": c.district, "district_label": DISTRICT_LABELS.get(c.district, ""),
        "place": c.place, "starts_on": c.starts_on.isoformat() if c.starts_on else "",
        "ends_on": c.ends_on.isoformat() if c.ends_on else "", "target": c.target,
        "active": c.active,
    }


async def figures(code: str | None = None) -> dict[str, Any]:
    """Every campaign's funnel (scans -> self-checks -> applications -> approved -> received,
    the applicant's own 到了 after approval), and the
    same summed by district and by kind, so staff see which fairs and villages worked.
    With ``code``, only that campaign's rows are read."""
    only = {"campaign": code} if code else {}
    campaigns = await Campaign.filter(**({"code": code} if code else {})).order_by(
        "-created_at", "-id")
    tallies = await Tally.filter(event__in=["scan", "check"], **only).values_list(
        "campaign", "event", "count")
    counted: dict[tuple[str, str], int] = {}
    for c_code, event, n in tallies:
        counted[(c_code, event)] = counted.get((c_code, event), 0) + n
    outcomes: dict[tuple[str, str], int] = {}
    for c_code, status, received in await Application.exclude(campaign="").filter(
            **only).values_list("campaign", "status", "received"):
        outcomes[(c_code, status)] = outcomes.get((c_code, status), 0) + 1
        if status == "approved" and received:
            outcomes[(c_code, "received")] = outcomes.get((c_code, "received"), 0) + 1
    rows = []
    for c in campaigns:
        apps = {s: outcomes.get((c.code, s), 0) for s in
                ("submitted", "in_review", "need_info", "approved", "rejected", "withdrawn")}
        rows.append({
            **describe(c),
            "scans": counted.get((c.code, "scan"), 0),
            "checks": counted.get((c.code, "check"), 0),
            "applications": sum(apps.values()),
            "approved": apps["approved"], "received": outcomes.get((c.code, "received"), 0),
            "rejected": apps["rejected"],
            "in_progress": apps["submitted"] + apps["in_review"] + apps["need_info"],
        })
    return {"campaigns": rows, "by_district": _sum_by(rows, "district"),
            "by_kind": _sum_by(rows, "kind")}


def _sum_by(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        group = out.setdefault(r[key], {key: r[key], "campaigns": 0, "scans": 0, "checks": 0,
                                        "applications": 0, "approved": 0, "received": 0})
        group["campaigns"] += 1
        for k in ("scans", "checks", "applications", "approved", "received"):
            group[k] += r[k]
    labels = DISTRICT_LABELS if key == "district" else KINDS
    return [{**g, "label": labels.get(g[key], "未指定")} for _, g in sorted(out.items())]


async def funnel(code: str) -> dict[str, Any]:
    """One campaign's figures by day and by hour of the day (Beijing time)."""
    days: dict[str, dict[str, int]] = {}
    hours = {h: {"scans": 0, "checks": 0, "applications": 0} for h in range(24)}

    def add(t: dt.datetime, what: str, n: int) -> None:
        local = clock.local(t)
        day = days.setdefault(local.date().isoformat(),
                              {"scans": 0, "checks": 0, "applications": 0, "approved": 0,
                               "received": 0})
        day[what] += n
        if what in hours[local.hour]:
            hours[local.hour][what] += n

    for hour, event, n in await Tally.filter(campaign=code, event__in=["scan", "check"]
                                             ).values_list("hour", "event", "count"):
        add(hour, "scans" if event == "scan" else "checks", n)
    for created, status, received in await Application.filter(campaign=code).values_list(
            "created_at", "status", "received"):
        add(created, "applications", 1)
        if status == "approved":
            add(created, "approved", 1)
            if received:
                add(created, "received", 1)
    return {"by_day": [{"day": d, **v} for d, v in sorted(days.items())],
            "by_hour": [{"hour": h, **v} for h, v in hours.items()]}
