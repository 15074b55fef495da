"""Hand-built broker models for report tests (no terminal involved)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

from broker.models import Account, Deal, Position, SymbolSpec

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
