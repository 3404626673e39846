"""What the API answers, declared as msgspec Structs for the OpenAPI document.

The handlers build these answers as dicts; the fuzzer (tests/test_fuzz.py) checks every
real answer against the schemas generated from here, so a field the code drops or renames
fails the suite. Request bodies are in service/bodies.py.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from .facts import FACTS
from .workflow import STATUSES

State = Literal["current", "ended", "not_yet", "no_stated_end"]
AppStatus = Literal[STATUSES]  # type: ignore[valid-type]
Outcome = Literal["eligible", "maybe", "ineligible"]


class _Out(msgspec.Struct, kw_only=True):
    pass


class FieldError(_Out):
    field: str
    message: str


class Error(_Out):
    code: str
    message: str
    errors: list[FieldError] = []


class Source(_Out):
    id: str
    title: str
    issuer: str
    date: str
    grade: Literal["A", "B", "C"]
    number: str = ""
    section: str = ""
    url: str = ""
    short: str = ""


class InForce(_Out):
    valid_from: str | None
    valid_until: str | None
    state: State
    source: str = ""
    notice: str = ""


class Program(_Out):
    slug: str
    title: str
    summary: str
    audiences: list[str]
    applicant: Literal["person", "employer", "both"]
    applies_online: bool
    url: str
    last_reviewed: str
    in_force: InForce
    sources: list[Source]
    verified_on: str = ""
    weight: int = 1


class Figure(_Out):
    id: str
    label: str
    value: str
    source: str
    verified: bool
    valid_from: str | None
    valid_until: str | None
    state: State
    verified_on: str | None = None
    notice: str = ""
    note: str = ""


class Basis(_Out):
    source: str
    section: str
    cite: str
    quote: str = ""


class Rule(_Out):
    label: str
    basis: Basis | None


class Office(_Out):
    name: str = ""
    where: str = ""
    phone: str = ""
    hours: str = ""
    note: str = ""


class ChecklistItem(_Out):
    """One line of what to bring: ``photo`` says whether a photo of it can be sent."""

    id: str
    name: str
    photo: bool


class PhotoInfo(_Out):
    """A photo sent for a checklist item (never its bytes, except to staff, one by one)."""

    id: int
    document: str
    size: int
    width: int
    height: int
    at: str


class ChecklistStatus(ChecklistItem):
    """A checklist item on the status page: the photos sent, and whether staff asked."""

    asked: bool = False
    photos: list[PhotoInfo] = []


class UploadReceipt(_Out):
    """POST /api/applications/{reference}/documents: the photo, and the checklist now."""

    reference: str
    document: str
    document_name: str
    photo: PhotoInfo
    checklist: list[ChecklistStatus]


class StaffPhoto(PhotoInfo):
    document_name: str = ""
    at_text: str = ""  # Beijing time, as the console shows it
    url: str = ""


class ProgramDetail(Program):
    facts: list[Figure] = []
    documents: list[str] = []
    checklist: list[ChecklistItem] = []
    offices: list[Office] = []
    conditions: list[str] = []
    rules: list[Rule] = []
    notes: list[str] = []
    keywords: list[str] = []
    related: list[str] = []


class Option(_Out):
    value: str
    label: str


class QuestionPart(_Out):
    """One screen of a long list asked a part at a time; the answer is still one list."""
    text: str
    options: list[str]
    help: str = ""


class Question(_Out):
    id: Literal[tuple(f.id for f in FACTS)]  # type: ignore[valid-type]
    type: Literal["bool", "int", "enum", "multi", "year"]
    text: str
    help: str = ""
    options: list[Option] = []
    parts: list[QuestionPart] = []
    min: int = 0
    max: int = 0


class Step(_Out):
    text: str
    url: str | None


class Reason(_Out):
    text: str
    met: bool | None
    basis: str | None
    step: Step | None = None


class Gets(_Out):
    text: str
    note: str = ""
    basis: str = ""


class Result(_Out):
    slug: str
    title: str
    status: Outcome
    reasons: list[Reason]
    url: str
    missing: list[str]
    gets: Gets | None
    summary: str = ""
    applies_online: bool = False
    notes: list[str] = []


class Counts(_Out):
    eligible: int
    maybe: int
    ineligible: int


class CheckResponse(_Out):
    results: list[Result]
    brief: bool
    counts: Counts
    next_question: Question | None
    focus: str | None
    date: str


class Receipt(_Out):
    reference: str
    reference_display: str
    status: AppStatus
    status_text: str
    program: str
    program_title: str
    submitted_at: str
    next_step: str
    documents: list[str]
    offices: list[Office]
    status_url: str
    checklist: list[ChecklistItem] = []


class HistoryEntry(_Out):
    status: AppStatus
    at: str
    status_text: str = ""
    message: str = ""


class ApplicationStatus(_Out):
    reference: str
    status: AppStatus
    status_text: str
    message: str
    next_step: str
    submitted_at: str
    updated_at: str
    history: list[HistoryEntry]
    program_title: str
    reference_display: str = ""
    program: str = ""
    documents: list[str] = []
    notify_sms: bool = False     # texts on each status change, as asked on the form
    ask_received: bool = False   # approved: the page asks 到账了吗
    received: bool | None = None
    received_at: str | None = None
    checklist: list[ChecklistStatus] = []
    asked_document: str = ""  # the checklist item staff asked for (need_info), or ""


class Conflict(_Out):
    """Another open application for the same program with the same ID number."""

    reference: str
    reference_display: str
    district_label: str
    status_text: str
    submitted_at: str
    phone_masked: str
    same_phone: bool


class StaffApplication(_Out):
    reference: str
    program: str
    district: str
    status: AppStatus
    name: str
    id_number_masked: str
    submitted_at: str
    reference_display: str = ""
    program_title: str = ""
    district_label: str = ""
    status_text: str = ""
    phone_masked: str = ""
    campaign: str = ""
    updated_at: str = ""
    identity_conflict: bool = False  # shares its ID number with another open application
    conflicts: list[Conflict] = []   # those applications (one application's page only)
    received: bool | None = None     # 到账了吗, the applicant's latest answer after approval
    follow_up: bool = False          # said 还没到 more than 30 days after approval
    sms_failed: bool = False         # a text about it could not be sent
    photos: list[StaffPhoto] = []    # photos of documents (one application's page only)
    asked_document: str = ""


class Me(_Out):
    username: str
    role: Literal["admin", "reviewer", "viewer"]
    csrf_token: str
    role_text: str = ""
    district: str = ""


class Programs(_Out):
    programs: list[Program]
    audiences: list[dict[str, Any]]


class Questions(_Out):
    questions: list[Question]


class Page(_Out):
    applications: list[StaffApplication]
    total: int
    page: int = 1
    per_page: int = 50
    # with q: what it was read as ("" when it cannot be searched for), and a word for staff
    match: Literal["", "reference", "phone", "id_number", "name"] = ""
    note: str = ""


class Revealed(_Out):
    reference: str
    id_number: str


class CallbackReceipt(_Out):
    """A call-back request as the person who sent it sees it (no id: nothing to look up)."""

    status: Literal["open", "done"]
    program: str
    program_title: str
    district: str
    district_label: str
    when: str
    phone_masked: str
    requested_at: str
    message: str


class StaffCallback(_Out):
    id: int
    program: str
    program_title: str
    district: str
    district_label: str
    when: str
    name: str
    phone: str
    phone_masked: str
    status: Literal["open", "done"]
    status_text: str
    requested_at: str
    done_at: str = ""
    done_by: str = ""
    note: str = ""


class Callbacks(_Out):
    callbacks: list[StaffCallback]
    status: Literal["open", "done"]
    total: int
    page: int = 1
    per_page: int = 50


class CampaignRow(_Out):
    code: str
    name: str
    scans: int
    checks: int
    applications: int
    approved: int
    received: int = 0


class Campaigns(_Out):
    campaigns: list[CampaignRow]
    by_district: list[dict[str, Any]]
    by_kind: list[dict[str, Any]]


class Accounts(_Out):
    accounts: list[dict[str, Any]]


class Entries(_Out):
    entries: list[dict[str, Any]]


RESPONSES: tuple[type[_Out], ...] = (
    Error, Program, ProgramDetail, Programs, Question, Questions, CheckResponse, Receipt,
    ApplicationStatus, StaffApplication, Page, Me, Revealed, CallbackReceipt, StaffCallback,
    Callbacks, Campaigns, Accounts, Entries, UploadReceipt)
