"""Audit events of one message, written in one transaction.

A message produces several audit rows (message, intent, decision, preview …); one commit each
made the audit log the slowest part of a query. `AuditTrail.collect()` gathers the events of the
message being handled (per asyncio task, via a context variable) and writes them together when
it ends — also when it ends with an error. The step's other writes go in the same transaction
(`attach`: a preview's confirmation row), so a preview is one transaction. Before an order is
sent, `flush()` writes what has been collected so far with the claim, so the order request is
on disk before the broker sees it.

Writes are group-committed: while one transaction is being written, the events of every other
message that finishes meanwhile wait and go together in the next one. One writer at a time
also means the audit log never fights itself for SQLite's write lock (whose busy handler
sleeps), which is what made latency under 100 concurrent chats grow to seconds.

An audit row's write never fails the message that asked for it: the answer is decided by then
(and an order request must not be stranded between its claim and the terminal because a row
could not be written). Only a write the answer depends on — a preview's confirmation row,
attached `required` — does: its answer would offer a ✅ that finds nothing, so the message is
answered with `StepNotStoredError` instead (handlers/conversation.py). One bad row never fails the others — `AuditLog.record_many` falls back to row by
row and repairs what it cannot store. Rows the database refused even so (it was away) wait
here and go first in the next write; past `MAX_WAITING_ROWS` the oldest are written to the
operator's log instead, whole, so that they are still not lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from handlers.messages import Incoming
from store.audit import AuditLog
from store.db import Job, WriteFailedError

log = logging.getLogger(__name__)

# Rows kept for the next write while the database refuses them; a bound, so that an outage
# that lasts cannot fill the memory (about 1 KB a row).
MAX_WAITING_ROWS = 10_000


class StepNotStoredError(Exception):
    """A write the step's answer depends on (a preview's confirmation) was refused even alone
    and after retries: the answer must not go out as if it had been stored."""


@dataclass
class _Step:
    """What one message's handling has collected: its audit rows, and the writes that go in
    the same transaction (`attach`), with whether the answer depends on each."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[tuple[Job, bool, asyncio.Future[Any]]] = field(default_factory=list)


_current: ContextVar[_Step | None] = ContextVar("audit_trail", default=None)


