"""The staff API under /api/staff: sign-in, the review queue, status changes, export, audit.

Handlers are thin: sign-in rules live in service/staff.py, review rules in service/review.py.
Every call needs the session cookie; every state-changing call also needs the session's
CSRF token in ``X-CSRF-Token``.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .. import review, staff as accounts
from ..errors import JSON, ApiError
from ..models import AuditEntry, Staff
from ..throttle import client_of
from ._body import decode_object, json_bytes, reject_unknown
from ..clock import today


def not_logged_in() -> ApiError:
    return ApiError(401, "not_logged_in", "请先登录。")


async def session_of(request: Request, csrf: str | None = None) -> accounts.Session:
    """The signed-in staff member; for state changes, ``csrf`` is the token they sent."""
    session = await accounts.find_session(request.cookies.get(accounts.COOKIE))
    if session is None:
        raise not_logged_in()
    if csrf is not None and not hmac.compare_digest(csrf.encode(), session.csrf.encode()):
        raise ApiError(403, "csrf_failed", "页面已过期，请刷新后再试。")
    return session


async def changing(request: Request) -> accounts.Session:
    return await session_of(request, request.headers.get("x-csrf-token", ""))


def admin_only(session: accounts.Session) -> None:
    if session.role != "admin":
        raise review.forbidden()


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        accounts.COOKIE, token, max_age=int(accounts.SESSION_MAX.total_seconds()), path="/",
        httponly=True, samesite="strict",
        secure=request.app.state.settings.public_base_url.startswith("https://"))


async def sign_in(request: Request, username: Any, password: Any) -> tuple[str, accounts.Session]:
    """Check a sign-in, throttled per client and per username (existing or not)."""
    state = request.app.state
    if not (isinstance(username, str) and isinstance(password, str)) or not (
            0 < len(username) <= 64 and 0 < len(password) <= 256):
        raise ApiError(422, "invalid_login", "请填写用户名和密码。",
                       [{"field": "username", "message": "请填写用户名和密码。"}])
    username = username.strip().lower()
    client = client_of(request, state.vault)
    user_key = state.vault.digest("login-user", username)
    try:
        await state.login_client_throttle.guard(client)
        await state.login_user_throttle.guard(user_key)
    except ApiError:
        await accounts.audit("", "login_locked", username)
        raise
    found = await accounts.check_password(username, password)
    if found is None:
        await state.login_client_throttle.strike(client)
        await state.login_user_throttle.strike(user_key)
        await accounts.audit("", "login_failed", username)
        raise ApiError(401, "login_failed", "用户名或密码不对。")
    token, session = await accounts.start_session(found)
    await accounts.audit(found.username, "login")
    return token, session


def whoami(session: accounts.Session) -> dict[str, Any]:
    s = session.staff
    return {"username": s.username, "role": s.role, "role_text": accounts.ROLES[s.role],
            "district": s.district, "csrf_token": session.csrf}


async def login(request: Request) -> Response:
    data = decode_object(await json_bytes(request))
    reject_unknown(data, {"username", "password"})
    token, session = await sign_in(request, data.get("username"), data.get("password"))
    response = JSON(whoami(session))
    set_session_cookie(request, response, token)
    return response


async def logout(request: Request) -> Response:
    session = await changing(request)
    await accounts.end_session(session)
    await accounts.audit(session.username, "logout")
    response = JSON({"ok": True})
    response.delete_cookie(accounts.COOKIE, path="/")
    return response


async def me(request: Request) -> Response:
    return JSON(whoami(await session_of(request)))


async def list_applications(request: Request) -> Response:
    session = await session_of(request)
    state = request.app.state
    filters = review.Filters.parse(request.query_params, state.catalog)
    return JSON(await review.queue(session, filters, state.catalog, state.vault))


async def export(request: Request) -> Response:
    session = await session_of(request)
    state = request.app.state
    filters = review.Filters.parse(request.query_params, state.catalog)
    full_param = request.query_params.get("full", "0")
    if full_param not in ("0", "1"):
        raise ApiError(422, "invalid_filter", "full 只能是 0 或 1。",
                       [{"field": "full", "message": "只能是 0 或 1。"}])
    full = full_param == "1"
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


async def set_status(request: Request) -> Response:
    session = await changing(request)
    data = decode_object(await json_bytes(request))
    reject_unknown(data, {"status", "note"})
    app = await review.find(session, request.path_params["reference"])
    note = data.get("note", "")
    if not isinstance(note, str) or not isinstance(data.get("status"), str):
        raise ApiError(422, "invalid_status", "请选新的状态，留言是一段文字。",
                       [{"field": "status", "message": "请选新的状态。"}])
    app = await review.change_status(session, app, data["status"], note)
    state = request.app.state
    return JSON(await review.detail(session, app, state.catalog, state.vault, today()))


async def summary(request: Request) -> Response:
    await session_of(request)
    return JSON(await review.summary(request.app.state.catalog))


def audit_json(e: AuditEntry) -> dict[str, str]:
    return {"at": review.local(e.at), "actor": e.actor, "action": e.action,
            "action_text": accounts.AUDIT_LABELS.get(e.action, e.action),
            "target": e.target, "detail": e.detail}


async def audit_entries(session: accounts.Session, params: Any) -> dict[str, Any]:
    """A page of the audit log, newest first (admins only)."""
    admin_only(session)
    raw = params.get("page", "1")
    page = int(raw) if raw.isdigit() and 0 < int(raw) < 100000 else 1
    q = AuditEntry.all()
    if action := params.get("action"):
        q = q.filter(action=action)
    total = await q.count()
    rows = await q.order_by("-at", "-id").offset((page - 1) * 100).limit(100)
    return {"entries": [audit_json(e) for e in rows], "page": page, "total": total}


async def audit_log(request: Request) -> Response:
    return JSON(await audit_entries(await session_of(request), request.query_params))


def account_json(s: Staff) -> dict[str, Any]:
    return {"username": s.username, "role": s.role, "role_text": accounts.ROLES[s.role],
            "district": s.district, "active": s.active,
            "created_at": review.local(s.created_at)}


async def list_accounts(request: Request) -> Response:
    admin_only(await session_of(request))
    return JSON({"accounts": [account_json(s) for s in await Staff.all().order_by("username")]})


async def create_account(request: Request) -> Response:
    session = await changing(request)
    admin_only(session)
    data = decode_object(await json_bytes(request))
    reject_unknown(data, {"username", "password", "role", "district"})
    made = await make_account(session, *(data.get(k, "") for k in (
        "username", "password", "role", "district")))
    return JSON(account_json(made), 201)


async def make_account(session: accounts.Session, username: Any, password: Any, role: Any,
                       district: Any) -> Staff:
    if not all(isinstance(v, str) for v in (username, password, role, district)):
        raise ApiError(422, "invalid_account", "请填写用户名、密码和角色。")
    try:
        made = await accounts.create_staff(username.strip().lower(), password, role, district)
    except accounts.AccountError as e:
        raise ApiError(422, "invalid_account", str(e)) from None
    await accounts.audit(session.username, "staff_create", made.username,
                         f"{made.role} {made.district}".strip())
    return made


async def disable_staff(session: accounts.Session, username: str) -> None:
    """Stop an account (its sessions end at their next request)."""
    admin_only(session)
    if username == session.username:
        raise ApiError(422, "cannot_disable_self", "不能停用自己的账号。")
    if not await Staff.filter(username=username, active=True).update(active=False):
        raise ApiError(404, "account_not_found", "没有这个账号。")
    await accounts.audit(session.username, "staff_disable", username)


async def disable_account(request: Request) -> Response:
    username = request.path_params["username"]
    await disable_staff(await changing(request), username)
    return JSON({"username": username, "active": False})


async def accounts_root(request: Request) -> Response:
    """/api/staff/accounts: GET lists, POST creates (one route, so 405 names both)."""
    if request.method == "POST":
        return await create_account(request)
    return await list_accounts(request)
