"""Shared fixtures. Keep this file tidy: one section per area, each fixture documented.

Conversation fixtures: the real stack on the in-memory paper terminal — `MT5Broker` over a
`Recorder` proxy (tests/fakes/mt5_fakes.py: the remote-API boundary, so tests can count every
`order_send`), the rule parser, the report service, a SQLite file database — and a clock shared
by the terminal and the conversation so that expiry is tested without sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from broker.mt5 import MT5Broker
from broker.paper import PaperTerminal
from handlers.auth import UserRule
from handlers.config import ConversationConfig, RiskLimits, TradingConfig
from handlers.conversation import Conversation, build_conversation
from handlers.messages import Incoming, Outgoing
from store.db import Database, sqlite_url
from tests.fakes.mt5_fakes import Recorder

# --------------------------------------------------------------------------- conversation

CONV_T0 = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)  # a Wednesday, markets open
CONV_MAGIC = 20260001

TRADER = "100"
VIEWER = "200"
ADMIN = "300"
TRADER2 = "400"
STRANGER = "999"

USERS = (
    UserRule("telegram", TRADER, "trader", "Tom"),
    UserRule("telegram", VIEWER, "viewer", "Vera"),
    UserRule("telegram", ADMIN, "admin", "Ada"),
    UserRule("telegram", TRADER2, "trader", "Tim"),
    UserRule("qq", TRADER, "trader", "Tom on QQ"),
)


class ConvClock:
    """One clock for the paper terminal (Unix seconds) and the conversation (datetime)."""

    def __init__(self, start: datetime = CONV_T0) -> None:
        self.t = start.timestamp()

    def ts(self) -> float:
        return self.t

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)

    def advance(self, seconds: float) -> None:
        self.t += seconds


def conv_config(**changes: Any) -> ConversationConfig:
    """The test configuration: generous limits unless a test narrows one."""
    risk = changes.pop("risk", RiskLimits(max_daily_loss=500.0))
    trading = changes.pop("trading", TradingConfig(magic=CONV_MAGIC))
    base = ConversationConfig(
        users=USERS, messages_per_minute=1000, trading=trading, risk=risk, default_lang="zh"
    )
    return replace(base, **changes)


@dataclass
class ChatWorld:
    """Everything a conversation test touches, plus helpers to talk and press."""

    clock: ConvClock
    terminal: PaperTerminal
    api: Recorder
    broker: MT5Broker
    db: Database
    db_path: Path
    conv: Conversation
    make: Callable[..., Awaitable[Conversation]]
    _seq: int = field(default=0)

    async def say(
        self,
        text: str,
        user: str = TRADER,
        *,
        chat: str | None = None,
        platform: str = "telegram",
        group: bool = False,
        mentioned: bool = False,
        reachable: bool = True,
    ) -> list[Outgoing]:
        """`user` writes `text` (in their private chat, whose id is theirs, unless `chat`);
        `reachable`: the platform can write to them privately (`Incoming.private_chat`)."""
        self._seq += 1
        return await self.conv.handle(
            Incoming(
                platform=platform,
                chat_id=chat or user,
                user_id=user,
                user_name=f"user{user}",
                text=text,
                is_group=group,
                message_id=str(self._seq),
                mentioned=mentioned,
                private_chat=user if reachable else None,
            )
        )

    async def press(
        self,
        button_id: str,
        user: str = TRADER,
        *,
        chat: str | None = None,
        platform: str = "telegram",
        message_id: str = "preview-1",
        conv: Conversation | None = None,
    ) -> list[Outgoing]:
        return await (conv or self.conv).handle(
            Incoming(
                platform=platform,
                chat_id=chat or user,
                user_id=user,
                button_id=button_id,
                message_id=message_id,
            )
        )

    def orders_sent(self) -> list[dict[str, Any]]:
        return list(self.api.requests)


async def make_test_conversation(
    broker: MT5Broker, db: Database, clock: ConvClock, config: ConversationConfig | None = None
) -> Conversation:
    """A conversation built the way the app builds one (`build_conversation`) on `db`."""
    from handlers.alerts import AlertConfig, PriceAlerts
    from handlers.report_service import ReportConfig, ReportService
    from nlp.parser import IntentParser
    from nlp.rules import RuleParser
    from store.alerts import AlertStore

    reports = ReportService(
        broker, db, ReportConfig(timezone="server", server_utc_offset_hours=2, charts=False)
    )
    alerts = PriceAlerts(
        broker, AlertStore(db), AlertConfig(), clock.now, user_clock=reports.user_clock
    )
    return build_conversation(
        broker=broker,
        parser=IntentParser(RuleParser()),
        db=db,
        config=config or conv_config(),
        reports=reports,
        clock=clock.now,
        price_alerts=alerts,
    )


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[ChatWorld]:
    """A fresh paper account (10 000 USD, hedging, leverage 100) and a conversation on it."""
    clock = ConvClock()
    terminal = PaperTerminal(None, seed=7, clock=clock.ts)
    api = Recorder(terminal)
    broker = MT5Broker(api, magic=CONV_MAGIC, server_utc_offset_hours=2, clock=clock.ts)
    await broker.connect()
    db_path = tmp_path / "tradechat.sqlite"
    db = await Database.open(sqlite_url(db_path))

    async def make(config: ConversationConfig | None = None) -> Conversation:
        return await make_test_conversation(broker, db, clock, config)

    w = ChatWorld(clock, terminal, api, broker, db, db_path, await make(), make)
    try:
        yield w
    finally:
        await broker.close()
        await db.close()
