"""Status by SMS: the outbox of texts to applicants, and the sender that delivers it.

An applicant who ticked 办理进度有变化时，给我发短信 has their phone sealed on the application
(``Application.sms_phone``). Each status change writes one ``SmsMessage`` in the same
transaction as the change (``enqueue``, called by ``review.change_status``): the change and
its text are committed together or not at all. Nothing is sent inside the transaction.

The sender (one asyncio task per worker, started in the app's lifespan) takes due rows with a
compare-and-set that only one worker can win (``claim``: a single UPDATE … WHERE the row is
pending and its lease is free, on SQLite and PostgreSQL alike), opens the phone, hands the
text to the provider with the row's key, and marks the row sent only after the provider
accepted it. A failed try is tried again later (exponential backoff) up to ``MAX_ATTEMPTS``,
then the row is marked failed, and staff see it on the application's page and in the list
of people to call (``review.follow_ups``). A worker killed while holding a row leaves its
lease to run out; another worker (or the same one, restarted) then sends it.

Exactly once, from the applicant's side: a row is sent by one claimant at a time, and once
marked sent it is never claimed again. The one gap left is a worker that dies after the
provider accepted a text and before the row was marked: the text goes out again when the
lease ends. That window is the mark's single UPDATE; a mark the database refused is retried
on each pass while the claim is still held. (Tencent's SendSms has no idempotency key of its
own: the row's key travels as its SessionContext, which comes back with delivery reports.)
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
from typing import Any

from tortoise.expressions import F, Q

from . import clock, workflow
from .models import Application, SmsMessage
from .pii import InvalidToken, Vault
from .reference import display
from .smsproviders import Provider, SmsError, Text

log = logging.getLogger("service.sms")

PENDING, SENT, FAILED = "pending", "sent", "failed"
STATUS_TEXT = {PENDING: "等待发送", SENT: "已发送", FAILED: "没发出去"}
LEASE = dt.timedelta(seconds=60)  # far longer than one try (the provider's timeout is 10 s)
MAX_ATTEMPTS = 8
FIRST_RETRY = 60.0  # seconds; then doubled each time, at most RETRY_CAP
RETRY_CAP = 3600.0
BATCH = 20

# The template, as the bureau applies for it with the provider ({1}…{4} are filled in per
# text). The provider adds the signature (【…】) in front. One text is 70 characters with the
# signature, so the rest stays within LIMIT: a long program title is shortened first.
TEMPLATE = "你申请的{1}：{2}。编号{3}。{4}"
LIMIT = 62

# What to do next, short enough for one text (the status page says more).
NEXT = {
    workflow.SUBMITTED: "有消息会通知你。",
    workflow.IN_REVIEW: "有问题会打电话给你，请留意来电。",
    workflow.NEED_INFO: "请在就业通查进度，看要补什么材料。",
    workflow.APPROVED: "请在就业通查进度，看下一步怎么办。",
    workflow.REJECTED: "原因请在就业通查进度里看。",
    workflow.WITHDRAWN: "需要时可以重新申请。",
}


def fill(params: list[str]) -> str:
    text = TEMPLATE
    for i, value in enumerate(params, 1):
        text = text.replace(f"{{{i}}}", value)
    return text


def compose(program_title: str, status: str, reference: str) -> tuple[str, list[str]]:
    """The text for a move to ``status``, and the template's values: program, new status,
    reference, what to do next. Within LIMIT characters: the title is shortened if need be."""
    params = [program_title, workflow.LABELS[status], display(reference), NEXT[status]]
    over = len(fill(params)) - LIMIT
    if over > 0:
        params[0] = program_title[:max(4, len(program_title) - over - 1)] + "…"
    return fill(params), params


async def enqueue(app: Application, status: str, program_title: str) -> SmsMessage | None:
    """The text for this status change, if the applicant asked for texts. Call it inside
    the transaction that changes the status."""
    if not app.sms_phone:
        return None
    text, params = compose(program_title, status, app.reference)
    now = clock.now()
    return await SmsMessage.create(
        application_id=app.id, key=secrets.token_hex(16), phone=app.sms_phone, text=text,
        params=params, status=PENDING, due_ms=ms(now), created_at=now)


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed try: 1, 2, 4 … minutes, at most an
    hour (so a provider away for a while is tried for about two hours in all)."""
    return dt.timedelta(seconds=min(RETRY_CAP, FIRST_RETRY * 2 ** (attempts - 1)))


def ms(t: dt.datetime) -> int:
    """A moment as the outbox compares it: milliseconds since the epoch."""
    return int(t.timestamp() * 1000)


