"""Long work run as jobs (the gateway's `POST /api/v1/reports` → `GET /api/v1/jobs/{id}`):
one row per job with its kind, parameters, who asked, its status (running → completed |
failed), when it was created and finished, and its result or error. Kept in the database, so
a job's outcome survives a restart; a job still `running` when the process stopped is marked
failed at the next start (`interrupted`), never left running forever. Finished jobs older than
the settings' days are pruned.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import DateTime, String, Text, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base, Database

JobStatus = Literal["running", "completed", "failed"]


class JobRow(Base):
    __tablename__ = "api_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(64), index=True)  # the caller's name
    params: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    result: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    kind: str
    owner: str
    params: dict[str, Any]
    status: JobStatus
    created_at: datetime
    completed_at: datetime | None
    result: dict[str, Any] | None
    error: str | None


def _to_job(r: JobRow) -> Job:
    return Job(
        id=r.id,
        kind=r.kind,
        owner=r.owner,
        params=json.loads(r.params or "{}"),
        status=r.status,  # type: ignore[arg-type]
        created_at=r.created_at,
        completed_at=r.completed_at,
        result=json.loads(r.result) if r.result else None,
        error=r.error or None,
    )


def new_job_id() -> str:
    return secrets.token_urlsafe(12)  # 96 random bits: ids cannot be guessed or enumerated


class JobStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, kind: str, owner: str, params: dict[str, Any], *, now: datetime) -> Job:
        row = JobRow(
            id=new_job_id(),
            kind=kind,
            owner=owner,
            params=json.dumps(params, ensure_ascii=False, default=str),
            status="running",
            created_at=now,
        )
        async with self.db.session() as s:
            s.add(row)
            await s.commit()
            return _to_job(row)

    async def complete(self, job_id: str, result: dict[str, Any], *, now: datetime) -> None:
        await self._finish(job_id, "completed", now, result=json.dumps(result, ensure_ascii=False))

    async def fail(self, job_id: str, error: str, *, now: datetime) -> None:
        await self._finish(job_id, "failed", now, error=error)

    async def _finish(self, job_id: str, status: JobStatus, now: datetime, **values: str) -> None:
        async with self.db.session() as s:
            await s.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == "running")
                .values(status=status, completed_at=now, **values)
            )
            await s.commit()

    async def get(self, job_id: str) -> Job | None:
        async with self.db.session() as s:
            row = await s.get(JobRow, job_id)
            return None if row is None else _to_job(row)

    async def list(self, owner: str | None = None, limit: int = 100) -> list[Job]:
        """Newest first; `owner` None: everybody's."""
        q = select(JobRow).order_by(JobRow.created_at.desc()).limit(limit)
        if owner is not None:
            q = q.where(JobRow.owner == owner)
        async with self.db.session() as s:
            return [_to_job(r) for r in (await s.scalars(q)).all()]

    async def interrupted(self, *, now: datetime, error: str) -> int:
        """Jobs a stopped process left `running` are failed: nothing runs them any more."""
        async with self.db.session() as s:
            res = await s.execute(
                update(JobRow)
                .where(JobRow.status == "running")
                .values(status="failed", completed_at=now, error=error)
            )
            await s.commit()
            return int(getattr(res, "rowcount", 0) or 0)

    async def prune(self, *, now: datetime, keep_days: int) -> int:
        async with self.db.session() as s:
            res = await s.execute(
                delete(JobRow).where(
                    JobRow.status != "running",
                    JobRow.created_at < now - timedelta(days=keep_days),
                )
            )
            await s.commit()
            return int(getattr(res, "rowcount", 0) or 0)
