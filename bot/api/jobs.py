"""Long work as jobs: a report is started, answered at once with its id, and run in the
background; its row (store/jobs.py) says running / completed / failed, when, and holds the
result (the report text and its charts as base64 PNGs) or a plain error. Jobs a stopped
process left running are marked failed at the next start; finished ones are pruned after
`[api] jobs_keep_days`."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from broker.errors import BrokerError
from handlers.broker_text import note_text
from handlers.i18n import t
from handlers.report_service import ReportAnswer, ReportService
from store.jobs import Job, JobStore

log = logging.getLogger(__name__)

PRUNE_EVERY = timedelta(hours=1)


def report_result(answer: ReportAnswer) -> dict[str, Any]:
    return {
        "ok": answer.ok,
        "text": answer.text,
        "markdown": answer.markdown,
        "period": answer.period_key,
        "charts": [
            {
                "name": image.name,
                "caption": image.caption,
                "content_type": "image/png",
                "base64": base64.b64encode(image.data).decode("ascii"),
            }
            for image in answer.images
        ],
    }


class JobRunner:
    def __init__(
        self,
        store: JobStore,
        reports: ReportService,
        *,
        keep_days: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.reports = reports
        self.keep_days = keep_days
        self.clock = clock
        self._tasks: set[asyncio.Task[None]] = set()
        self._pruned_at: datetime | None = None

    async def open(self) -> None:
        """At start: what a stopped process left running failed; old jobs go."""
        n = await self.store.interrupted(now=self.clock(), error=t("en", "gw_job_interrupted"))
        if n:
            log.warning("%d job(s) were running when the gateway last stopped: marked failed", n)
        await self._prune()

    async def start(self, kind: str, params: dict[str, Any], *, owner: str) -> Job:
        await self._prune()
        job = await self.store.create(kind, owner, params, now=self.clock())
        task = asyncio.create_task(self._run(job), name=f"job {job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def _run(self, job: Job) -> None:
        try:
            result = await self._report(job.params)
        except asyncio.CancelledError:
            await self.store.fail(job.id, t("en", "gw_job_interrupted"), now=self.clock())
            raise
        except BrokerError as exc:
            await self.store.fail(job.id, note_text(exc.note, "en"), now=self.clock())
        except Exception:
            log.exception("job %s (%s) failed", job.id, job.kind)
            await self.store.fail(job.id, t("en", "gw_job_failed"), now=self.clock())
        else:
            await self.store.complete(job.id, result, now=self.clock())

    async def _report(self, p: dict[str, Any]) -> dict[str, Any]:
        kind, lang = str(p["kind"]), p.get("lang", "en")
        if kind == "pnl":
            answer = await self.reports.pnl(
                period=p.get("period"), symbol=p.get("symbol"), magic=p.get("magic"), lang=lang
            )
        else:
            answer = await self.reports.report(
                kind=kind, period=p.get("period"), lang=lang, charts=bool(p.get("charts", True))
            )
        return report_result(answer)

    async def _prune(self) -> None:
        now = self.clock()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        await self.store.prune(now=now, keep_days=self.keep_days)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