def _free(now: int) -> Q:
    return Q(lease_ms__isnull=True) | Q(lease_ms__lt=now)


async def claim(limit: int = BATCH) -> list[SmsMessage]:
    """Take up to ``limit`` due texts for this worker: each by one conditional UPDATE (the
    row is still pending and its lease free), which one worker alone can win."""
    now = ms(clock.now())
    ids = await (SmsMessage.filter(_free(now), status=PENDING, due_ms__lte=now)
                 .order_by("due_ms", "id").limit(limit).values_list("id", flat=True))
    tokens = []
    for pk in ids:
        token = secrets.token_hex(16)
        won = await SmsMessage.filter(_free(now), id=pk, status=PENDING).update(
            lease_ms=now + ms_of(LEASE), claim=token, attempts=F("attempts") + 1)
        if won:
            tokens.append(token)
    if not tokens:
        return []
    return await SmsMessage.filter(claim__in=tokens).order_by("due_ms", "id")


def ms_of(span: dt.timedelta) -> int:
    return int(span.total_seconds() * 1000)


class Sender:
    """Delivers the outbox, one pass every ``interval`` seconds, until stopped."""

    def __init__(self, provider: Provider, vault: Vault, interval: float = 2.0) -> None:
        self.provider = provider
        self.vault = vault
        self.interval = interval
        self._stop = asyncio.Event()
        # texts the provider accepted whose row could not be marked yet (database away)
        self._unmarked: list[tuple[int, str, str]] = []

    async def deliver(self, msg: SmsMessage) -> bool:
        """One try at one claimed text; True when the provider accepted it."""
        try:
            phone = self.vault.open(msg.phone)["phone"]
        except (InvalidToken, KeyError):
            await self._settle(msg, FAILED, "phone unreadable (data key missing)")
            return False
        try:
            ref = await self.provider.send(Text(phone=phone, text=msg.text,
                                                params=list(msg.params), key=msg.key))
        except SmsError as e:
            await self._failed(msg, e.reason, e.permanent)
            return False
        except Exception as e:  # an adapter's bug must not stop the sender
            await self._failed(msg, f"adapter error: {type(e).__name__}", False)
            return False
        self._unmarked.append((msg.id, msg.claim, ref))
        await self._mark_sent()
        return True

    async def _failed(self, msg: SmsMessage, reason: str, permanent: bool) -> None:
        if permanent or msg.attempts >= MAX_ATTEMPTS:
            log.warning("sms %s: gave up after %d tries (%s)", msg.key, msg.attempts, reason)
            await self._settle(msg, FAILED, reason)
            return
        wait = backoff(msg.attempts)
        log.info("sms %s: try %d failed (%s); again in %ds", msg.key, msg.attempts, reason,
                 wait.total_seconds())
        await SmsMessage.filter(id=msg.id, claim=msg.claim).update(
            due_ms=ms(clock.now() + wait), lease_ms=None, claim="", error=reason[:200])

    async def _settle(self, msg: SmsMessage, status: str, reason: str) -> None:
        await SmsMessage.filter(id=msg.id, claim=msg.claim).update(
            status=status, lease_ms=None, error=reason[:200])

    async def _mark_sent(self) -> None:
        while self._unmarked:
            pk, token, ref = self._unmarked[0]
            await SmsMessage.filter(id=pk, claim=token).update(
                status=SENT, sent_at=clock.now(), provider_ref=ref[:64], lease_ms=None,
                error="")
            self._unmarked.pop(0)

    async def tick(self) -> int:
        """One pass: marks left over from before, then every due text. Returns how many
        the provider accepted."""
        await self._mark_sent()
        sent = 0
        while not self._stop.is_set():
            batch = await claim()
            if not batch:
                break
            for msg in batch:
                if self._stop.is_set():  # shutting down: the rest go when their lease ends
                    break
                sent += await self.deliver(msg)
        return sent

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.tick()
            except Exception as e:  # database away: the rows wait; try again next pass
                log.warning("sms pass failed (%s); will retry", type(e).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.interval)

    def stop(self) -> None:
        """Finish the text in hand, then stop (its row is marked before the task ends)."""
        self._stop.set()


def describe(msg: SmsMessage) -> dict[str, Any]:
    """One text as staff see it (no phone number)."""
    return {"at": clock.local_text(msg.created_at), "text": msg.text, "status": msg.status,
            "status_text": STATUS_TEXT.get(msg.status, msg.status), "attempts": msg.attempts,
            "sent_at": clock.local_text(msg.sent_at), "error": msg.error}
