"""Report cost against the cost of getting the deals: 10k, 100k and 1M deals.

For each size the paper terminal is filled with in/out deal pairs (`bulk_insert_deals`, 6
symbols, 3 EAs, 30 days, commissions and swaps), then we time
  - `history_deals_get` on the terminal itself (the raw hand-over of struct tuples),
  - `MT5Broker.deals` (the same call plus conversion to `Deal` models, on its worker thread),
  - `compute_pnl` over those deals (the whole report: totals, per symbol/EA/side, daily,
    trade stats, balance curve) and the text rendering,
and the peak memory of the report step (tracemalloc, in a separate run so that tracing does
not slow the timed one). Charts are a constant cost (they draw aggregates), timed once.
"""

from __future__ import annotations

import asyncio
import gc
import os
import platform
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SIZES = (10_000, 100_000, 1_000_000)  # deals (half of them closing a trade)
SYMBOLS = (
    ("EURUSD", 1.08, 5),
    ("GBPUSD", 1.27, 5),
    ("USDJPY", 150.0, 3),
    ("XAUUSD", 2900.0, 2),
    ("BTCUSD", 87000.0, 2),
    ("US30", 42000.0, 1),
)
OFFSET_S = 2 * 3600  # paper server clock: UTC+2


def _deal_rows(trades: int, end_utc: datetime) -> list[dict[str, Any]]:
    """`trades` closed trades = 2 × trades deals, spread evenly over the 30 days before end."""
    span = 30 * 86400
    end_server = int(end_utc.timestamp()) + OFFSET_S
    rows: list[dict[str, Any]] = []
    step = span / trades
    for i in range(trades):
        sym, price, digits = SYMBOLS[i % len(SYMBOLS)]
        t_in = end_server - span + int(i * step)
        t_out = t_in + max(1, int(step * 0.8))
        side = i & 1
        pid = 10_000_000 + i
        magic = 1001 + (i % 3)
        vol = 0.01 * (1 + i % 10)
        profit = round(((i * 7919) % 2001 - 1000) / 10.0, 2)
        common = {"symbol": sym, "magic": magic, "position_id": pid, "volume": vol,
                  "reason": 3, "comment": "", "external_id": "", "fee": 0.0}  # fmt: skip
        rows.append({**common, "order": pid, "time": t_in, "time_msc": t_in * 1000,
                     "type": side, "entry": 0, "price": round(price, digits),
                     "commission": -0.35, "swap": 0.0, "profit": 0.0})  # fmt: skip
        rows.append({**common, "order": pid + 50_000_000, "time": t_out,
                     "time_msc": t_out * 1000, "type": 1 - side, "entry": 1,
                     "price": round(price * 1.001, digits), "commission": -0.35,
                     "swap": -0.12 if i % 5 == 0 else 0.0, "profit": profit})  # fmt: skip
    return rows


def _time(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


async def _one(trades: int, folder: Path) -> dict[str, Any]:
    from broker.mt5 import MT5Broker
    from broker.paper import open_paper_terminal
    from reports.periods import Period, TradingCalendar, make_zone
    from reports.pnl import compute_pnl
    from reports.render import pnl_text

    end = datetime.now(UTC).replace(microsecond=0)
    term = open_paper_terminal(folder / f"bench-{trades}.sqlite", demo_history_days=0)
    t_fill, _ = _time(lambda: term.bulk_insert_deals(_deal_rows(trades, end)))
    broker = MT5Broker(term, server_utc_offset_hours=2)
    await broker.connect()
    start = end - timedelta(days=31)
    t_raw, raw = _time(lambda: term.history_deals_get(start, end + timedelta(days=1)))
    n_raw = len(raw)
    del raw
    t0 = time.perf_counter()
    deals = await broker.deals(start, end + timedelta(days=1))
    t_fetch = time.perf_counter() - t0
    account = await broker.account()
    cal = TradingCalendar(make_zone("server", 2), "00:00")
    period = Period("custom", start, end, cal.trading_day(start), cal.trading_day(end), "bench")

    def report() -> str:
        rep = compute_pnl(deals, period, cal, positions=[], account=account)
        return pnl_text(rep, "monthly", "en", "UTC+2")

    gc.collect()
    t_report, text = _time(report)
    assert "Realised" in text
    gc.collect()
    tracemalloc.start()
    report()
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await broker.close()
    term.close()
    n = len(deals)
    deals = []
    gc.collect()
    return {
        "trades": trades,
        "deals": n,
        "raw": n_raw,
        "fill": t_fill,
        "t_raw": t_raw,
        "t_fetch": t_fetch,
        "t_report": t_report,
        "peak_mb": peak / 1e6,
    }


def _chart_time() -> float:
    from reports import charts
    from reports.periods import TradingCalendar, make_zone
    from reports.pnl import compute_pnl

    cal = TradingCalendar(make_zone("server", 2))
    now = datetime.now(UTC)
    rep = compute_pnl([], cal.month(cal.trading_day(now)), cal)
    rep.daily = [(d, float((i * 37) % 200 - 100)) for i, (d, _) in enumerate(rep.daily)]
    t0 = time.perf_counter()
    charts.daily_pnl_chart(rep, "zh")
    return time.perf_counter() - t0


def run() -> str:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            print(f"  reports: {n:,} deals …", flush=True)
            r = asyncio.run(_one(n // 2, Path(tmp)))
            print(
                f"    fetch {r['t_fetch']:.2f} s, report {r['t_report']:.2f} s, "
                f"peak {r['peak_mb']:.0f} MB",
                flush=True,
            )
            rows.append(r)
    chart_s = _chart_time()
    lines = [
        "## Reports",
        "",
        "P&L report (totals, per symbol/EA/side, trade stats, daily buckets, balance curve, "
        "text) over N deals (N/2 closed trades) held by the paper terminal, against the time "
        "the terminal takes to hand them over. Peak memory is the report step alone "
        "(tracemalloc); the deals it reads are already in memory.",
        "",
        "| deals | closed trades | history_deals_get | MT5Broker.deals (+ conversion) | "
        "report | report ÷ deals fetch | report peak memory |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = r["t_report"] / r["t_fetch"] if r["t_fetch"] else float("nan")
        lines.append(
            f"| {r['deals']:,} | {r['trades']:,} | {r['t_raw'] * 1000:,.0f} ms | "
            f"{r['t_fetch'] * 1000:,.0f} ms | {r['t_report'] * 1000:,.0f} ms | "
            f"{ratio:.2f} | {r['peak_mb']:.1f} MB |"
        )
    lines += [
        "",
        f"One chart (1080×720 PNG, Agg): {chart_s * 1000:.0f} ms, independent of the number "
        "of deals. All sizes go through the paper terminal (no shortcut for 1M). The paper "
        "terminal's `history_deals_get` is a slice of tuples it already holds, so the fair "
        "comparison is with `MT5Broker.deals`, which adds the worker-thread hop and the "
        "conversion to `Deal` models that every report needs.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU(s), Python "
        f"{platform.python_version()}, {platform.system()}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
