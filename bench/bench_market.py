"""Market-data costs for 1,000 bars: each indicator through TA-Lib (with the facts read from
it), key levels (swing levels, volume profile), and a K-line chart drawn to PNG — plain, with
overlays and panels, with position and level lines — plus the whole `MarketData` path over
the paper terminal (`MT5Broker.rates` → compute → draw).

The first call of each pays for its import (talib, mplfinance, pandas) and the font cache;
that cold time is reported apart from the warm median."""

from __future__ import annotations

import asyncio
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from broker.models import Bar

BARS = 1000
REPEAT = 5


def _bars(n: int = BARS, seed: int = 11) -> list[Bar]:
    rnd = random.Random(seed)
    t0 = datetime(2026, 1, 5, tzinfo=UTC)
    out, price = [], 2650.0
    for i in range(n):
        o = price
        c = o + rnd.gauss(0, 3)
        h = max(o, c) + abs(rnd.gauss(0, 1.5))
        lo = min(o, c) - abs(rnd.gauss(0, 1.5))
        out.append(Bar(t0 + timedelta(hours=i), o, h, lo, c, rnd.randint(50, 500)))
        price = c
    return out


def _timed(fn: Callable[[], Any], repeat: int = REPEAT) -> tuple[float, float]:
    """(cold ms, warm median ms)."""
    samples = []
    for _ in range(repeat + 1):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples[0], statistics.median(samples[1:])


def _spec(bars: list[Bar], **kw: Any) -> Any:
    from reports.kline import KlineSpec, KlineText

    text = KlineText("XAUUSD · H1", "01-05 – 02-15 (UTC)", "Volume", "Volume profile", "Value area")
    return KlineSpec(bars=bars, text=text, lang="en", digits=2, **kw)


def _service_ms() -> tuple[float, float]:
    from broker.mt5 import MT5Broker
    from broker.paper import PaperTerminal
    from handlers.market import MarketData

    async def once(market: MarketData) -> None:
        await market.chart("XAUUSD", "H1", BARS, ["MA", "MACD"], "en")

    async def go() -> tuple[float, float]:
        term = PaperTerminal(None, seed=7)
        broker = MT5Broker(term, magic=1, server_utc_offset_hours=2)
        await broker.connect()
        market = MarketData(broker)
        samples = []
        for _ in range(REPEAT + 1):
            t0 = time.perf_counter()
            await once(market)
            samples.append((time.perf_counter() - t0) * 1000)
        await broker.close()
        term.close()
        return samples[0], statistics.median(samples[1:])

    return asyncio.run(go())


def run() -> str:
    from reports.indicators import INDICATORS, compute
    from reports.kline import ChartLine, kline_chart
    from reports.levels import find_levels

    bars = _bars()
    rows = []
    for name in INDICATORS:
        cold, warm = _timed(lambda name=name: compute(name, bars))  # type: ignore[misc]
        rows.append((f"indicator {name} (+ facts)", cold, warm))
        print(f"  {name}: {warm:.2f} ms", flush=True)
    rows.append(("key levels (swings + profile)", *_timed(lambda: find_levels("X", "H1", bars))))
    lv = find_levels("XAUUSD", "H1", bars)
    results = [compute(n, bars) for n in ("MA", "BOLL", "MACD", "RSI")]
    last = bars[-1].close
    lines = [ChartLine(last - 10, "Long 0.10", "buy"), ChartLine(last - 25, "SL", "sl"),
             ChartLine(last + 15, "TP", "tp")]  # fmt: skip
    lines += [ChartLine(x.price, "S", "support") for x in lv.supports]
    charts = {
        "chart, plain": _spec(bars),
        "chart, MA+BOLL overlays, MACD+RSI panels": _spec(bars, indicators=results),
        "chart, position and level lines, profile": _spec(bars, lines=lines, profile=lv.profile),
    }
    for name, spec in charts.items():
        rows.append((name, *_timed(lambda spec=spec: kline_chart(spec), repeat=3)))  # type: ignore[misc]
        print(f"  {name}: {rows[-1][2]:.0f} ms", flush=True)
    rows.append(("MarketData.chart over the paper terminal (MA, MACD)", *_service_ms()))
    out = [
        "## Market data",
        "",
        f"{BARS:,} H1 bars. Cold = the first call (imports, font cache); warm = the median of "
        f"the next {REPEAT} (3 for charts). Charts are 1000 px wide PNGs (Agg).",
        "",
        "| what | cold | warm |",
        "|---|---:|---:|",
    ]
    out += [f"| {name} | {cold:,.1f} ms | {warm:,.1f} ms |" for name, cold, warm in rows]
    out += [
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU(s), Python "
        f"{platform.python_version()}.",
    ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(run())
