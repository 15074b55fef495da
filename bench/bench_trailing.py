"""The trailing-stop job's cost per tick (handlers/trailing.py: TrailingKeeper.tick) on the
paper terminal through MT5Broker and a SQLite file: 50 trailed positions on 5 symbols, ticks
where every stop moves and ticks where none does (the common case between price moves)."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from broker.mt5 import MT5Broker
from broker.paper import PaperTerminal
from handlers.trailing import TrailingKeeper, pip_size
from store.db import Database, sqlite_url
from store.trailing import Trailing, TrailingStore

T0 = 1_773_144_000.0  # 2026-03-10 12:00 UTC, a Tuesday
SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "BTCUSD")
POSITIONS = 50
TICKS = 20


async def _setup(folder: Path) -> tuple[PaperTerminal, MT5Broker, Database, dict[str, float]]:
    term = PaperTerminal(None, seed=3, clock=lambda: T0)
    broker = MT5Broker(term, magic=1, server_utc_offset_hours=2, clock=lambda: T0)
    await broker.connect()
    db = await Database.open(sqlite_url(folder / "bench.sqlite"))
    store = TrailingStore(db)
    bids: dict[str, float] = {}
    for i in range(POSITIONS):
        symbol = SYMBOLS[i % len(SYMBOLS)]
        q = await broker.quote(symbol)
        bids[symbol] = q.bid
        term.set_price(symbol, q.bid)
        res = await broker.open_market(symbol, "buy", 0.01)
        assert res.ticket is not None
        spec = await broker.symbol_spec(symbol)
        await store.put(
            Trailing(res.ticket, symbol, "buy", 100.0, 1.0, None, pip_size(symbol, spec),
                     "bench", "1", "1", "en", "bench", datetime.now(UTC))
        )  # fmt: skip
    return term, broker, db, bids


async def _ticks(moving: bool) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        term, broker, db, bids = await _setup(Path(tmp))
        keeper = TrailingKeeper(broker, TrailingStore(db))
        await keeper.tick()  # the first stops are set
        samples: list[float] = []
        for n in range(TICKS):
            if moving:  # every symbol up by 20 pips: every stop follows
                for symbol in SYMBOLS:
                    spec = await broker.symbol_spec(symbol)
                    term.set_price(symbol, bids[symbol] + (n + 1) * 20 * pip_size(symbol, spec))
            t0 = time.perf_counter()
            await keeper.tick()
            samples.append((time.perf_counter() - t0) * 1000)
        await broker.close()
        await db.close()
        return samples


def _row(name: str, samples: list[float]) -> str:
    s = sorted(samples)
    p95 = s[min(len(s) - 1, int(len(s) * 0.95))]
    return f"| {name} | {len(s)} | {statistics.median(s):.1f} ms | {p95:.1f} ms |"


def run() -> str:
    still = asyncio.run(_ticks(moving=False))
    moving = asyncio.run(_ticks(moving=True))
    return "\n".join(
        [
            "## bench_trailing",
            "",
            f"One tick of the trailing-stop job, {POSITIONS} trailed positions on "
            f"{len(SYMBOLS)} symbols (paper terminal, MT5Broker worker, SQLite file).",
            "",
            "| tick | n | median | p95 |",
            "|---|---|---|---|",
            _row("no stop moves", still),
            _row(f"all {POSITIONS} stops move", moving),
            "",
        ]
    )


if __name__ == "__main__":
    print(run())
