"""Reviewing applications: the queue, one application, status changes, export, retention.

Shared by the JSON API (service/api/staff.py) and the console pages (service/console.py):
the handlers only read the request and shape the answer. Every function takes the signed-in
``Session`` and applies the role rules itself:

- admin: every district; may reveal ID numbers and export them in full (audited);
- reviewer: only applications of their own district; another district's application is
  "not found", whatever the reference;
- viewer: no personal data at all (figures only).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from . import applications, bodies, clock, documents, engine, selfcheck, sms, workflow
from .bodies import QueueQuery
from .catalog import Catalog
from .errors import ApiError
from .facts import DISTRICT_LABELS
from .identity import clean_id_number, clean_phone, compact, mask_id, mask_phone, plain_text
from .models import Application, ApplicationEvent, DocumentPhoto, SmsMessage
from .pii import InvalidToken, Vault
from .reference import LENGTH, display, normalize
from .staff import Session, audit, forbidden, now

PER_PAGE = 50
NOTE_MAX = 500


def not_found() -> ApiError:
    return ApiError(404, "application_not_found", "没有找到这份申请。")


def require_personal_data(session: Session) -> None:
    if session.role not in ("admin", "reviewer"):
        raise forbidden()


@dataclass(frozen=True)
class Filters:
    program: str = ""
    status: str = ""
    district: str = ""
    campaign: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1
    q: str = ""  # what a reviewer typed to find an application (see ``search``)

    @classmethod
    def parse(cls, params: Any, catalog: Catalog) -> Filters:
        """Filters from query parameters (service/bodies.py QueueQuery); 422 naming each
        bad parameter."""
        values, errors = bodies.fields(QueueQuery, dict(params), lax=True)

        def bad(field: str, message: str) -> None:
            errors.append({"field": field, "message": message})

        if values.get("program") and values["program"] not in catalog.by_slug:
            bad("program", "没有这项政策。")
        if values.get("district") and values["district"] not in DISTRICT_LABELS:
            bad("district", "没有这个区（市）。")
        dates = {}
        for attr, name in (("date_from", "from"), ("date_to", "to")):
            dates[attr], problem = clock.read_day(values.get(attr, ""))
            if problem:
                bad(name, problem)
        if dates["date_from"] and dates["date_to"] and dates["date_to"] < dates["date_from"]:
            bad("to", "“到”的日期早于“从”的日期，请把两个日期对调一下。")
        if errors:
            raise bodies.refuse(QueueQuery, errors)
        q = QueueQuery(**values)
        return cls(q.program, q.status, q.district, q.campaign, dates["date_from"],
                   dates["date_to"], q.page, q.q.strip())

    def form(self) -> dict[str, str]:
        """The filters as the queue's form shows them (a date as 2026-12-03, however it was
        typed)."""
        return {"program": self.program, "status": self.status, "district": self.district,
                "campaign": self.campaign,
                "from": self.date_from.isoformat() if self.date_from else "",
                "to": self.date_to.isoformat() if self.date_to else "", "q": self.q}

    def query_string(self, **over: Any) -> str:
        from urllib.parse import urlencode

        values: dict[str, Any] = {**self.form(), "page": self.page}
        values.update(over)
        return urlencode({k: v for k, v in values.items() if v and not (k == "page" and v == 1)})


def _scoped(session: Session, filters: Filters) -> QuerySet[Application] | None:
    require_personal_data(session)
    q = Application.all()
    if session.role == "reviewer":
        if filters.district and filters.district != session.staff.district:
            return None  # nothing outside their district, whatever they ask
        q = q.filter(district=session.staff.district)
    elif filters.district:
        q = q.filter(district=filters.district)
    if filters.program:
        q = q.filter(program=filters.program)
    if filters.status:
        q = q.filter(status=filters.status)
    if filters.campaign:
        q = q.filter(campaign=filters.campaign)
    start, end = clock.day_bounds(filters.date_from, filters.date_to)
    if start:
        q = q.filter(created_at__gte=start)
    if end:
        q = q.filter(created_at__lt=end)
    return q


# Finding one application from what a person says on the phone. The reference, the phone
# and the ID number are matched exactly, by the columns the service keeps anyway: the
# reference itself, and the keyed hashes (service/pii.py), never by decrypting. A name is
# only inside the encrypted data, so a name search decrypts the candidates: those this
# staff member may see (a reviewer: one district), after the other filters, newest first,
# at most NAME_SCAN_LIMIT of them. That bounds the work (160 ms for 5,000 on SQLite on one
# core, measured: reading and decrypting) and keeps the decrypted names in this worker's
# memory only, for this request (SECURITY.md).
NAME_SCAN_LIMIT = 5000
_DIGITS = re.compile(r"^(\+86|0086)?[0-9]+[Xx]?$")
_LETTERS_AND_DIGITS = re.compile(r"^[A-Za-z0-9]+$")
_NAME_TEXT = re.compile(r"^[\u3400-\u9fffA-Za-z·•. ]+$")
SEARCH_KINDS = ("reference", "phone", "id_number", "name")
FULL_NUMBER = "按手机号找要填完整的11位；按身份证号找要填完整的18位。"
ID_OPEN_ONLY = ("按身份证号只找得到还在办理中的申请（办结后不再保留身份证号的查询码）。"
                "办结的申请请按手机号或申请编号找。")


@dataclass(frozen=True)
class Search:
    """What the typed text was read as: ``kind`` (one of SEARCH_KINDS, or "" when it
    cannot be searched for: ``note`` says why) and the cleaned value."""

    kind: str
    value: str = ""
    note: str = ""


def read_search(raw: str, today: dt.date) -> Search:
    """A reference (any case, dashes or not), a whole phone or ID number, or a name."""
    text = compact(raw)
    if not text:
        return Search("")
    reference, problem = normalize(text)  # 9 characters: never a phone or an ID number
    if reference is not None:
        return Search("reference", reference)
    if _DIGITS.match(text):  # only digits (an ID number may end in X)
        digits = text.removeprefix("+86").removeprefix("0086") if len(text) > 11 else text
        if len(digits) == 11:
            phone, trouble = clean_phone(digits)
            return Search("phone", phone or "", trouble or "")
        if len(digits) == 18:
            number, trouble = clean_id_number(digits, today)
            return Search("id_number", number or "", trouble or "")
        return Search("", note=FULL_NUMBER)
    if _LETTERS_AND_DIGITS.match(text) and not text.isalpha():  # a reference, mistyped
        return Search("", note=problem or "")
    name = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not _NAME_TEXT.match(name):
        return Search("", note="按姓名找，请只填汉字或字母。")
    # nine letters may be a name in pinyin or a reference with one letter misheard (about
    # one reference in thirteen has no digit): searched as a name, and the note says both
    maybe_reference = text.isalpha() and len(text) == LENGTH
    return Search("name", name.casefold(), (problem or "") if maybe_reference else "")


async def search(session: Session, filters: Filters, catalog: Catalog, vault: Vault
                 ) -> tuple[QuerySet[Application] | None, Search]:
    """The applications this staff member may see that match the filters and ``filters.q``
    (None: nothing can match), and how the text was read."""
    q = _scoped(session, filters)
    wanted = read_search(filters.q, clock.today()) if filters.q else Search("")
    if q is None or not filters.q:
        return q, wanted
    if not wanted.kind or not wanted.value:
        return None, wanted
    if wanted.kind == "reference":
        return q.filter(reference=wanted.value), wanted
    if wanted.kind == "phone":  # the phone's keyed hash, kept until the data is purged
        return q.filter(phone_hash=vault.digest("phone", wanted.value)), wanted
    if wanted.kind == "id_number":
        # person_key is the keyed hash of (ID number, program), kept while the application
        # is open: one hash per program, compared in the database
        keys = [vault.digest("open", wanted.value, slug) for slug in catalog.by_slug]
        return q.filter(person_key__in=keys), wanted
    rows = await (q.exclude(sealed="").order_by("-created_at", "-id")
                  .limit(NAME_SCAN_LIMIT + 1).values_list("id", "sealed"))
    note = wanted.note
    if len(rows) > NAME_SCAN_LIMIT:
        rows = rows[:NAME_SCAN_LIMIT]
        cut = (f"按姓名只在最近的{NAME_SCAN_LIMIT}份申请里找了。找不到的话，"
               "请加上政策、状态或日期再找，或者按手机号、申请编号找。")
        note = " ".join(filter(None, (note, cut)))
    found = []
    for pk, token in rows:
        try:
            name = str(vault.open(token).get("name", ""))
        except InvalidToken:
            continue
        if wanted.value in name.casefold():
            found.append(pk)
    return q.filter(id__in=found), Search("name", wanted.value, note)


local = clock.local_text


def _personal(vault: Vault, app: Application) -> dict[str, Any]:
    if not app.sealed:
        return {"name": "（已删除）", "id_number": "", "phone": "", "answers": {}, "note": ""}
    try:
        return vault.open(app.sealed)
    except InvalidToken:
        return {"name": "（无法解密）", "id_number": "", "phone": "", "answers": {}, "note": ""}


def row(app: Application, catalog: Catalog, vault: Vault) -> dict[str, Any]:
    """One line of the queue: masked ID and phone."""
    p = _personal(vault, app)
    program = catalog.by_slug.get(app.program)
    return {
        "reference": app.reference,
        "reference_display": display(app.reference),
        "program": app.program,
        "program_title": program.data.title if program else app.program,
        "district": app.district,
        "district_label": DISTRICT_LABELS.get(app.district, app.district),
        "status": app.status,
        "status_text": workflow.LABELS[app.status],
        "name": p["name"],
        "id_number_masked": mask_id(p["id_number"]) if p["id_number"] else "",
        "phone_masked": mask_phone(p["phone"]) if p["phone"] else "",
        "campaign": app.campaign,
        "submitted_at": local(app.created_at),
        "updated_at": local(app.updated_at),
        "received": app.received,
        "follow_up": follow_up(app),
    }


def follow_up(app: Application) -> bool:
    """到账了吗 answered 还没到 more than 30 days after approval: staff should call."""
    return (app.status == workflow.APPROVED and app.received is False
            and app.received_at is not None and app.closed_at is not None
            and app.received_at - app.closed_at > applications.FOLLOW_UP_AFTER)


async def failed_texts(apps: list[Application]) -> set[int]:
    """Which of ``apps`` have a text that could not be sent (one query)."""
    if not apps:
        return set()
    ids: list[int] = await SmsMessage.filter(
        application_id__in=[a.id for a in apps], status=sms.FAILED).values_list(
        "application_id", flat=True)  # type: ignore[assignment]
    return set(ids)


# What a reviewer sees of another application with the same ID number (schemas.Conflict)
CONFLICT = ("reference", "reference_display", "district_label", "status_text", "submitted_at",
            "phone_masked")


async def conflicts(apps: list[Application]) -> dict[int, list[Application]]:
    """For each of ``apps`` that is open, the other open applications for the same program
    with the same ID number (sent from another phone, or before phones were told apart):
    one of them may be someone using another person's ID number. One query."""
    keys = {a.person_key for a in apps if a.person_key}
    if not keys:
        return {}
    same: dict[str, list[Application]] = {}
    for other in await Application.filter(person_key__in=keys).order_by("created_at", "id"):
        same.setdefault(other.person_key or "", []).append(other)
    return {a.id: [o for o in same[a.person_key] if o.id != a.id]
            for a in apps if a.person_key and len(same.get(a.person_key, ())) > 1}


