"""Database models (Tortoise ORM). Schema changes go through `service/migrations/`.

Personal data (name, 身份证号, phone, the self-check answers and the applicant's note) is
kept only inside ``Application.sealed``, encrypted with the data keys (see ``service.pii``).
The columns next to it hold what staff filter on (program, district, status, dates) and keyed
hashes that let the service recognise a phone number or an ID number without storing it.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Tally(Model):
    """How many times something anonymous happened in one hour (UTC), per campaign code."""

    id = fields.IntField(primary_key=True)
    hour = fields.DatetimeField()
    event = fields.CharField(max_length=16)  # "check" (more kinds as features land)
    campaign = fields.CharField(max_length=32, default="")  # "" = not from a campaign
    count = fields.IntField(default=0)

    class Meta:
        table = "tally"
        unique_together = (("hour", "event", "campaign"),)


class Application(Model):
    """One person's application for one program."""

    id = fields.IntField(primary_key=True)
    reference = fields.CharField(max_length=12, unique=True)  # e.g. "K7M2X9QPA", no dashes
    program = fields.CharField(max_length=64)
    district = fields.CharField(max_length=16)
    status = fields.CharField(max_length=16, default="submitted")
    campaign = fields.CharField(max_length=32, default="")
    # Fernet token of {"name", "id_number", "phone", "answers", "note"}; "" once purged.
    sealed = fields.TextField()
    # HMAC of the phone number: the status lookup compares it, nothing is decrypted.
    phone_hash = fields.CharField(max_length=32)
    # A keyed hash of (ID number, program, phone) while the application is open (person_key
    # XOR phone_hash: service/applications.py), NULL once closed:
    # the unique index refuses a second open application for the same program from the same
    # person with the same phone. From another phone it is taken and flagged (person_key): a
    # stranger who knows someone's ID number must never lock them out (SECURITY.md).
    open_key = fields.CharField(max_length=32, null=True, unique=True)
    # HMAC of (ID number, program) while open, NULL once closed: staff see open applications
    # that share it as a possible identity conflict. Not indexed: an index is written on
    # every submission (about 5% of one here), the lookup is a staff page's (a scan of
    # one table, milliseconds at a city's yearly volume).
    person_key = fields.CharField(max_length=32, null=True)
    # The client's Idempotency-Key (HMAC'd) and a hash of the request it came with. Not
    # indexed: with a key, the reference is derived from it, so the unique index on the
    # reference is what catches a retry (see api/applications.py).
    idem_key = fields.CharField(max_length=32, null=True)
    idem_fingerprint = fields.CharField(max_length=32, default="")
    message = fields.TextField(default="")  # the staff's latest message to the applicant
    # The phone alone, sealed under the data keys, when the applicant asked for a text on
    # each status change ("" = no texts): copied into each SmsMessage, so that a status
    # change queues one without decrypting anything (service/sms.py).
    sms_phone = fields.TextField(default="", db_default="")
    # 到账了吗: the applicant's latest answer after approval (NULL = not answered) and when.
    received = fields.BooleanField(null=True)
    received_at = fields.DatetimeField(null=True)
    # The checklist item (the guide's documents[].id) a reviewer asked for with need_info;
    # "" when none is asked for.
    asked_document = fields.CharField(max_length=32, default="", db_default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    closed_at = fields.DatetimeField(null=True)
    purged_at = fields.DatetimeField(null=True)

    events: fields.ReverseRelation[ApplicationEvent]
    photos: fields.ReverseRelation[DocumentPhoto]

    class Meta:
        table = "application"
        # No index beyond the two unique ones, on purpose: every index is written on every
        # submission, and at a job fair submissions are the writes that matter. The staff
        # queue (a few thousand open applications per district) is read far less often.


class ApplicationEvent(Model):
    """A status change: who, when, from, to, and the message to the applicant.

    The submission itself is not an event: it is the application row (status ``submitted``,
    ``created_at``), written in one statement; every change after it adds an event.
    """

    id = fields.IntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="events", on_delete=fields.CASCADE)
    at = fields.DatetimeField(auto_now_add=True)
    actor = fields.CharField(max_length=64)  # "applicant", "staff:<username>", "system"
    from_status = fields.CharField(max_length=16, default="")
    to_status = fields.CharField(max_length=16)
    message = fields.TextField(default="")

    class Meta:
        table = "application_event"


