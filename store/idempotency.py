"""Idempotency keys of order requests (the gateway's `Idempotency-Key` header): a retried
request with the same key gets the first request's answer and never sends a second order.

`begin(caller, key, fingerprint)` inserts the key under the (caller, key) primary key, so of
two requests with one key — at once, or one before and one after a restart — exactly one
proceeds; the other finds the row and gets what it holds: the stored answer once `finish` wrote
it, "in progress" before (with the confirmation the first request made, when it got that far,
so its state can be told), or a conflict when the same key came with a different request. Keys
are per caller (a token's name): two clients cannot collide, or read each other's answers.
Rows older than the settings' days are pruned.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import DateTime, String, Text, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base, Database

KEY_MAX = 128  # the header's longest accepted value (longer keys are refused by the caller)


class IdempotencyRow(Base):
    __tablename__ = "api_idempotency"

    caller: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # running | done
    confirmation_id: Mapped[str] = mapped_column(String(40), default="")
    response: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


Outcome = Literal["new", "replay", "running", "conflict"]


@dataclass(frozen=True, slots=True)
class KeyState:
    outcome: Outcome
    response: dict[str, Any] | None = None
    confirmation_id: str = ""


def fingerprint(request: Any) -> str:
    """SHA-256 of the request's canonical JSON (sorted keys): the same request, the same print."""
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class IdempotencyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def begin(self, caller: str, key: str, print_: str, *, now: datetime) -> KeyState:
        async with self.db.session() as s:
            s.add(
                IdempotencyRow(
                    caller=caller,
                    key=key,
                    fingerprint=print_,
                    state="running",
                    created_at=now,
                )
            )
            try:
                await s.commit()
                return KeyState("new")
            except IntegrityError:
                await s.rollback()
            row = await s.get(IdempotencyRow, (caller, key))
        if row is None:  # pruned between the insert and the read: a very old key, try again
            return await self.begin(caller, key, print_, now=now)
        if row.fingerprint != print_:
            return KeyState("conflict")
        if row.state != "done":
            return KeyState("running", confirmation_id=row.confirmation_id)
        return KeyState("replay", json.loads(row.response or "{}"), row.confirmation_id)

    async def attach(self, caller: str, key: str, confirmation_id: str) -> None:
        """The confirmation the request made, before its order goes out: a retry while (or
        after a crash while) it runs can say what became of it."""
        async with self.db.session() as s:
            await s.execute(
                update(IdempotencyRow)
                .where(IdempotencyRow.caller == caller, IdempotencyRow.key == key)
                .values(confirmation_id=confirmation_id)
            )
            await s.commit()

    async def finish(self, caller: str, key: str, response: dict[str, Any]) -> None:
        async with self.db.session() as s:
            await s.execute(
                update(IdempotencyRow)
                .where(IdempotencyRow.caller == caller, IdempotencyRow.key == key)
                .values(
                    state="done",
                    response=json.dumps(response, ensure_ascii=False, default=str),
                )
            )
            await s.commit()

    async def forget(self, caller: str, key: str, *, nothing_sent: bool = False) -> None:
        """Drop a running key whose request ended before anything was decided (an error before
        its confirmation existed; with `nothing_sent`, also one whose confirmation is known to
        have sent nothing: the terminal away, the price drifted): the client may retry with the
        same key, and that retry is a new request."""
        conds = [
            IdempotencyRow.caller == caller,
            IdempotencyRow.key == key,
            IdempotencyRow.state == "running",
        ]
        if not nothing_sent:
            conds.append(IdempotencyRow.confirmation_id == "")
        async with self.db.session() as s:
            await s.execute(delete(IdempotencyRow).where(*conds))
            await s.commit()

    async def prune(self, *, now: datetime, keep_days: int) -> int:
        async with self.db.session() as s:
            res = await s.execute(
                delete(IdempotencyRow).where(
                    IdempotencyRow.created_at < now - timedelta(days=keep_days)
                )
            )
            await s.commit()
            return int(getattr(res, "rowcount", 0) or 0)
