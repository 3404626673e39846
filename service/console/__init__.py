"""The staff console at /staff/: server-rendered pages (Starlette + Jinja2), no build step.

The pages use the same session, CSRF token, role rules and review functions as the staff API
(service/api/staff.py, service/review.py); here the CSRF token travels in a hidden form
field. Every page is ``no-store``: they hold personal data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from .. import (
    bodies,
    callbacks,
    campaigns,
    clock,
    documents,
    facts,
    printables,
    qr,
    review,
    second_factor,
    workflow,
)
from .. import staff as accounts
from ..bodies import AccountRequest, CallbackDone, CampaignRequest, LoginRequest, StatusChange
from ..clock import today
from ..errors import ApiError
from ..models import Campaign
from ..responses import Photo
from ..throttle import address_of

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals.update(statuses=workflow.LABELS, districts=facts.DISTRICT_LABELS,
                             roles=accounts.ROLES, kinds=campaigns.KINDS,
                             day_pattern=clock.DAY_PATTERN, day_example=clock.DAY_EXAMPLE,
                             dates_text=printables.dates_text,
                             password_rules=accounts.PASSWORD_RULES)

Handler = Callable[[Request], Awaitable[Response]]
# What the queue's search read the typed text as (review.read_search), as its heading says it
SEARCH_WORDS = {"reference": "按申请编号", "phone": "按手机号", "id_number": "按身份证号",
                "name": "按姓名", "": ""}


def page(request: Request, name: str, status: int = 200,
         headers: dict[str, str] | None = None, **context: Any) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status,
                                      headers=headers)


def fields_of(form: Any) -> dict[str, Any]:
    """A form's text fields, without the CSRF token (checked apart)."""
    return {k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}


def field_errors(e: ApiError) -> dict[str, str]:
    """field -> message, for marking the bad fields of a form shown again."""
    return {x["field"]: x["message"] for x in e.errors or []}


def to_login() -> Response:
    return RedirectResponse("/staff/login", 303)


def console(handler: Handler) -> Handler:
    """Shows API errors as pages: not signed in -> the login page; others -> an error page."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as e:
            if e.status == 401:
                return to_login()
            me = getattr(request.state, "me", None)
            return page(request, "error.html", e.status, e.headers, message=e.message, me=me)

    return wrapped


async def signed_in(request: Request, form: Any = None) -> accounts.Session:
    """The session; for a form POST, also checks the form's CSRF token."""
    csrf = None
    if form is not None:
        token = form.get("csrf_token", "")
        csrf = token if isinstance(token, str) else ""
    session = await accounts.authenticate(request.cookies.get(accounts.COOKIE), csrf)
    request.state.me = accounts.describe_session(session)
    return session


@console
async def home(request: Request) -> Response:
    session = await signed_in(request)
    target = "/staff/applications" if session.role in ("admin", "reviewer") else "/staff/summary"
    return RedirectResponse(target, 303)


@console
async def login_page(request: Request) -> Response:
    if request.method == "GET":
        return page(request, "login.html")
    form = await request.form()
    username = form.get("username", "")
    state = request.app.state
    try:
        accounts.refuse_cross_site(request.headers, state.settings.public_base_url)
        req = bodies.decode(LoginRequest, fields_of(form), lax=True)
        token, _ = await accounts.sign_in(req.username, req.password,
                                          address_of(request), state.vault,
                                          state.login_client_throttle,
                                          state.login_user_throttle, req.totp)
    except ApiError as e:
        if e.status not in (401, 403, 422, 429):
            raise
        return page(request, "login.html", e.status, e.headers, error=e.message,
                    username=username if isinstance(username, str) else "")
    response = RedirectResponse("/staff/", 303)
    response.set_cookie(accounts.COOKIE, token,
                        **accounts.cookie_options(state.settings.public_base_url))
    return response


@console
async def logout(request: Request) -> Response:
    await accounts.sign_out(await signed_in(request, await request.form()))
    response = to_login()
    response.delete_cookie(accounts.COOKIE, path="/")
    return response