class DocumentPhoto(Model):
    """A photo of one checklist document, sent by the applicant (service/documents.py).

    The JPEG, re-encoded by the server (no EXIF), is sealed under the data keys like the
    application's personal data: in the database, so every worker serves the same photos,
    re-encrypted by ``rotate-keys`` and deleted with the application's data by ``purge``.
    """

    id = fields.IntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="photos", on_delete=fields.CASCADE)
    document = fields.CharField(max_length=32)  # the checklist item's id
    sealed = fields.TextField()  # Fernet token of the JPEG's bytes
    size = fields.IntField()  # bytes of the JPEG
    width = fields.IntField()
    height = fields.IntField()
    # The client's Idempotency-Key with the reference (HMAC'd): a retried upload finds the
    # first one through this unique index, and the fingerprint (the upload's hash) tells a
    # retry from another photo sent with the same key.
    idem_key = fields.CharField(max_length=32, null=True, unique=True)
    idem_fingerprint = fields.CharField(max_length=32, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "document_photo"
        indexes = (("application_id", "document"),)


class Strike(Model):
    """One counted attempt (a failed status lookup, a failed login...) by one client.

    Kept in the database, not in a worker's memory, so that a throttle holds across every
    worker behind the proxy. The client is stored as a keyed hash, never as an address.
    """

    id = fields.IntField(primary_key=True)
    scope = fields.CharField(max_length=16)
    client = fields.CharField(max_length=32)
    at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "strike"
        indexes = (("scope", "client", "at"),)


class Staff(Model):
    """A bureau staff account. Roles: admin, reviewer (one district), viewer (figures only)."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=32, unique=True)
    password_hash = fields.CharField(max_length=128)
    role = fields.CharField(max_length=16)
    district = fields.CharField(max_length=16, default="")  # reviewers only
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # The second factor (TOTP, RFC 6238), required for admins and for anyone who set it up:
    # the secret sealed under the data keys ("" = none), one being set up and not yet
    # confirmed, the last time step used (a code works once), and the SHA-256 of each
    # unused recovery code, space-separated.
    totp_sealed = fields.TextField(default="", db_default="")
    totp_pending = fields.TextField(default="", db_default="")
    totp_step = fields.BigIntField(default=0, db_default=0)
    recovery_hashes = fields.TextField(default="", db_default="")

    class Meta:
        table = "staff"


class StaffSession(Model):
    """A signed-in staff member. The cookie holds a random token, the database only its hash."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    staff: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="sessions", on_delete=fields.CASCADE)
    csrf = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    last_seen = fields.DatetimeField()
    expires_at = fields.DatetimeField()

    class Meta:
        table = "staff_session"


class AuditEntry(Model):
    """Who did what, when: logins, reveals, status changes, exports, account changes.

    Holds no personal data of applicants: the target is a reference or a username.
    """

    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True)
    actor = fields.CharField(max_length=32)  # a staff username, or "" when unknown
    action = fields.CharField(max_length=32)
    target = fields.CharField(max_length=64, default="")
    detail = fields.CharField(max_length=255, default="")
    # Failed and locked sign-ins are counted on one row per (username, address) and window,
    # so that a flood of them cannot bury the real entries: how many, and the latest.
    count = fields.IntField(default=1, db_default=1)
    last_at = fields.DatetimeField(null=True)

    class Meta:
        table = "audit_entry"


class Campaign(Model):
    """A QR code for one job fair, village visit, office window or online post."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=12, unique=True)
    name = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=16)  # job_fair | village | office | online
    district = fields.CharField(max_length=16, default="")
    place = fields.CharField(max_length=64, default="")
    starts_on = fields.DateField(null=True)
    ends_on = fields.DateField(null=True)
    target = fields.CharField(max_length=128, default="/")  # "/", "/check/", "/guides/<slug>/"
    active = fields.BooleanField(default=True)
    created_by = fields.CharField(max_length=32, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "campaign"


class Callback(Model):
    """A request to be phoned back (请工作人员联系我): from a guide or the self-check's results.

    As with applications, the name and phone are only inside ``sealed`` (encrypted under the
    data keys) and the phone also as a keyed hash, to tell a second request from the same
    person apart from a new one. The rest is what staff filter and count on.
    """

    id = fields.IntField(primary_key=True)
    program = fields.CharField(max_length=64)
    district = fields.CharField(max_length=16)
    # 上午 | 下午 | 晚上 | 都可以 (the API's ``when``; named apart from SQL's WHEN)
    time_of_day = fields.CharField(max_length=8)
    status = fields.CharField(max_length=8, default="open")  # open | done
    # Fernet token of {"name", "phone"}; "" once purged.
    sealed = fields.TextField()
    phone_hash = fields.CharField(max_length=32)
    # The client's Idempotency-Key (HMAC'd): the unique index makes a retry find the first
    # request, also when both arrive at once. A hash of the request it came with.
    idem_key = fields.CharField(max_length=32, null=True, unique=True)
    idem_fingerprint = fields.CharField(max_length=32, default="")
    note = fields.TextField(default="")  # the staff member's note when done
    done_by = fields.CharField(max_length=32, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    done_at = fields.DatetimeField(null=True)
    purged_at = fields.DatetimeField(null=True)

    class Meta:
        table = "callback"


class SmsMessage(Model):
    """One text to an applicant about a status change: the outbox row, written in the same
    transaction as the change, delivered by the sender (service/sms.py).

    ``key`` is passed to the provider with the message; ``lease_ms`` is until when the
    worker that claimed the row may send it before another may try (a killed worker's row
    is sent after its lease ends); ``claim`` names that claim, so that only the claimant
    marks the row. The two times the sender compares in SQL (``due_ms``, ``lease_ms``) are
    milliseconds since the epoch: SQLite compares stored times as text, and Tortoise writes
    a row's times in Beijing time on INSERT but as given (UTC) on UPDATE.
    """

    id = fields.IntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "models.Application", related_name="texts", on_delete=fields.CASCADE)
    key = fields.CharField(max_length=32, unique=True)
    phone = fields.TextField()  # sealed under the data keys, like Application.sealed
    text = fields.CharField(max_length=200)  # the message as the log provider writes it
    params: Any = fields.JSONField()  # the template's values: program, status, reference, next
    status = fields.CharField(max_length=8, default="pending")  # pending | sent | failed
    attempts = fields.IntField(default=0)
    due_ms = fields.BigIntField()
    lease_ms = fields.BigIntField(null=True)
    claim = fields.CharField(max_length=32, default="")
    error = fields.CharField(max_length=200, default="")  # the last failure, no phone in it
    provider_ref = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sms_message"
        indexes = (("status", "due_ms"),)