class AuditTrail:
    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit
        self._queue: list[tuple[list[dict[str, Any]], list[Job], asyncio.Future[list[Any]]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._waiting: list[dict[str, Any]] = []

    @property
    def waiting(self) -> int:
        """Rows the database refused so far, kept for the next write."""
        return len(self._waiting)

    async def write(self, rows: list[dict[str, Any]], jobs: Sequence[Job] = ()) -> list[Any]:
        """Write `rows` and run `jobs` in one transaction (possibly with others' rows); returns
        once committed — or, for rows the database refused, kept for the next write — with
        each job's result or the exception it failed with. Never raises."""
        if not rows and not jobs:
            return []
        fut: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._queue.append((rows, list(jobs), fut))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await fut

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            rows = [*self._waiting, *(r for rows, _, _ in batch for r in rows)]
            jobs = [j for _, js, _ in batch for j in js]
            self._waiting = []
            unstored = rows
            results: list[Any] = [WriteFailedError("the audit writer failed")] * len(jobs)
            try:
                written, results = await self.audit.write(rows, jobs)
                unstored = list(written.unstored)
            except Exception:  # AuditLog.write does not raise; should it, the rows wait
                log.exception("audit: writing %d rows failed", len(rows))
            finally:  # also when cancelled: nobody waits forever, no row is dropped
                self._keep(unstored)
                at = 0
                for _, js, fut in batch:
                    if not fut.done():
                        fut.set_result(results[at : at + len(js)])
                    at += len(js)

    def _keep(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        self._waiting.extend(rows)
        log.error("audit: %d rows wait for the database (%d in all)", len(rows), self.waiting)
        extra = len(self._waiting) - MAX_WAITING_ROWS
        if extra > 0:
            for row in self._waiting[:extra]:
                log.error("audit row not stored: %s", _for_log(row))
            del self._waiting[:extra]

    @asynccontextmanager
    async def collect(self) -> AsyncIterator[None]:
        """Collect the rows (and attached writes) of the message handled inside; write them
        in one transaction when it ends. Raises `StepNotStoredError` after a body that ended
        normally when a write its answer depends on was refused."""
        token = _current.set(_Step())
        failed: list[BaseException] = []
        try:
            yield
        finally:
            step = _current.get() or _Step()
            _current.reset(token)
            failed = await self._write_step(step)
        if failed:
            raise StepNotStoredError(str(failed[0])) from failed[0]

    async def _write_step(self, step: _Step) -> list[BaseException]:
        results = await self.write(step.rows, [job for job, _, _ in step.jobs])
        failed: list[BaseException] = []
        for (_, required, fut), result in zip(step.jobs, results, strict=True):
            if isinstance(result, BaseException):
                log.error("a write of this message failed: %r", result)
                if required:
                    failed.append(result)
            if not fut.done():
                fut.set_result(result)
        return failed

    async def attach(self, job: Job, *, required: bool) -> asyncio.Future[Any]:
        """Write `job` with the rows of the message being handled, in the same transaction,
        when it ends (before its answer goes out); outside a message, now. The future holds
        the job's result or the exception it failed with. `required`: the answer depends on
        it — when it fails, the message is answered with `StepNotStoredError`'s text instead
        (outside a message: raised here)."""
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        step = _current.get()
        if step is not None:
            step.jobs.append((job, required, fut))
            return fut
        failed = await self._write_step(_Step(jobs=[(job, required, fut)]))
        if failed:
            raise StepNotStoredError(str(failed[0])) from failed[0]
        return fut

    async def record(
        self,
        event: str,
        *,
        platform: str = "",
        chat_id: str = "",
        user_id: str = "",
        detail: dict[str, Any] | str | None = None,
        duration_ms: float | None = None,
    ) -> None:
        row = {
            "event": event,
            "at": datetime.now(UTC),
            "platform": platform,
            "chat_id": chat_id,
            "user_id": user_id,
            "detail": detail,
            "duration_ms": duration_ms,
        }
        step = _current.get()
        if step is None:
            await self.write([row])
        else:
            step.rows.append(row)

    async def about(
        self, event: str, inc: Incoming, detail: dict[str, Any], ms: float | None = None
    ) -> None:
        """Record an event about one incoming message (its platform, chat and user)."""
        await self.record(
            event,
            platform=inc.platform,
            chat_id=inc.chat_id,
            user_id=inc.user_id,
            detail=detail,
            duration_ms=ms,
        )

    async def settle(self) -> None:
        """Write everything the message being handled has collected so far — its rows and
        its attached writes — now, in one transaction: for a caller that reads the outcome
        back before its answer (a program's order, a proposal sent to a chat)."""
        step = _current.get()
        if step is None or not (step.rows or step.jobs):
            return
        now = _Step(rows=list(step.rows), jobs=list(step.jobs))
        step.rows.clear()
        step.jobs.clear()
        failed = await self._write_step(now)
        if failed:
            raise StepNotStoredError(str(failed[0])) from failed[0]

    async def flush(self, jobs: Sequence[Job] = ()) -> list[Any]:
        """Write what has been collected so far, with `jobs`, in one transaction now (an order
        request is on disk before the broker sees it); returns the jobs' results or the
        exceptions they failed with."""
        step = _current.get()
        rows: list[dict[str, Any]] = []
        if step is not None and step.rows:
            rows = list(step.rows)
            step.rows.clear()
        return await self.write(rows, jobs)


def _for_log(row: dict[str, Any]) -> str:
    """A row as one ASCII line for the operator's log (JSON when it can be)."""
    try:
        return json.dumps(row, default=str)
    except Exception:  # a detail that is no JSON: its repr is ASCII-safe enough for a log
        return ascii(row)