@console
async def applications(request: Request) -> Response:
    session = await signed_in(request)
    if session.role == "viewer":
        return RedirectResponse("/staff/summary", 303)
    state = request.app.state
    try:
        filters = review.Filters.parse(request.query_params, state.catalog)
    except ApiError as e:
        if e.status != 422:
            raise
        # nothing is filtered on a guess: the form comes back as typed, each bad field
        # marked, and no list until it is put right
        typed = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
        return page(request, "queue.html", 422, me=request.state.me, data=None,
                    f=review.Filters(), v={k: typed.get(k, "") for k in review.Filters().form()},
                    error=e.message, bad=field_errors(e), programs=state.catalog.programs,
                    search_words=SEARCH_WORDS)
    data = await review.queue(session, filters, state.catalog, state.vault)
    return page(request, "queue.html", me=request.state.me, data=data, f=filters,
                v=filters.form(), bad={}, programs=state.catalog.programs,
                search_words=SEARCH_WORDS)


async def _detail(request: Request, session: accounts.Session, app: Any, reveal: bool = False,
                  error: str = "", status: int = 200) -> Response:
    state = request.app.state
    a = await review.detail(session, app, state.catalog, state.vault, today(), reveal)
    return page(request, "application.html", status, me=request.state.me, a=a, error=error)


@console
async def application(request: Request) -> Response:
    session = await signed_in(request)
    app = await review.find(session, request.path_params["reference"])
    return await _detail(request, session, app)


@console
async def reveal(request: Request) -> Response:
    session = await signed_in(request, await request.form())
    app = await review.find(session, request.path_params["reference"])
    await review.reveal(session, app)
    return await _detail(request, session, app, reveal=True)


@console
async def set_status(request: Request) -> Response:
    form = await request.form()
    session = await signed_in(request, form)
    app = await review.find(session, request.path_params["reference"])
    try:
        req = bodies.decode(StatusChange, fields_of(form), lax=True)
        await review.change_status(session, app, req.status, req.note,
                                   request.app.state.catalog, req.document)
    except ApiError as e:
        if e.status not in (409, 422):
            raise
        return await _detail(request, session, app, error=e.message, status=e.status)
    return RedirectResponse(f"/staff/applications/{app.reference}", 303)


async def _callbacks(request: Request, session: accounts.Session, error: str = "",
                     status: int = 200) -> Response:
    state = request.app.state
    query = callbacks.parse_query(request.query_params)
    data = await callbacks.listing(session, query, state.catalog, state.vault)
    return page(request, "callbacks.html", status, me=request.state.me, data=data, q=query,
                error=error)


@console
async def callbacks_page(request: Request) -> Response:
    """回电: the call-back requests of this staff member's district, newest first."""
    session = await signed_in(request)
    if session.role == "viewer":
        return RedirectResponse("/staff/summary", 303)
    return await _callbacks(request, session)


@console
async def callback_done(request: Request) -> Response:
    form = await request.form()
    session = await signed_in(request, form)
    row = await callbacks.find(session, request.path_params["id"])
    try:
        req = bodies.decode(CallbackDone, fields_of(form), lax=True)
        await callbacks.mark_done(session, row, req.note)
    except ApiError as e:
        if e.status not in (409, 422):
            raise
        return await _callbacks(request, session, e.message, e.status)
    return RedirectResponse("/staff/callbacks", 303)


@console
async def follow_ups(request: Request) -> Response:
    """Whom to call: 还没到 a month after approval, and texts that could not be sent."""
    session = await signed_in(request)
    state = request.app.state
    data = await review.follow_ups(session, state.catalog, state.vault)
    return page(request, "follow_ups.html", me=request.state.me, data=data)


@console
async def photo(request: Request) -> Response:
    """One photo of a document (the application's page links each one): audited."""
    session = await signed_in(request)
    jpeg = await documents.staff_photo(session, request.path_params["reference"],
                                       request.path_params["photo"], request.app.state.vault)
    return Photo(jpeg)


