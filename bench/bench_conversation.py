"""What a trader feels: a preview and a ✅ at 1 chat and at 100 concurrent chats, on a paper
account that has booked a grid EA's day — 2,000 deals today, seeded through the paper
terminal's own `order_send` — and what the daily-loss check costs with 0 and with 2,000 deals.

Latency is `Conversation.handle(Incoming)` → the returned answer: parse, auth, broker calls,
risk checks, the app database (the confirmation and the audit log) included. The ✅'s overhead
is its latency less the time spent inside the terminal's `order_send`. Per step it also counts
what the app database was asked: thread hops (to aiosqlite's threads and to the writer's and
readers' threads), statements and commits, and how much of the step's time was spent inside
terminal calls (the broker's part; the rest is ours).

`python -m bench.bench_conversation` runs it alone; `make bench` runs it with the others.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite.core
from sqlalchemy import event

from broker.mt5 import MT5Broker
from broker.paper import PaperTerminal
from broker.paper.constants import MT5Constants as c
from handlers.auth import UserRule
from handlers.config import ConversationConfig, RiskLimits, TradingConfig
from handlers.conversation import Conversation, build_conversation
from handlers.messages import Incoming, Outgoing
from handlers.report_service import ReportConfig, ReportService
from nlp.parser import IntentParser
from nlp.rules import RuleParser
from store.db import Database, sqlite_url

CHATS = 100
DEALS_TODAY = 2_000
ONE_CHAT_ROUNDS = int(os.environ.get("BENCH_CONV_ROUNDS", "200"))
MANY_CHAT_ROUNDS = 3  # previews per chat at 100 chats, then a ✅ on each
PREVIEW_TEXT = "买0.01手欧美"
DAILY_CHECKS = 2_000


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


class TimedTerminal:
    """The paper terminal behind a stopwatch: how long each step spent inside terminal calls
    (the broker's own part), and inside `order_send` alone."""

    def __init__(self, target: PaperTerminal) -> None:
        self._target = target
        self.calls = 0
        self.seconds = 0.0
        self.order_send_s = 0.0

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            finally:
                dt = time.perf_counter() - t0
                self.calls += 1
                self.seconds += dt
                if name == "order_send":
                    self.order_send_s += dt

        return call


@dataclass
class DbCount:
    hops: int = 0
    statements: int = 0
    commits: int = 0

    def minus(self, other: DbCount) -> DbCount:
        return DbCount(
            self.hops - other.hops,
            self.statements - other.statements,
            self.commits - other.commits,
        )


@dataclass
class DbCounter:
    """Counts what the app database is asked, whatever the store's shape: every hop to an
    aiosqlite connection thread, every hop of the store's own writer/readers (`Database.stats`
    when it has them), every statement and commit on every engine it has."""

    db: Database
    aiosqlite_hops: int = 0
    statements: int = 0
    commits: int = 0
    _undo: list[Callable[[], None]] = field(default_factory=list)

    @contextmanager
    def counting(self) -> Iterator[DbCounter]:
        original = aiosqlite.core.Connection._execute
        counter = self

        async def counted(conn: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
            counter.aiosqlite_hops += 1
            return await original(conn, fn, *args, **kwargs)

        aiosqlite.core.Connection._execute = counted  # type: ignore[method-assign]
        engines = [self.db.engine.sync_engine]
        engines += [e for e in (getattr(self.db, "_writer_engine", None),) if e is not None]
        engines += [e for e in (getattr(self.db, "_reader_engine", None),) if e is not None]

        def statement(*_: Any) -> None:
            counter.statements += 1

        def commit(*_: Any) -> None:
            counter.commits += 1

        for engine in engines:
            event.listen(engine, "before_cursor_execute", statement)
            event.listen(engine, "commit", commit)
        try:
            yield self
        finally:
            aiosqlite.core.Connection._execute = original  # type: ignore[method-assign]
            for engine in engines:
                event.remove(engine, "before_cursor_execute", statement)
                event.remove(engine, "commit", commit)

    def now(self) -> DbCount:
        stats = getattr(self.db, "stats", None)
        own = int(getattr(stats, "hops", 0))
        return DbCount(self.aiosqlite_hops + own, self.statements, self.commits)


@dataclass
class Step:
    """One kind of step measured: latencies (ms), per-step database counts, terminal time."""

    name: str
    chats: int
    lat: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    db: DbCount = field(default_factory=DbCount)
    terminal_ms: float = 0.0  # in terminal calls, per step
    overhead: list[float] = field(default_factory=list)  # ✅: latency less order_send
    cpu: list[float] = field(default_factory=list)  # ms of the process's CPU (all threads)

    def row(self) -> str:
        n = len(self.lat)
        rate = n / self.wall_s if self.wall_s else 0.0
        per = DbCount(*(round(v / max(n, 1), 1) for v in vars(self.db).values()))  # type: ignore[arg-type]
        over = f"{_pct(self.overhead, 0.5):.2f}" if self.overhead else "—"
        cpu = f"{_pct(self.cpu, 0.5):.2f}" if self.cpu else "—"
        return (
            f"| {self.name} | {self.chats} | {n} | {rate:,.0f} | {_pct(self.lat, 0.5):.2f} | "
            f"{_pct(self.lat, 0.99):.2f} | {over} | {cpu} | {self.terminal_ms:.2f} | "
            f"{per.hops:g} / {per.statements:g} / {per.commits:g} |"
        )


class SeedClock:
    """The paper terminal's clock: spread over the trading day so far while the grid EA's
    deals are seeded (a day's deals are not booked in one second), the real time after."""

    def __init__(self) -> None:
        self.at: float | None = None

    def __call__(self) -> float:
        return time.time() if self.at is None else self.at


def seed_deals_today(term: PaperTerminal, clock: SeedClock, n: int) -> None:
    """`n` deals booked through the terminal's own API over the trading day so far: `n / 2`
    EURUSD round trips of a grid EA (magic 777), each an open and a close."""
    now = time.time()
    # the trading day began at 00:00 server time (UTC+2), at most 24 h ago
    day_start = (now + 2 * 3600) // 86_400 * 86_400 - 2 * 3600
    step = max((now - 60 - day_start) / max(n, 1), 0.001)
    for i in range(n // 2):
        grid_round_trip(term, clock, day_start + 2 * i * step, day_start + (2 * i + 1) * step)


def grid_round_trip(
    term: PaperTerminal, clock: SeedClock, opened_at: float | None, closed_at: float | None
) -> None:
    """One EURUSD round trip of the grid EA: an open at `opened_at` and its close at
    `closed_at` (None: now)."""
    info = term.symbol_info("EURUSD")
    mask = int(info.filling_mode) if info is not None else 1
    base = {
        "action": c.TRADE_ACTION_DEAL,
        "symbol": "EURUSD",
        "volume": 0.01,
        "magic": 777,
        "deviation": 1000,
        "type_filling": c.ORDER_FILLING_FOK if mask & 1 else c.ORDER_FILLING_IOC,
        "comment": "grid",
    }
    clock.at = opened_at
    opened = term.order_send({**base, "type": c.ORDER_TYPE_BUY})
    if opened is None or opened.retcode != c.TRADE_RETCODE_DONE:
        raise RuntimeError(f"seeding a deal failed: {opened}")
    ticket = next(p.ticket for p in term.positions_get() or () if p.magic == 777)
    clock.at = closed_at
    closed = term.order_send({**base, "type": c.ORDER_TYPE_SELL, "position": ticket})
    if closed is None or closed.retcode != c.TRADE_RETCODE_DONE:
        raise RuntimeError(f"seeding a deal failed: {closed}")
    clock.at = None


class Rig:
    """A paper account with `deals` deals today and a conversation on it, as the app builds it."""

    def __init__(self, tmp: Path, deals: int) -> None:
        self.clock = SeedClock()
        self.clock.at = time.time() - 86_400  # the account's deposit, before the day began
        self.term = PaperTerminal(
            tmp / "paper.sqlite", seed=7, balance=1_000_000_000.0, clock=self.clock
        )
        self.term.initialize()
        seed_deals_today(self.term, self.clock, deals)
        self.clock.at = None
        self.timed = TimedTerminal(self.term)
        self.broker = MT5Broker(self.timed, magic=20260001, server_utc_offset_hours=2)
        self.tmp = tmp

    async def open(self) -> None:
        await self.broker.connect()
        self.db = await Database.open(sqlite_url(self.tmp / "tradechat.sqlite"))
        users = tuple(UserRule("bench", str(i), "trader") for i in range(CHATS))
        config = ConversationConfig(
            users=users,
            messages_per_minute=None,
            trading=TradingConfig(confirm_ttl_s=3_600, max_price_drift_points=100_000),
            risk=RiskLimits(
                max_lots_per_order=10,
                max_total_lots_per_symbol=1e6,
                max_open_positions=10**6,
                max_daily_loss=1e12,
            ),
        )
        self.reports = ReportService(
            self.broker, self.db, ReportConfig(server_utc_offset_hours=2, charts=False)
        )
        self.conv: Conversation = build_conversation(
            broker=self.broker,
            parser=IntentParser(RuleParser()),
            db=self.db,
            config=config,
            reports=self.reports,
        )
        self.counter = DbCounter(self.db)

    async def close(self) -> None:
        await self.broker.close()
        await self.db.close()
        self.term.close()


async def _round(rig: Rig, chat: int, k: int, preview: Step, confirm: Step) -> None:
    """One preview and its ✅ in chat `chat`."""
    user = str(chat)
    t0 = time.perf_counter()
    out = await rig.conv.handle(Incoming("bench", user, user, text=PREVIEW_TEXT))
    preview.lat.append((time.perf_counter() - t0) * 1000)
    _expect(bool(out and out[0].buttons), out)
    t0 = time.perf_counter()
    done = await rig.conv.handle(
        Incoming("bench", user, user, button_id=out[0].buttons[0].id, message_id=f"m{k}")
    )
    confirm.lat.append((time.perf_counter() - t0) * 1000)
    _expect(bool(done and "已成交" in done[0].text), done)


def _expect(ok: bool, out: list[Outgoing]) -> None:
    """A bench that measured wrong answers would measure nothing: stop with what came back."""
    if not ok:
        raise RuntimeError("unexpected answer: " + " / ".join(o.text[:160] for o in out))


async def one_chat(rig: Rig) -> tuple[Step, Step]:
    preview, confirm = Step("preview", 1), Step("✅ → order_send", 1)
    await _round(rig, 0, -1, Step("warm", 1), Step("warm", 1))  # first use: the day is rebuilt
    for k in range(ONE_CHAT_ROUNDS):
        before, term_before = rig.counter.now(), rig.timed.seconds
        user = "1"
        c0, t0 = time.process_time(), time.perf_counter()
        out = await rig.conv.handle(Incoming("bench", user, user, text=PREVIEW_TEXT))
        preview.lat.append((time.perf_counter() - t0) * 1000)
        preview.cpu.append((time.process_time() - c0) * 1000)
        preview.wall_s += time.perf_counter() - t0
        preview.db = _add(preview.db, rig.counter.now().minus(before))
        preview.terminal_ms += (rig.timed.seconds - term_before) * 1000
        _expect(bool(out and out[0].buttons), out)
        before, term_before = rig.counter.now(), rig.timed.seconds
        sent_before = rig.timed.order_send_s
        c0, t0 = time.process_time(), time.perf_counter()
        done = await rig.conv.handle(
            Incoming("bench", user, user, button_id=out[0].buttons[0].id, message_id=f"m{k}")
        )
        ms = (time.perf_counter() - t0) * 1000
        confirm.lat.append(ms)
        confirm.cpu.append((time.process_time() - c0) * 1000)
        confirm.wall_s += ms / 1000
        confirm.overhead.append(ms - (rig.timed.order_send_s - sent_before) * 1000)
        confirm.db = _add(confirm.db, rig.counter.now().minus(before))
        confirm.terminal_ms += (rig.timed.seconds - term_before) * 1000
        _expect(bool(done and "已成交" in done[0].text), done)
    preview.terminal_ms /= ONE_CHAT_ROUNDS
    confirm.terminal_ms /= ONE_CHAT_ROUNDS
    return preview, confirm


async def many_chats(rig: Rig) -> tuple[Step, Step]:
    """All 100 chats at once: first each makes its previews, then each presses ✅ on every
    one of them (opens serialise on the account's lock, by design: handlers/exposure.py)."""
    preview, confirm = Step("preview", CHATS), Step("✅ → order_send", CHATS)
    buttons: dict[int, list[str]] = {i: [] for i in range(CHATS)}

    async def previews(i: int) -> None:
        user = str(i)
        for _ in range(MANY_CHAT_ROUNDS):
            t0 = time.perf_counter()
            out = await rig.conv.handle(Incoming("bench", user, user, text=PREVIEW_TEXT))
            preview.lat.append((time.perf_counter() - t0) * 1000)
            _expect(bool(out and out[0].buttons), out)
            buttons[i].append(out[0].buttons[0].id)

    async def confirms(i: int) -> None:
        user = str(i)
        for k, button in enumerate(buttons[i]):
            t0 = time.perf_counter()
            done = await rig.conv.handle(
                Incoming("bench", user, user, button_id=button, message_id=f"m{k}")
            )
            confirm.lat.append((time.perf_counter() - t0) * 1000)
            _expect(bool(done and "已成交" in done[0].text), done)

    for step, phase in ((preview, previews), (confirm, confirms)):
        before, term_before = rig.counter.now(), rig.timed.seconds
        t0 = time.perf_counter()
        await asyncio.gather(*(phase(i) for i in range(CHATS)))
        step.wall_s = time.perf_counter() - t0
        step.db = rig.counter.now().minus(before)
        step.terminal_ms = (rig.timed.seconds - term_before) * 1000 / len(step.lat)
    return preview, confirm


async def paced_previews(rig: Rig, rate: float) -> Step:
    """100 chats sending previews at `rate` a second in all (each chat one every
    100/rate s, the chats' turns spread evenly): the latency a chat sees at that load, as
    opposed to all chats' messages arriving in the same instant (where latency is the queue:
    100 in flight at 250/s wait 0.4 s on average, Little's law)."""
    step = Step(f"preview at {rate:.0f}/s offered", CHATS)
    per_chat = 5
    period = CHATS / rate
    loop = asyncio.get_running_loop()
    begin = loop.time() + 0.05

    async def chat(i: int) -> None:
        user = str(i)
        for k in range(per_chat):
            await asyncio.sleep(max(0.0, begin + i * period / CHATS + k * period - loop.time()))
            t0 = time.perf_counter()
            out = await rig.conv.handle(Incoming("bench", user, user, text=PREVIEW_TEXT))
            step.lat.append((time.perf_counter() - t0) * 1000)
            _expect(bool(out and out[0].buttons), out)

    before, term_before = rig.counter.now(), rig.timed.seconds
    t0 = time.perf_counter()
    await asyncio.gather(*(chat(i) for i in range(CHATS)))
    step.wall_s = time.perf_counter() - t0
    step.db = rig.counter.now().minus(before)
    step.terminal_ms = (rig.timed.seconds - term_before) * 1000 / len(step.lat)
    return step


def _add(a: DbCount, b: DbCount) -> DbCount:
    return DbCount(a.hops + b.hops, a.statements + b.statements, a.commits + b.commits)


async def daily_check_cost(rig: Rig) -> tuple[float, float, float]:
    """µs per daily-loss check as the risk gate makes it (the plan's positions and account
    in hand): while nothing was booked, and right after a deal (one look for new deals);
    and per whole recomputation (`ReportService.day_pnl`, what it replaced)."""
    try:
        from handlers.day_pnl import DayPnlTracker
    except ImportError:  # a tree before the tracker (`make bench` on an older commit)
        return float("nan"), float("nan"), await _full_day_pnl_cost(rig)
    tracker = DayPnlTracker(rig.reports)
    positions = await rig.broker.positions()
    account = await rig.broker.account()
    now = datetime.now(UTC)
    await tracker(positions=positions, account=account, now=now)  # the day's one rebuild
    t0 = time.perf_counter()
    for _ in range(DAILY_CHECKS):
        await tracker(positions=positions, account=account, now=now)
    lookup = (time.perf_counter() - t0) / DAILY_CHECKS * 1e6
    after_deal = 0.0
    rounds = 20
    for _ in range(rounds):
        grid_round_trip(rig.term, rig.clock, None, None)  # two deals now: the balance moves
        account = await rig.broker.account()
        t0 = time.perf_counter()
        await tracker(positions=positions, account=account)
        after_deal += time.perf_counter() - t0
    return lookup, after_deal / rounds * 1e6, await _full_day_pnl_cost(rig)


async def _full_day_pnl_cost(rig: Rig, n: int = 50) -> float:
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    for _ in range(n):
        await rig.reports.day_pnl(now)
    return (time.perf_counter() - t0) / n * 1e6


async def _scenario(deals: int) -> tuple[list[Step], tuple[float, float, float]]:
    """Each block on a fresh account with `deals` deals today and no open position, so one
    block's positions (every ✅ opens one) do not weigh on the next block's checks."""
    steps: list[Step] = []
    daily = (float("nan"),) * 3
    blocks = ("1 chat", "100 chats at once", "100 chats paced")
    for block in blocks:
        with tempfile.TemporaryDirectory() as tmp:
            rig = Rig(Path(tmp), deals)
            await rig.open()
            try:
                with rig.counter.counting():
                    if block == "1 chat":
                        daily = await daily_check_cost(rig)
                        steps += await one_chat(rig)
                    elif block == "100 chats at once":
                        steps += await many_chats(rig)
                    else:
                        steps.append(await paced_previews(rig, 250.0))
            finally:
                await rig.close()
    return steps, daily


def run() -> str:
    print(f"conversation: 1 and {CHATS} chats, {DEALS_TODAY} deals today", flush=True)
    steps, daily_full_day = asyncio.run(_scenario(DEALS_TODAY))
    print("conversation: the daily-loss check on an empty day", flush=True)
    _, daily_empty = asyncio.run(_scenario_daily_only(0))
    lines = [
        "## Conversation: preview and ✅ (Incoming → answer)",
        "",
        f"A paper account with {DEALS_TODAY:,} deals today (a grid EA's day, booked through the "
        "paper terminal's `order_send`), `MT5Broker`, the rule parser, SQLite (confirmations + "
        "audit log): everything a real message goes through. At 100 chats all chats make "
        f"{MANY_CHAT_ROUNDS} previews each at once, then press ✅ on each of them at once; last, "
        "the 100 chats send previews at 250/s in all, each chat in its turn. Each block starts "
        "on a fresh account (2,000 deals today, no open position).",
        "",
        "| step | chats | messages | /s | p50 ms | p99 ms | ✅ overhead p50 ms | CPU p50 ms "
        "| in terminal ms | db hops / statements / commits per step |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    lines += [s.row() for s in steps]
    lines += [
        "",
        "✅ overhead = the ✅'s latency less the time inside the terminal's `order_send` "
        '(measured alone, at 1 chat). "in terminal" = time inside terminal calls per step. '
        "CPU = the process's CPU time (every thread) per step, which a loaded machine does not "
        "inflate the way it does latency. At 100 chats the database counts are per step too.",
        "",
        "| daily-loss check | 0 deals today | 2,000 deals today |",
        "|---|---:|---:|",
        f"| kept up to date (`DayPnlTracker`), nothing booked since, µs | {daily_empty[0]:.1f} "
        f"| {daily_full_day[0]:.1f} |",
        f"| kept up to date, right after a deal (one look for new deals), µs | "
        f"{daily_empty[1]:,.0f} | {daily_full_day[1]:,.0f} |",
        f"| recomputed whole (`ReportService.day_pnl`), µs | {daily_empty[2]:,.0f} | "
        f"{daily_full_day[2]:,.0f} |",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; medians of {ONE_CHAT_ROUNDS} rounds at 1 chat "
        f"(stdev of the preview {statistics.pstdev(steps[0].lat):.2f} ms).",
    ]
    return "\n".join(lines) + "\n"


async def _scenario_daily_only(deals: int) -> tuple[None, tuple[float, float, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        rig = Rig(Path(tmp), deals)
        await rig.open()
        try:
            return None, await daily_check_cost(rig)
        finally:
            await rig.close()


if __name__ == "__main__":
    print(run())