async def queue(session: Session, filters: Filters, catalog: Catalog, vault: Vault
                ) -> dict[str, Any]:
    """Newest first, one page; each row says whether it shares an ID number with another.
    With ``filters.q``, only what it finds; ``match`` says what the text was read as."""
    q, wanted = await search(session, filters, catalog, vault)
    note = wanted.note
    if q is None:
        total, apps = 0, []
    else:
        total = await q.count()
        apps = await q.order_by("-created_at", "-id").offset((filters.page - 1) * PER_PAGE
                                                              ).limit(PER_PAGE)
    if wanted.kind == "id_number" and wanted.value and not total:
        note = ID_OPEN_ONLY
    clash = await conflicts(apps)
    unsent = await failed_texts(apps)
    return {"applications": [{**row(a, catalog, vault), "identity_conflict": a.id in clash,
                              "sms_failed": a.id in unsent} for a in apps],
            "page": filters.page, "per_page": PER_PAGE, "total": total,
            "match": wanted.kind, "note": note}


async def find(session: Session, raw_reference: str) -> Application:
    """The application, if this staff member may see it; 404 otherwise (same answer)."""
    require_personal_data(session)
    reference, _ = normalize(raw_reference)
    if reference is None:
        raise not_found()
    app = await Application.get_or_none(reference=reference)
    if app is None or (session.role == "reviewer" and app.district != session.staff.district):
        raise not_found()
    return app


