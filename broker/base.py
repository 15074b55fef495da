"""The `Broker` protocol: one set of async verbs over any MT5-like terminal.

Symbols may be given canonical (XAUUSD) or as the broker names them (XAUUSD.m); results carry
both. Order operations return a `TradeResult` (ok or not, with a message for a person); lookups
raise `BrokerError` subclasses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from broker.models import (
    Account,
    Bar,
    BookLevel,
    ContractInfo,
    Deal,
    Health,
    MarketView,
    Note,
    PendingKind,
    PendingOrder,
    Position,
    Quote,
    Side,
    SymbolSpec,
    Timeframe,
    TradeResult,
)

if TYPE_CHECKING:  # numpy-backed; imported when a report first builds columns
    from broker.columns import DealColumns


@runtime_checkable
class Broker(Protocol):
    async def connect(self) -> None: ...
    async def close(self) -> None: ...
    async def health(self) -> Health: ...

    async def account(self) -> Account: ...
    async def symbols(self) -> list[SymbolSpec]: ...
    async def symbol_spec(self, symbol: str) -> SymbolSpec: ...
    async def quote(self, symbol: str, *, with_day_open: bool = False) -> Quote: ...
    async def market_view(
        self, symbols: Iterable[str] = (), *, orders: bool = False, held: bool = False
    ) -> MarketView: ...
    async def rates(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]: ...
    async def rates_range(
        self, symbol: str, timeframe: Timeframe, start: datetime, end: datetime
    ) -> list[Bar]: ...
    async def contract_info(self, symbol: str) -> ContractInfo: ...
    # the order book, highest price first; None when the broker offers no depth for it
    async def market_book(self, symbol: str) -> list[BookLevel] | None: ...

    async def positions(
        self, symbol: str | None = None, magic: int | None = None, side: Side | None = None
    ) -> list[Position]: ...
    async def pending_orders(
        self, symbol: str | None = None, magic: int | None = None
    ) -> list[PendingOrder]: ...
    async def deals(
        self, start: datetime, end: datetime, symbol: str | None = None
    ) -> list[Deal]: ...
    async def deal_columns(
        self, start: datetime, end: datetime, symbol: str | None = None
    ) -> DealColumns:
        """The deals of `deals()` as columns (`broker/columns.py`), oldest first: what
        reports aggregate over, without a `Deal` per deal."""
        ...

    async def open_market(
        self,
        symbol: str,
        side: Side,
        volume: float,
        sl: float | None = None,
        tp: float | None = None,
        magic: int = 0,
        comment: str = "",
    ) -> TradeResult: ...
    async def place_pending(
        self,
        symbol: str,
        side: Side,
        kind: PendingKind,
        volume: float,
        price: float,
        sl: float | None = None,
        tp: float | None = None,
        magic: int = 0,
        comment: str = "",
    ) -> TradeResult: ...
    async def close_position(
        self, ticket: int, volume: float | None = None, comment: str = ""
    ) -> TradeResult: ...
    async def modify_position(
        self, ticket: int, sl: float | None = None, tp: float | None = None
    ) -> TradeResult: ...
    async def modify_order(
        self,
        ticket: int,
        price: float | None = None,
        sl: float | None = None,
        tp: float | None = None,
    ) -> TradeResult: ...
    async def cancel_order(self, ticket: int) -> TradeResult: ...


@runtime_checkable
class ManagedBroker(Broker, Protocol):
    """A `Broker` the app runs and watches: what the composition root, the supervisor
    (`broker/mt5/supervisor.py: Supervised`) and the gateway read besides the verbs.
    `MT5Broker` (a terminal here) and `RemoteBroker` (a terminal behind another tradechat's
    gateway) both have it, so the app is typed with this rather than with either."""

    @property
    def connected(self) -> bool: ...
    @property
    def stuck(self) -> bool: ...
    @property
    def closed(self) -> bool: ...
    @property
    def connection_lost(self) -> asyncio.Event: ...
    @property
    def disconnect_reason(self) -> Note: ...
    @property
    def call_returned(self) -> asyncio.Event: ...
    def mark_disconnected(self, reason: Note | None = None) -> None: ...
    async def ping(self) -> bool: ...
    async def reconnect(self) -> bool: ...
