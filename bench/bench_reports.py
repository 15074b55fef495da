"""Reports over 10k, 100k and 1M deals against the terminal's raw hand-over, with peak RSS.

For each size a paper account is written once (N deals = N/2 closed trades on 6 symbols and
3 EAs, with commissions and swaps, all inside last month), then each measurement runs in a
process of its own, so that its peak RSS (`VmHWM`, read by the child itself as it ends) is
its own and not the filler's or another step's:

- **raw**: `history_deals_get` over the month on the opened terminal — the hand-over of a
  tuple of struct sequences, which is what any report has to start from;
- **report**: what `tradechat report` computes — `MT5Broker.deal_columns` (the same call in
  chunks, turned into columns on the worker thread) + `compute_pnl` + the text; the opening of
  the terminal is timed apart;
- **models**: the same report fed from `MT5Broker.deals` (a `Deal` per deal): the path every
  report took before, for comparison;
- **cli** (1M only): `tradechat report monthly --date …` end to end as a user runs it — start-up,
  database, terminal, deals, report, three charts, files written.

Timings are wall-clock medians of the children's own `perf_counter` readings.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
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
OFFSET_H = 2  # paper server clock: UTC+2
FILL_CHUNK = 100_000  # deals written per transaction by the filler
ORDER = 40


def _month() -> tuple[datetime, datetime]:
    """Last month in server time, as UTC instants (the report's period)."""
    first = datetime.now(UTC).date().replace(day=1)
    start = (first - timedelta(days=1)).replace(day=1)
    zone = timedelta(hours=OFFSET_H)
    return (
        datetime.combine(start, datetime.min.time(), UTC) - zone,
        datetime.combine(first, datetime.min.time(), UTC) - zone,
    )


def _deal_rows(first: int, trades: int, total: int, start: datetime, span: float) -> list[dict]:
    """Trades `first`…`first + trades` of `total`, spread evenly over the month."""
    base = int(start.timestamp()) + OFFSET_H * 3600 + 60
    step = (span - 120) / total
    rows: list[dict[str, Any]] = []
    for i in range(first, first + trades):
        sym, price, digits = SYMBOLS[i % len(SYMBOLS)]
        t_in = base + int(i * step)
        t_out = t_in + max(1, int(step * 0.8))
        side = i & 1
        pid = 10_000_000 + i
        common = {"symbol": sym, "magic": 1001 + (i % 3), "position_id": pid,
                  "volume": 0.01 * (1 + i % 10), "reason": 3, "comment": "",
                  "external_id": "", "fee": 0.0}  # fmt: skip
        rows.append({**common, "order": pid, "time": t_in, "time_msc": t_in * 1000,
                     "type": side, "entry": 0, "price": round(price, digits),
                     "commission": -0.35, "swap": 0.0, "profit": 0.0})  # fmt: skip
        rows.append({**common, "order": pid + 50_000_000, "time": t_out,
                     "time_msc": t_out * 1000, "type": 1 - side, "entry": 1,
                     "price": round(price * 1.001, digits), "commission": -0.35,
                     "swap": -0.12 if i % 5 == 0 else 0.0,
                     "profit": round(((i * 7919) % 2001 - 1000) / 10.0, 2)})  # fmt: skip
    return rows


# -- the children ------------------------------------------------------------------------


def _fill(path: Path, deals: int) -> dict[str, Any]:
    from broker.paper import open_paper_terminal

    start, end = _month()
    span = (end - start).total_seconds()
    term = open_paper_terminal(path, balance=0.0, demo_history_days=0)
    t0 = time.perf_counter()
    opening = int(start.timestamp()) + OFFSET_H * 3600 + 1
    deposit = {"order": 0, "time": opening, "time_msc": opening * 1000, "type": 2, "entry": 0,
               "magic": 0, "position_id": 0, "reason": 0, "volume": 0.0, "price": 0.0,
               "commission": 0.0, "swap": 0.0, "profit": 1_000_000.0, "fee": 0.0,
               "symbol": "", "comment": "Deposit", "external_id": ""}  # fmt: skip
    term.bulk_insert_deals([deposit])  # the account's money, before its first trade
    trades = deals // 2
    for first in range(0, trades, FILL_CHUNK // 2):
        n = min(FILL_CHUNK // 2, trades - first)
        term.bulk_insert_deals(_deal_rows(first, n, trades, start, span))
    term.close()
    return {"fill_s": time.perf_counter() - t0}


def _raw(path: Path) -> dict[str, Any]:
    from broker.paper import open_paper_terminal

    start, end = _month()
    t0 = time.perf_counter()
    term = open_paper_terminal(path)
    term.initialize()
    t_open = time.perf_counter() - t0
    lo = int(start.timestamp()) + OFFSET_H * 3600
    hi = int(end.timestamp()) + OFFSET_H * 3600
    t0 = time.perf_counter()
    rows = term.history_deals_get(lo, hi)
    t_raw = time.perf_counter() - t0
    assert rows is not None
    return {"open_s": t_open, "raw_s": t_raw, "rows": len(rows)}


async def _report_async(path: Path, columns: bool) -> dict[str, Any]:
    # numpy is loaded before the clock starts: `tradechat report` has it loaded for its charts
    # by then, and a one-off import is not a cost of the deals
    import numpy  # noqa: F401

    from broker.mt5 import MT5Broker
    from broker.paper import open_paper_terminal
    from reports.periods import Period, TradingCalendar, make_zone
    from reports.pnl import compute_pnl
    from reports.render import pnl_text

    start, end = _month()
    t0 = time.perf_counter()
    term = open_paper_terminal(path)
    # a deadline far off: this measures the cost of a long history, not the deadline
    broker = MT5Broker(term, server_utc_offset_hours=OFFSET_H, query_deadline_s=600)
    await broker.connect()
    t_open = time.perf_counter() - t0
    cal = TradingCalendar(make_zone("server", OFFSET_H), "00:00")
    first = cal.trading_day(start)
    period = Period("month", start, end, first, cal.trading_day(end - timedelta(1)), "bench")
    t0 = time.perf_counter()
    fetch = broker.deal_columns if columns else broker.deals
    deals: Any = await fetch(start, end + timedelta(minutes=1))
    t_fetch = time.perf_counter() - t0
    account = await broker.account()
    t0 = time.perf_counter()
    rep = compute_pnl(deals, period, cal, positions=[], account=account, now=end)
    text = pnl_text(rep, "monthly", "en", "UTC+2")
    t_report = time.perf_counter() - t0
    assert "Realised" in text
    await broker.close()
    term.close()
    return {"open_s": t_open, "fetch_s": t_fetch, "report_s": t_report, "deals": len(deals),
            "trades": rep.trades, "realised": rep.realised}  # fmt: skip


def _report(path: Path, columns: bool) -> dict[str, Any]:
    import asyncio

    return asyncio.run(_report_async(path, columns))


def peak_rss_mb() -> float:
    """This process's own peak RSS (`VmHWM`, of its memory since exec — unlike `ru_maxrss`,
    which keeps the high-water mark of the parent image it was forked from)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _child(role: str, path: str, deals: int) -> None:
    p = Path(path)
    if role == "fill":
        out = _fill(p, deals)
    elif role == "raw":
        out = _raw(p)
    else:
        out = _report(p, columns=role == "report")
    print(json.dumps({**out, "peak_mb": peak_rss_mb()}), flush=True)


# runs `tradechat <args>` and, as it exits, prints its own peak RSS as the last JSON line
_CLI_PROBE = """
import atexit, json, sys
from bench.bench_reports import peak_rss_mb
atexit.register(lambda: print(json.dumps({"peak_mb": peak_rss_mb()}), flush=True))
from bot.cli import main
sys.argv = ["tradechat", *sys.argv[1:]]
sys.exit(main())
"""


# -- the parent --------------------------------------------------------------------------


def measure(argv: list[str], env: dict[str, str] | None = None) -> tuple[dict[str, Any], float]:
    """Run a child; its last JSON stdout line and the peak RSS (MB) it reported there."""
    proc = subprocess.run(argv, stdout=subprocess.PIPE, env=env, text=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"{argv} exited {proc.returncode}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    out = json.loads(lines[-1])
    return out, float(out["peak_mb"])


def _role(role: str, path: Path, deals: int) -> tuple[dict[str, Any], float]:
    return measure([sys.executable, "-m", "bench.bench_reports", role, str(path), str(deals)])


def _median_of(runs: list[tuple[dict[str, Any], float]], key: str) -> float:
    values = sorted(r[0][key] for r in runs)
    return values[len(values) // 2]


def _cli(folder: Path, path: Path) -> tuple[float, float]:
    """`tradechat report monthly` on the account at `path`: wall time and peak RSS."""
    data = folder / "cli-data"
    data.mkdir(exist_ok=True)
    settings = folder / "settings.toml"
    settings.write_text(
        f'[app]\ndata_dir = "{data}"\nlanguage = "en"\n[broker]\nkind = "paper"\n'
        "[broker.paper]\ndemo_history_days = 0\n",
        encoding="utf-8",
    )
    from bot.build import paper_path
    from bot.settings import load_settings

    target = paper_path(load_settings(settings))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    os.link(path, target)
    day = (_month()[0] + timedelta(days=10)).date().isoformat()
    argv = [sys.executable, "-c", _CLI_PROBE, "--config", str(settings), "report", "monthly",
            "--date", day, "--out", str(folder / "out")]  # fmt: skip
    t0 = time.perf_counter()
    _out, rss = measure(argv, env={**os.environ, "TRADECHAT_CONFIG": str(settings)})
    return time.perf_counter() - t0, rss


def run() -> str:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in SIZES:
            path = folder / f"bench-{n}.sqlite"
            print(f"  reports: writing {n:,} deals …", flush=True)
            _role("fill", path, n)
            raw = [_role("raw", path, n) for _ in range(3)]
            rep = [_role("report", path, n) for _ in range(3)]
            models = [_role("models", path, n)]
            row = {
                "deals": raw[0][0]["rows"] - 1,  # the deposit aside
                "trades": rep[0][0]["trades"],
                "raw_s": _median_of(raw, "raw_s"),
                "raw_rss": max(r[1] for r in raw),
                "open_s": _median_of(rep, "open_s"),
                "cols_s": _median_of(rep, "fetch_s"),
                "pnl_s": _median_of(rep, "report_s"),
                "rep_rss": max(r[1] for r in rep),
                "models_s": models[0][0]["fetch_s"] + models[0][0]["report_s"],
                "models_rss": models[0][1],
            }
            assert rep[0][0]["realised"] == models[0][0]["realised"]  # the same numbers
            if n == SIZES[-1]:
                row["cli_s"], row["cli_rss"] = _cli(folder, path)
            print(
                f"    raw {row['raw_s']:.2f} s; report {row['cols_s'] + row['pnl_s']:.2f} s "
                f"({row['rep_rss']:.0f} MB); via Deal models {row['models_s']:.2f} s "
                f"({row['models_rss']:.0f} MB)",
                flush=True,
            )
            rows.append(row)
            path.unlink()
    return _section(rows)


def _section(rows: list[dict[str, Any]]) -> str:
    lines = [
        "## Reports",
        "",
        "A monthly P&L report (totals, per symbol/EA/side, trade stats, daily buckets, balance "
        "curve, drawdown, text) over N deals (N/2 closed trades) held by the paper terminal, "
        "against the terminal's own hand-over of those deals (`history_deals_get`). Each "
        "figure comes from a process of its own; RSS is that process's peak (`VmHWM`), "
        "interpreter and imports included.",
        "",
        "| deals | history_deals_get | its peak RSS | deal_columns | compute + text | "
        "report ÷ hand-over | report peak RSS | via `Deal` models | its peak RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        report_s = r["cols_s"] + r["pnl_s"]
        lines.append(
            f"| {r['deals']:,} | {r['raw_s'] * 1000:,.0f} ms | {r['raw_rss']:,.0f} MB | "
            f"{r['cols_s'] * 1000:,.0f} ms | {r['pnl_s'] * 1000:,.0f} ms | "
            f"{report_s / r['raw_s']:.2f}× | {r['rep_rss']:,.0f} MB | "
            f"{r['models_s'] * 1000:,.0f} ms | {r['models_rss']:,.0f} MB |"
        )
    last = rows[-1]
    lines += [
        "",
        f"Opening the paper terminal on {last['deals']:,} deals: {last['open_s'] * 1000:,.0f} ms "
        "(the history is read on demand, not loaded). `deal_columns` reads the terminal in "
        "chunks of 20,000 deals, so the struct sequences of one chunk are alive at a time; "
        "the raw hand-over holds all of them at once, which is why its RSS is the higher one.",
    ]
    if "cli_s" in last:
        lines += [
            "",
            f"`tradechat report monthly` end to end over {last['deals']:,} deals (start-up, "
            f"database, terminal, report, three charts, files): {last['cli_s']:.2f} s, "
            f"peak RSS {last['cli_rss']:,.0f} MB.",
        ]
    lines += [
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU(s), load average "
        f"{os.getloadavg()[0]:.1f}, Python "
        f"{platform.python_version()}, {platform.system()}; {datetime.now(UTC):%Y-%m-%d}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) == 4:
        _child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
    else:
        print(run())
