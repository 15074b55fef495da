"""MT5 structs → our models, at the adapter edge.

`canonical` maps a broker symbol name to ours (XAUUSD.m → XAUUSD); `offset` is the broker
server's UTC offset in seconds (server epochs minus `offset` are UTC epochs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from broker.models import (
    Account,
    Bar,
    BookLevel,
    ContractInfo,
    Deal,
    PendingOrder,
    Position,
    SwapMode,
    SymbolSpec,
    SymbolTradeMode,
)
from broker.mt5.constants import (
    ACCOUNT_MARGIN_MODE_RETAIL_HEDGING,
    ACCOUNT_TRADE_MODE_DEMO,
    BOOK_SIDES,
    DEAL_ENTRIES,
    DEAL_TYPES,
    ORDER_TYPE_BUY,
    PENDING_TYPES,
    SYMBOL_TRADE_MODE_DISABLED,
    field,
    row_field,
)

Canonical = Callable[[str], str]

# TradeDeal: ticket, order, time, time_msc, type, entry, magic, position_id, reason, volume,
# price, commission, swap, profit, fee, symbol, comment, external_id
_TRADE_DEAL_LEN = 18


def utc_of(server_ts: float, offset: int) -> datetime:
    return datetime.fromtimestamp(float(server_ts) - offset, tz=UTC)


def obj_time(obj: Any, name: str, offset: int) -> datetime:
    """`<name>_msc` when the struct has it (millisecond precision), else `<name>`."""
    msc = field(obj, f"{name}_msc", 0)
    return utc_of(msc / 1000 if msc else field(obj, name, 0), offset)


def spec_of(info: Any, canonical: Canonical) -> SymbolSpec:
    name = str(info.name)
    return SymbolSpec(
        symbol=canonical(name),
        broker_symbol=name,
        description=str(field(info, "description", "")),
        digits=int(field(info, "digits", 5)),
        point=float(field(info, "point", 0.0)),
        contract_size=float(field(info, "trade_contract_size", 0.0)),
        volume_min=float(field(info, "volume_min", 0.01)),
        volume_max=float(field(info, "volume_max", 0.0)),
        volume_step=float(field(info, "volume_step", 0.01)),
        stops_level=int(field(info, "trade_stops_level", 0)),
        filling_mode=int(field(info, "filling_mode", 0)),
        currency_base=str(field(info, "currency_base", "")),
        currency_profit=str(field(info, "currency_profit", "")),
        currency_margin=str(field(info, "currency_margin", "")),
        tick_size=float(field(info, "trade_tick_size", 0.0)),
        tick_value=float(field(info, "trade_tick_value", 0.0)),
        trade_allowed=int(field(info, "trade_mode", 4)) != SYMBOL_TRADE_MODE_DISABLED,
    )


def account_of(a: Any) -> Account:
    margin = float(field(a, "margin", 0.0))
    return Account(
        login=int(field(a, "login", 0)),
        server=str(field(a, "server", "")),
        name=str(field(a, "name", "")),
        company=str(field(a, "company", "")),
        currency=str(field(a, "currency", "")),
        balance=float(field(a, "balance", 0.0)),
        equity=float(field(a, "equity", 0.0)),
        margin=margin,
        margin_free=float(field(a, "margin_free", 0.0)),
        margin_level=float(field(a, "margin_level", 0.0)) if margin > 0 else None,
        leverage=int(field(a, "leverage", 0)),
        profit=float(field(a, "profit", 0.0)),
        hedging=int(field(a, "margin_mode", 2)) == ACCOUNT_MARGIN_MODE_RETAIL_HEDGING,
        trade_allowed=bool(field(a, "trade_allowed", True))
        and bool(field(a, "trade_expert", True)),
        demo=int(field(a, "trade_mode", 0)) == ACCOUNT_TRADE_MODE_DEMO,
        margin_so_call=float(field(a, "margin_so_call", 0.0)),
        margin_so_so=float(field(a, "margin_so_so", 0.0)),
    )


def bar_of(r: Any, offset: int) -> Bar:
    return Bar(
        time=utc_of(float(row_field(r, "time", 0)), offset),
        open=float(row_field(r, "open", 1)),
        high=float(row_field(r, "high", 2)),
        low=float(row_field(r, "low", 3)),
        close=float(row_field(r, "close", 4)),
        tick_volume=int(row_field(r, "tick_volume", 5)),
    )


def book_level_of(r: Any) -> BookLevel | None:
    """One market_book_get row (BookInfo: type, price, volume, volume_dbl); None for a type
    that is no side of the book."""
    side = BOOK_SIDES.get(int(field(r, "type", 0)))
    if side is None:
        return None
    volume = float(field(r, "volume_dbl", 0.0)) or float(field(r, "volume", 0))
    return BookLevel(price=float(field(r, "price", 0.0)), volume=volume, side=side)


def position_of(p: Any, canonical: Canonical, offset: int) -> Position:
    name = str(p.symbol)
    sl, tp = float(field(p, "sl", 0.0)), float(field(p, "tp", 0.0))
    return Position(
        ticket=int(p.ticket),
        symbol=canonical(name),
        broker_symbol=name,
        side="buy" if int(p.type) == ORDER_TYPE_BUY else "sell",
        volume=float(p.volume),
        price_open=float(p.price_open),
        price_current=float(field(p, "price_current", 0.0)),
        sl=sl or None,
        tp=tp or None,
        profit=float(field(p, "profit", 0.0)),
        swap=float(field(p, "swap", 0.0)),
        magic=int(field(p, "magic", 0)),
        comment=str(field(p, "comment", "")),
        time=obj_time(p, "time", offset),
    )


def pending_of(o: Any, canonical: Canonical, offset: int) -> PendingOrder | None:
    """None for a market order in flight (it is in `orders_get` for a moment)."""
    kind = PENDING_TYPES.get(int(o.type))
    if kind is None:
        return None
    name = str(o.symbol)
    sl, tp = float(field(o, "sl", 0.0)), float(field(o, "tp", 0.0))
    volume = float(field(o, "volume_current", 0.0)) or float(field(o, "volume_initial", 0.0))
    return PendingOrder(
        ticket=int(o.ticket),
        symbol=canonical(name),
        broker_symbol=name,
        side=kind[0],
        kind=kind[1],
        volume=volume,
        price=float(field(o, "price_open", 0.0)),
        sl=sl or None,
        tp=tp or None,
        magic=int(field(o, "magic", 0)),
        comment=str(field(o, "comment", "")),
        time=obj_time(o, "time_setup", offset),
    )


def deal_of(d: Any, canonical: Canonical, offset: int) -> Deal:
    name = str(field(d, "symbol", ""))
    return Deal(
        ticket=int(d.ticket),
        order=int(field(d, "order", 0)),
        position_id=int(field(d, "position_id", 0)),
        time=obj_time(d, "time", offset),
        type=DEAL_TYPES.get(int(field(d, "type", -1)), "other"),
        entry=DEAL_ENTRIES.get(int(field(d, "entry", 0)), "in"),
        symbol=canonical(name) if name else "",
        broker_symbol=name,
        volume=float(field(d, "volume", 0.0)),
        price=float(field(d, "price", 0.0)),
        profit=float(field(d, "profit", 0.0)),
        commission=float(field(d, "commission", 0.0)),
        swap=float(field(d, "swap", 0.0)),
        fee=float(field(d, "fee", 0.0)),
        magic=int(field(d, "magic", 0)),
        comment=str(field(d, "comment", "")),
        reason=int(field(d, "reason", 0)),
    )


def deal_rows_near(rows: Iterable[Any], lo: float, hi: float) -> list[Any]:
    """The rows whose server time (seconds, `time_msc` when set) lies in [lo, hi), before any
    is converted: struct sequences are cut on their raw fields; any other row is kept (its
    time is read when it is converted, and the caller's exact cut decides)."""
    kept: list[Any] = []
    for d in rows:
        if isinstance(d, tuple) and len(d) == _TRADE_DEAL_LEN:
            raw = d[3] / 1000 if d[3] else d[2]
            if not lo <= raw < hi:
                continue
        kept.append(d)
    return kept


def deals_from_rows(
    rows: Iterable[Any], name: str | None, canonical: Canonical, offset: int
) -> list[Deal]:
    """Rows → `Deal`s (only `name`'s when given). History can hold a million deals, so struct
    sequences in the documented TradeDeal field order are unpacked directly; anything else
    goes through the attribute path (`deal_of`)."""
    canon: dict[str, str] = {"": ""}
    out: list[Deal] = []
    append = out.append
    for d in rows:
        if not (isinstance(d, tuple) and len(d) == _TRADE_DEAL_LEN):
            deal = deal_of(d, canonical, offset)
            if name is None or deal.broker_symbol == name:
                append(deal)
            continue
        (ticket, order, t, t_msc, typ, entry, magic, pos_id, reason,
         volume, price, commission, swap, profit, fee, sym, comment, _ext) = d  # fmt: skip
        if name is not None and sym != name:
            continue
        c = canon.get(sym)
        if c is None:
            c = canon[sym] = canonical(sym)
        deal = Deal(
            int(ticket), int(order), int(pos_id),
            datetime.fromtimestamp((t_msc / 1000 if t_msc else t) - offset, tz=UTC),
            DEAL_TYPES.get(typ, "other"), DEAL_ENTRIES.get(entry, "in"),
            c, sym, float(volume), float(price), float(profit), float(commission),
            float(swap), float(fee), int(magic), str(comment), int(reason),
        )  # fmt: skip
        append(deal)
    return out


_SWAP_MODES: dict[int, SwapMode] = {
    0: "disabled", 1: "points", 2: "currency_symbol", 3: "currency_margin",
    4: "currency_deposit", 5: "interest_current", 6: "interest_open", 7: "reopen_current",
    8: "reopen_bid",
}  # fmt: skip
_TRADE_MODES: dict[int, SymbolTradeMode] = {
    0: "disabled", 1: "long_only", 2: "short_only", 3: "close_only", 4: "full",
}  # fmt: skip


def contract_of(
    info: Any,
    tick: Any,
    canonical: Canonical,
    offset: int,
    margin_1lot: float | None,
    account_currency: str,
) -> ContractInfo:
    """symbol_info + its tick (None when it has none) → ContractInfo."""
    spec = spec_of(info, canonical)
    bid = float(field(tick, "bid", 0.0)) if tick is not None else 0.0
    ask = float(field(tick, "ask", 0.0)) if tick is not None else 0.0
    quoted = tick is not None and (bid > 0 or ask > 0)
    spread = (
        round((ask - bid) / spec.point) if quoted and spec.point else int(field(info, "spread", 0))
    )
    return ContractInfo(
        spec=spec,
        bid=bid,
        ask=ask,
        spread_points=spread,
        swap_long=float(field(info, "swap_long", 0.0)),
        swap_short=float(field(info, "swap_short", 0.0)),
        swap_mode=_SWAP_MODES.get(int(field(info, "swap_mode", 0)), "other"),
        swap_triple_day=int(field(info, "swap_rollover3days", 3)),
        trade_mode=_TRADE_MODES.get(int(field(info, "trade_mode", 4)), "full"),
        margin_1lot=margin_1lot,
        account_currency=account_currency,
        last_tick=obj_time(tick, "time", offset) if quoted else None,
    )


# TradeDeal field positions, for transposing struct sequences into columns
_DEAL_INDEX = {
    name: i
    for i, name in enumerate(
        [
            "ticket",
            "order",
            "time",
            "time_msc",
            "type",
            "entry",
            "magic",
            "position_id",
            "reason",
            "volume",
            "price",
            "commission",
            "swap",
            "profit",
            "fee",
            "symbol",
            "comment",
            "external_id",
        ]
    )
}
_COLUMN_FIELDS = ("ticket", "position_id", "volume", "profit", "commission", "swap", "fee", "magic")
_FLOAT_FIELDS = frozenset({"volume", "profit", "commission", "swap", "fee"})


def _field_reader(rows: Any) -> Callable[[str], Iterable[Any]]:
    """`read(name)`: the values of one field over `rows`, in order. Struct sequences in the
    documented field order are read by position (one C-level pass per field, no transposed
    copy of the rows); anything else by attribute name."""
    if all(isinstance(d, tuple) and len(d) == _TRADE_DEAL_LEN for d in rows):
        return lambda name: map(itemgetter(_DEAL_INDEX[name]), rows)
    defaults = {"symbol": "", "comment": "", "volume": 0.0, "profit": 0.0, "commission": 0.0,
                "swap": 0.0, "fee": 0.0}  # fmt: skip
    return lambda name: [field(d, name, defaults.get(name, 0)) for d in rows]


def deal_columns_into(
    buffer: Any,
    rows: Any,
    name_filter: str | None,
    canonical: Canonical,
    offset: int,
    seconds: tuple[int, int] | None = None,
) -> None:
    """Append `history_deals_get` rows (only `name_filter`'s when given) to a
    `broker.columns.ColumnBuffer` as columns: no `Deal` per row, server time → UTC as one
    vectorised offset, MT5 type and entry codes mapped by table (as `deal_of` maps them).
    `seconds` (server time, both ends included) keeps only the rows of that span."""
    import numpy as np

    from broker import columns as dc

    n = len(rows)
    if not n:
        return
    read = _field_reader(rows)

    def column(name: str, dtype: Any) -> Any:
        return np.fromiter(read(name), dtype, n)

    pair = {s: buffer.code(canonical(s) if s else "", s) for s in set(read("symbol"))}
    symbol = np.fromiter(map(pair.__getitem__, read("symbol")), np.int32, n)
    t, t_msc = column("time", np.int64), column("time_msc", np.int64)
    millis = np.where(t_msc != 0, t_msc, t * 1000) - offset * 1000
    mt5_type, mt5_entry = column("type", np.int64), column("entry", np.int64)
    type_of = np.full(n, dc.OTHER, dtype=np.int8)
    for code, ours in DEAL_TYPES.items():
        type_of[mt5_type == code] = dc.TYPES.index(ours)
    entry_of = np.zeros(n, dtype=np.int8)  # unknown entries read as "in"
    for code, entry in DEAL_ENTRIES.items():
        entry_of[mt5_entry == code] = dc.ENTRIES.index(entry)
    chunk: dict[str, Any] = {"time_us": millis * 1000, "type": type_of, "entry": entry_of,
                             "symbol": symbol}  # fmt: skip
    for fname in _COLUMN_FIELDS:
        chunk[fname] = column(fname, np.float64 if fname in _FLOAT_FIELDS else np.int64)
    keep = None
    if name_filter is not None:
        wanted = pair.get(name_filter)
        keep = symbol == (-1 if wanted is None else wanted)
    if seconds is not None:
        inside = (t >= seconds[0]) & (t <= seconds[1])
        keep = inside if keep is None else keep & inside
    if keep is not None:
        chunk = {k: v[keep] for k, v in chunk.items()}
    buffer.add(chunk)
    # comments of the non-trade deals only (a report lists those one by one)
    listed = type_of > dc.SELL if keep is None else (type_of > dc.SELL) & keep
    if bool(listed.any()):
        comments, tickets = list(read("comment")), list(read("ticket"))
        for i in np.flatnonzero(listed).tolist():
            buffer.comments[int(tickets[i])] = str(comments[i])
