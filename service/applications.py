"""Applications: sending one, its receipt, its history, finding it again by reference and phone.

Sending is safe to retry: the page sends one ``Idempotency-Key`` per form, and the same key
always answers with the same application, also when retries arrive at the same moment (a
unique index decides, never a read-then-write). A second open application for the same
program from the same ID number and phone is refused by another unique index, with the
existing reference; from another phone it is taken and staff see both as a possible identity
conflict (``review.conflicts``) — a stranger with someone's ID number cannot lock them out.

The ID number, phone, name, self-check answers and note are encrypted together before they
reach the database; the phone and ID number are also kept as keyed hashes for lookups. None
of them is ever logged. The HTTP side (headers, throttles, status codes) is
``service/api/applications.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import msgspec
from tortoise.exceptions import IntegrityError

from . import bodies, clock, documents, workflow
from .bodies import ApplicationRequest
from .catalog import Catalog, Program
from .errors import ApiError
from .facts import validate_answers
from .identity import clean_id_number, clean_name, clean_phone, plain_text
from .models import Application, ApplicationEvent
from .pii import Vault
from .reference import display, from_bytes, new_reference
from .rows import Inserts

NOTE_MAX = 200
_ENCODE = msgspec.json.Encoder(order="sorted").encode


@dataclass(frozen=True)
class Form:
    program: Program
    name: str
    id_number: str
    phone: str
    district: str
    answers: dict[str, Any]
    campaign: str
    note: str
    notify_sms: bool = False


def validate_form(data: dict[str, Any], catalog: Catalog, today: dt.date
                  ) -> tuple[Form | None, list[dict[str, str]]]:
    """The cleaned form, or every problem at once (field + how to fix it, in Chinese): the
    shape of each field (service/bodies.py ApplicationRequest), then what it must mean."""
    values, errors = bodies.fields(ApplicationRequest, data)

    def bad(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    program = catalog.by_slug.get(values["program"]) if "program" in values else None
    if program is None:
        if "program" in values:
            bad("program", "没有这项政策，请从办事指南里点“在线申请”进来。")
    elif not program.data.applies_online:
        bad("program", "这项政策不能在网上申请，请按办事指南里“去哪里办”到窗口办理。")
    cleaned: dict[str, str] = {}
    for field, clean in (("name", clean_name), ("id_number", lambda v: clean_id_number(v, today)),
                         ("phone", clean_phone)):
        if field in values:
            value, problem = clean(values[field])
            if problem:
                bad(field, problem)
            elif value is not None:
                cleaned[field] = value
    note = plain_text(values.get("note") or "")
    if len(note) > NOTE_MAX:
        bad("note", f"备注最多{NOTE_MAX}个字，现在是{len(note)}个字。")
    answers, answer_errors = validate_answers(values.get("answers") or {}, today.year)
    errors.extend(answer_errors)
    if errors or program is None:
        return None, errors
    # Keep only the answers this program's result reads (its conditions, the programs that
    # grant their steps, its what-you-get lines): the minimum, as consented, and enough for
    # staff to see the result the person saw.
    used = set(program.scheme.facts)
    answers = {k: v for k, v in answers.items() if k in used}
    return Form(program, cleaned["name"], cleaned["id_number"], cleaned["phone"],
                values["district"], answers, values.get("campaign") or "", note,
                bool(values.get("notify_sms"))), []


_local = clock.local_iso


def receipt(sent: Sent) -> dict[str, Any]:
    """What the person sees after sending: the reference, and what to bring where."""
    return {
        "reference": sent.reference,
        "reference_display": display(sent.reference),
        "status": sent.status,
        "status_text": workflow.LABELS[sent.status],
        "submitted_at": _local(sent.created_at),
        "next_step": workflow.NEXT_STEPS[sent.status],
        "status_url": f"/status/?ref={sent.reference}",
        **sent.program.where_to_go,
    }


LOAD_TEST_CAMPAIGN = "loadtest"


@dataclass(frozen=True)
class Sent:
    """A submission's outcome: what its receipt shows, and whether it was already there
    (a retry)."""

    reference: str
    status: str
    created_at: dt.datetime
    program: Program
    replayed: bool


async def submit(form: Form, key: str | None, vault: Vault, catalog: Catalog,
                 rows: Inserts) -> Sent:
    """Store one application (one INSERT, grouped with others sent at the same moment:
    ``rows``, service/rows.py); a retry with the same key gives the same one.

    Raises ApiError: 409 for a second open application by the same person, 422 for a key
    reused on a different form, 503 when no reference could be found (about never)."""
    slug = form.program.slug
    idem = vault.digest("idempotency", key) if key else None
    fingerprint = vault.digest("request", _ENCODE(
        [slug, form.name, form.id_number, form.phone, form.district, form.answers,
         form.campaign, form.note, *([True] if form.notify_sms else [])]).decode())
    # One open application per (person, program, phone); from another phone it is taken and
    # staff see the two side by side (person_key), so a stranger can neither lock the real
    # person out nor learn their reference.
    person_key = vault.digest("open", form.id_number, slug)
    phone_hash = vault.digest("phone", form.phone)
    # (person, program, phone) from the two keyed hashes already made, without a third: each
    # is unguessable without the key, and so is their XOR (one HMAC less per submission,
    # about 2% of it)
    open_key = (int(person_key, 16) ^ int(phone_hash, 16)).to_bytes(16, "big").hex()
    sealed = vault.seal({"name": form.name, "id_number": form.id_number, "phone": form.phone,
                         "answers": form.answers, "note": form.note})
    # texts on each status change (service/sms.py): the phone alone, sealed apart, so that
    # a status change can queue one without opening the rest
    sms_phone = vault.seal({"phone": form.phone}) if form.notify_sms else ""
    # With an Idempotency-Key the reference is derived from it (keyed hash, so still
    # unguessable): a retry of the same form aims at the same reference, and the unique index
    # on it, not a read before the write, decides that it is a retry. The 2nd and 3rd
    # candidates are the same on every retry too, in case another form's reference is
    # already there (about one in 10**12).
    derived = vault.mac("reference", key) if key else b""
    row: dict[str, Any] = {"program": slug, "district": form.district,
                           "campaign": form.campaign,
                           "sealed": sealed, "phone_hash": phone_hash, "open_key": open_key,
                           "person_key": person_key, "idem_key": idem,
                           "idem_fingerprint": fingerprint, "sms_phone": sms_phone}
    for attempt in range(3):
        reference = (from_bytes(derived[8 * attempt:8 * attempt + 8]) if key
                     else new_reference())
        row["reference"] = reference
        try:
            # One INSERT: atomic by itself, no read before it, as cheap as a bare insert. The
            # submission is the application's first status; later changes add events.
            created_at = await rows.add(row)
            return Sent(reference, workflow.SUBMITTED, created_at, form.program, False)
        except IntegrityError:
            # Which unique index said no? Decided by the database, read after the fact.
            if existing := await Application.get_or_none(open_key=open_key):
                if idem and existing.idem_key == idem:
                    return _replay(existing, fingerprint, catalog)
                # the same ID number and the same phone: the reference goes back to the phone
                # it was sent with, and to no one else
                raise ApiError(409, "duplicate_application",
                               f"你已经申请过这项政策，申请编号是 {display(existing.reference)}，"
                               "还在办理中，不用再申请。可以用编号查进度。",
                               extra={"reference": existing.reference}) from None
            taken = await Application.get_or_none(reference=reference)
            if idem and taken is not None and taken.idem_key == idem:
                return _replay(taken, fingerprint, catalog)
            # the reference belongs to another form: the next candidate
    raise ApiError(503, "try_again", "系统忙，请稍后再点一次“提交”。你填的内容还在。")


def _replay(app: Application, fingerprint: str, catalog: Catalog) -> Sent:
    if app.idem_fingerprint != fingerprint:
        raise ApiError(422, "idempotency_key_reused",
                       "这个提交编号已经用在另一份申请上了。请刷新页面后重新填写。",
                       [{"field": "Idempotency-Key", "message": "同一个编号只能用于同一份申请。"}])
    return Sent(app.reference, app.status, app.created_at, catalog.by_slug[app.program], True)


def history(app: Application, events: list[ApplicationEvent]) -> list[dict[str, str]]:
    """The submission, then every status change, oldest first."""
    first = {"status": workflow.SUBMITTED, "status_text": workflow.LABELS[workflow.SUBMITTED],
             "at": _local(app.created_at), "message": ""}
    return [first] + [{"status": e.to_status, "status_text": workflow.LABELS[e.to_status],
                       "at": _local(e.at), "message": e.message} for e in events]


async def find(reference: str, phone: str, vault: Vault) -> Application | None:
    """The application with this reference, if this is the phone it was sent with."""
    app = await Application.get_or_none(reference=reference)
    if app is None or not vault.same(app.phone_hash, vault.digest("phone", phone)):
        return None
    return app


async def status(app: Application, catalog: Catalog) -> dict[str, Any]:
    """What the applicant sees when they look their application up."""
    events = await ApplicationEvent.filter(application_id=app.id).order_by("at", "id")
    program = catalog.by_slug.get(app.program)
    return {
        "reference": app.reference,
        "reference_display": display(app.reference),
        "program": app.program,
        "program_title": program.data.title if program else app.program,
        "status": app.status,
        "status_text": workflow.LABELS[app.status],
        "message": app.message,
        "next_step": workflow.NEXT_STEPS[app.status],
        "submitted_at": _local(app.created_at),
        "updated_at": _local(app.updated_at),
        "history": history(app, events),
        "documents": [d.name for d in program.data.documents] if program else [],
        # the checklist with the photos sent for each item, and the one staff asked for
        "checklist": await documents.checklist(app, program),
        "asked_document": app.asked_document,
        "notify_sms": bool(app.sms_phone),
        # 到账了吗: asked once approved; the latest answer (null: not answered yet)
        "ask_received": app.status == workflow.APPROVED,
        "received": app.received,
        "received_at": _local(app.received_at) if app.received_at else None,
    }


async def answer_received(app: Application, received: bool) -> Application:
    """到账了吗: the applicant's answer after approval, kept with its time (the latest
    answer counts: 还没到 today, 到了 next week). Only for approved applications.

    Sending the same answer again changes nothing but its time: a "还没到" given again more
    than FOLLOW_UP_AFTER after approval is what puts the application on the staff's list
    of people to call (review.follow_ups)."""
    if app.status != workflow.APPROVED:
        raise ApiError(409, "not_approved", "这份申请还没有审核通过，到账以后再来告诉我们。",
                       extra={"status": app.status})
    if app.received is True and received:  # 到了 stays 到了, with its first time
        return app
    now = clock.now()
    await Application.filter(id=app.id, status=workflow.APPROVED).update(
        received=received, received_at=now)
    app.received, app.received_at = received, now
    return app


# "还没到" this long after approval: staff follow it up.
FOLLOW_UP_AFTER = dt.timedelta(days=30)
