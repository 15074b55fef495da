"""The append-only audit log: every message, intent, decision, order request, broker result
and push. Rows are only ever inserted.

Nothing handed to the log is lost, and one row never costs another its place:
- every value is made storable on the way in (`storable`): a lone surrogate — which no
  encoder writes, and which names from QQ, comments cut by the terminal and exception texts
  carry — and NUL (PostgreSQL's text refuses it) become U+FFFD; a value longer than its
  column is cut and kept whole in the row's note;
- `record_many` writes a batch in one transaction (one Core executemany, through the
  database's one writer — `write` puts it in the same transaction as the step's other
  writes); when that fails, it writes the rows one
  by one, and a row that still fails is written once more with every field made plain ASCII
  (lossless escapes), the duration and time checked, and a note naming what was replaced and
  why. Only a row the database refuses even then (the database is away) comes back to the
  caller, in `AuditWrite.unstored`, to be written later.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Float, Integer, String, Text, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base, Database, Job

log = logging.getLogger(__name__)

# The key under which a row says what the log changed in it before storing it.
NOTE_KEY = "audit_note"
REPLACEMENT = "\ufffd"


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    event: Mapped[str] = mapped_column(String(32), index=True)
    platform: Mapped[str] = mapped_column(String(16), default="")
    chat_id: Mapped[str] = mapped_column(String(64), default="")
    user_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[float | None] = mapped_column(Float, nullable=True)


# The short columns and their widths, read from the table (PostgreSQL refuses longer values).
_WIDTHS: dict[str, int] = {
    name: int(AuditRow.__table__.columns[name].type.length)  # type: ignore[attr-defined]
    for name in ("event", "platform", "chat_id", "user_id")
}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    event: str
    platform: str
    chat_id: str
    user_id: str
    detail: str
    duration_ms: float | None


@dataclass(frozen=True, slots=True)
class AuditWrite:
    """What `record_many` did with a list of events."""

    stored: int = 0
    repaired: int = 0  # of `stored`: written only after their fields were made plain ASCII
    # refused even repaired (the database is away): the caller's to write later
    unstored: tuple[dict[str, Any], ...] = ()


class AuditUnavailableError(Exception):
    """`AuditLog.record` could not store its row at all: the database refused it."""


def storable(value: str) -> str:
    """`value` as every database we run on stores it: lone surrogates (a surrogate pair
    becomes the character it encodes) and NUL replaced by U+FFFD."""
    if value.isascii():
        return value.replace("\x00", REPLACEMENT) if "\x00" in value else value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return value.replace("\x00", REPLACEMENT)


def _ascii(value: str) -> str:
    """`value` in plain ASCII, every other character (lone surrogates included) and NUL as a
    backslash escape: storable anywhere, and nothing is lost."""
    return value.encode("ascii", "backslashreplace").decode("ascii").replace("\x00", "\\x00")


def _json(obj: object, ascii_only: bool) -> str:
    """JSON of a detail; a detail that is no JSON (a cycle, keys of mixed types, a value
    whose str() raises) is kept as its repr, with a note."""
    for sort_keys in (True, False):
        try:
            return json.dumps(obj, ensure_ascii=ascii_only, default=str, sort_keys=sort_keys)
        except Exception as exc:  # sorted keys, then keys as they come, then the repr
            reason = f"detail is not JSON: {type(exc).__name__}"
    try:
        text = repr(obj)
    except Exception:  # a repr that raises leaves only the type
        text = f"<{type(obj).__name__}>"
    return json.dumps({"unencodable": text, NOTE_KEY: reason}, ensure_ascii=ascii_only)


def _detail_text(detail: object, note: dict[str, Any] | None, ascii_only: bool = False) -> str:
    if isinstance(detail, str) and note is None:
        return _ascii(detail) if ascii_only else storable(detail)
    obj: object = detail if detail is not None else {}
    if note is not None:
        if isinstance(obj, str):
            try:
                obj = json.loads(obj)
            except ValueError:
                obj = {"text": obj}
        obj = {**obj, NOTE_KEY: note} if isinstance(obj, dict) else {"detail": obj, NOTE_KEY: note}
    text = _json(obj, ascii_only)
    return text if ascii_only else storable(text)


def _row(ev: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The row of one event, every value storable; a column value cut to its width is kept
    whole in the note."""
    columns: dict[str, str] = {}
    cut: dict[str, str] = {}
    for name, width in _WIDTHS.items():
        raw = ev.get(name)
        value = storable(raw if isinstance(raw, str) else "" if raw is None else str(raw))
        if len(value) > width:
            cut[name] = value
            value = value[:width]
        columns[name] = value
    return {
        "at": ev.get("at") or now,
        "detail": _detail_text(ev.get("detail"), {"cut": cut} if cut else None),
        "duration_ms": ev.get("duration_ms"),
        **columns,
    }


