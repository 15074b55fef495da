"""Paper terminal costs: order_send (in memory and on a SQLite file), history_deals_get over
ranges of 10k and 100k deals, and reopening a file that holds 100k deals."""

from __future__ import annotations

import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from broker.paper import PaperTerminal

T0 = 1_773_144_000.0  # 2026-03-10 12:00 UTC


class _Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        return self.t


def _timed(n: int, fn: Callable[[], Any]) -> list[float]:
    out: list[float] = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e6)
    return out


def _row(name: str, n: int, samples: list[float], unit: str = "µs") -> str:
    s = sorted(samples)
    p95 = s[min(len(s) - 1, int(len(s) * 0.95))]
    if unit == "ms":
        return f"| {name} | {n} | {statistics.median(s) / 1000:.2f} ms | {p95 / 1000:.2f} ms |"
    return f"| {name} | {n} | {statistics.median(s):.0f} µs | {p95:.0f} µs |"


def _order_send_pairs(term: PaperTerminal, clock: _Clock, pairs: int) -> list[float]:
    """Open and close 0.01 EURUSD `pairs` times; one sample per order_send."""
    samples: list[float] = []
    base = {"action": 1, "symbol": "EURUSD", "volume": 0.01, "type_filling": 0, "magic": 1}
    for _ in range(pairs):
        clock.t += 1.0
        t0 = time.perf_counter()
        opened = term.order_send({**base, "type": 0})
        samples.append((time.perf_counter() - t0) * 1e6)
        t0 = time.perf_counter()
        closed = term.order_send({**base, "type": 1, "position": opened.order})
        samples.append((time.perf_counter() - t0) * 1e6)
        assert closed.retcode == 10009
    return samples


def _fake_deals(n: int, start: int, rng: random.Random) -> list[dict[str, Any]]:
    symbols = ["XAUUSD", "EURUSD", "GBPUSD", "USDJPY", "BTCUSD"]
    deals: list[dict[str, Any]] = []
    for i in range(n):
        deals.append({
            "order": 50_000_000 + i, "time": start + i * 30, "time_msc": (start + i * 30) * 1000,
            "type": i % 2, "entry": 1 if i % 2 else 0, "magic": 1001 + (i % 3) * 1001,
            "position_id": 60_000_000 + i // 2, "reason": 3, "volume": 0.01, "price": 1.1,
            "commission": -0.04, "swap": 0.0, "profit": round(rng.uniform(-5, 5), 2) if i % 2 else 0.0,
            "fee": 0.0, "symbol": symbols[i % len(symbols)], "comment": "bench", "external_id": "",
        })  # fmt: skip
    return deals


def run() -> str:
    rows: list[str] = []
    rng = random.Random(1)

    print("paper: order_send in memory …", flush=True)
    clock = _Clock()
    mem = PaperTerminal(None, clock=clock)
    mem.initialize()
    mem.set_price("EURUSD", 1.10000)
    _order_send_pairs(mem, clock, 50)  # warm up
    rows.append(
        _row("order_send (market open/close, in memory)", 4000, _order_send_pairs(mem, clock, 2000))
    )

    with tempfile.TemporaryDirectory() as tmp:
        print("paper: order_send on a SQLite file …", flush=True)
        fclock = _Clock()
        path = Path(tmp) / "paper.sqlite"
        disk = PaperTerminal(path, clock=fclock)
        disk.initialize()
        disk.set_price("EURUSD", 1.10000)
        rows.append(
            _row(
                "order_send (market open/close, SQLite file)",
                1000,
                _order_send_pairs(disk, fclock, 500),
            )
        )

        for size in (10_000, 100_000):
            print(f"paper: history_deals_get over {size} deals …", flush=True)
            term = PaperTerminal(None, clock=_Clock())
            term.initialize()
            start = int(T0) - size * 30
            term.bulk_insert_deals(_fake_deals(size, start, rng))
            end = int(T0) + 86_400
            got = term.history_deals_get(start, end)
            assert got is not None
            assert len(got) == size + 1
            reps = 30 if size == 10_000 else 10
            rows.append(_row(f"history_deals_get(range) → {size:,} deals", reps,
                             _timed(reps, lambda s=start, e=end, t=term: t.history_deals_get(s, e)),
                             unit="ms"))  # fmt: skip
            rows.append(_row(f"history_deals_get(range, group=\"XAUUSD\") of {size:,}", reps,
                             _timed(reps, lambda s=start, e=end, t=term: t.history_deals_get(s, e, group="XAUUSD")),
                             unit="ms"))  # fmt: skip
            day_from = int(T0) - 86_400
            rows.append(_row(f"history_deals_get(last day) of {size:,}", 200,
                             _timed(200, lambda d=day_from, e=end, t=term: t.history_deals_get(d, e))))  # fmt: skip
            rows.append(_row(f"history_deals_get(position=…) of {size:,}", 1000,
                             _timed(1000, lambda t=term: t.history_deals_get(position=60_000_123))))  # fmt: skip

        print("paper: reopening a file with 100k deals …", flush=True)
        big = Path(tmp) / "big.sqlite"
        writer = PaperTerminal(big, clock=_Clock())
        writer.bulk_insert_deals(_fake_deals(100_000, int(T0) - 3_000_000, rng))
        writer.close()
        t0 = time.perf_counter()
        reader = PaperTerminal(big, clock=_Clock())
        reopen_ms = (time.perf_counter() - t0) * 1000
        reader.close()
        rows.append(f"| open (restart) with 100,000 deals on file | 1 | {reopen_ms:.0f} ms | — |")

    cpu = platform.processor() or platform.machine()
    return "\n".join([
        "## Paper terminal",
        "",
        "| operation | n | median | p95 |",
        "|---|---|---|---|",
        *rows,
        "",
        f"Machine: {platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}. order_send samples include the lazy event pass "
        "(SL/TP, pending orders, swaps, stop-out) and the write-through to SQLite (WAL, "
        "synchronous=NORMAL); history_deals_get returns a tuple of TradeDeal structs.",
    ])  # fmt: skip


if __name__ == "__main__":
    print(run())
