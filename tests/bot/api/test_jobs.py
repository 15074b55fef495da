"""Reports as jobs over the gateway: started at once, then running → completed with the report
text and its charts, listed per token, kept in the database and pruned."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta

from store.jobs import JobStore
from tests.bot.api.conftest import ADMIN, SCRIPTS, GatewayWorld

WAIT_S = 60.0


async def _finished(gw: GatewayWorld, job_id: str, token: str) -> dict[str, object]:
    async with asyncio.timeout(WAIT_S):
        while True:
            r = await gw.get(f"/api/v1/jobs/{job_id}", token=token)
            data: dict[str, object] = r.json()["data"]
            if data["status"] != "running":
                return data
            await asyncio.sleep(0.05)


async def test_a_monthly_report_job_runs_and_completes_with_text_and_charts(
    gw: GatewayWorld,
) -> None:
    r = await gw.post("/api/v1/reports", {"kind": "monthly", "lang": "en"}, token=SCRIPTS)
    assert r.status_code == 202
    started = r.json()["data"]
    assert started["status"] == "running"
    job = await _finished(gw, started["job_id"], SCRIPTS)
    assert job["status"] == "completed", job
    assert job["completed_at"] is not None
    result = job["result"]
    assert isinstance(result, dict)
    assert result["text"]
    for chart in result["charts"]:
        assert base64.b64decode(chart["base64"]).startswith(b"\x89PNG")


async def test_jobs_are_listed_per_token_and_an_admin_sees_all(gw: GatewayWorld) -> None:
    mine = (await gw.post("/api/v1/reports", {"kind": "hedge"}, token=SCRIPTS)).json()["data"]
    await _finished(gw, mine["job_id"], SCRIPTS)
    assert [j["job_id"] for j in (await gw.get("/api/v1/jobs")).json()["data"]] == []
    listed = (await gw.get("/api/v1/jobs", token=SCRIPTS)).json()["data"]
    assert [j["job_id"] for j in listed] == [mine["job_id"]]
    assert len((await gw.get("/api/v1/jobs", token=ADMIN)).json()["data"]) == 1
    assert (await gw.get(f"/api/v1/jobs/{mine['job_id']}")).status_code == 404
    assert (await gw.get("/api/v1/jobs/nope", token=SCRIPTS)).status_code == 404


async def test_a_bad_report_kind_is_400(gw: GatewayWorld) -> None:
    r = await gw.post("/api/v1/reports", {"kind": "yearly"}, token=SCRIPTS)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_request"


async def test_jobs_left_running_fail_at_start_and_old_ones_are_pruned(gw: GatewayWorld) -> None:
    store = JobStore(gw.app.db)
    now = datetime.now(UTC)
    stale = await store.create("report", "scripts", {"kind": "daily"}, now=now)
    assert await store.interrupted(now=now, error="stopped") == 1
    job = await store.get(stale.id)
    assert job is not None
    assert job.status == "failed"
    assert job.error == "stopped"
    assert await store.prune(now=now + timedelta(days=8), keep_days=7) >= 1
    assert await store.get(stale.id) is None
