"""MT5Broker over the paper terminal: latency of each verb through the worker thread, and how
long the event loop is held while trading (it should not be)."""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from broker.mt5 import MT5Broker
from broker.mt5.worker import Worker
from broker.paper import PaperTerminal


async def _timed(n: int, fn: Callable[[], Awaitable[Any]]) -> list[float]:
    out: list[float] = []
    for _ in range(n):
        t0 = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t0) * 1e6)
    return out


def _row(name: str, n: int, samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return f"| {name} | {n} | {statistics.median(samples):,.0f} | {p95:,.0f} |"


async def _bench() -> str:
    rows: list[str] = []
    worker = Worker()
    hop = await _timed(5000, lambda: worker.call(int))
    worker.shutdown()
    rows.append(_row("worker hop (no API call)", 5000, hop))
    print("  worker hop done", flush=True)

    term = PaperTerminal(None)
    broker = MT5Broker(term, magic=1)
    await broker.connect()
    rows.append(_row("quote XAUUSD", 2000, await _timed(2000, lambda: broker.quote("XAUUSD"))))
    rows.append(_row("account", 2000, await _timed(2000, broker.account)))

    async def round_trip() -> None:
        r = await broker.open_market("EURUSD", "buy", 0.01)
        if not r.ok or r.ticket is None:
            raise RuntimeError(f"{r.retcode} {r.note}")
        c = await broker.close_position(r.ticket)
        if not c.ok:
            raise RuntimeError(f"{c.retcode} {c.note}")

    # the loop's longest stall while orders run, measured by a 1 ms ticker
    stalls: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            stalls.append((now - last) * 1000)
            last = now

    task = asyncio.create_task(ticker())
    trips = await _timed(300, round_trip)
    done.set()
    await task
    rows.append(_row("open_market + close_position", 300, trips))
    print("  round trips done", flush=True)

    for _ in range(50):
        await broker.open_market("XAUUSD", "buy", 0.01)
    rows.append(_row("positions (50 open)", 500, await _timed(500, broker.positions)))
    await broker.close()
    term.close()

    from broker.paper.demo import seed_demo_history

    hist = PaperTerminal(None)
    hist.initialize()
    t0 = time.perf_counter()
    seed_demo_history(hist, days=60)
    print(f"  demo history seeded in {time.perf_counter() - t0:.1f} s", flush=True)
    broker = MT5Broker(hist)
    await broker.connect()
    now = datetime.now(UTC)
    deals = await broker.deals(now - timedelta(days=61), now + timedelta(days=1))
    rows.append(
        _row(
            f"deals over 60 days ({len(deals)} deals)",
            20,
            await _timed(
                20, lambda: broker.deals(now - timedelta(days=61), now + timedelta(days=1))
            ),
        )
    )
    await broker.close()
    hist.close()

    lines = [
        "## Broker adapter (MT5Broker over the paper terminal)",
        "",
        "Every call crosses to the single MT5 worker thread and back; times in microseconds.",
        "",
        "| operation | n | median µs | p95 µs |",
        "|---|---:|---:|---:|",
        *rows,
        "",
        f"Longest event-loop stall while 300 order round trips ran: {max(stalls):.1f} ms "
        f"(a 1 ms ticker; median gap {statistics.median(stalls):.2f} ms).",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()},"
        " in-memory paper terminal.",
    ]
    return "\n".join(lines) + "\n"


def run() -> str:
    return asyncio.run(_bench())


if __name__ == "__main__":
    print(run())
