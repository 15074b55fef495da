"""Trade proposals: an order asked for by a program (a gateway token with confirm = "chat", an
MCP client) that waits for its owner's ✅ in chat. One row per proposal links the id the
program holds to the confirmation shown in the owner's chat. The confirmation's own id stays in
the chat (it is the button's callback data); the program only ever sees the proposal id, and
asks `handlers/proposals.py` what became of it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base, Database


class ProposalRow(Base):
    __tablename__ = "api_proposals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    confirmation_id: Mapped[str] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(String(16))  # "api", "mcp"
    caller: Mapped[str] = mapped_column(String(64), index=True)  # the token's name
    owner_platform: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    intent: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True, slots=True)
class ProposalRecord:
    id: str
    confirmation_id: str
    source: str
    caller: str
    owner_platform: str
    owner_id: str
    chat_id: str
    intent: dict[str, Any]
    created_at: datetime


def _to_record(r: ProposalRow) -> ProposalRecord:
    return ProposalRecord(
        id=r.id,
        confirmation_id=r.confirmation_id,
        source=r.source,
        caller=r.caller,
        owner_platform=r.owner_platform,
        owner_id=r.owner_id,
        chat_id=r.chat_id,
        intent=json.loads(r.intent),
        created_at=r.created_at,
    )


class ProposalStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        *,
        confirmation_id: str,
        source: str,
        caller: str,
        owner: tuple[str, str],
        chat_id: str,
        intent: dict[str, Any],
        now: datetime,
    ) -> ProposalRecord:
        row = ProposalRow(
            id=secrets.token_urlsafe(12),
            confirmation_id=confirmation_id,
            source=source,
            caller=caller,
            owner_platform=owner[0],
            owner_id=owner[1],
            chat_id=chat_id,
            intent=json.dumps(intent, ensure_ascii=False, sort_keys=True),
            created_at=now,
        )
        async with self.db.session() as s:
            s.add(row)
            await s.commit()
            return _to_record(row)

    async def get(self, proposal_id: str) -> ProposalRecord | None:
        async with self.db.session() as s:
            row = await s.get(ProposalRow, proposal_id)
            return None if row is None else _to_record(row)
