"""Hand-built broker models for report tests (no terminal involved)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import TYPE_CHECKING

from broker.models import Account, Bar, Deal, Position, SymbolSpec

if TYPE_CHECKING:
    from broker.columns import DealColumns

_tickets = count(1000)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


def deal(
    time: datetime,
    type: str,
    entry: str = "in",
    symbol: str = "EURUSD",
    volume: float = 0.1,
    price: float = 1.0,
    profit: float = 0.0,
    commission: float = 0.0,
    swap: float = 0.0,
    fee: float = 0.0,
    magic: int = 0,
    position_id: int = 0,
    comment: str = "",
    broker_symbol: str | None = None,
) -> Deal:
    t = next(_tickets)
    return Deal(
        ticket=t,
        order=t,
        position_id=position_id,
        time=time,
        type=type,  # type: ignore[arg-type]
        entry=entry,  # type: ignore[arg-type]
        symbol=symbol if type in ("buy", "sell") else "",
        broker_symbol=(broker_symbol or symbol) if type in ("buy", "sell") else "",
        volume=volume,
        price=price,
        profit=profit,
        commission=commission,
        swap=swap,
        fee=fee,
        magic=magic,
        comment=comment,
    )


def balance_op(time: datetime, amount: float, comment: str = "", kind: str = "balance") -> Deal:
    return deal(
        time, kind, entry="in", symbol="", volume=0.0, price=0.0, profit=amount, comment=comment
    )


def position(
    ticket: int,
    symbol: str,
    side: str,
    volume: float,
    price_open: float,
    price_current: float,
    profit: float,
    swap: float = 0.0,
    magic: int = 0,
    time: datetime | None = None,
) -> Position:
    return Position(
        ticket=ticket,
        symbol=symbol,
        broker_symbol=symbol,
        side=side,  # type: ignore[arg-type]
        volume=volume,
        price_open=price_open,
        price_current=price_current,
        sl=None,
        tp=None,
        profit=profit,
        swap=swap,
        magic=magic,
        comment="",
        time=time or utc(2025, 3, 1),
    )


def account(
    balance: float = 10_000.0,
    equity: float | None = None,
    margin: float = 0.0,
    margin_level: float | None = None,
    profit: float = 0.0,
    margin_so_so: float = 50.0,
) -> Account:
    eq = balance + profit if equity is None else equity
    return Account(
        login=1,
        server="Paper-Demo",
        name="Test",
        company="Paper",
        currency="USD",
        balance=balance,
        equity=eq,
        margin=margin,
        margin_free=eq - margin,
        margin_level=margin_level,
        leverage=100,
        profit=profit,
        hedging=True,
        trade_allowed=True,
        demo=True,
        margin_so_call=100.0,
        margin_so_so=margin_so_so,
    )


def spec(
    symbol: str,
    digits: int,
    contract_size: float,
    tick_value: float,
    tick_size: float | None = None,
) -> SymbolSpec:
    point = 10.0**-digits
    return SymbolSpec(
        symbol=symbol,
        broker_symbol=symbol,
        description=symbol,
        digits=digits,
        point=point,
        contract_size=contract_size,
        volume_min=0.01,
        volume_max=100.0,
        volume_step=0.01,
        stops_level=0,
        filling_mode=1,
        currency_base=symbol[:3],
        currency_profit=symbol[3:],
        currency_margin=symbol[:3],
        tick_size=tick_size or point,
        tick_value=tick_value,
    )


class FakeTerminalBroker:
    """An in-memory stand-in for a trading terminal behind the `Broker` verbs the reports use.
    `fail_deals` makes the history call fail the way a terminal that drops mid-way does."""

    def __init__(
        self,
        deals: list[Deal] | None = None,
        positions: list[Position] | None = None,
        acct: Account | None = None,
        specs: list[SymbolSpec] | None = None,
        server_utc_offset_hours: int | None = 2,
    ) -> None:
        self.deal_list = list(deals or [])
        self.position_list = list(positions or [])
        self.acc = acct or account()
        self.spec_list = list(specs or [])
        self.server_utc_offset_hours = server_utc_offset_hours
        self.fail_deals = False
        self.fail_account = False
        self.deal_calls: list[tuple[datetime, datetime]] = []
        self.bars: dict[str, list[Bar]] = {}

    async def deals(self, start: datetime, end: datetime, symbol: str | None = None) -> list[Deal]:
        from broker.errors import TemporaryBrokerError
        from broker.models import Note

        self.deal_calls.append((start, end))
        if self.fail_deals:
            failed = Note(
                "call_failed", {"call": "history_deals_get", "error": "terminal not connected"}
            )
            raise TemporaryBrokerError(failed, -10004)
        return [
            d
            for d in self.deal_list
            if start <= d.time < end and (symbol is None or d.symbol == symbol)
        ]

    async def deal_columns(
        self, start: datetime, end: datetime, symbol: str | None = None
    ) -> DealColumns:
        """The same deals as columns, oldest first (as a terminal hands them over)."""
        from broker.columns import DealColumns

        found = await self.deals(start, end, symbol)
        return DealColumns.from_deals(sorted(found, key=lambda d: (d.time, d.ticket)))

    async def rates(self, symbol: str, timeframe: str, count: int) -> list[Bar]:
        assert timeframe == "H1"
        return self.bars.get(symbol, [])[-count:]

    async def positions(
        self, symbol: str | None = None, magic: int | None = None, side: str | None = None
    ) -> list[Position]:
        return [
            p
            for p in self.position_list
            if (symbol is None or p.symbol == symbol) and (magic is None or p.magic == magic)
        ]

    async def account(self) -> Account:
        from broker.errors import TemporaryBrokerError
        from broker.models import Note

        if self.fail_account:
            raise TemporaryBrokerError(Note("not_connected"), -10004)
        return self.acc

    async def symbols(self) -> list[SymbolSpec]:
        return list(self.spec_list)


class RecordingPusher:
    """A chat platform that records what it was asked to deliver; fails the first
    `fail_times` pushes (per call) like an app with a flaky connection."""

    def __init__(self, fail_times: int = 0) -> None:
        self.sent: list[tuple[str, str, object]] = []
        self.fail_times = fail_times
        self.calls = 0

    async def push(self, platform: str, chat_id: str, out: object) -> None:
        self.calls += 1
        if self.fail_times > 0:
            self.fail_times -= 1
            raise ConnectionError("platform unreachable")
        self.sent.append((platform, chat_id, out))


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (raises if it is not a PNG)."""
    import struct

    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    w, h = struct.unpack(">II", data[16:24])
    return int(w), int(h)


# --------------------------------------------------------------------------- pushes and timing


class Clock:
    """A settable clock for the scheduler and the pushes (no sleeping in tests)."""

    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


async def no_sleep(_s: float) -> None:
    return None


def one_trade_broker() -> FakeTerminalBroker:
    """A terminal with one closed XAUUSD trade (+100) on 2025-03-11 and a 10,100 balance."""
    return FakeTerminalBroker(
        [
            deal(utc(2025, 3, 11, 3), "buy", "in", "XAUUSD", 0.1, 2900, magic=5, position_id=1),
            deal(
                utc(2025, 3, 11, 6),
                "sell",
                "out",
                "XAUUSD",
                0.1,
                2910,
                profit=100.0,
                magic=5,
                position_id=1,
            ),
        ],
        [],
        account(balance=10_100.0),
    )
