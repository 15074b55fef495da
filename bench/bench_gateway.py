"""The gateway's round trip: an httpx client against uvicorn on 127.0.0.1, over an app the
composition root built on the paper terminal — authentication, the rate limit, the audit row,
the broker's worker hop and JSON both ways included. Orders go through the whole chat path
(plan, risk gate, stored confirmation, claim, account lock, re-check, order_send) with an
idempotency key each."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from bot.api.server import start_gateway
from bot.build import build_app, close_app
from bot.settings import Settings

TOKEN_ENV = "TRADECHAT_BENCH_API_TOKEN"
ROUNDS = 200
ORDERS = 100


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


async def _timed(n: int, call: Callable[[], Awaitable[httpx.Response]]) -> list[float]:
    samples: list[float] = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = await call()
        samples.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise RuntimeError(f"{r.status_code}: {r.text[:200]}")
    return samples


async def _bench(folder: Path) -> list[tuple[str, int, list[float]]]:
    os.environ[TOKEN_ENV] = uuid.uuid4().hex * 2
    settings = Settings(
        app={"data_dir": folder},
        broker={"paper": {"demo_history_days": 0}},
        risk={"max_open_positions": 10_000, "max_total_lots_per_symbol": 10_000},
        api={
            "listen_port": 0,
            "requests_per_minute": 100_000,
            "burst": 10_000,
            "tokens": [{"name": "bench", "token_env": TOKEN_ENV, "scopes": ["read", "trade"]}],
        },
    )
    app = await build_app(settings)
    server = await start_gateway(app)
    headers = {"Authorization": f"Bearer {os.environ[TOKEN_ENV]}"}
    base = f"http://127.0.0.1:{server.port}/api/v1"
    rows: list[tuple[str, int, list[float]]] = []
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
            await http.get("/account")  # warm: the first request imports and connects
            rows.append(
                ("GET /account", ROUNDS, await _timed(ROUNDS, lambda: http.get("/account")))
            )
            rows.append(
                ("GET /positions", ROUNDS, await _timed(ROUNDS, lambda: http.get("/positions")))
            )
            body = {"symbol": "EURUSD", "type": "buy", "volume": 0.01}

            def order() -> Awaitable[httpx.Response]:
                key = {"Idempotency-Key": uuid.uuid4().hex}
                return http.post("/order/open", json=body, headers=key)

            rows.append(("POST /order/open", ORDERS, await _timed(ORDERS, order)))
    finally:
        await server.stop()
        await close_app(app)
        os.environ.pop(TOKEN_ENV, None)
    return rows


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        rows = asyncio.run(_bench(Path(tmp)))
    lines = [
        "## gateway",
        "",
        "Round trips through the REST gateway (httpx → uvicorn on 127.0.0.1 → paper terminal), "
        "one request at a time.",
        "",
        "| request | n | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for name, n, samples in rows:
        lines.append(f"| {name} | {n} | {_pct(samples, 0.5):.2f} | {_pct(samples, 0.99):.2f} |")
    return "\n".join(lines) + "\n"
