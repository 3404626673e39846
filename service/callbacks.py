"""Call-back requests (请工作人员联系我): a person who cannot or would rather not fill in a form
leaves a name to be called by, a phone, the program and a time of day; a staff member of
their district phones back and marks the request done with a note.

Kept like applications (service/applications.py): the name and phone are sealed under the
data keys, the phone is also kept as its keyed hash (``digest("phone", …)``, the same one
applications keep); neither is ever logged. Sending is safe to retry: one Idempotency-Key
per form, decided by a unique index; and the same phone asking about the same program
again within ``REPEAT_WINDOW`` gets the first request back (a double tap from a page that
lost its key, or the same question from the guide and then from the results). The
personal data goes ``KEEP_DAYS`` after the request, answered or not (``purge``). The HTTP
side is service/api/callbacks.py and the console.

Staff rules are the review queue's (service/review.py): admins every district, reviewers
their own only (another district's request is "not found"), viewers none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import msgspec
from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from . import bodies, clock
from .bodies import CallbackQuery, CallbackRequest
from .catalog import Catalog, Program
from .errors import ApiError
from .facts import DISTRICT_LABELS
from .identity import clean_call_name, clean_phone, mask_phone, plain_text
from .models import Callback
from .pii import InvalidToken, Vault
from .review import require_personal_data
from .staff import Session, audit, now

OPEN, DONE = "open", "done"
LABELS = {OPEN: "待回电", DONE: "已回电"}
REPEAT_WINDOW = dt.timedelta(minutes=10)
KEEP_DAYS = 30  # the consent sentence on the page says so (service/pages.py site_data)
PER_PAGE = 50
_ENCODE = msgspec.json.Encoder(order="sorted").encode


@dataclass(frozen=True)
class Form:
    program: Program
    name: str
    phone: str
    district: str
    when: str


def validate(data: dict[str, Any], catalog: Catalog) -> tuple[Form | None, list[dict[str, str]]]:
    """The cleaned request, or every problem at once (field + how to fix it, in Chinese)."""
    values, errors = bodies.fields(CallbackRequest, data)

    def bad(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    program = catalog.by_slug.get(values["program"]) if "program" in values else None
    if "program" in values and program is None:
        bad("program", "没有这项政策，请从办事指南里点“请工作人员联系我”。")
    cleaned: dict[str, str] = {}
    for field, clean in (("name", clean_call_name), ("phone", clean_phone)):
        if field in values:
            value, problem = clean(values[field])
            if problem:
                bad(field, problem.replace("查进度要用", "工作人员打给你要用"))
            elif value is not None:
                cleaned[field] = value
    if errors or program is None:
        return None, errors
    return Form(program, cleaned["name"], cleaned["phone"], values["district"],
                values["when"]), []


@dataclass(frozen=True)
class Sent:
    callback: Callback
    replayed: bool


async def submit(form: Form, key: str | None, vault: Vault) -> Sent:
    """Store one request (one INSERT), or give back the one this is a repeat of."""
    phone_hash = vault.digest("phone", form.phone)
    idem = vault.digest("callback-idempotency", key) if key else None
    fingerprint = vault.digest("callback-request", _ENCODE(
        [form.program.slug, form.name, form.phone, form.district, form.when]).decode())
    if idem is not None:
        # the same key: the same request, whatever else arrived since
        first = await Callback.get_or_none(idem_key=idem)
        if first is not None:
            return _replay(first, fingerprint)
    # the same phone about the same program a moment ago, still waiting: that one
    t = now()
    recent = await (Callback.filter(phone_hash=phone_hash, program=form.program.slug,
                                    status=OPEN, created_at__gte=t - REPEAT_WINDOW)
                    .order_by("-created_at", "-id").first())
    if recent is not None:
        return Sent(recent, True)
    row = Callback(program=form.program.slug, district=form.district, time_of_day=form.when,
                   sealed=vault.seal({"name": form.name, "phone": form.phone}),
                   phone_hash=phone_hash, idem_key=idem, idem_fingerprint=fingerprint,
                   created_at=t)
    try:
        await row.save()
    except IntegrityError:  # the same key at the same moment: the unique index decided
        first = await Callback.get_or_none(idem_key=idem) if idem else None
        if first is None:
            raise
        return _replay(first, fingerprint)
    return Sent(row, False)


def _replay(first: Callback, fingerprint: str) -> Sent:
    if first.idem_fingerprint != fingerprint:
        raise ApiError(422, "idempotency_key_reused",
                       "这个提交编号已经用在另一个请求上了。请刷新页面后重新填写。",
                       [{"field": "Idempotency-Key", "message": "同一个编号只能用于同一个请求。"}])
    return Sent(first, True)


def _when_words(when: str) -> str:
    return "" if when == "都可以" else when


def receipt(row: Callback, catalog: Catalog, phone: str) -> dict[str, Any]:
    """What the person sees once the request is in."""
    program = catalog.by_slug.get(row.program)
    district = DISTRICT_LABELS.get(row.district, row.district)
    return {
        "status": row.status,
        "program": row.program,
        "program_title": program.data.title if program else row.program,
        "district": row.district,
        "district_label": district,
        "when": row.time_of_day,
        "phone_masked": mask_phone(phone),
        "requested_at": clock.local_iso(row.created_at),
        "message": (f"已收到。{district}的工作人员会在工作日{_when_words(row.time_of_day)}"
                    f"打电话给你，请留意{mask_phone(phone)}的来电。急事请打12333。"),
    }


# ---- staff ----

def not_found() -> ApiError:
    return ApiError(404, "callback_not_found", "没有找到这个回电请求。")


def _scoped(session: Session, district: str = "") -> QuerySet[Callback] | None:
    require_personal_data(session)
    q = Callback.all()
    if session.role == "reviewer":
        if district and district != session.staff.district:
            return None  # nothing outside their district, whatever they ask
        return q.filter(district=session.staff.district)
    return q.filter(district=district) if district else q


def staff_row(row: Callback, catalog: Catalog, vault: Vault) -> dict[str, Any]:
    """One request as staff who may see personal data see it: the phone in full, to call
    (as an application's page shows it to them)."""
    person = {"name": "（已删除）", "phone": ""}
    if row.sealed:
        try:
            person = {**person, **vault.open(row.sealed)}
        except InvalidToken:
            person = {"name": "（无法解密）", "phone": ""}
    program = catalog.by_slug.get(row.program)
    return {
        "id": row.id,
        "program": row.program,
        "program_title": program.data.title if program else row.program,
        "district": row.district,
        "district_label": DISTRICT_LABELS.get(row.district, row.district),
        "when": row.time_of_day,
        "name": person["name"],
        "phone": person["phone"],
        "phone_masked": mask_phone(person["phone"]) if person["phone"] else "",
        "status": row.status,
        "status_text": LABELS.get(row.status, row.status),
        "requested_at": clock.local_text(row.created_at),
        "done_at": clock.local_text(row.done_at) if row.done_at else "",
        "done_by": row.done_by,
        "note": row.note,
    }


def parse_query(params: Any) -> CallbackQuery:
    query = bodies.decode(CallbackQuery, dict(params), lax=True)
    if query.district and query.district not in DISTRICT_LABELS:
        raise bodies.bad(CallbackQuery, "district")
    return query


async def listing(session: Session, query: CallbackQuery, catalog: Catalog, vault: Vault
                  ) -> dict[str, Any]:
    """Open (or done) requests this staff member may see, newest first, one page."""
    q = _scoped(session, query.district)
    page: dict[str, Any] = {"callbacks": [], "status": query.status, "page": query.page,
            "per_page": PER_PAGE, "total": 0}
    if q is None:
        return page
    q = q.filter(status=query.status)
    page["total"] = await q.count()
    rows = await (q.order_by("-created_at", "-id").offset((query.page - 1) * PER_PAGE)
                  .limit(PER_PAGE))
    page["callbacks"] = [staff_row(r, catalog, vault) for r in rows]
    return page


async def find(session: Session, raw_id: str) -> Callback:
    """The request, if this staff member may see it; 404 otherwise (the same answer)."""
    q = _scoped(session)
    # at most 9 digits: a larger number is no row's, and PostgreSQL would refuse it as an
    # integer rather than find nothing
    if q is None or not raw_id.isascii() or not raw_id.isdigit() or len(raw_id) > 9:
        raise not_found()
    row = await q.get_or_none(id=int(raw_id))
    if row is None:
        raise not_found()
    return row


NOTE_MAX = 200


async def mark_done(session: Session, row: Callback, note: str) -> Callback:
    """Called back: done, with what came of it (audited). A compare-and-set, so two staff
    members cannot both close one request."""
    note = plain_text(note or "")
    if len(note) > NOTE_MAX:
        raise ApiError(422, "invalid_note", f"备注最多{NOTE_MAX}个字。",
                       [{"field": "note", "message": f"最多{NOTE_MAX}个字。"}])
    if not await Callback.filter(id=row.id, status=OPEN).update(
            status=DONE, note=note, done_by=session.username, done_at=now()):
        raise ApiError(409, "callback_already_done", "这个请求已经有人回过电话了，请刷新后再看。")
    await audit(session.username, "callback_done", f"callback:{row.id}", row.program)
    return await Callback.get(id=row.id)


async def purge(older_than: dt.timedelta = dt.timedelta(days=KEEP_DAYS),
                actor: str = "system") -> int:
    """Delete the name and phone of requests made longer ago than ``older_than``, answered
    or not (one not answered by then is closed, saying so). The rows stay for the figures."""
    cutoff = now() - older_than
    ids = await Callback.filter(created_at__lt=cutoff, purged_at__isnull=True).values_list(
        "id", flat=True)
    if not ids:
        return 0
    t = now()
    # staff notes may name the person too: they go with the rest
    await Callback.filter(id__in=ids).update(sealed="", phone_hash="", idem_fingerprint="",
                                             note="", purged_at=t)
    await Callback.filter(id__in=ids, status=OPEN).update(
        status=DONE, done_by="system", done_at=t,
        note=f"{older_than.days}天内没有回电，姓名和电话已按规定删除。")
    await audit(actor, "purge", "", f"{len(ids)} callbacks requested before "
                f"{clock.local_text(cutoff)}")
    return len(ids)
