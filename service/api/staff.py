"""The staff API under /api/staff: sign-in, the review queue, status changes, export, audit.

Handlers are thin: accounts, sign-in and the audit log live in service/staff.py, review
rules in service/review.py.
Every call needs the session cookie; every state-changing call also needs the session's
CSRF token in ``X-CSRF-Token``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .. import bodies, documents, review
from .. import staff as accounts
from ..bodies import AccountRequest, LoginRequest, StatusChange
from ..clock import today
from ..responses import JSON, Photo
from ..throttle import address_of
from ._body import decode_object, json_bytes


async def session_of(request: Request, csrf: str | None = None) -> accounts.Session:
    """The signed-in staff member; for state changes, ``csrf`` is the token they sent."""
    return await accounts.authenticate(request.cookies.get(accounts.COOKIE), csrf)


async def changing(request: Request) -> accounts.Session:
    return await session_of(request, request.headers.get("x-csrf-token", ""))


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(accounts.COOKIE, token, **accounts.cookie_options(
        request.app.state.settings.public_base_url))


async def login(request: Request) -> Response:
    accounts.refuse_cross_site(request.headers,
                                   request.app.state.settings.public_base_url)
    req = bodies.decode(LoginRequest, decode_object(await json_bytes(request)))
    state = request.app.state
    token, session = await accounts.sign_in(
        req.username, req.password, address_of(request), state.vault,
        state.login_client_throttle, state.login_user_throttle, req.totp)
    response = JSON(accounts.describe_session(session))
    set_session_cookie(request, response, token)
    return response


async def logout(request: Request) -> Response:
    await accounts.sign_out(await changing(request))
    response = JSON({"ok": True})
    response.delete_cookie(accounts.COOKIE, path="/")
    return response


async def me(request: Request) -> Response:
    return JSON(accounts.describe_session(await session_of(request)))


async def list_applications(request: Request) -> Response:
    session = await session_of(request)
    state = request.app.state
    filters = review.Filters.parse(request.query_params, state.catalog)
    return JSON(await review.queue(session, filters, state.catalog, state.vault))


async def export(request: Request) -> Response:
    session = await session_of(request)
    state = request.app.state
    filters = review.Filters.parse(request.query_params, state.catalog)
    full = request.query_params.get("full", "0") == "1"  # checked by Filters.parse
    body = await review.export_csv(session, filters, state.catalog, state.vault, full)
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "content-disposition": 'attachment; filename="applications.csv"'})


async def get_application(request: Request) -> Response:
    session = await session_of(request)
    state = request.app.state
    app = await review.find(session, request.path_params["reference"])
    return JSON(await review.detail(session, app, state.catalog, state.vault, today()))


async def reveal(request: Request) -> Response:
    session = await changing(request)
    app = await review.find(session, request.path_params["reference"])
    await review.reveal(session, app)
    state = request.app.state
    out = await review.detail(session, app, state.catalog, state.vault, today(), True)
    return JSON({"reference": app.reference, "id_number": out["id_number"]})


async def photo(request: Request) -> Response:
    """One photo of a document, for staff of the application's district (audited)."""
    session = await session_of(request)
    jpeg = await documents.staff_photo(session, request.path_params["reference"],
                                       request.path_params["photo"], request.app.state.vault)
    return Photo(jpeg)


async def set_status(request: Request) -> Response:
    session = await changing(request)
    req = bodies.decode(StatusChange, decode_object(await json_bytes(request)))
    app = await review.find(session, request.path_params["reference"])
    state = request.app.state
    app = await review.change_status(session, app, req.status, req.note, state.catalog,
                                     req.document)
    return JSON(await review.detail(session, app, state.catalog, state.vault, today()))


async def summary(request: Request) -> Response:
    await session_of(request)
    return JSON(await review.summary(request.app.state.catalog))


async def audit_log(request: Request) -> Response:
    query = bodies.decode(bodies.AuditQuery, request.query_params, lax=True)
    return JSON(await accounts.audit_page(await session_of(request), query))


async def list_accounts(request: Request) -> Response:
    accounts.require_admin(await session_of(request))
    return JSON({"accounts": await accounts.accounts()})


async def create_account(request: Request) -> Response:
    session = await changing(request)
    accounts.require_admin(session)
    req = bodies.decode(AccountRequest, decode_object(await json_bytes(request)))
    made, factor = await accounts.make_account(session, req.username, req.password, req.role,
                                               req.district, request.app.state.vault)
    body = accounts.describe_account(made)
    if factor:  # an administrator's second factor, shown this once
        body["second_factor"] = {"uri": factor[0], "recovery_codes": factor[1]}
    return JSON(body, 201)


async def disable_account(request: Request) -> Response:
    username = request.path_params["username"]
    await accounts.disable_staff(await changing(request), username)
    return JSON({"username": username, "active": False})


async def unlock_account(request: Request) -> Response:
    username = request.path_params["username"]
    state = request.app.state
    await accounts.unlock(await changing(request), username, state.vault,
                          state.login_user_throttle)
    return JSON({"username": username, "locked": False})


async def accounts_root(request: Request) -> Response:
    """/api/staff/accounts: GET lists, POST creates (one route, so 405 names both)."""
    if request.method == "POST":
        return await create_account(request)
    return await list_accounts(request)
