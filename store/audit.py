"""The append-only audit log: every message, intent, decision, order request, broker result
and push. Rows are only ever inserted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Float, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base, Database


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
        text = (
            detail
            if isinstance(detail, str)
            else json.dumps(detail or {}, ensure_ascii=False, default=str, sort_keys=True)
        )
        async with self.db.session() as s:
            s.add(
                AuditRow(
                    at=datetime.now(UTC),
                    event=event,
                    platform=platform,
                    chat_id=chat_id,
                    user_id=user_id,
                    detail=text,
                    duration_ms=duration_ms,
                )
            )
            await s.commit()

    async def record_many(self, events: list[dict[str, Any]]) -> None:
        """Several events in one transaction (one commit instead of one per event). Each dict
        takes `record`'s keyword arguments plus `event` and, optionally, `at` (when it
        happened; default now)."""
        if not events:
            return
        now = datetime.now(UTC)
        async with self.db.session() as s:
            for ev in events:
                detail = ev.get("detail")
                s.add(
                    AuditRow(
                        at=ev.get("at") or now,
                        event=ev["event"],
                        platform=ev.get("platform", ""),
                        chat_id=ev.get("chat_id", ""),
                        user_id=ev.get("user_id", ""),
                        detail=detail
                        if isinstance(detail, str)
                        else json.dumps(
                            detail or {}, ensure_ascii=False, default=str, sort_keys=True
                        ),
                        duration_ms=ev.get("duration_ms"),
                    )
                )
            await s.commit()

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