async def detail(session: Session, app: Application, catalog: Catalog, vault: Vault,
                 on: dt.date, reveal: bool = False) -> dict[str, Any]:
    """Everything about one application, with the ID number masked unless revealed, and
    the self-check's result for its answers as of ``on`` (today)."""
    p = _personal(vault, app)
    program = catalog.by_slug.get(app.program)
    reasons: list[dict[str, Any]] = []
    result = ""
    if program is not None:
        outcome = engine.evaluate(program.scheme, p["answers"], on)
        result = outcome.status
        reasons = [selfcheck.reason(r, program.slug) for r in outcome.reasons]
    events = await ApplicationEvent.filter(application_id=app.id).order_by("at", "id")
    history = [{"at": local(app.created_at), "actor": "申请人", "from": "",
                "to": workflow.SUBMITTED, "to_text": workflow.LABELS[workflow.SUBMITTED],
                "message": ""}]
    history += [{"at": local(e.at), "actor": e.actor.removeprefix("staff:"),
                 "from": e.from_status, "to": e.to_status,
                 "to_text": workflow.LABELS[e.to_status], "message": e.message}
                for e in events]
    out = row(app, catalog, vault)
    texts = await SmsMessage.filter(application_id=app.id).order_by("created_at", "id")
    # The other applications with this ID number are shown to this district's reviewer even
    # when they were sent to another district (masked: enough to tell them apart and call).
    others = (await conflicts([app])).get(app.id, [])
    out.update(
        identity_conflict=bool(others),
        conflicts=[{**{k: v for k, v in row(o, catalog, vault).items() if k in CONFLICT},
                    "same_phone": vault.same(o.phone_hash, app.phone_hash)} for o in others],
        id_number=p["id_number"] if reveal else out["id_number_masked"],
        revealed=reveal,
        phone=p["phone"],
        note=p["note"],
        message=app.message,
        answers=p["answers"],
        check_result=result,
        check_result_text=engine.STATUS_ZH.get(result, ""),
        reasons=reasons,
        documents=[d.name for d in program.data.documents] if program else [],
        checklist=program.checklist if program else [],
        asked_document=app.asked_document,
        photos=await documents.staff_photos(app, program),
        history=history,
        allowed=workflow.next_statuses(app.status),
        purged=not app.sealed,
        notify_sms=bool(app.sms_phone),
        texts=[sms.describe(t) for t in texts],
        sms_failed=any(t.status == sms.FAILED for t in texts),
        received_text=RECEIVED_TEXT[app.received],
        received_at=local(app.received_at),
    )
    return out


