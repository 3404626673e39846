"""Rows written without a model instance (service/rows.py): the same row as Model.save()
writes, grouped while an INSERT is in flight, and each row's own answer when a group fails."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from service.models import Application
from service.rows import Inserts


def _row(**over) -> dict:
    row = {"reference": secrets.token_hex(4).upper()[:9], "program": "startup-guarantee-loan",
           "district": "tengzhou", "campaign": "", "sealed": "token",
           "phone_hash": secrets.token_hex(16), "open_key": secrets.token_hex(16),
           "person_key": secrets.token_hex(16), "idem_key": secrets.token_hex(16),
           "idem_fingerprint": secrets.token_hex(16), "sms_phone": ""}
    row.update(over)
    return row


def _counting(inserts: Inserts) -> list[int]:
    """The number of rows in each INSERT ``inserts`` sends."""
    sizes: list[int] = []
    real = inserts._insert

    async def insert(db, plan, rows):
        sizes.append(len(rows))
        await real(db, plan, rows)

    inserts._insert = insert  # type: ignore[method-assign]
    return sizes


_SAME = ("reference", "program", "district", "status", "campaign", "sealed", "phone_hash",
         "open_key", "person_key", "idem_key", "idem_fingerprint", "message", "sms_phone",
         "received", "received_at", "asked_document", "closed_at", "purged_at")


async def test_a_row_is_stored_as_model_save_stores_it(db):
    a, b = _row(), _row()
    await Application.create(**a)
    await Inserts(Application).add(b)
    first = await Application.get(reference=a["reference"]).values(*_SAME, "created_at",
                                                                 "updated_at")
    second = await Application.get(reference=b["reference"]).values(*_SAME, "created_at",
                                                                  "updated_at")
    for name in _SAME:  # the defaults filled in alike
        if name not in a:
            assert first[name] == second[name], name
    assert second["created_at"] == second["updated_at"]  # one moment, stamped as save does
    assert abs((second["created_at"] - first["created_at"]).total_seconds()) < 60
    assert second["created_at"].utcoffset() is not None


async def test_rows_that_arrive_while_an_insert_is_in_flight_go_as_one(db):
    inserts = Inserts(Application)
    sizes = _counting(inserts)
    rows = [_row() for _ in range(30)]
    await asyncio.gather(*(inserts.add(r) for r in rows))
    assert sum(sizes) == 30 and sizes[0] == 1 and len(sizes) < 30, sizes
    stored = await Application.all().values_list("reference", flat=True)
    assert sorted(stored) == sorted(r["reference"] for r in rows)


async def test_a_refused_group_stores_nothing_and_each_row_gets_its_own_answer(db):
    inserts = Inserts(Application)
    sizes = _counting(inserts)
    taken = _row()
    await inserts.add(taken)
    rows = [_row() for _ in range(9)]
    rows[4]["open_key"] = taken["open_key"]  # a second open application among them
    results = await asyncio.gather(*(inserts.add(r) for r in rows), return_exceptions=True)
    assert [type(r) for r in results].count(IntegrityError) == 1
    assert isinstance(results[4], IntegrityError)
    assert max(sizes) > 1  # a group was tried, and refused as a whole, then one by one
    stored = set(await Application.all().values_list("reference", flat=True))
    assert stored == {taken["reference"]} | {r["reference"] for i, r in enumerate(rows) if i != 4}


async def test_two_rows_of_one_group_that_clash_store_exactly_one(db):
    inserts = Inserts(Application)
    first = _row()
    rows = [first, _row(), _row(reference=first["reference"]), _row()]
    results = await asyncio.gather(*(inserts.add(r) for r in rows), return_exceptions=True)
    assert sum(isinstance(r, IntegrityError) for r in results) == 1
    assert await Application.filter(reference=first["reference"]).count() == 1
    assert await Application.all().count() == 3


async def test_a_row_given_up_while_waiting_is_not_stored_and_blocks_no_one(db):
    inserts = Inserts(Application)
    rows = [_row() for _ in range(6)]
    tasks = [asyncio.create_task(inserts.add(r)) for r in rows]
    await asyncio.sleep(0)  # all started: the first is in flight, the others wait
    tasks[3].cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[3], asyncio.CancelledError)
    stored = set(await Application.all().values_list("reference", flat=True))
    assert stored == {r["reference"] for i, r in enumerate(rows) if i != 3}
    await inserts.add(_row())  # and the next one goes at once
    assert not inserts._busy


async def test_rows_inside_a_transaction_go_alone_and_roll_back_with_it(db):
    inserts = Inserts(Application)
    row = _row()
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await inserts.add(row)
            assert await Application.filter(reference=row["reference"]).exists()
            raise RuntimeError("rolled back")
    assert not await Application.filter(reference=row["reference"]).exists()


async def test_a_value_too_long_for_its_column_is_refused_as_save_refuses_it(db):
    from tortoise.exceptions import ValidationError

    with pytest.raises(ValidationError):
        await Inserts(Application).add(_row(district="x" * 17))
    assert await Application.all().count() == 0
