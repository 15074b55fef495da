"""Pending trade confirmations: one row per preview, moved through its states by single
atomic UPDATEs so that a second press, a replay, another user's press or a restart can never
send a second order.

States: ``pending`` → ``executing`` → ``done`` | ``failed`` | ``unknown`` | ``blocked`` |
``drifted``; ``pending`` → ``cancelled``; ``executing`` → ``pending`` (`release`) when the
terminal was away and nothing was sent. A pending row past its expiry is treated as expired
(``expire_due`` also writes ``expired`` for housekeeping). Only ``pending`` rows can be claimed.

Ids come from ``secrets.token_urlsafe(16)`` (128 bits, 22 characters), so the button callback
``c:<id>:y`` stays far below Telegram's 64 bytes. Each row also gets a short single-use reply
code (``7F3K``) for apps without buttons; a code only ever matches a pending row of the same
platform, chat and user.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import Connection, Float, Index, String, Table, Text, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapped, mapped_column

from store.audit import storable
from store.db import Base, Database, Job

State = Literal[
    "pending",
    "executing",
    "done",
    "failed",
    "unknown",
    "blocked",
    "drifted",
    "cancelled",
    "expired",
]
ClaimStatus = Literal["ok", "not_found", "not_owner", "expired", "used"]

# The key a recovered row's result carries (handlers/recovery.py): {"told": false} from the
# moment recovery settles the row until its owner has been told, so a start after a crash in
# between tells them then — and a row already told is never told again.
RECOVERY_KEY = "recovery"
_UNTOLD_MARK = '"told": false'  # how `_dump` (sort_keys, default separators) writes it

# No 0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B: nothing a phone user can misread or mistype.
CODE_LETTERS = "ACDEFHJKMNPRTUVWXY"
CODE_DIGITS = "3479"
CODE_ALPHABET = CODE_LETTERS + CODE_DIGITS
CODE_LENGTH = 4


# How often `create` chooses a new reply code when another process took the chosen one.
_CODE_TRIES = 3
# How often the memory of fresh previews (`peek`) is swept of expired ones, in seconds.
_PRUNE_EVERY_S = 10.0


class ConfirmationRow(Base):
    __tablename__ = "confirmations"
    __table_args__ = (Index("ix_confirmations_owner_code", "platform", "chat_id", "code"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    code: Mapped[str] = mapped_column(String(8))
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(2), default="zh")
    state: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[float] = mapped_column(Float)  # Unix seconds (unambiguous in SQLite)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
    updated_at: Mapped[float] = mapped_column(Float)
    plan: Mapped[str] = mapped_column(Text)  # JSON: the plan's own serialised form
    result: Mapped[str] = mapped_column(Text, default="")  # JSON, once finished


@dataclass(frozen=True, slots=True)
class Confirmation:
    id: str
    code: str
    platform: str
    chat_id: str
    user_id: str
    lang: str
    state: str
    created_at: float
    expires_at: float
    updated_at: float
    plan: dict[str, Any]
    result: dict[str, Any]

    def expired_at(self, now: datetime) -> bool:
        return now.timestamp() >= self.expires_at

    @property
    def short_id(self) -> str:
        return self.id


def new_id() -> str:
    return secrets.token_urlsafe(16)


def new_code() -> str:
    """Four characters from the unambiguous alphabet with at least one letter and one digit,
    so a code never looks like a ticket number or an English word. Uniform over those codes:
    bytes past the last whole multiple of the alphabet are dropped (no modulo bias), and one
    call to the system's random source serves several tries (one per character cost ~10
    calls a code)."""
    n = len(CODE_ALPHABET)
    limit = 256 - 256 % n
    while True:
        chars = [CODE_ALPHABET[b % n] for b in secrets.token_bytes(4 * CODE_LENGTH) if b < limit]
        for at in range(0, len(chars) - CODE_LENGTH + 1, CODE_LENGTH):
            code = "".join(chars[at : at + CODE_LENGTH])
            if any(c in CODE_LETTERS for c in code) and any(c in CODE_DIGITS for c in code):
                return code


def looks_like_code(text: str) -> bool:
    t = text.upper()
    return (
        len(t) == CODE_LENGTH
        and all(c in CODE_ALPHABET for c in t)
        and any(c in CODE_LETTERS for c in t)
        and any(c in CODE_DIGITS for c in t)
    )


def _to_model(r: Any) -> Confirmation:
    """A confirmation from its row (a Core row or an ORM object: the same attribute names)."""
    return Confirmation(
        id=r.id,
        code=r.code,
        platform=r.platform,
        chat_id=r.chat_id,
        user_id=r.user_id,
        lang=r.lang,
        state=r.state,
        created_at=r.created_at,
        expires_at=r.expires_at,
        updated_at=r.updated_at,
        plan=json.loads(r.plan) if r.plan else {},
        result=json.loads(r.result) if r.result else {},
    )


def _dump_plan(plan: dict[str, Any]) -> str:
    """Strict: a plan is the caller's JSON form (handlers.plans.Plan.to_dict), written before
    anything is sent, so a value that is not JSON is a bug to raise, not to stringify."""
    return json.dumps(plan, ensure_ascii=False, sort_keys=True)


def _dump(obj: dict[str, Any]) -> str:
    """Lenient, for results: they are written after the broker answered, and an odd value in
    its echo of the request must not keep the row from reaching its final state — nor may half
    an emoji in a comment the terminal cut (`storable`)."""
    return storable(json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str))


_TABLE = cast(Table, ConfirmationRow.__table__)
_COLS = _TABLE.c


class CodeTakenError(Exception):
    """Another process gave the same reply code to a live preview in the same chat between
    this one's choice and its write (the store's own codes are never given twice): the preview
    is not stored, and its asker is told to ask again."""


class ConfirmationStore:
    """Every write is one job of the database's one writer (store/db.py): a preview's row can
    go in the same transaction as the step's audit rows (`create_job`, `claim_job`,
    `finish_job` with `AuditLog.write`), and a claim's UPDATE and the read of its outcome are
    one transaction, so no other press can come between them."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # reply codes this store gave to previews, per chat, with their expiry: a new code
        # never repeats one that may still be typed, without asking the database first
        self._live: dict[tuple[str, str], dict[str, float]] = {}
        # previews this store wrote and nothing here moved since, for `peek` (pruned on
        # create): what a ✅ reads before its re-check, without a trip to the database
        self._fresh: dict[str, Confirmation] = {}
        self._pruned_at = 0.0

    def create_job(
        self,
        *,
        platform: str,
        chat_id: str,
        user_id: str,
        lang: str,
        plan: dict[str, Any],
        ttl_s: float,
        now: datetime,
    ) -> tuple[Confirmation, Job]:
        """A new pending confirmation and the job that stores it. The reply code avoids every
        code this store gave that is still live in the chat; the job checks the chat's pending
        rows once more (another process's) and raises `CodeTakenError` on a clash."""
        ts = now.timestamp()
        if ts - self._pruned_at >= _PRUNE_EVERY_S:  # a sweep now and then, not per preview
            self._pruned_at = ts
            # list() copies in one step: the writer's thread adds entries (each job that wrote one)
            for cid in [cid for cid, c in list(self._fresh.items()) if c.expires_at <= ts]:
                self._fresh.pop(cid, None)
        live = self._live.setdefault((platform, chat_id), {})
        for old in [c for c, until in live.items() if until <= ts]:
            del live[old]
        code = new_code()
        while code in live:
            code = new_code()
        live[code] = ts + ttl_s
        conf = Confirmation(
            id=new_id(),
            code=code,
            platform=platform,
            chat_id=chat_id,
            user_id=user_id,
            lang=lang,
            state="pending",
            created_at=ts,
            expires_at=ts + ttl_s,
            updated_at=ts,
            plan=plan,
            result={},
        )
        values = {
            "id": conf.id,
            "code": code,
            "platform": platform,
            "chat_id": chat_id,
            "user_id": user_id,
            "lang": lang,
            "state": "pending",
            "created_at": ts,
            "expires_at": ts + ttl_s,
            "updated_at": ts,
            "plan": _dump_plan(plan),
            "result": "",
        }

        def job(conn: Connection) -> Confirmation:
            clash = conn.execute(
                select(_COLS.id).where(
                    _COLS.platform == platform,
                    _COLS.chat_id == chat_id,
                    _COLS.code == code,
                    _COLS.state == "pending",
                    _COLS.expires_at > ts,
                )
            ).first()
            if clash is not None:
                raise CodeTakenError(f"reply code {code} is live in this chat already")
            conn.execute(insert(_TABLE), values)
            self._fresh[conf.id] = conf
            return conf

        return conf, job

    async def create(
        self,
        *,
        platform: str,
        chat_id: str,
        user_id: str,
        lang: str,
        plan: dict[str, Any],
        ttl_s: float,
        now: datetime,
    ) -> Confirmation:
        """`create_job`, written at once (a clash is chosen around, not raised)."""
        for _ in range(_CODE_TRIES):
            _, job = self.create_job(
                platform=platform,
                chat_id=chat_id,
                user_id=user_id,
                lang=lang,
                plan=plan,
                ttl_s=ttl_s,
                now=now,
            )
            try:
                return await self.db.write(job)
            except CodeTakenError:
                continue  # the code is in `_live` now: the next choice avoids it
        raise CodeTakenError("no free reply code after several tries")

    async def peek(self, cid: str) -> Confirmation | None:
        """The confirmation as a ✅ needs it before its re-check: a preview this store wrote
        and has not moved since comes from memory, anything else from the database. Advisory
        only — the claim's UPDATE decides; what memory tells (owner, expiry) never changes,
        and a row another process moved meanwhile simply fails its claim."""
        conf = self._fresh.get(cid)
        return conf if conf is not None else await self.get(cid)

    async def get(self, cid: str) -> Confirmation | None:
        return await self.db.read(lambda conn: _one(conn, cid))

    async def by_code(self, platform: str, chat_id: str, code: str) -> list[Confirmation]:
        """Every confirmation in this chat that carries `code` (any user, any state), newest
        first: the caller tells "not yours", "expired" and "used" apart."""
        q = (
            select(_TABLE)
            .where(
                _COLS.platform == platform,
                _COLS.chat_id == chat_id,
                _COLS.code == code.upper(),
            )
            .order_by(_COLS.created_at.desc())
        )
        return await self.db.read(lambda conn: [_to_model(r) for r in conn.execute(q)])

    def transition_job(
        self,
        cid: str,
        *,
        platform: str,
        chat_id: str,
        user_id: str,
        now: datetime,
        to_state: State,
        check_expiry: bool,
        result: dict[str, Any] | None = None,
    ) -> Job:
        """pending → `to_state` in one UPDATE … WHERE state='pending' AND owner (AND not
        expired), and the row read back in the same transaction; the job returns
        (status, confirmation): "ok" only for the one caller whose UPDATE changed the row."""
        ts = now.timestamp()
        conds = [
            _COLS.id == cid,
            _COLS.state == "pending",
            _COLS.platform == platform,
            _COLS.chat_id == chat_id,
            _COLS.user_id == user_id,
        ]
        if check_expiry:
            conds.append(_COLS.expires_at > ts)
        values: dict[str, Any] = {"state": to_state, "updated_at": ts}
        if result is not None:
            values["result"] = _dump(result)
        owner = (platform, chat_id, user_id)

        def job(conn: Connection) -> tuple[ClaimStatus, Confirmation | None]:
            changed = _rowcount(conn.execute(update(_TABLE).where(*conds).values(**values)))
            if changed:
                self._fresh.pop(cid, None)
            conf = _one(conn, cid)
            if changed == 1:
                return "ok", conf
            return classify(conf, owner, ts), conf

        return job

    async def _transition(
        self,
        cid: str,
        *,
        platform: str,
        chat_id: str,
        user_id: str,
        now: datetime,
        to_state: State,
        check_expiry: bool,
    ) -> tuple[ClaimStatus, Confirmation | None]:
        job = self.transition_job(
            cid,
            platform=platform,
            chat_id=chat_id,
            user_id=user_id,
            now=now,
            to_state=to_state,
            check_expiry=check_expiry,
        )
        status, conf = await self.db.write(job)
        return status, conf

    def claim_job(
        self, cid: str, *, platform: str, chat_id: str, user_id: str, now: datetime
    ) -> Job:
        """`claim` as a job, to be written with the step's audit rows (the order request)."""
        return self.transition_job(
            cid,
            platform=platform,
            chat_id=chat_id,
            user_id=user_id,
            now=now,
            to_state="executing",
            check_expiry=True,
        )

    async def claim(
        self, cid: str, *, platform: str, chat_id: str, user_id: str, now: datetime
    ) -> tuple[ClaimStatus, Confirmation | None]:
        """pending → executing in one UPDATE … WHERE state='pending' AND owner AND not expired;
        "ok" only for the one caller whose UPDATE changed the row."""
        return await self._transition(
            cid,
            platform=platform,
            chat_id=chat_id,
            user_id=user_id,
            now=now,
            to_state="executing",
            check_expiry=True,
        )

    async def cancel(
        self, cid: str, *, platform: str, chat_id: str, user_id: str, now: datetime
    ) -> tuple[ClaimStatus, Confirmation | None]:
        return await self._transition(
            cid,
            platform=platform,
            chat_id=chat_id,
            user_id=user_id,
            now=now,
            to_state="cancelled",
            check_expiry=False,
        )

    def finish_job(self, cid: str, state: State, result: dict[str, Any], *, now: datetime) -> Job:
        """`finish` as a job, to be written with the step's audit rows (the result)."""
        return _moved(cid, "executing", state, now, result)

    async def finish(
        self, cid: str, state: State, result: dict[str, Any], *, now: datetime
    ) -> bool:
        """executing → a final state, storing the result. Returns False if the row was not
        executing (nothing is changed then)."""
        return bool(await self.db.write(self.finish_job(cid, state, result, now=now)))

    async def release(self, cid: str, *, now: datetime) -> bool:
        """executing → pending, in one UPDATE … WHERE state='executing': the terminal was away
        and nothing was sent (the broker refused before sending), so the preview stays
        confirmable until it expires. Only the claimant calls it, before anything reached the
        terminal; a press meanwhile saw ``executing`` and was told so, and the next press
        claims the row afresh — still one order at most."""
        return bool(await self.db.write(_moved(cid, "executing", "pending", now, None)))

    async def annotate(self, cid: str, result: dict[str, Any], *, now: datetime) -> None:
        """Replace the stored result of a finished row (e.g. an "unknown" order later found)."""
        values = {"result": _dump(result), "updated_at": now.timestamp()}
        await self.db.write(
            lambda conn: conn.execute(update(_TABLE).where(_COLS.id == cid).values(**values))
        )

    async def settle_unknown(
        self, cid: str, state: State, result: dict[str, Any], *, now: datetime
    ) -> bool:
        """unknown → done once a later check finds the order (no order is ever sent here)."""
        return bool(await self.db.write(_moved(cid, "unknown", state, now, result)))

    async def executing(self) -> list[Confirmation]:
        """Every row claimed and not finished (a send in flight, or one a crash interrupted),
        oldest claim first."""
        q = select(_TABLE).where(_COLS.state == "executing").order_by(_COLS.updated_at)
        return await self.db.read(lambda conn: [_to_model(r) for r in conn.execute(q)])

    async def unknown_since(self, since: datetime) -> list[Confirmation]:
        """Rows whose outcome is unknown, settled at or after `since`, oldest first."""
        q = (
            select(_TABLE)
            .where(_COLS.state == "unknown", _COLS.updated_at >= since.timestamp())
            .order_by(_COLS.updated_at)
        )
        return await self.db.read(lambda conn: [_to_model(r) for r in conn.execute(q)])

    async def untold_recoveries(self) -> list[Confirmation]:
        """Rows that recovery settled whose owner has not been told yet, oldest first."""
        q = (
            select(_TABLE)
            .where(
                _COLS.state.in_(("done", "failed", "unknown")),
                _COLS.result.contains(_UNTOLD_MARK, autoescape=True),
            )
            .order_by(_COLS.updated_at)
        )
        found = await self.db.read(lambda conn: [_to_model(r) for r in conn.execute(q)])
        return [c for c in found if _recovery(c).get("told") is False]

    async def mark_told(self, cid: str, *, now: datetime) -> bool:
        """A recovered row's owner has been told: untold → told, once."""

        def job(conn: Connection) -> bool:
            row = conn.execute(select(_COLS.result).where(_COLS.id == cid)).first()
            if row is None:
                return False
            result = json.loads(row.result) if row.result else {}
            rec = result.get(RECOVERY_KEY)
            if not isinstance(rec, dict) or rec.get("told") is not False:
                return False
            rec["told"] = True
            rec["told_at"] = now.timestamp()
            conn.execute(update(_TABLE).where(_COLS.id == cid).values(result=_dump(result)))
            return True

        return bool(await self.db.write(job))

    async def expire_due(self, now: datetime) -> int:
        """Housekeeping: pending rows past their expiry become ``expired``."""
        ts = now.timestamp()
        stmt = (
            update(_TABLE)
            .where(_COLS.state == "pending", _COLS.expires_at <= ts)
            .values(state="expired", updated_at=ts)
        )
        return int(await self.db.write(lambda conn: _rowcount(conn.execute(stmt))))