async def reveal(session: Session, app: Application) -> None:
    """Record that a full ID number is being shown; only admins and the district's reviewers."""
    await audit(session.username, "reveal", app.reference)


RECEIVED_TEXT = {None: "还没回答", True: "到了", False: "还没到"}


async def change_status(session: Session, app: Application, new: str, note: str,
                        catalog: Catalog, document: str = "") -> Application:
    """Move an application on, if the move is allowed, with a message to the applicant,
    and a text about it when they asked for texts (queued in the same transaction); with
    need_info, ``document`` may name the checklist item that is missing (the status page
    then offers its upload; the note may be left for it to say).

    A compare-and-set on the current status: two reviewers acting at once cannot both win.
    """
    if session.role not in ("admin", "reviewer"):
        raise forbidden()
    note = plain_text(note or "")
    if new not in workflow.STATUSES:
        raise ApiError(422, "invalid_status", "请选要改成的状态。",
                       [{"field": "status", "message": f"可选：{'、'.join(workflow.STATUSES)}"}])
    if not workflow.can_move(app.status, new):
        raise ApiError(409, "illegal_transition",
                       f"“{workflow.LABELS[app.status]}”的申请不能改成“{workflow.LABELS[new]}”。",
                       extra={"allowed": workflow.next_statuses(app.status)})
    if document:
        program = catalog.by_slug.get(app.program)
        spec = program.documents_by_id.get(document) if program else None
        if new != workflow.NEED_INFO or spec is None or not spec.photo:
            raise ApiError(422, "invalid_document",
                           "缺的材料只在“需要补充材料”时选，而且要是这项政策清单里的一项。",
                           [{"field": "document", "message": "从清单里选一项，或者不选。"}])
        note = note or f"请补充：{spec.name}。可以在“查进度”页面拍照上传。"
    if new in workflow.NOTE_REQUIRED and not note:
        raise ApiError(422, "note_required", "请写给申请人的话：缺什么材料，或者为什么没通过。",
                       [{"field": "note", "message": "这一步必须写留言，申请人能看到。"}])
    if len(note) > NOTE_MAX:
        raise ApiError(422, "note_too_long", f"留言最多{NOTE_MAX}个字。",
                       [{"field": "note", "message": f"最多{NOTE_MAX}个字。"}])
    t = now()
    closing = new in workflow.CLOSED
    changes: dict[str, Any] = {"status": new, "updated_at": t, "asked_document": document}
    if note or new in workflow.CLOSED:
        changes["message"] = note
    if closing:
        changes.update(open_key=None, person_key=None, closed_at=t)
    async with in_transaction():
        moved = await Application.filter(id=app.id, status=app.status).update(**changes)
        if not moved:
            raise ApiError(409, "status_changed",
                           "这份申请刚被别人改过了，请刷新后再看。")
        await ApplicationEvent.create(application_id=app.id, actor=f"staff:{session.username}",
                                      from_status=app.status, to_status=new, message=note, at=t)
        program = catalog.by_slug.get(app.program)
        await sms.enqueue(app, new, program.data.title if program else app.program)
    await audit(session.username, "status", app.reference, f"{app.status}->{new}")
    return await Application.get(id=app.id)


