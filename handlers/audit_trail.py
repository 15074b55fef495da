"""Audit events of one message, written in one transaction.

A message produces several audit rows (message, intent, decision, preview …); one commit each
made the audit log the slowest part of a query. `AuditTrail.collect()` gathers the events of the
message being handled (per asyncio task, via a context variable) and writes them together when
it ends — also when it ends with an error. Before an order is sent, `flush()` writes what has
been collected so far, so the order request is on disk before the broker sees it.

Writes are group-committed: while one transaction is being written, the events of every other
message that finishes meanwhile wait and go together in the next one. One writer at a time
also means the audit log never fights itself for SQLite's write lock (whose busy handler
sleeps), which is what made latency under 100 concurrent chats grow to seconds.

A write never fails the message that asked for it: the answer is decided by then (and an order
request must not be stranded between its claim and the terminal because a row could not be
written). One bad row never fails the others — `AuditLog.record_many` falls back to row by
row and repairs what it cannot store. Rows the database refused even so (it was away) wait
here and go first in the next write; past `MAX_WAITING_ROWS` the oldest are written to the
operator's log instead, whole, so that they are still not lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from handlers.messages import Incoming
from store.audit import AuditLog

log = logging.getLogger(__name__)

# Rows kept for the next write while the database refuses them; a bound, so that an outage
# that lasts cannot fill the memory (about 1 KB a row).
MAX_WAITING_ROWS = 10_000

_current: ContextVar[list[dict[str, Any]] | None] = ContextVar("audit_trail", default=None)


class AuditTrail:
    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit
        self._queue: list[tuple[list[dict[str, Any]], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._waiting: list[dict[str, Any]] = []

    @property
    def waiting(self) -> int:
        """Rows the database refused so far, kept for the next write."""
        return len(self._waiting)

    async def write(self, rows: list[dict[str, Any]]) -> None:
        """Write `rows`; returns once they are committed (possibly with others' rows), or
        kept for the next write when the database refused them. Never raises."""
        if not rows:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((rows, fut))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        await fut

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            rows = [*self._waiting, *(r for rows, _ in batch for r in rows)]
            self._waiting = []
            unstored = rows
            try:
                unstored = list((await self.audit.record_many(rows)).unstored)
            except Exception:  # record_many does not raise; should it, the rows wait
                log.exception("audit: writing %d rows failed", len(rows))
            finally:  # also when cancelled: nobody waits forever, no row is dropped
                self._keep(unstored)
                for _, fut in batch:
                    if not fut.done():
                        fut.set_result(None)

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
        token = _current.set([])
        try:
            yield
        finally:
            rows = _current.get() or []
            _current.reset(token)
            await self.write(rows)

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
        buf = _current.get()
        if buf is None:
            await self.write([row])
        else:
            buf.append(row)

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

    async def flush(self) -> None:
        buf = _current.get()
        if buf:
            rows = list(buf)
            buf.clear()
            await self.write(rows)


def _for_log(row: dict[str, Any]) -> str:
    """A row as one ASCII line for the operator's log (JSON when it can be)."""
    try:
        return json.dumps(row, default=str)
    except Exception:  # a detail that is no JSON: its repr is ASCII-safe enough for a log
        return ascii(row)