def classify(conf: Confirmation | None, owner: tuple[str, str, str], ts: float) -> ClaimStatus:
    """Why `owner` cannot move `conf` out of pending now (or "ok" when they can): not found,
    not theirs, expired, or used (pressed already)."""
    if conf is None:
        return "not_found"
    if (conf.platform, conf.chat_id, conf.user_id) != owner:
        return "not_owner"
    if conf.state == "pending" and conf.expires_at > ts:
        return "ok"
    if conf.state in ("pending", "expired"):
        return "expired"
    return "used"


def _moved(
    cid: str, from_state: State, to_state: State, now: datetime, result: dict[str, Any] | None
) -> Job:
    """A job: `from_state` → `to_state` in one UPDATE … WHERE state = from_state; True when it
    changed the row."""
    values: dict[str, Any] = {"state": to_state, "updated_at": now.timestamp()}
    if result is not None:
        values["result"] = _dump(result)
    stmt = update(_TABLE).where(_COLS.id == cid, _COLS.state == from_state).values(**values)
    return lambda conn: _rowcount(conn.execute(stmt)) == 1


def _rowcount(res: Any) -> int:
    return res.rowcount if isinstance(res, CursorResult) else 0


def _one(conn: Connection, cid: str) -> Confirmation | None:
    row = conn.execute(select(_TABLE).where(_COLS.id == cid)).first()
    return None if row is None else _to_model(row)


def _recovery(conf: Confirmation) -> dict[str, Any]:
    rec = conf.result.get(RECOVERY_KEY)
    return rec if isinstance(rec, dict) else {}