CSV_COLUMNS = [("reference_display", "申请编号"), ("program_title", "政策"),
               ("district_label", "区（市）"), ("status_text", "状态"), ("name", "姓名"),
               ("id_number", "身份证号"), ("phone", "手机号"), ("campaign", "来源活动"),
               ("submitted_at", "提交时间"), ("updated_at", "最后更新")]
EXPORT_LIMIT = 20000


def _cell(value: str) -> str:
    # A cell starting with = + - @ (or a tab/CR) would be run as a formula by Excel and WPS.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


_NUMBER_LIKE = re.compile(r"^[0-9*]+X?$")


def _as_text(value: str) -> str:
    """An ID number or a phone as a cell Excel and WPS keep as text: a leading tab. As a
    number, 18 digits would show as 3.70481E+17 and lose the last three; the tab is what
    both read as "text", without a formula (=\"…\" would be one). Only for cells of
    digits (and * or a final X), which ``_cell`` has left as they were: the tab cannot
    start a formula in front of them."""
    return "\t" + value if _NUMBER_LIKE.match(value) else value


async def export_csv(session: Session, filters: Filters, catalog: Catalog, vault: Vault,
                     full: bool) -> bytes:
    """The filtered applications as CSV for Excel and WPS: UTF-8 with BOM, Chinese headers,
    Beijing time, ID numbers and phones as text (every digit kept). ID numbers masked
    unless an admin asks for them in full (audited)."""
    if full and session.role != "admin":
        raise forbidden()
    q, wanted = await search(session, filters, catalog, vault)
    apps = [] if q is None else await q.order_by("-created_at", "-id").limit(EXPORT_LIMIT)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([title for _, title in CSV_COLUMNS])
    for app in apps:
        r = row(app, catalog, vault)
        p = _personal(vault, app)
        r["id_number"] = p["id_number"] if full else r["id_number_masked"]
        r["phone"] = p["phone"]
        w.writerow([_as_text(_cell(str(r[k]))) if k in ("id_number", "phone")
                    else _cell(str(r[k])) for k, _ in CSV_COLUMNS])
    # what was searched for stays out of the audit log (it may be a phone or an ID number):
    # only how it was read
    searched = f"; 搜索：{wanted.kind or '无效'}" if filters.q else ""
    await audit(session.username, "export_full" if full else "export", "",
                f"{len(apps)} rows; {filters.query_string(q='')}{searched}"[:255])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