@console
async def summary(request: Request) -> Response:
    await signed_in(request)
    return page(request, "summary.html", me=request.state.me,
                s=await review.summary(request.app.state.catalog))


@console
async def audit(request: Request) -> Response:
    session = await signed_in(request)
    query = bodies.decode(bodies.AuditQuery, request.query_params, lax=True)
    data = await accounts.audit_page(session, query)
    return page(request, "audit.html", me=request.state.me, data=data)


async def _accounts_page(request: Request, error: str = "", status: int = 200,
                         **extra: Any) -> Response:
    return page(request, "accounts.html", status, me=request.state.me,
                accounts=await accounts.accounts(), error=error, **extra)


@console
async def accounts_page(request: Request) -> Response:
    form = await request.form() if request.method == "POST" else None
    session = await signed_in(request, form)
    accounts.require_admin(session)
    if form is None:
        return await _accounts_page(request)
    try:
        req = bodies.decode(AccountRequest, fields_of(form), lax=True)
        made, factor = await accounts.make_account(session, req.username, req.password,
                                                   req.role, req.district,
                                                   request.app.state.vault)
    except ApiError as e:
        return await _accounts_page(request, e.message, e.status)
    if factor is None:
        return RedirectResponse("/staff/accounts", 303)
    # a new administrator cannot sign in without the second factor: shown once, to hand over
    uri, codes = factor
    return await _accounts_page(request, made_admin=made.username, qr_svg=qr.svg(uri),
                                secret=second_factor.secret_of(uri), codes=codes,
                                headers={"Cache-Control": "no-store"})


@console
async def disable(request: Request) -> Response:
    session = await signed_in(request, await request.form())
    try:
        await accounts.disable_staff(session, request.path_params["username"])
    except ApiError as e:
        if e.status == 403:
            raise
        return await _accounts_page(request, e.message, e.status)
    return RedirectResponse("/staff/accounts", 303)


@console
async def unlock(request: Request) -> Response:
    session = await signed_in(request, await request.form())
    state = request.app.state
    await accounts.unlock(session, request.path_params["username"], state.vault,
                          state.login_user_throttle)
    return RedirectResponse("/staff/accounts", 303)


@console
async def security(request: Request) -> Response:
    """Two-step sign-in for the signed-in account: scan a QR code, confirm with a code."""
    form = await request.form() if request.method == "POST" else None
    session = await signed_in(request, form)
    vault = request.app.state.vault
    me = request.state.me
    state = await accounts.second_factor_state(session)
    if form is None:
        return page(request, "security.html", me=me, state=state)
    if form.get("step") == "confirm":
        try:
            code = form.get("totp", "")
            codes = await accounts.confirm_second_factor(
                session, code if isinstance(code, str) else "", vault)
        except ApiError as e:
            if e.status not in (409, 422):
                raise
            return page(request, "security.html", e.status, me=me, state=state,
                        error=e.message)
        return page(request, "security.html", me=me, state=state, codes=codes,
                    headers={"Cache-Control": "no-store"})
    uri, secret = await accounts.begin_second_factor(session, vault)
    return page(request, "security.html", me=me, state=state, uri=uri, secret=secret,
                qr_svg=qr.svg(uri), headers={"Cache-Control": "no-store"})


@console
async def campaigns_page(request: Request) -> Response:
    form = await request.form() if request.method == "POST" else None
    session = await signed_in(request, form)
    error, status, bad, typed = "", 200, {}, {}
    if form is not None:
        try:
            req = bodies.decode(CampaignRequest, fields_of(form), lax=True)
            made = await campaigns.make(session, req, request.app.state.catalog,
                                        request.app.state.campaigns)
            return RedirectResponse(f"/staff/campaigns/{made.code}", 303)
        except ApiError as e:
            if e.status != 422:
                raise
            # nothing made: the form comes back as typed, each bad field marked
            error, status, bad, typed = e.message, e.status, field_errors(e), fields_of(form)
    await request.app.state.tally.flush()
    f = await campaigns.figures()
    return page(request, "campaigns.html", status, me=request.state.me, f=f, error=error,
                bad=bad, v=typed, programs=request.app.state.catalog.programs,
                url_warning=request.app.state.settings.public_url_problem)


