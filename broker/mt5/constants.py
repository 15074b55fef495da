"""MetaTrader5 API constants and the struct-field helpers shared by the mt5 rooms.

The values are identical in the real package, mt5linux and the paper terminal; they are
spelled out here so nothing has to import the MetaTrader5 module to know them.
"""

from __future__ import annotations

from typing import Any

from broker.models import DealEntry, DealType, PendingKind, Side

TRADE_ACTION_DEAL = 1
TRADE_ACTION_PENDING = 5
TRADE_ACTION_SLTP = 6
TRADE_ACTION_MODIFY = 7
TRADE_ACTION_REMOVE = 8
ORDER_TYPE_BUY = 0
ORDER_TYPE_SELL = 1
ORDER_TYPE_BUY_LIMIT = 2
ORDER_TYPE_SELL_LIMIT = 3
ORDER_TYPE_BUY_STOP = 4
ORDER_TYPE_SELL_STOP = 5
ORDER_TYPE_BUY_STOP_LIMIT = 6
ORDER_TYPE_SELL_STOP_LIMIT = 7
ORDER_FILLING_FOK = 0
ORDER_FILLING_IOC = 1
ORDER_FILLING_RETURN = 2
ORDER_TIME_GTC = 0
ORDER_TIME_SPECIFIED = 2
ORDER_TIME_SPECIFIED_DAY = 3
SYMBOL_FILLING_FOK = 1  # bits of symbol_info().filling_mode (not exported by the package)
SYMBOL_FILLING_IOC = 2
SYMBOL_TRADE_MODE_DISABLED = 0
SYMBOL_TRADE_MODE_LONGONLY = 1
SYMBOL_TRADE_MODE_SHORTONLY = 2
SYMBOL_TRADE_MODE_CLOSEONLY = 3
ACCOUNT_TRADE_MODE_DEMO = 0
ACCOUNT_MARGIN_MODE_RETAIL_HEDGING = 2
COMMENT_MAX = 29
BOOK_TYPE_SELL = 1  # market_book_get rows: offers (asks) …
BOOK_TYPE_BUY = 2  # … and bids; the *_MARKET kinds are market orders waiting in the book
BOOK_TYPE_SELL_MARKET = 3
BOOK_TYPE_BUY_MARKET = 4
BOOK_SIDES: dict[int, Side] = {
    BOOK_TYPE_SELL: "sell",
    BOOK_TYPE_BUY: "buy",
    BOOK_TYPE_SELL_MARKET: "sell",
    BOOK_TYPE_BUY_MARKET: "buy",
}

TIMEFRAMES: dict[str, int] = {
    "M1": 1,
    "M5": 5,
    "M15": 15,
    "M30": 30,
    "H1": 16385,
    "H4": 16388,
    "D1": 16408,
    "W1": 32769,
    "MN1": 49153,
}
DEAL_TYPES: dict[int, DealType] = {0: "buy", 1: "sell", 2: "balance", 3: "credit"}
DEAL_ENTRIES: dict[int, DealEntry] = {0: "in", 1: "out", 2: "inout", 3: "out_by"}
PENDING_TYPES: dict[int, tuple[Side, PendingKind]] = {
    ORDER_TYPE_BUY_LIMIT: ("buy", "limit"),
    ORDER_TYPE_SELL_LIMIT: ("sell", "limit"),
    ORDER_TYPE_BUY_STOP: ("buy", "stop"),
    ORDER_TYPE_SELL_STOP: ("sell", "stop"),
    ORDER_TYPE_BUY_STOP_LIMIT: ("buy", "stop"),
    ORDER_TYPE_SELL_STOP_LIMIT: ("sell", "stop"),
}
PENDING_ORDER_TYPE: dict[tuple[Side, PendingKind], int] = {
    ("buy", "limit"): ORDER_TYPE_BUY_LIMIT,
    ("sell", "limit"): ORDER_TYPE_SELL_LIMIT,
    ("buy", "stop"): ORDER_TYPE_BUY_STOP,
    ("sell", "stop"): ORDER_TYPE_SELL_STOP,
}


def field(obj: Any, name: str, default: Any = 0) -> Any:
    """An attribute of an MT5 struct, `default` when it is missing or None."""
    value = getattr(obj, name, default)
    return default if value is None else value


def row_field(row: Any, name: str, index: int) -> Any:
    """A field of a rates row: numpy record, dict, struct sequence or plain tuple."""
    try:
        return row[name]
    except (KeyError, IndexError, TypeError, ValueError):
        pass
    if hasattr(row, name):
        return getattr(row, name)
    return row[index]
