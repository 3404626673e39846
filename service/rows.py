"""Rows written without a model instance, and grouped when they arrive together.

A submission is one INSERT (service/applications.py). Through ``Model(...).save()`` that
took about 290,000 instructions per row before the statement left, a sixth of the whole
submission (the instance: every field set through ``__setattr__``, every default looked up;
then save's signals, the executor, each value converted), and at a job fair's rate each row
was also a statement, a commit and a flush to disk of its own. ``Inserts`` keeps what the
ORM does for each value (the field's own ``to_db_value``: its checks, such as a CharField's
length, and its conversion), the model's defaults and Tortoise's client (its exceptions,
``IntegrityError`` among them, and its connection handling), and skips the rest:

- a row is a dict of field values; the model's constant defaults fill the other columns
  (computed once), the ``auto_now`` times are the moment of the call;
- while one INSERT is in flight, rows that arrive queue, and go together as one multi-row
  INSERT when it is done: one statement, one commit, one disk flush for all of them. The
  first row never waits (nothing is in flight: it goes at once, alone), so a quiet server
  answers as before; a busy one makes fewer, larger commits.

A multi-row INSERT is atomic: all of its rows are stored, or none. If it fails for any reason
(a retried Idempotency-Key, a second open application, the database away), nothing of it
was stored and each of its rows is inserted again alone by its own request, which then gets
exactly the answer a lone INSERT gives (``IntegrityError`` decides retries and duplicates,
as before). Nothing is acknowledged before the commit that holds it: ``add`` returns only
once its row is stored.

Rows inside a transaction (``in_transaction()``) are never grouped: they go alone, on the
transaction's connection.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
from collections import deque
from typing import Any

from tortoise import timezone
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.fields import DatetimeField, Field
from tortoise.models import Model

# Rows per grouped INSERT: 20 columns each is 1,280 parameters at most (SQLite takes 32,766,
# PostgreSQL 32,767).
MAX_ROWS = 64


class _Plan:
    """How one model's rows become the values of an INSERT on one database."""

    def __init__(self, model: type[Model], db: BaseDBAsyncClient) -> None:
        meta = model._meta
        executor = db.executor_class(model=model, db=db)
        # the columns Model.save() writes, in its order (all but the generated id)
        self.columns: list[str] = list(executor.regular_columns)
        self.fields: list[Field[Any]] = [meta.fields_map[c] for c in self.columns]
        self.constants: list[Any] = []
        self.clocked: list[bool] = []
        # per column, how a given value becomes the database's: None for a field that uses
        # Field.to_db_value as it is (its steps are inlined in ``values``: convert to the
        # field's type, then its validators), else the field's own method
        self.converters: list[Any] = []
        for field in self.fields:
            clocked = isinstance(field, DatetimeField) and (field.auto_now or field.auto_now_add)
            default = field.default
            if callable(default) or inspect.iscoroutinefunction(default):
                raise TypeError(f"{model.__name__}.{field.model_field_name}: a computed "
                                "default (Inserts fills only constant ones)")
            if default is None and field.has_db_default():
                default = field.get_db_default_value()
            self.clocked.append(clocked)
            # the class, not an instance: to_db_value converts and checks, nothing more
            self.constants.append(None if clocked or default is None
                                  else field.to_db_value(default, model))
            plain = type(field).to_db_value is Field.to_db_value
            self.converters.append(None if plain else field.to_db_value)
        self.model = model
        self.executor = executor
        self.sql: dict[int, str] = {}

    def values(self, row: dict[str, Any], now: Any) -> list[Any]:
        out = []
        model = self.model
        for name, field, constant, clocked, convert in zip(
                self.columns, self.fields, self.constants, self.clocked, self.converters,
                strict=True):
            if name not in row:
                out.append(now if clocked else constant)
            elif convert is not None:
                out.append(convert(row[name], model))
            else:  # Field.to_db_value, inlined: about 1 µs a column
                value = row[name]
                if value is not None and not isinstance(value, field.field_type):
                    value = field.field_type(value)
                if field.validators:
                    field.validate(value)
                out.append(value)
        return out

    def insert(self, rows: int) -> str:
        """INSERT INTO t (columns) VALUES (...), (...): ``rows`` rows, in the dialect."""
        sql = self.sql.get(rows)
        if sql is None:
            width = len(self.columns)
            query = self.executor.db.query_class.into(self.model._meta.basetable).columns(
                *self.columns)
            for r in range(rows):
                query = query.insert(*[self.executor.parameter(r * width + i)
                                       for i in range(width)])
            sql = self.sql[rows] = str(query)
        return sql


class Inserts:
    """INSERTs of one model's rows, grouped while one is in flight (see the module)."""

    def __init__(self, model: type[Model], max_rows: int = MAX_ROWS) -> None:
        self.model, self.max_rows = model, max_rows
        self._plans: dict[tuple[str, type], _Plan] = {}
        self._busy = False
        self._queue: deque[tuple[BaseDBAsyncClient, list[Any], asyncio.Future[bool]]] = deque()
        self._flushing: set[asyncio.Task[None]] = set()

    def _plan(self, db: BaseDBAsyncClient) -> _Plan:
        key = (db.connection_name, type(db))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan(self.model, db)
        return plan

    async def add(self, row: dict[str, Any]) -> dt.datetime:
        """Store one row (field name -> Python value, as ``Model(**row)`` takes them).
        Returns the moment given to the ``auto_now`` fields that ``row`` leaves out, as
        ``save()`` stamps them. Raises what a lone INSERT raises: ``IntegrityError`` when a
        unique index refuses it."""
        db = self.model._choose_db(True)
        plan = self._plan(db)
        now = timezone.localtime()
        values = plan.values(row, now)
        if isinstance(db, TransactionalDBClient):  # the caller's transaction: not grouped
            await self._insert(db, plan, [values])
            return now
        if self._busy:  # another INSERT is in flight: go with the next group
            done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self._queue.append((db, values, done))
            if await done:
                return now
            # the group was refused as a whole and stored nothing: this row alone, for its
            # own answer (a duplicate among them, the database away ...)
            await self._insert(db, plan, [values])
            return now
        self._busy = True
        try:
            await self._insert(db, plan, [values])
        finally:
            self._next()
        return now

    async def _insert(self, db: BaseDBAsyncClient, plan: _Plan, rows: list[list[Any]]) -> None:
        await db.execute_query(plan.insert(len(rows)),
                               [v for values in rows for v in values])

    def _next(self) -> None:
        """The rows that queued meanwhile go as one INSERT (a task of its own, so that no
        request's cancellation can abandon the others); none: nothing is in flight."""
        while self._queue and self._queue[0][2].done():  # given up while waiting
            self._queue.popleft()
        if not self._queue:
            self._busy = False
            return
        db = self._queue[0][0]
        group: list[tuple[list[Any], asyncio.Future[bool]]] = []
        while self._queue and len(group) < self.max_rows and self._queue[0][0] is db:
            _, values, done = self._queue.popleft()
            if not done.done():
                group.append((values, done))
        task = asyncio.get_running_loop().create_task(self._flush(db, group))
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _flush(self, db: BaseDBAsyncClient,
                     group: list[tuple[list[Any], asyncio.Future[bool]]]) -> None:
        stored = False
        try:
            await self._insert(db, self._plan(db), [values for values, _ in group])
            stored = True
        except Exception:  # each row is inserted again alone, by its request, for its answer
            pass
        finally:
            for _, done in group:
                if not done.done():
                    done.set_result(stored)
            self._next()