async def _campaign(request: Request) -> Campaign:
    await signed_in(request)
    return await campaigns.find(request.path_params["code"])


@console
async def campaign_page(request: Request) -> Response:
    row = await _campaign(request)
    state = request.app.state
    c = await campaigns.one(row, state.settings.public_base_url, state.tally)
    return page(request, "campaign.html", me=request.state.me, c=c,
                qr_svg=qr.svg(c["short_link"]),
                target_title=printables.target_title(row.target, state.catalog),
                url_warning=state.settings.public_url_problem)


@console
async def printable(request: Request) -> Response:
    """The A4 poster or the label sheet, to print from the browser."""
    row = await _campaign(request)
    state = request.app.state
    render = printables.SHEETS.get(request.path_params["sheet"])
    if render is None:
        raise ApiError(404, "not_found", "没有这个页面。")
    return HTMLResponse(render(row, state.settings.public_base_url, state.catalog, False))


@console
async def qr_image(request: Request) -> Response:
    row = await _campaign(request)
    link = campaigns.short_link(request.app.state.settings.public_base_url, row.code)
    name = f"jiuyetong-{row.code}"
    if request.path_params["ext"] not in ("svg", "png"):
        raise ApiError(404, "not_found", "没有这个文件。")
    if request.path_params["ext"] == "svg":
        return Response(qr.svg(link), media_type="image/svg+xml", headers={
            "content-disposition": f'attachment; filename="{name}.svg"'})
    return Response(qr.png(link), media_type="image/png", headers={
        "content-disposition": f'attachment; filename="{name}.png"'})


async def print_css(request: Request) -> Response:
    """The posters' and labels' stylesheet, for printing them from the console."""
    return Response(printables.print_css(), media_type="text/css")


@console
async def retire(request: Request) -> Response:
    session = await signed_in(request, await request.form())
    row = await campaigns.retire(session, request.path_params["code"],
                                 request.app.state.campaigns)
    return RedirectResponse(f"/staff/campaigns/{row.code}", 303)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/login", login_page, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/applications", applications, methods=["GET"]),
    Route("/applications/{reference}", application, methods=["GET"]),
    Route("/applications/{reference}/reveal", reveal, methods=["POST"]),
    Route("/applications/{reference}/status", set_status, methods=["POST"]),
    Route("/callbacks", callbacks_page, methods=["GET"]),
    Route("/callbacks/{id}/done", callback_done, methods=["POST"]),
    Route("/follow-ups", follow_ups, methods=["GET"]),
    Route("/applications/{reference}/photos/{photo}", photo, methods=["GET"]),
    Route("/summary", summary, methods=["GET"]),
    Route("/audit", audit, methods=["GET"]),
    Route("/accounts", accounts_page, methods=["GET", "POST"]),
    Route("/accounts/{username}/disable", disable, methods=["POST"]),
    Route("/accounts/{username}/unlock", unlock, methods=["POST"]),
    Route("/security", security, methods=["GET", "POST"]),
    Route("/campaigns", campaigns_page, methods=["GET", "POST"]),
    Route("/campaigns/{code}", campaign_page, methods=["GET"]),
    Route("/campaigns/{code}/qr.{ext:str}", qr_image, methods=["GET"]),
    Route("/campaigns/{code}/{sheet:str}", printable, methods=["GET"]),  # poster, labels
    Route("/campaigns/{code}/retire", retire, methods=["POST"]),
    Route("/static/print.css", print_css, methods=["GET"]),
    Mount("/static", StaticFiles(directory=HERE / "static"), name="console-static"),
]
