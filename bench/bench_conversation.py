"""Conversation throughput and latency: 100 concurrent chats on the paper terminal.

Each chat is its own trader. Latency is measured from `Conversation.handle(Incoming)` to the
returned answer — parse, auth, broker calls, risk checks, database writes (confirmations and the
audit log) included. Phases: queries (balance, positions, quote), previews (market orders with
every risk check and a stored confirmation) and confirmations (✅ → order on the paper terminal).
"""

from __future__ import annotations

import asyncio
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from broker.mt5 import MT5Broker
from broker.paper import PaperTerminal
from handlers.auth import UserRule
from handlers.config import ConversationConfig, RiskLimits, TradingConfig
from handlers.conversation import Conversation, build_conversation
from handlers.messages import Incoming, Outgoing
from handlers.report_service import ReportConfig, ReportService
from nlp.parser import IntentParser
from nlp.rules import RuleParser
from store.db import Database, sqlite_url

CHATS = 100
QUERIES_PER_CHAT = 6
PREVIEWS_PER_CHAT = 3
QUERY_TEXTS = ("余额", "持仓", "黄金现在多少", "balance", "挂单列表", "price of EURUSD")


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


async def _phase(
    conv: Conversation, make: Callable[[int, int], Incoming], per_chat: int
) -> tuple[list[float], float, list[list[Outgoing]]]:
    lat: list[float] = []
    answers: list[list[Outgoing]] = []

    async def chat(i: int) -> None:
        for k in range(per_chat):
            t0 = time.perf_counter()
            out = await conv.handle(make(i, k))
            lat.append((time.perf_counter() - t0) * 1000)
            answers.append(out)

    t0 = time.perf_counter()
    await asyncio.gather(*(chat(i) for i in range(CHATS)))
    return lat, time.perf_counter() - t0, answers


async def _bench() -> list[tuple[str, int, float, float, float]]:
    rows: list[tuple[str, int, float, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        term = PaperTerminal(Path(tmp) / "paper.sqlite", seed=7, balance=1_000_000.0)
        broker = MT5Broker(term, magic=20260001, server_utc_offset_hours=2)
        await broker.connect()
        db = await Database.open(sqlite_url(Path(tmp) / "tradechat.sqlite"))
        users = tuple(UserRule("bench", str(i), "trader") for i in range(CHATS))
        config = ConversationConfig(
            users=users,
            messages_per_minute=None,
            trading=TradingConfig(confirm_ttl_s=600, max_price_drift_points=100_000),
            risk=RiskLimits(
                max_lots_per_order=10,
                max_total_lots_per_symbol=1000,
                max_open_positions=1000,
                max_daily_loss=1e9,
            ),
        )
        reports = ReportService(broker, db, ReportConfig(server_utc_offset_hours=2, charts=False))
        conv = build_conversation(
            broker=broker, parser=IntentParser(RuleParser()), db=db, config=config, reports=reports
        )
        try:

            def query(i: int, k: int) -> Incoming:
                text = QUERY_TEXTS[k % len(QUERY_TEXTS)]
                return Incoming("bench", str(i), str(i), text=text)

            lat, wall, _ = await _phase(conv, query, QUERIES_PER_CHAT)
            rows.append(("queries", len(lat), len(lat) / wall, _pct(lat, 0.5), _pct(lat, 0.99)))
            print(f"  queries: {len(lat)} in {wall:.1f} s", flush=True)

            def preview(i: int, k: int) -> Incoming:
                return Incoming("bench", str(i), str(i), text="买0.01手黄金")

            lat, wall, answers = await _phase(conv, preview, PREVIEWS_PER_CHAT)
            assert all(a and a[0].buttons for a in answers), "a preview without buttons"
            rows.append(("previews", len(lat), len(lat) / wall, _pct(lat, 0.5), _pct(lat, 0.99)))
            print(f"  previews: {len(lat)} in {wall:.1f} s", flush=True)

            # one ✅ per chat, on its newest preview
            pending = await _pending_buttons(db)

            def press(i: int, k: int) -> Incoming:
                return Incoming("bench", str(i), str(i), button_id=pending[str(i)], message_id="m")

            lat, wall, answers = await _phase(conv, press, 1)
            filled = sum(1 for a in answers if a and "已成交" in a[0].text)
            rows.append(
                ("confirm → order", len(lat), len(lat) / wall, _pct(lat, 0.5), _pct(lat, 0.99))
            )
            print(f"  confirmations: {len(lat)} in {wall:.1f} s, {filled} filled", flush=True)
        finally:
            await broker.close()
            await db.close()
            term.close()
    return rows


async def _pending_buttons(db: Database) -> dict[str, str]:
    """The newest pending confirmation of each bench user, as a ✅ button id."""
    from sqlalchemy import select

    from store.confirmations import ConfirmationRow

    async with db.session() as s:
        rows = (
            await s.scalars(
                select(ConfirmationRow)
                .where(ConfirmationRow.state == "pending")
                .order_by(ConfirmationRow.created_at)
            )
        ).all()
    return {r.user_id: f"c:{r.id}:y" for r in rows}


def run() -> str:
    print(f"conversation: {CHATS} concurrent chats on the paper terminal", flush=True)
    rows = asyncio.run(_bench())
    lines = [
        "## Conversation (Incoming → answer)",
        "",
        f"{CHATS} concurrent chats, each a trader, on the paper terminal through `MT5Broker`, "
        "rule parser, SQLite (confirmations + audit log) — everything a real message goes through.",
        "",
        "| phase | messages | messages/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, n, rate, p50, p99 in rows:
        lines.append(f"| {name} | {n} | {rate:,.0f} | {p50:.1f} | {p99:.1f} |")
    lines += [
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{QUERIES_PER_CHAT} queries and {PREVIEWS_PER_CHAT} previews per chat, then one ✅ each. "
        "Latency under load includes waiting for the broker's single worker thread and SQLite "
        "writes, so it grows with the number of concurrent chats.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
