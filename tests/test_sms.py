"""Status by SMS: an applicant who asked for texts gets one per status change, exactly once,
also when the provider fails for a while or a worker dies holding a text; one who did not
ask gets none. On SQLite and PostgreSQL (the ``db`` fixture)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from people import form, key, signed_in

from service import clock, sms
from service.models import Application, SmsMessage
from service.smsproviders import LogProvider, SmsError

PHONE = "13800138000"


async def apply(client, **over) -> dict:
    r = await client.post("/api/applications", json=form(phone=PHONE, **over), headers=key())
    assert r.status_code == 201, r.text
    return r.json()


async def move(app, reference: str, *statuses: str, note: str = "请带身份证来窗口。") -> None:
    c, csrf = await signed_in(app, "teng")
    for status in statuses:
        r = await c.post(f"/api/staff/applications/{reference}/status",
                         json={"status": status, "note": note}, headers=csrf)
        assert r.status_code == 200, r.text
    await c.aclose()


def texts_logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "service.sms" and r.getMessage().startswith("sms to ")]


class Flaky:
    """A provider that refuses the first ``failures`` texts, then takes every one."""

    name = "flaky"

    def __init__(self, failures: int, permanent: bool = False) -> None:
        self.failures = failures
        self.permanent = permanent
        self.accepted: list[str] = []
        self.tries = 0

    async def send(self, text) -> str:
        self.tries += 1
        if self.tries <= self.failures:
            raise SmsError("LimitExceeded.DeliveryFrequencyLimit", permanent=self.permanent)
        self.accepted.append(text.key)
        return f"serial-{len(self.accepted)}"

    async def close(self) -> None:
        return None


async def test_with_consent_each_status_change_sends_one_short_text_with_the_phone_masked(
        app, client, people, caplog):
    caplog.set_level(logging.INFO, logger="service.sms")
    a = await apply(client, notify_sms=True)
    assert (await Application.get(reference=a["reference"])).sms_phone  # asked for texts
    await move(app, a["reference"], "in_review", "approved")
    assert await app.state.sms.tick() == 2
    assert await app.state.sms.tick() == 0  # nothing left: each goes out once
    logged = texts_logged(caplog)
    assert len(logged) == 2
    reference = a["reference_display"]
    assert "138****8000" in logged[0] and PHONE not in "\n".join(logged)
    assert "正在审核" in logged[0] and reference in logged[0]
    assert "审核通过" in logged[1] and "创业担保贷款" in logged[1] and "下一步" in logged[1]
    rows = await SmsMessage.all().order_by("id")
    assert [r.status for r in rows] == ["sent", "sent"]
    for r in rows:
        assert len(r.text) + len("【枣庄就业通】") <= 70  # one text, with the signature
        assert PHONE not in r.phone and PHONE not in r.text  # sealed, never in plain
        assert r.params[2] == reference  # the template's values: program, status, ref, next


async def test_without_consent_no_text_is_queued_or_sent(app, client, people, caplog):
    caplog.set_level(logging.INFO, logger="service.sms")
    a = await apply(client)
    await move(app, a["reference"], "in_review", "approved")
    assert await app.state.sms.tick() == 0
    assert await SmsMessage.all().count() == 0 and texts_logged(caplog) == []
    status = (await client.get(f"/api/applications/{a['reference']}",
                               params={"phone": PHONE})).json()
    assert status["notify_sms"] is False


async def test_a_refused_change_queues_no_text(app, client, people):
    a = await apply(client, notify_sms=True)
    c, csrf = await signed_in(app, "teng")
    r = await c.post(f"/api/staff/applications/{a['reference']}/status",
                     json={"status": "approved"}, headers=csrf)  # not from 已提交
    assert r.status_code == 409
    await c.aclose()
    assert await SmsMessage.all().count() == 0


async def test_a_failing_provider_is_tried_again_later_and_the_text_arrives_once(
        app, client, people):
    a = await apply(client, notify_sms=True)
    await move(app, a["reference"], "in_review")
    flaky = Flaky(failures=2)
    app.state.sms.provider = flaky
    start = clock.now()
    with clock.frozen(start):
        assert await app.state.sms.tick() == 0  # refused: tried again in a minute
        assert await app.state.sms.tick() == 0  # not yet due
    row = await SmsMessage.get()
    assert row.status == "pending" and row.attempts == 1 and row.error
    with clock.frozen(start + dt.timedelta(seconds=61)):
        assert await app.state.sms.tick() == 0  # refused again: now two minutes
    with clock.frozen(start + dt.timedelta(seconds=61 + 60)):
        assert await app.state.sms.tick() == 0  # backing off: not due yet
    with clock.frozen(start + dt.timedelta(seconds=61 + 121)):
        assert await app.state.sms.tick() == 1
    with clock.frozen(start + dt.timedelta(days=1)):
        assert await app.state.sms.tick() == 0
    assert flaky.tries == 3 and len(flaky.accepted) == 1
    row = await SmsMessage.get()
    assert row.status == "sent" and row.provider_ref == "serial-1" and row.error == ""


async def test_a_text_that_never_goes_through_shows_as_failed_for_staff(app, client, people):
    a = await apply(client, notify_sms=True, name="王小红")
    await move(app, a["reference"], "in_review")
    app.state.sms.provider = Flaky(failures=10**6)
    at = clock.now()
    for _ in range(sms.MAX_ATTEMPTS):
        with clock.frozen(at):
            await app.state.sms.tick()
        at += sms.backoff(sms.MAX_ATTEMPTS)
    row = await SmsMessage.get()
    assert row.status == "failed" and row.attempts == sms.MAX_ATTEMPTS
    with clock.frozen(at + dt.timedelta(days=30)):
        assert await app.state.sms.tick() == 0  # given up: not tried again
    c, _ = await signed_in(app, "teng")
    page = (await c.get(f"/staff/applications/{a['reference']}")).text
    assert "有短信没发出去" in page and "没发出去" in page
    queue = (await c.get("/api/staff/applications")).json()["applications"]
    assert queue[0]["sms_failed"] is True
    calls = (await c.get("/staff/follow-ups")).text
    assert "短信没发出去的（共 1 份）" in calls and "王小红" in calls
    await c.aclose()


async def test_a_number_the_provider_refuses_is_given_up_at_once(app, client, people):
    a = await apply(client, notify_sms=True)
    await move(app, a["reference"], "in_review")
    app.state.sms.provider = Flaky(failures=1, permanent=True)
    await app.state.sms.tick()
    row = await SmsMessage.get()
    assert row.status == "failed" and row.attempts == 1


async def test_a_text_held_by_a_worker_that_died_is_sent_once_after_its_lease(
        app, client, people):
    a = await apply(client, notify_sms=True)
    await move(app, a["reference"], "in_review")
    start = clock.now()
    with clock.frozen(start):
        [held] = await sms.claim()  # a worker takes it, then is killed before sending
        assert await sms.claim() == []  # no one else may take it meanwhile
    other = sms.Sender(Flaky(failures=0), app.state.vault)
    with clock.frozen(start + sms.LEASE / 2):
        assert await other.tick() == 0
    with clock.frozen(start + sms.LEASE + dt.timedelta(seconds=1)):
        assert await other.tick() == 1
        assert await other.tick() == 0
    assert len(other.provider.accepted) == 1
    # the dead worker's claim is no longer its own: it cannot mark the row
    await sms.Sender(LogProvider(), app.state.vault)._settle(held, "failed", "late")
    assert (await SmsMessage.get()).status == "sent"


async def test_two_workers_claiming_at_once_take_each_text_once(app, client, people):
    import asyncio

    for _ in range(6):
        a = await apply(client, notify_sms=True)
        await move(app, a["reference"], "in_review")
    first, second = await asyncio.gather(sms.claim(limit=6), sms.claim(limit=6))
    taken = [m.id for m in first + second]
    assert sorted(taken) == sorted(set(taken)) and len(taken) == 6


@pytest.mark.parametrize("status", ["in_review", "need_info", "approved", "rejected",
                                    "withdrawn"])
def test_every_text_fits_one_sms_even_for_the_longest_program_title(catalog, status):
    longest = max((p.data.title for p in catalog.programs), key=len)
    text, params = sms.compose(longest, status, "K7M2X9QPA")
    assert len(text) <= sms.LIMIT, text
    assert "K7M-2X9-QPA" in text and params[1] in text
    assert params[0].endswith("…") or params[0] == longest


async def test_purge_removes_the_phone_kept_for_texts(app, client, people):
    from service import review

    a = await apply(client, notify_sms=True)
    await move(app, a["reference"], "in_review", "approved")
    with clock.frozen(clock.now() + dt.timedelta(days=800)):
        assert await review.purge(dt.timedelta(days=730)) == 1
    assert (await Application.get(reference=a["reference"])).sms_phone == ""
    assert {r.phone for r in await SmsMessage.all()} == {""}


async def test_rotate_keys_re_encrypts_the_phones_kept_for_texts(db, people, catalog):
    import httpx2

    from service.app import create_app
    from service.config import Settings
    from service.db import rotate_keys
    from service.pii import Vault, new_key

    old, new = new_key(), new_key()
    app = create_app(Settings.from_env({}, data_keys=(old,), lookup_key="L" * 40),
                     catalog=catalog, init_db=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app),
                                  base_url="http://testserver") as c:
        a = await apply(c, notify_sms=True)
    await move(app, a["reference"], "in_review")
    both = Vault((new, old), "L" * 40, "")
    # the application, its phone for texts, and the queued text's phone (the fixture's
    # admin has a second factor under other keys: left unreadable, as it should)
    rotated, _ = await rotate_keys(both)
    assert rotated == 3
    row = await SmsMessage.get()
    assert Vault((new,), "L" * 40, "").open(row.phone) == {"phone": PHONE}
