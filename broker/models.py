"""Typed broker models. MT5 struct sequences are converted to these at the adapter edge.

Every `time` is a timezone-aware UTC datetime (the adapter converts from broker server time).
`symbol` is the canonical name (EURUSD, XAUUSD …); `broker_symbol` is the terminal's own name
(XAUUSD.m, GOLD …).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Side = Literal["buy", "sell"]
PendingKind = Literal["limit", "stop"]
DealType = Literal["buy", "sell", "balance", "credit", "other"]
DealEntry = Literal["in", "out", "inout", "out_by"]
Timeframe = Literal["M1", "M5", "M15", "M30", "H1", "H4", "D1", "W1", "MN1"]
# What became of an order operation, as the broker knows it:
# done = executed; refused = the trade server (or the broker's own check before sending)
# refused it, so nothing happened; unknown = the request may have reached the server and the
# outcome is not known (timeout, lost reply) — look before sending anything again.
TradeState = Literal["done", "refused", "unknown"]


@dataclass(frozen=True, slots=True)
class Account:
    login: int
    server: str
    name: str
    company: str
    currency: str
    balance: float
    equity: float
    margin: float
    margin_free: float
    margin_level: float | None  # percent; None when no margin is used
    leverage: int
    profit: float  # floating P&L of open positions
    hedging: bool  # True for a hedging account, False for netting
    trade_allowed: bool
    demo: bool
    margin_so_call: float = 0.0  # margin-call level, percent
    margin_so_so: float = 0.0  # stop-out level, percent


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    symbol: str
    broker_symbol: str
    description: str
    digits: int
    point: float
    contract_size: float
    volume_min: float
    volume_max: float
    volume_step: float
    stops_level: int  # minimal SL/TP distance from price, in points
    filling_mode: int  # MT5 bit mask: 1 = FOK, 2 = IOC
    currency_base: str
    currency_profit: str
    currency_margin: str
    tick_size: float
    tick_value: float  # value of one tick for one lot, in account currency
    trade_allowed: bool = True


@dataclass(frozen=True, slots=True)
class Quote:
    symbol: str
    bid: float
    ask: float
    time: datetime
    point: float
    digits: int
    day_open: float | None = None  # first price of the trading day, for the day change

    @property
    def spread_points(self) -> int:
        return round((self.ask - self.bid) / self.point) if self.point else 0

    @property
    def day_change(self) -> float | None:
        return None if self.day_open is None else self.bid - self.day_open


@dataclass(frozen=True, slots=True)
class Bar:
    time: datetime
    open: float
    high: float
    low: float
    close: float
    tick_volume: int


@dataclass(frozen=True, slots=True)
class Position:
    ticket: int
    symbol: str
    broker_symbol: str
    side: Side
    volume: float
    price_open: float
    price_current: float
    sl: float | None
    tp: float | None
    profit: float  # floating, account currency, excluding swap
    swap: float
    magic: int
    comment: str
    time: datetime  # open time


@dataclass(frozen=True, slots=True)
class PendingOrder:
    ticket: int
    symbol: str
    broker_symbol: str
    side: Side
    kind: PendingKind
    volume: float
    price: float
    sl: float | None
    tp: float | None
    magic: int
    comment: str
    time: datetime  # setup time


@dataclass(frozen=True, slots=True)
class Deal:
    ticket: int
    order: int
    position_id: int
    time: datetime
    type: DealType
    entry: DealEntry
    symbol: str  # canonical; "" for balance/credit operations
    broker_symbol: str
    volume: float
    price: float
    profit: float  # excludes commission, swap and fee (as in MT5)
    commission: float
    swap: float
    fee: float
    magic: int
    comment: str
    reason: int = 0

    @property
    def net(self) -> float:
        """What the deal did to the balance."""
        return self.profit + self.commission + self.swap + self.fee


@dataclass(frozen=True, slots=True)
class Note:
    """What the broker has to tell a person, as facts, not sentences: `key` names what
    happened (e.g. "opened", "failed", "retcode") and `facts` fill it in (symbols, tickets,
    volumes, prices with their digits, codes, nested notes). The wording, in Chinese and
    English, lives in `handlers/broker_text.py`."""

    key: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TradeResult:
    state: TradeState
    retcode: int
    note: Note  # what happened, for the audit log and the user (worded by handlers)
    ticket: int | None = None  # position ticket (market) or order ticket (pending)
    deal: int | None = None
    order: int | None = None
    price: float | None = None
    volume: float | None = None
    request: dict[str, Any] = field(default_factory=dict)  # exactly what went to order_send

    @property
    def ok(self) -> bool:
        return self.state == "done"


@dataclass(frozen=True, slots=True)
class Health:
    """The terminal's state; `note` says it for a person (worded by handlers): "connected"
    {server, ping_ms}, "autotrading_off" / "account_cannot_trade" {server}, "not_on_server",
    "not_connected" {reason?}, a failed lookup's note, or — from the supervisor —
    "terminal_lost" {reason} and "terminal_back" {health}."""

    connected: bool
    trade_allowed: bool
    ping_ms: float | None
    note: Note


@dataclass(frozen=True, slots=True)
class MarketView:
    """What a preview or a confirmation needs from the terminal, fetched in one worker job
    (`Broker.market_view`): one round trip instead of one per fact, and the planner and the
    risk gate read the same moment's account and positions."""

    account: Account
    positions: tuple[Position, ...]
    quotes: dict[str, Quote]  # canonical symbol → quote, for the symbols asked for
    specs: dict[str, SymbolSpec]  # canonical symbol → spec, for the symbols asked for
    orders: tuple[PendingOrder, ...] | None = None  # only when asked for


SwapMode = Literal[
    "disabled", "points", "currency_symbol", "currency_margin", "currency_deposit",
    "interest_current", "interest_open", "reopen_current", "reopen_bid", "other",
]  # fmt: skip
SymbolTradeMode = Literal["disabled", "long_only", "short_only", "close_only", "full"]


@dataclass(frozen=True, slots=True)
class ContractInfo:
    """A symbol's contract as its terminal states it now (`Broker.contract_info`).

    Trading sessions: the MetaTrader5 Python API has no call for a symbol's session times
    (MQL5's SymbolInfoSessionTrade is not exposed), so they are not here. What the terminal
    does say is `trade_mode` (full, long/short/close only, disabled) and the time of the last
    tick (`last_tick`): a market that stopped quoting hours ago is closed."""

    spec: SymbolSpec
    bid: float
    ask: float
    spread_points: int  # ask − bid now, in points
    swap_long: float
    swap_short: float
    swap_mode: SwapMode  # the unit of the two swaps (points, money, interest …)
    swap_triple_day: int  # weekday of the triple swap, 0 = Sunday … 6 = Saturday (as MT5)
    trade_mode: SymbolTradeMode
    margin_1lot: float | None  # margin to buy one lot at the ask, account currency
    account_currency: str
    last_tick: datetime | None  # UTC; None when the symbol has no quote


@dataclass(frozen=True, slots=True)
class BookLevel:
    """One price of the order book (`Broker.market_book`): `side` "sell" is an ask (offers
    above the price), "buy" a bid; `volume` in lots."""

    price: float
    volume: float
    side: Side
