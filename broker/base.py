"""The `Broker` protocol: one set of async verbs over any MT5-like terminal.

Symbols may be given canonical (XAUUSD) or as the broker names them (XAUUSD.m); results carry
both. Order operations return a `TradeResult` (ok or not, with a message for a person); lookups
raise `BrokerError` subclasses.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Protocol, runtime_checkable

from broker.models import (
    Account,
    Bar,
    Deal,
    Health,
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


@runtime_checkable
class Broker(Protocol):
    async def connect(self) -> None: ...
    async def close(self) -> None: ...
    async def health(self) -> Health: ...

    async def account(self) -> Account: ...
    async def symbols(self) -> list[SymbolSpec]: ...
    async def symbol_spec(self, symbol: str) -> SymbolSpec: ...
    async def quote(self, symbol: str) -> Quote: ...
    async def rates(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]: ...

    async def positions(
        self, symbol: str | None = None, magic: int | None = None, side: Side | None = None
    ) -> list[Position]: ...
    async def pending_orders(
        self, symbol: str | None = None, magic: int | None = None
    ) -> list[PendingOrder]: ...
    async def deals(
        self, start: datetime, end: datetime, symbol: str | None = None
    ) -> list[Deal]: ...

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
