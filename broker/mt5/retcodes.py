"""Every MT5 trade-server retcode and `last_error()` code: its MT5 name, what it means for the
order (done, refused, outcome unknown, retry with a fresh price, connection lost) and the
`BrokerError` class a lookup raises for it.

What each code means in words, for a person, is in `handlers/broker_text.py`; the broker passes
codes on as notes ("retcode" {code, comment}, "last_error" {code, text}).
"""

from __future__ import annotations

from broker.errors import (
    BrokerError,
    InsufficientFunds,
    InvalidOrder,
    MarketClosed,
    SymbolNotFound,
    TemporaryBrokerError,
)
from broker.models import Note, TradeState

# Trade server return codes (MqlTradeResult.retcode), by the MT5 constant's name.
RETCODES: dict[int, str] = {
    10004: "TRADE_RETCODE_REQUOTE",
    10006: "TRADE_RETCODE_REJECT",
    10007: "TRADE_RETCODE_CANCEL",
    10008: "TRADE_RETCODE_PLACED",
    10009: "TRADE_RETCODE_DONE",
    10010: "TRADE_RETCODE_DONE_PARTIAL",
    10011: "TRADE_RETCODE_ERROR",
    10012: "TRADE_RETCODE_TIMEOUT",
    10013: "TRADE_RETCODE_INVALID",
    10014: "TRADE_RETCODE_INVALID_VOLUME",
    10015: "TRADE_RETCODE_INVALID_PRICE",
    10016: "TRADE_RETCODE_INVALID_STOPS",
    10017: "TRADE_RETCODE_TRADE_DISABLED",
    10018: "TRADE_RETCODE_MARKET_CLOSED",
    10019: "TRADE_RETCODE_NO_MONEY",
    10020: "TRADE_RETCODE_PRICE_CHANGED",
    10021: "TRADE_RETCODE_PRICE_OFF",
    10022: "TRADE_RETCODE_INVALID_EXPIRATION",
    10023: "TRADE_RETCODE_ORDER_CHANGED",
    10024: "TRADE_RETCODE_TOO_MANY_REQUESTS",
    10025: "TRADE_RETCODE_NO_CHANGES",
    10026: "TRADE_RETCODE_SERVER_DISABLES_AT",
    10027: "TRADE_RETCODE_CLIENT_DISABLES_AT",
    10028: "TRADE_RETCODE_LOCKED",
    10029: "TRADE_RETCODE_FROZEN",
    10030: "TRADE_RETCODE_INVALID_FILL",
    10031: "TRADE_RETCODE_CONNECTION",
    10032: "TRADE_RETCODE_ONLY_REAL",
    10033: "TRADE_RETCODE_LIMIT_ORDERS",
    10034: "TRADE_RETCODE_LIMIT_VOLUME",
    10035: "TRADE_RETCODE_INVALID_ORDER",
    10036: "TRADE_RETCODE_POSITION_CLOSED",
    10038: "TRADE_RETCODE_INVALID_CLOSE_VOLUME",
    10039: "TRADE_RETCODE_CLOSE_ORDER_EXIST",
    10040: "TRADE_RETCODE_LIMIT_POSITIONS",
    10041: "TRADE_RETCODE_REJECT_CANCEL",
    10042: "TRADE_RETCODE_LONG_ONLY",
    10043: "TRADE_RETCODE_SHORT_ONLY",
    10044: "TRADE_RETCODE_CLOSE_ONLY",
    10045: "TRADE_RETCODE_FIFO_CLOSE",
    10046: "TRADE_RETCODE_HEDGE_PROHIBITED",
}

# `last_error()` codes of the MetaTrader5 Python package (client side, before the server).
LAST_ERRORS: dict[int, str] = {
    1: "RES_S_OK",
    -1: "RES_E_FAIL",
    -2: "RES_E_INVALID_PARAMS",
    -3: "RES_E_NO_MEMORY",
    -4: "RES_E_NOT_FOUND",
    -5: "RES_E_INVALID_VERSION",
    -6: "RES_E_AUTH_FAILED",
    -7: "RES_E_UNSUPPORTED",
    -8: "RES_E_AUTO_TRADING_DISABLED",
    -10000: "RES_E_INTERNAL_FAIL",
    -10001: "RES_E_INTERNAL_FAIL_SEND",
    -10002: "RES_E_INTERNAL_FAIL_RECEIVE",
    -10003: "RES_E_INTERNAL_FAIL_INIT",
    -10004: "RES_E_INTERNAL_FAIL_CONNECT",
    -10005: "RES_E_INTERNAL_FAIL_TIMEOUT",
}

SUCCESS = frozenset({10008, 10009, 10010})
# Answered with a fresh price, a bounded number of times.
RETRY_WITH_FRESH_PRICE = frozenset({10004, 10020, 10021})
# The request may have reached the server: the outcome is unknown until positions are checked.
OUTCOME_UNKNOWN = frozenset({10012, -10002, -10005})
# The terminal itself is away: the supervisor should reconnect.
CONNECTION_LOST = frozenset({-10001, -10002, -10003, -10004, -10005})
# Worth trying again later (back-off), as opposed to telling the user to change the order.
TEMPORARY = frozenset({10012, 10024, 10028, 10031, *CONNECTION_LOST})

# Trade-server answers (MqlTradeResult.retcode) are 10004 … 10099; the adapter's own checks
# before sending use the same codes.
_SERVER_RETCODES = range(10004, 10100)


def failure_state(retcode: int) -> TradeState:
    """What a failed order operation with `retcode` means for the order: "refused" when the
    trade server (or the check before sending) answered with a definite no, so nothing was
    executed; "unknown" for a timeout, a lost reply or a client-side error, after which the
    request may still have reached the server."""
    if retcode in _SERVER_RETCODES and retcode not in OUTCOME_UNKNOWN:
        return "refused"
    return "unknown"


def code_note(code: int, comment: str = "") -> Note:
    """What a code says, as a note: a trade-server retcode ("retcode", with the server's
    comment) or a `last_error()` code of the package ("last_error", with its text)."""
    if code in RETCODES or code > 0:
        return Note("retcode", {"code": code, "comment": comment})
    return Note("last_error", {"code": code, "text": comment})


def retcode_name(retcode: int) -> str:
    return RETCODES.get(retcode) or LAST_ERRORS.get(retcode) or str(retcode)


def error_for_retcode(retcode: int, comment: str = "", what: Note | None = None) -> BrokerError:
    """The exception a lookup raises for a code (trade retcode or last_error code); with
    `what`, the note says which lookup failed ("lookup_failed" {what, reason})."""
    note = code_note(retcode, comment)
    if what is not None:
        note = Note("lookup_failed", {"what": what, "reason": note})
    return _error_class(retcode)(note, retcode)


def _error_class(retcode: int) -> type[BrokerError]:
    if retcode in TEMPORARY:
        return TemporaryBrokerError
    if retcode == 10019:
        return InsufficientFunds
    if retcode in (10018, 10017, 10044):
        return MarketClosed
    if retcode == -4:
        return SymbolNotFound
    if retcode in (10013, 10014, 10015, 10016, 10022, 10030, 10035, 10036, 10038):
        return InvalidOrder
    return BrokerError