async def summary(catalog: Catalog) -> dict[str, Any]:
    """Counts only (for every role, viewers included): by program, district and status."""
    rows = await Application.all().values_list("program", "district", "status")
    by: dict[str, dict[str, dict[str, int]]] = {"program": {}, "district": {}}
    for program, district, status in rows:
        for key, value in (("program", program), ("district", district)):
            counts = by[key].setdefault(value, {s: 0 for s in workflow.STATUSES})
            counts[status] += 1
    return {
        "total": len(rows),
        "by_program": [{"program": k, "title": catalog.by_slug[k].data.title
                        if k in catalog.by_slug else k, **v} for k, v in sorted(by["program"].items())],
        "by_district": [{"district": k, "label": DISTRICT_LABELS.get(k, k), **v}
                        for k, v in sorted(by["district"].items())],
    }


async def purge(older_than: dt.timedelta, actor: str = "system") -> int:
    """Delete the personal data of applications closed longer ago than ``older_than``.

    The row stays (reference, program, district, status, dates: the figures), and so do the
    status events, without their messages. Returns how many applications were purged.
    """
    cutoff = now() - older_than
    ids = await (Application.filter(closed_at__lt=cutoff, purged_at__isnull=True)
                 .filter(Q(status__in=sorted(workflow.CLOSED)))
                 .values_list("id", flat=True))
    if not ids:
        return 0
    async with in_transaction():
        await Application.filter(id__in=ids).update(sealed="", phone_hash="", message="",
                                                    idem_fingerprint="", purged_at=now())
        await ApplicationEvent.filter(application_id__in=ids).update(message="")
        await Application.filter(id__in=ids).update(sms_phone="")
        await SmsMessage.filter(application_id__in=ids).update(phone="")
        await DocumentPhoto.filter(application_id__in=ids).delete()  # photos: nothing stays
    await audit(actor, "purge", "", f"{len(ids)} applications closed before {local(cutoff)}")
    return len(ids)


async def follow_ups(session: Session, catalog: Catalog, vault: Vault) -> dict[str, Any]:
    """Whom to call: approved applications whose applicant said 还没到 more than 30 days
    after approval, and applications with a text that could not be sent. Within the
    reviewer's district; newest answer first."""
    q = _scoped(session, Filters())
    assert q is not None  # no district asked: a reviewer gets their own
    waiting = [a for a in await q.filter(status=workflow.APPROVED, received=False)
               .order_by("-received_at", "-id") if follow_up(a)]
    unsent_ids = await SmsMessage.filter(status=sms.FAILED).values_list("application_id",
                                                                          flat=True)
    unsent = await q.filter(id__in=sorted(set(unsent_ids))).order_by("-updated_at", "-id") \
        if unsent_ids else []
    return {"not_received": [{**row(a, catalog, vault), "approved_at": local(a.closed_at),
                              "received_at": local(a.received_at)} for a in waiting],
            "sms_failed": [{**row(a, catalog, vault), "sms_failed": True} for a in unsent]}