def _repaired(ev: dict[str, Any], now: datetime, error: BaseException) -> dict[str, Any]:
    """The row of an event that could not be stored as it was: every text in plain ASCII,
    time and duration checked, and a note saying what was replaced and why."""
    columns: dict[str, str] = {}
    replaced: dict[str, str] = {}
    for name, width in _WIDTHS.items():
        raw = ev.get(name)
        text = raw if isinstance(raw, str) else "" if raw is None else str(raw)
        value = _ascii(text)
        if value != text or len(value) > width:
            replaced[name] = value
        columns[name] = value[:width]
    at = ev.get("at")
    if at is not None and not (isinstance(at, datetime) and at.tzinfo is not None):
        replaced["at"] = _ascii(str(at))
    ms = ev.get("duration_ms")
    duration = float(ms) if isinstance(ms, int | float) and math.isfinite(ms) else None
    if ms is not None and duration is None:
        replaced["duration_ms"] = _ascii(str(ms))
    note = {"replaced": replaced, "error": _brief(error)}
    return {
        "at": at if isinstance(at, datetime) and at.tzinfo is not None else now,
        "detail": _detail_text(ev.get("detail"), note, ascii_only=True),
        "duration_ms": duration,
        **columns,
    }


class AuditLog:
    """Events are short words: message, intent, decision, denied, preview, confirm, order,
    result, push, push_failed, alert, error …"""

    def __init__(self, db: Database) -> None:
        self.db = db

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
        """One event, now. Raises `AuditUnavailableError` only when the database refused
        the row even repaired."""
        written = await self.record_many(
            [
                {
                    "event": event,
                    "platform": platform,
                    "chat_id": chat_id,
                    "user_id": user_id,
                    "detail": detail,
                    "duration_ms": duration_ms,
                }
            ]
        )
        if written.unstored:
            raise AuditUnavailableError(f"the audit log could not store a {event!r} row")

    def rows_job(self, events: list[dict[str, Any]]) -> Job:
        """A job that inserts the events' rows (for a write whose rows depend on its outcome:
        a claim's order request is logged only with the claim it belongs to)."""
        return _insert_job(events, datetime.now(UTC))

    async def record_many(self, events: list[dict[str, Any]]) -> AuditWrite:
        """Several events in one transaction (one commit instead of one per event). Each dict
        takes `record`'s keyword arguments plus `event` and, optionally, `at` (when it
        happened; default now). When the transaction fails, the events are written one by
        one, so that one unstorable event never costs the others their rows. Never raises:
        what the database refused even repaired is in `unstored`."""
        written, _ = await self.write(events)
        return written

    async def write(
        self, events: list[dict[str, Any]], jobs: Sequence[Job] = ()
    ) -> tuple[AuditWrite, list[Any]]:
        """`record_many`, in one transaction with `jobs` (the step's other writes: a stored
        preview, a claim), through the database's one writer. Returns what became of the
        events and each job's result — or the exception it failed with, not raised: the job's
        owner decides. A failing job costs the events nothing, nor they it."""
        if not events:
            return AuditWrite(), await self.db.submit(jobs) if jobs else []
        now = datetime.now(UTC)
        # the rows first: a job's own rows (a claim's order request) come after the message's
        results = await self.db.submit([_insert_job(events, now), *jobs])
        failure = results[0]
        if not isinstance(failure, BaseException):
            return AuditWrite(stored=len(events)), results[1:]
        log.warning(
            "audit: a batch of %d rows failed (%s); writing them one by one",
            len(events),
            _brief(failure),
        )
        return await self._one_by_one(events, now), results[1:]

    async def _one_by_one(self, events: list[dict[str, Any]], now: datetime) -> AuditWrite:
        # in order, so the log keeps the events' order with a repaired row in its place
        stored = repaired = 0
        unstored: list[dict[str, Any]] = []
        for ev in events:
            (failure,) = await self.db.submit([_insert_job([ev], now)])
            if not _failed(failure):
                stored += 1
                continue
            (second,) = await self.db.submit([_insert_job([ev], now, repair=failure)])
            if not _failed(second):
                stored += 1
                repaired += 1
                log.warning(
                    "audit: a %r row was stored repaired (%s)", ev.get("event"), _brief(failure)
                )
            else:
                log.error(
                    "audit: a %r row could not be stored: %s", ev.get("event"), _brief(second)
                )
                unstored.append(ev)
        return AuditWrite(stored, repaired, tuple(unstored))

    async def entries(
        self, *, since: datetime | None = None, user_id: str | None = None, limit: int = 200
    ) -> list[AuditEntry]:
        q = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if since is not None:
            q = q.where(AuditRow.at >= since)
        if user_id is not None:
            q = q.where(AuditRow.user_id == user_id)
        async with self.db.session() as s:
            rows = (await s.scalars(q)).all()
        return [
            AuditEntry(
                r.id,
                r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC),
                r.event,
                r.platform,
                r.chat_id,
                r.user_id,
                r.detail,
                r.duration_ms,
            )
            for r in reversed(rows)
        ]


def _failed(result: object) -> bool:
    return isinstance(result, BaseException)


def _insert_job(
    events: list[dict[str, Any]], now: datetime, *, repair: BaseException | None = None
) -> Job:
    """The events' rows in one Core executemany (no INSERT … RETURNING per row: nobody reads
    the ids back). The rows are made in the job, so a value that cannot even be made into a
    row fails that job alone, like one the database refuses."""

    def job(conn: Connection) -> None:
        rows = [_row(ev, now) if repair is None else _repaired(ev, now, repair) for ev in events]
        conn.execute(insert(AuditRow), rows)

    return job


def _brief(exc: BaseException) -> str:
    """An error on one ASCII line: the driver's own error when SQLAlchemy wrapped one (the
    wrapper's text repeats the statement and its values, which the operator's log must not
    collect), at most 300 characters."""
    orig = getattr(exc, "orig", None)
    err = orig if isinstance(orig, BaseException) else exc
    return " ".join(_ascii(f"{type(err).__name__}: {err}").split())[:300]
