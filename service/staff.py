"""Staff accounts, sign-in sessions and the audit log.

- Passwords: Argon2id (argon2-cffi's defaults), weak ones refused when an account is made.
- Sessions: a random token in an HttpOnly, SameSite=Strict cookie; the database keeps only
  its SHA-256, so a copy of the database cannot be used to sign in. Each session has its
  own CSRF token, which every state-changing call must send back. Sessions end after
  ``SESSION_IDLE`` without use or ``SESSION_MAX`` in all, and at logout.
- Sign-in failures are throttled per username and per client (service.throttle), with the
  same answer whether or not the username exists, and audited.
- Accounts are made and stopped by administrators; every change is in the audit log.
The HTTP side (cookies, forms, status codes) is service/api/staff.py and service/console.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.concurrency import run_in_threadpool
from tortoise.expressions import F

from . import clock, second_factor
from .errors import ApiError
from .facts import DISTRICT_LABELS
from .models import AuditEntry, Staff, StaffSession

if TYPE_CHECKING:
    from .bodies import AuditQuery
    from .pii import Vault
    from .throttle import Limiter

ROLES = {"admin": "管理员", "reviewer": "经办人员", "viewer": "查看统计"}
SESSION_IDLE = dt.timedelta(minutes=30)
SESSION_MAX = dt.timedelta(hours=10)
COOKIE = "jy_staff"
USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")
_hasher = PasswordHasher()
# Verified when the username does not exist, so that both cases take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_COMMON = {"password", "12345678", "123456789", "1234567890", "qwertyuiop", "11111111",
           "88888888", "66666666", "abcd1234", "a1234567", "admin123", "zaozhuang",
           "password1", "iloveyou", "woaini1314", "qwerty123"}


class AccountError(ValueError):
    """An account cannot be made as asked; the message says why (in Chinese)."""


now = clock.now


# The rules ``password_problem`` applies, as the CLI's prompt, the console and the README
# state them (the examples are from _COMMON; a test checks each is refused).
PASSWORD_RULES = ("密码至少12位，要有大写字母、小写字母、数字、符号中的至少三种，至少6个不同的字符；"
                  "不能含用户名，也不能含常见密码（比如 password、12345678、zaozhuang、woaini1314）。")


def password_problem(password: str, username: str) -> str | None:
    if len(password) < 12:
        return "密码至少12位。"
    lowered = password.lower()
    if lowered in _COMMON or any(c in lowered for c in _COMMON if len(c) >= 8):
        return "这个密码太常见了，请换一个。"
    if username and username.lower() in lowered:
        return "密码里不能有用户名。"
    classes = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z\d]"))
    if classes < 3 or len(set(password)) < 6:
        return "密码要有大写字母、小写字母、数字、符号中的至少三种，而且不能总是重复同几个字符。"
    return None


async def create_staff(username: str, password: str, role: str, district: str = "") -> Staff:
    if not USERNAME.match(username):
        raise AccountError("用户名用3到32位小写字母、数字、点、横线或下划线，以字母开头。")
    if role not in ROLES:
        raise AccountError(f"角色只能是 {', '.join(ROLES)}。")
    if role == "reviewer" and district not in DISTRICT_LABELS:
        raise AccountError(f"经办人员要指定区（市）：{', '.join(DISTRICT_LABELS)}。")
    if role != "reviewer" and district:
        raise AccountError("只有经办人员（reviewer）按区（市）分工；管理员和查看统计的账号不指定区（市）。")
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem)
    if await Staff.filter(username=username).exists():
        raise AccountError("这个用户名已经有了。")
    hashed = await run_in_threadpool(_hasher.hash, password)
    return await Staff.create(username=username, password_hash=hashed, role=role,
                              district=district)


async def check_password(username: str, password: str) -> Staff | None:
    """The active account with this username and password, or None (same time either way)."""
    staff = await Staff.get_or_none(username=username, active=True) if USERNAME.match(
        username) else None
    stored = staff.password_hash if staff else _DUMMY_HASH
    try:
        # Argon2 takes about half a second of CPU on purpose: in a thread, so the worker
        # keeps answering everyone else meanwhile
        await run_in_threadpool(_hasher.verify, stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if staff is None:
        return None
    if _hasher.check_needs_rehash(staff.password_hash):
        fresh = await run_in_threadpool(_hasher.hash, password)
        await Staff.filter(id=staff.id).update(password_hash=fresh)
    return staff


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    staff: Staff
    csrf: str
    session_id: int

    @property
    def role(self) -> str:
        return self.staff.role

    @property
    def username(self) -> str:
        return self.staff.username


MAX_SESSIONS = 5  # per account: a desk, a laptop, a tablet at a fair ... the oldest ends


async def start_session(staff: Staff) -> tuple[str, Session]:
    """A new session: (the cookie's token, the session). Beyond MAX_SESSIONS for one
    account, the oldest end, so a stolen password cannot keep sessions open unnoticed."""
    token, csrf, t = secrets.token_urlsafe(32), secrets.token_urlsafe(32), now()
    row = await StaffSession.create(token_hash=_hash_token(token), staff=staff, csrf=csrf,
                                    created_at=t, last_seen=t, expires_at=t + SESSION_MAX)
    keep = await (StaffSession.filter(staff_id=staff.id).order_by("-created_at", "-id")
                  .limit(MAX_SESSIONS).values_list("id", flat=True))
    await StaffSession.filter(staff_id=staff.id).exclude(id__in=list(keep)).delete()
    return token, Session(staff, csrf, row.id)


async def find_session(token: str | None) -> Session | None:
    """The live session for a cookie token; expired ones are ended here."""
    if not token or len(token) > 128:
        return None
    row = await StaffSession.get_or_none(token_hash=_hash_token(token)).select_related("staff")
    if row is None:
        return None
    t = now()
    if t >= row.expires_at or t - row.last_seen >= SESSION_IDLE or not row.staff.active:
        await StaffSession.filter(id=row.id).delete()
        return None
    if t - row.last_seen > dt.timedelta(minutes=1):  # at most one write a minute per session
        await StaffSession.filter(id=row.id).update(last_seen=t)
    return Session(row.staff, row.csrf, row.id)


async def end_session(session: Session) -> None:
    await StaffSession.filter(id=session.session_id).delete()


async def audit(actor: str, action: str, target: str = "", detail: str = "") -> None:
    await AuditEntry.create(actor=actor[:32], action=action, target=target[:64],
                            detail=detail[:255])


REPEAT_WINDOW = dt.timedelta(minutes=15)


async def audit_repeated(action: str, target: str, detail: str) -> None:
    """Record an event anyone can cause (a failed or locked sign-in) on one row per
    (action, target, detail) and 15 minutes, counted, so a flood cannot bury real entries.
    Two at the very same moment may open two rows: still two, not thousands."""
    t = now()
    target, detail = target[:64], detail[:255]
    row = await (AuditEntry.filter(action=action, target=target, detail=detail,
                                   at__gte=t - REPEAT_WINDOW).order_by("-at").first())
    if row is None:
        await AuditEntry.create(actor="", action=action, target=target, detail=detail,
                                last_at=t)
    else:
        await AuditEntry.filter(id=row.id).update(count=F("count") + 1, last_at=t)


AUDIT_LABELS = {
    "login": "登录", "login_failed": "登录失败", "login_locked": "登录被锁定", "logout": "退出",
    "reveal": "查看完整身份证号", "status": "改状态", "export": "导出",
    "export_full": "导出（含完整身份证号）",
    "staff_create": "新建账号", "staff_disable": "停用账号", "staff_unlock": "解除登录锁定",
    "purge": "删除到期的个人信息", "second_factor": "设置两步验证",
    "recovery_code": "用恢复码登录", "second_factor_reset": "在服务器上重设两步验证",
    "campaign_create": "新建二维码活动", "campaign_retire": "停用二维码活动",
    "callback_done": "回电完成",
    "photo_view": "查看材料照片", "photo_denied": "查看材料照片被拒（不在本区或没有这张）",
}


def from_this_site(headers: Mapping[str, str], public_base_url: str) -> bool:
    """Whether a sign-in was sent by one of our own pages (login CSRF: another site must
    not sign a staff browser into an account of its choosing). Browsers say where a request
    comes from in Sec-Fetch-Site and Origin; a client that sends neither (curl, a script)
    is no browser, and a browser that sends neither is one no longer supported."""
    site = headers.get("sec-fetch-site", "")
    if site in ("cross-site", "same-site"):
        return False
    origin = headers.get("origin", "")
    if not origin:
        return True
    # this site as the browser addressed it, or as the public address names it (behind a
    # proxy that does not pass Host on)
    ours = {headers.get("host", "").lower(), urlsplit(public_base_url).netloc.lower()}
    return urlsplit(origin).netloc.lower() in ours - {""}


def refuse_cross_site(headers: Mapping[str, str], public_base_url: str) -> None:
    if not from_this_site(headers, public_base_url):
        raise ApiError(403, "cross_site", "请直接打开就业通的工作人员登录页再登录。")


def forbidden() -> ApiError:
    return ApiError(403, "forbidden", "你的账号没有这个权限。")


def require_admin(session: Session) -> None:
    if session.role != "admin":
        raise forbidden()


def describe_session(session: Session) -> dict[str, Any]:
    """Who is signed in, as the console and GET /api/staff/me show it."""
    s = session.staff
    return {"username": s.username, "role": s.role, "role_text": ROLES[s.role],
            "district": s.district, "csrf_token": session.csrf}


def describe_account(s: Staff) -> dict[str, Any]:
    return {"username": s.username, "role": s.role, "role_text": ROLES[s.role],
            "district": s.district, "active": s.active,
            "created_at": clock.local_text(s.created_at)}


async def accounts() -> list[dict[str, Any]]:
    return [describe_account(s) for s in await Staff.all().order_by("username")]


async def sign_in(username: str, password: str, address: str, vault: Vault,
                  client_throttle: Limiter, user_throttle: Limiter, totp: str = ""
                  ) -> tuple[str, Session]:
    """Check a sign-in (its shape checked already: service/bodies.py LoginRequest) and,
    for administrators and anyone who set one up, its second factor (``totp``: the
    authenticator's code or a recovery code); throttled per client address and per
    username (existing or not); failures and lock-outs are audited with the address they
    came from, counted per 15 minutes. Returns the new session's cookie token and session."""
    username = username.strip().lower()
    client = vault.digest("client", address)
    user_key = vault.digest("login-user", username)
    source = f"来自 {address}"
    try:
        await client_throttle.check(client)
        await user_throttle.check(user_key)
    except ApiError:
        await audit_repeated("login_locked", username, source)
        raise
    found = await check_password(username, password)
    if found is not None and needs_second_factor(found):
        if not found.totp_sealed:  # an administrator from before second factors
            raise ApiError(401, "second_factor_not_set_up",
                           "管理员账号要先设置两步验证：请在服务器上运行 python -m service "
                           f"set-up-totp --username {found.username}，再用手机验证器扫码。")
        if not await second_factor_ok(found, totp, vault):
            found = None  # the same answer as a wrong password: no hint which was wrong
    if found is None:
        await client_throttle.add(client)
        await user_throttle.add(user_key)
        await audit_repeated("login_failed", username, source)
        raise ApiError(401, "login_failed", FAILED)
    token, session = await start_session(found)
    await audit(found.username, "login")
    return token, session


FAILED = "用户名、密码或验证码不对。"


def needs_second_factor(staff: Staff) -> bool:
    """Administrators always (they can export thousands of full ID numbers); anyone else
    once they have set one up."""
    return staff.role == "admin" or bool(staff.totp_sealed)


async def second_factor_ok(staff: Staff, code: str, vault: Vault) -> bool:
    """Whether ``code`` is this account's TOTP code for now (and not used before), or one
    of its unused recovery codes (then used up). Each write is a compare-and-set, so two
    sign-ins with one code cannot both pass."""
    if not code:
        return False
    secret = vault.open(staff.totp_sealed)["totp"]
    step = second_factor.matching_step(secret, code, now())
    if step is not None:
        return step > staff.totp_step and bool(
            await Staff.filter(id=staff.id, totp_step=staff.totp_step).update(totp_step=step))
    hashes = staff.recovery_hashes.split()
    used = second_factor.recovery_hash(code)
    if used not in hashes:
        return False
    left = " ".join(h for h in hashes if h != used)
    if not await Staff.filter(id=staff.id, recovery_hashes=staff.recovery_hashes).update(
            recovery_hashes=left):
        return False
    await audit(staff.username, "recovery_code", detail=f"还剩 {len(hashes) - 1} 个")
    return True


async def _activate(staff: Staff, sealed: str, step: int) -> list[str]:
    """Put a sealed secret in use (the pending one, if any, goes), with new recovery codes:
    returned once, kept only as hashes."""
    codes = second_factor.new_recovery_codes()
    await Staff.filter(id=staff.id).update(
        totp_sealed=sealed, totp_pending="", totp_step=step,
        recovery_hashes=" ".join(second_factor.recovery_hash(c) for c in codes))
    return codes


async def set_up_second_factor(staff: Staff, vault: Vault) -> Enrolment:
    """A new secret, in use at once (the CLI: the first administrator, a lost phone).
    Returns the otpauth:// address for the authenticator app and new recovery codes."""
    secret = second_factor.new_secret()
    codes = await _activate(staff, vault.seal({"totp": secret}), 0)
    return second_factor.enrolment_uri(staff.username, secret), codes


async def reset_second_factor(username: str, vault: Vault) -> Enrolment | None:
    """On the server (the CLI): a new second factor for an account, the old one void at
    once; None when there is no such account. Audited."""
    staff = await Staff.get_or_none(username=username.strip().lower())
    if staff is None:
        return None
    made = await set_up_second_factor(staff, vault)
    await audit("cli", "second_factor_reset", staff.username)
    return made


async def begin_second_factor(session: Session, vault: Vault) -> tuple[str, str]:
    """The console's set-up, step 1: a new secret waiting for its first code (the one in
    use, if any, stays until then). Returns the otpauth:// address to show as a QR code,
    and the secret itself, for typing in where a phone cannot scan."""
    secret = second_factor.new_secret()
    await Staff.filter(id=session.staff.id).update(totp_pending=vault.seal({"totp": secret}))
    return second_factor.enrolment_uri(session.username, secret), secret


async def confirm_second_factor(session: Session, code: str, vault: Vault) -> list[str]:
    """Step 2: the first code from the app proves it read the secret; the secret is then
    in use and new recovery codes are returned (shown once). Audited."""
    staff = await Staff.get(id=session.staff.id)
    if not staff.totp_pending:
        raise ApiError(409, "second_factor_not_started", "请先点“设置两步验证”，用手机扫码。")
    pending = vault.open(staff.totp_pending)["totp"]
    step = second_factor.matching_step(pending, code, now())
    if step is None:
        raise ApiError(422, "wrong_code", "验证码不对。请填手机验证器上现在显示的6位数字。",
                       [{"field": "totp", "message": "填手机验证器上现在的6位数字。"}])
    codes = await _activate(staff, staff.totp_pending, step)
    await audit(session.username, "second_factor")
    return codes


async def second_factor_state(session: Session) -> dict[str, Any]:
    """Whether this account's second factor is set up, required, and its codes left."""
    staff = await Staff.get(id=session.staff.id)
    return {"enabled": bool(staff.totp_sealed), "required": staff.role == "admin",
            "recovery_codes_left": len(staff.recovery_hashes.split())}


async def sign_out(session: Session) -> None:
    await end_session(session)
    await audit(session.username, "logout")


Enrolment = tuple[str, list[str]]  # otpauth:// address, recovery codes


async def open_account(actor: str, username: str, password: str, role: str, district: str,
                       vault: Vault) -> tuple[Staff, Enrolment | None]:
    """A new account (audited as ``actor``). An administrator's comes with its second
    factor already set up, since administrators cannot sign in without one: the address for
    the authenticator app and the recovery codes, to hand to the new administrator once.
    Raises AccountError for a taken name or a weak password."""
    made = await create_staff(username.strip().lower(), password, role, district)
    await audit(actor, "staff_create", made.username, f"{made.role} {made.district}".strip())
    factor = await set_up_second_factor(made, vault) if made.role == "admin" else None
    return made, factor


async def make_account(session: Session, username: str, password: str, role: str,
                       district: str, vault: Vault) -> tuple[Staff, Enrolment | None]:
    """An administrator makes an account (see ``open_account``); weak passwords are
    refused with a Chinese message."""
    require_admin(session)
    try:
        return await open_account(session.username, username, password, role, district, vault)
    except AccountError as e:
        raise ApiError(422, "invalid_account", str(e)) from None


async def unlock(session: Session, username: str, vault: Vault, user_throttle: Limiter
                 ) -> None:
    """An administrator lifts the lock on a username (anyone who knows a username can lock
    it with five wrong passwords; its owner then needs this). Audited."""
    require_admin(session)
    username = username.strip().lower()
    await user_throttle.clear(vault.digest("login-user", username))
    await audit(session.username, "staff_unlock", username)


async def disable_staff(session: Session, username: str) -> None:
    """Stop an account (its sessions end at their next request)."""
    require_admin(session)
    if username == session.username:
        raise ApiError(422, "cannot_disable_self", "不能停用自己的账号。")
    if not await Staff.filter(username=username, active=True).update(active=False):
        raise ApiError(404, "account_not_found", "没有这个账号。")
    await audit(session.username, "staff_disable", username)


def _audit_row(e: AuditEntry) -> dict[str, Any]:
    detail = e.detail
    if e.count > 1 and e.last_at:
        detail += f"（共 {e.count} 次，最近一次 {clock.local_text(e.last_at)}）"
    return {"at": clock.local_text(e.at), "actor": e.actor, "action": e.action,
            "action_text": AUDIT_LABELS.get(e.action, e.action),
            "target": e.target, "detail": detail.lstrip(), "count": e.count}


async def audit_page(session: Session, query: AuditQuery) -> dict[str, Any]:
    """A page of the audit log (100 entries), newest first (admins only)."""
    require_admin(session)
    page = query.page
    q = AuditEntry.all()
    if query.action:
        q = q.filter(action=query.action)
    total = await q.count()
    rows = await q.order_by("-at", "-id").offset((page - 1) * 100).limit(100)
    return {"entries": [_audit_row(e) for e in rows], "page": page, "total": total}


async def authenticate(token: str | None, csrf: str | None = None) -> Session:
    """The signed-in staff member for a cookie token; for a state change, ``csrf`` is the
    token they sent back (401 not signed in, 403 a stale page)."""
    session = await find_session(token)
    if session is None:
        raise ApiError(401, "not_logged_in", "请先登录。")
    if csrf is not None and not hmac.compare_digest(csrf.encode(), session.csrf.encode()):
        raise ApiError(403, "csrf_failed", "页面已过期，请刷新后再试。")
    return session


def cookie_options(public_base_url: str) -> dict[str, Any]:
    """How the session cookie is set: HttpOnly, SameSite=Strict, Secure over HTTPS."""
    return {"max_age": int(SESSION_MAX.total_seconds()), "path": "/", "httponly": True,
            "samesite": "strict", "secure": public_base_url.startswith("https://")}
