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
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from . import bodies, clock, documents, engine, selfcheck, workflow
from .bodies import QueueQuery
from .catalog import Catalog
from .errors import ApiError
from .facts import DISTRICT_LABELS
from .identity import mask_id, mask_phone, plain_text
from .models import Application, ApplicationEvent, DocumentPhoto
from .pii import InvalidToken, Vault
from .reference import display, normalize
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
            dates[attr] = clock.parse_day(values.get(attr, ""))
            if values.get(attr) and dates[attr] is None:
                bad(name, "日期格式是 2027-03-01。")
        if errors:
            raise bodies.refuse(QueueQuery, errors)
        q = QueueQuery(**values)
        return cls(q.program, q.status, q.district, q.campaign, dates["date_from"],
                   dates["date_to"], q.page)

    def query_string(self, **over: Any) -> str:
        from urllib.parse import urlencode

        values = {"program": self.program, "status": self.status, "district": self.district,
                  "campaign": self.campaign,
                  "from": self.date_from.isoformat() if self.date_from else "",
                  "to": self.date_to.isoformat() if self.date_to else "", "page": self.page}
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
    }


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
    """Newest first, one page; each row says whether it shares an ID number with another."""
    q = _scoped(session, filters)
    if q is None:
        return {"applications": [], "page": filters.page, "per_page": PER_PAGE, "total": 0}
    total = await q.count()
    apps = await q.order_by("-created_at", "-id").offset((filters.page - 1) * PER_PAGE
                                                          ).limit(PER_PAGE)
    clash = await conflicts(apps)
    return {"applications": [{**row(a, catalog, vault), "identity_conflict": a.id in clash}
                             for a in apps],
            "page": filters.page, "per_page": PER_PAGE, "total": total}


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
    )
    return out


async def reveal(session: Session, app: Application) -> None:
    """Record that a full ID number is being shown; only admins and the district's reviewers."""
    await audit(session.username, "reveal", app.reference)


async def change_status(session: Session, app: Application, new: str, note: str,
                        document: str = "", catalog: Catalog | None = None) -> Application:
    """Move an application on, if the move is allowed, with a message to the applicant;
    with need_info, ``document`` may name the checklist item that is missing (the status
    page then offers its upload; the note may be left for it to say).

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
        program = catalog.by_slug.get(app.program) if catalog else None
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


async def export_csv(session: Session, filters: Filters, catalog: Catalog, vault: Vault,
                     full: bool) -> bytes:
    """The filtered applications as CSV for Excel and WPS: UTF-8 with BOM, Chinese headers,
    Beijing time. ID numbers masked unless an admin asks for them in full (audited)."""
    if full and session.role != "admin":
        raise forbidden()
    q = _scoped(session, filters)
    apps = [] if q is None else await q.order_by("-created_at", "-id").limit(EXPORT_LIMIT)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([title for _, title in CSV_COLUMNS])
    for app in apps:
        r = row(app, catalog, vault)
        p = _personal(vault, app)
        r["id_number"] = p["id_number"] if full else r["id_number_masked"]
        r["phone"] = p["phone"]
        w.writerow([_cell(str(r[k])) for k, _ in CSV_COLUMNS])
    await audit(session.username, "export_full" if full else "export", "",
                f"{len(apps)} rows; {filters.query_string()}"[:255])
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
        await DocumentPhoto.filter(application_id__in=ids).delete()  # photos: nothing stays
    await audit(actor, "purge", "", f"{len(ids)} applications closed before {local(cutoff)}")
    return len(ids)
