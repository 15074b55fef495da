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
from typing import Any, Literal

from sqlalchemy import Float, Index, String, Text, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapped, mapped_column

from store.audit import storable
from store.db import Base, Database

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


# How often a claim or cancel is tried again when it lost to a press that then released the
# row (`release`); past that the row is being pressed over and over and the press is "used".
_RELEASE_RETRIES = 3


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
    so a code never looks like a ticket number or an English word."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
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


def _to_model(r: ConfirmationRow) -> Confirmation:
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


class ConfirmationStore:
    def __init__(self, db: Database) -> None:
        self.db = db

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
        ts = now.timestamp()
        async with self.db.session() as s:
            taken = set(
                (
                    await s.scalars(
                        select(ConfirmationRow.code).where(
                            ConfirmationRow.platform == platform,
                            ConfirmationRow.chat_id == chat_id,
                            ConfirmationRow.state == "pending",
                            ConfirmationRow.expires_at > ts,
                        )
                    )
                ).all()
            )
            code = new_code()
            while code in taken:
                code = new_code()
            row = ConfirmationRow(
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
                plan=_dump_plan(plan),
                result="",
            )
            s.add(row)
            await s.commit()
            return _to_model(row)

    async def get(self, cid: str) -> Confirmation | None:
        async with self.db.session() as s:
            row = await s.get(ConfirmationRow, cid)
            return None if row is None else _to_model(row)

    async def by_code(self, platform: str, chat_id: str, code: str) -> list[Confirmation]:
        """Every confirmation in this chat that carries `code` (any user, any state), newest
        first: the caller tells "not yours", "expired" and "used" apart."""
        async with self.db.session() as s:
            rows = (
                await s.scalars(
                    select(ConfirmationRow)
                    .where(
                        ConfirmationRow.platform == platform,
                        ConfirmationRow.chat_id == chat_id,
                        ConfirmationRow.code == code.upper(),
                    )
                    .order_by(ConfirmationRow.created_at.desc())
                )
            ).all()
            return [_to_model(r) for r in rows]

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
        ts = now.timestamp()
        conds = [
            ConfirmationRow.id == cid,
            ConfirmationRow.state == "pending",
            ConfirmationRow.platform == platform,
            ConfirmationRow.chat_id == chat_id,
            ConfirmationRow.user_id == user_id,
        ]
        if check_expiry:
            conds.append(ConfirmationRow.expires_at > ts)
        for _ in range(_RELEASE_RETRIES):
            async with self.db.session() as s:
                res = await s.execute(
                    update(ConfirmationRow).where(*conds).values(state=to_state, updated_at=ts)
                )
                await s.commit()
                changed = res.rowcount if isinstance(res, CursorResult) else 0
            conf = await self.get(cid)
            if changed == 1:
                return "ok", conf
            # Pending again and live: another press held it and `release`d it between our
            # UPDATE and this read (the terminal was away). This press is as good as that one.
            live = (
                conf is not None
                and conf.state == "pending"
                and conf.expires_at > ts
                and (conf.platform, conf.chat_id, conf.user_id) == (platform, chat_id, user_id)
            )
            if not live:
                break
        if conf is None:
            return "not_found", None
        if (conf.platform, conf.chat_id, conf.user_id) != (platform, chat_id, user_id):
            return "not_owner", conf
        if conf.state == "pending" and conf.expires_at > ts:
            return "used", conf
        if conf.state == "pending" or conf.state == "expired":
            return "expired", conf
        return "used", conf

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

    async def finish(
        self, cid: str, state: State, result: dict[str, Any], *, now: datetime
    ) -> bool:
        """executing → a final state, storing the result. Returns False if the row was not
        executing (nothing is changed then)."""
        async with self.db.session() as s:
            res = await s.execute(
                update(ConfirmationRow)
                .where(ConfirmationRow.id == cid, ConfirmationRow.state == "executing")
                .values(state=state, result=_dump(result), updated_at=now.timestamp())
            )
            await s.commit()
            return isinstance(res, CursorResult) and res.rowcount == 1

    async def release(self, cid: str, *, now: datetime) -> bool:
        """executing → pending, in one UPDATE … WHERE state='executing': the terminal was away
        and nothing was sent (the re-check could not reach it, or the broker refused before
        sending), so the preview stays confirmable until it expires. Only the claimant calls
        it, before anything reached the terminal; a press meanwhile saw ``executing`` and was
        told so, and the next press claims the row afresh — still one order at most."""
        async with self.db.session() as s:
            res = await s.execute(
                update(ConfirmationRow)
                .where(ConfirmationRow.id == cid, ConfirmationRow.state == "executing")
                .values(state="pending", updated_at=now.timestamp())
            )
            await s.commit()
            return isinstance(res, CursorResult) and res.rowcount == 1

    async def annotate(self, cid: str, result: dict[str, Any], *, now: datetime) -> None:
        """Replace the stored result of a finished row (e.g. an "unknown" order later found)."""
        async with self.db.session() as s:
            await s.execute(
                update(ConfirmationRow)
                .where(ConfirmationRow.id == cid)
                .values(result=_dump(result), updated_at=now.timestamp())
            )
            await s.commit()

    async def settle_unknown(
        self, cid: str, state: State, result: dict[str, Any], *, now: datetime
    ) -> bool:
        """unknown → done once a later check finds the order (no order is ever sent here)."""
        async with self.db.session() as s:
            res = await s.execute(
                update(ConfirmationRow)
                .where(ConfirmationRow.id == cid, ConfirmationRow.state == "unknown")
                .values(state=state, result=_dump(result), updated_at=now.timestamp())
            )
            await s.commit()
            return isinstance(res, CursorResult) and res.rowcount == 1

    async def executing(self) -> list[Confirmation]:
        """Every row claimed and not finished (a send in flight, or one a crash interrupted),
        oldest claim first."""
        async with self.db.session() as s:
            rows = (
                await s.scalars(
                    select(ConfirmationRow)
                    .where(ConfirmationRow.state == "executing")
                    .order_by(ConfirmationRow.updated_at)
                )
            ).all()
            return [_to_model(r) for r in rows]

    async def unknown_since(self, since: datetime) -> list[Confirmation]:
        """Rows whose outcome is unknown, settled at or after `since`, oldest first."""
        async with self.db.session() as s:
            rows = (
                await s.scalars(
                    select(ConfirmationRow)
                    .where(
                        ConfirmationRow.state == "unknown",
                        ConfirmationRow.updated_at >= since.timestamp(),
                    )
                    .order_by(ConfirmationRow.updated_at)
                )
            ).all()
            return [_to_model(r) for r in rows]

    async def untold_recoveries(self) -> list[Confirmation]:
        """Rows that recovery settled whose owner has not been told yet, oldest first."""
        async with self.db.session() as s:
            rows = (
                await s.scalars(
                    select(ConfirmationRow)
                    .where(
                        ConfirmationRow.state.in_(("done", "failed", "unknown")),
                        ConfirmationRow.result.contains(_UNTOLD_MARK, autoescape=True),
                    )
                    .order_by(ConfirmationRow.updated_at)
                )
            ).all()
        found = [_to_model(r) for r in rows]
        return [c for c in found if _recovery(c).get("told") is False]

    async def mark_told(self, cid: str, *, now: datetime) -> bool:
        """A recovered row's owner has been told: untold → told, once."""
        async with self.db.session() as s:
            row = await s.get(ConfirmationRow, cid)
            if row is None:
                return False
            result = json.loads(row.result) if row.result else {}
            rec = result.get(RECOVERY_KEY)
            if not isinstance(rec, dict) or rec.get("told") is not False:
                return False
            rec["told"] = True
            rec["told_at"] = now.timestamp()
            row.result = _dump(result)
            await s.commit()
            return True

    async def expire_due(self, now: datetime) -> int:
        """Housekeeping: pending rows past their expiry become ``expired``."""
        ts = now.timestamp()
        async with self.db.session() as s:
            res = await s.execute(
                update(ConfirmationRow)
                .where(ConfirmationRow.state == "pending", ConfirmationRow.expires_at <= ts)
                .values(state="expired", updated_at=ts)
            )
            await s.commit()
            return res.rowcount if isinstance(res, CursorResult) else 0


def _recovery(conf: Confirmation) -> dict[str, Any]:
    rec = conf.result.get(RECOVERY_KEY)
    return rec if isinstance(rec, dict) else {}
