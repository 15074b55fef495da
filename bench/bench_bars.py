"""Paper terminal bars: M1 sampled from the price path, every higher timeframe aggregated from
M1 (completed hours cached). Cold = a fresh terminal, warm = the same call again."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from broker.paper import PaperTerminal

T0 = 1_773_144_000.0 + 1800  # 2026-03-10 12:30 UTC, a Tuesday


def _ms(fn: Callable[[], Any], n: int = 1) -> list[float]:
    out: list[float] = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _row(name: str, samples: list[float]) -> str:
    return (
        f"| {name} | {len(samples)} | {statistics.median(samples):.2f} ms | {max(samples):.2f} ms |"
    )


def run() -> str:
    rows: list[str] = []
    cases = [
        ("M1 × 1000", 1, 0, 1000),
        ("H1 × 100", 16385, 0, 100),
        ("H1 × 1000", 16385, 0, 1000),
        ("D1 × 100", 16408, 0, 100),
        ("W1 × 52", 32769, 0, 52),
    ]
    for name, tf, pos, count in cases:
        print(f"bars: {name} …", flush=True)
        term = PaperTerminal(None, clock=lambda: T0)
        term.initialize()
        cold = _ms(lambda tf=tf, pos=pos, count=count, term=term: term.copy_rates_from_pos(
            "XAUUSD", tf, pos, count))  # fmt: skip
        warm = _ms(
            lambda tf=tf, pos=pos, count=count, term=term: term.copy_rates_from_pos(
                "XAUUSD", tf, pos, count
            ),
            5,
        )
        rows.append(_row(f"copy_rates_from_pos {name}, cold", cold))
        rows.append(_row(f"copy_rates_from_pos {name}, warm", warm))
    term = PaperTerminal(None, clock=lambda: T0)
    term.initialize()
    term.copy_rates_from_pos("XAUUSD", 16408, 0, 1)
    # MT5Broker.quote reads today's D1 bar for the day's change: its cost on a warm terminal
    rows.append(_row("today's D1 bar (quote's day open), warm", _ms(
        lambda: term.copy_rates_from_pos("XAUUSD", 16408, 0, 1), 20)))  # fmt: skip
    head = "## bench_bars\n\n| case | runs | median | max |\n| --- | --- | --- | --- |\n"
    return head + "\n".join(rows) + "\n"
