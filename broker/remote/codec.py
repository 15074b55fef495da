"""The broker's operations over JSON, the same table for both ends of the wire.

`OPERATIONS` names every `Broker` operation the gateway serves at
`POST /api/v1/broker/{operation}`: its arguments (name → type) and its result type. The
client sends the arguments as JSON, the gateway validates them with pydantic against these
types, calls the broker method of the same name and answers `to_json(result)`; the client
turns the answer back into our dataclasses with `from_json(data, result_type)`. A new
operation is one row here and one one-line method on `RemoteBroker`.

Times are UTC ISO-8601 strings and come back as `datetime` in `datetime.UTC`. A `Note` (also
one nested in another's facts) travels as `{"$note": {"key", "facts"}}` so it is a `Note`
again on the other side, and `handlers/broker_text.py` words it as if the broker were local.
A `BrokerError` travels as `error_to_json` (its class, note and code) and is raised again by
`error_from_json`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from pydantic import TypeAdapter

from broker.errors import (
    BrokerError,
    InsufficientFunds,
    InvalidOrder,
    MarketClosed,
    SymbolNotFound,
    TemporaryBrokerError,
)
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

T = TypeVar("T")
NOTE_TAG = "$note"


@dataclass(frozen=True, slots=True)
class Operation:
    params: dict[str, Any]  # argument name → type (every one optional on the wire)
    result: Any  # the result's type
    trade: bool = False  # sends an order: signed, with an Idempotency-Key, never resent blindly


_TRADE_COMMON: dict[str, Any] = {"sl": float | None, "tp": float | None}

OPERATIONS: dict[str, Operation] = {
    "health": Operation({}, Health),
    # not a verb but the terminal's clock: the reports' "server" time zone needs it
    "server_utc_offset_hours": Operation({}, int | None),
    "account": Operation({}, Account),
    "symbols": Operation({}, list[SymbolSpec]),
    "symbol_spec": Operation({"symbol": str}, SymbolSpec),
    "quote": Operation({"symbol": str, "with_day_open": bool}, Quote),
    "rates": Operation({"symbol": str, "timeframe": Timeframe, "count": int}, list[Bar]),
    "rates_range": Operation(
        {"symbol": str, "timeframe": Timeframe, "start": datetime, "end": datetime}, list[Bar]
    ),
    "contract_info": Operation({"symbol": str}, ContractInfo),
    "market_book": Operation({"symbol": str}, list[BookLevel] | None),
    "market_view": Operation(
        {"symbols": tuple[str, ...], "orders": bool, "held": bool}, MarketView
    ),
    "positions": Operation(
        {"symbol": str | None, "magic": int | None, "side": Side | None}, list[Position]
    ),
    "pending_orders": Operation({"symbol": str | None, "magic": int | None}, list[PendingOrder]),
    "deals": Operation({"start": datetime, "end": datetime, "symbol": str | None}, list[Deal]),
    "open_market": Operation(
        {
            "symbol": str,
            "side": Side,
            "volume": float,
            **_TRADE_COMMON,
            "magic": int,
            "comment": str,
        },
        TradeResult,
        trade=True,
    ),
    "place_pending": Operation(
        {
            "symbol": str,
            "side": Side,
            "kind": PendingKind,
            "volume": float,
            "price": float,
            **_TRADE_COMMON,
            "magic": int,
            "comment": str,
        },
        TradeResult,
        trade=True,
    ),
    "close_position": Operation(
        {"ticket": int, "volume": float | None, "comment": str}, TradeResult, trade=True
    ),
    "modify_position": Operation({"ticket": int, **_TRADE_COMMON}, TradeResult, trade=True),
    "modify_order": Operation(
        {"ticket": int, "price": float | None, **_TRADE_COMMON}, TradeResult, trade=True
    ),
    "cancel_order": Operation({"ticket": int}, TradeResult, trade=True),
}

ERROR_CLASSES: dict[str, type[BrokerError]] = {
    cls.__name__: cls
    for cls in (
        BrokerError,
        TemporaryBrokerError,
        SymbolNotFound,
        InvalidOrder,
        InsufficientFunds,
        MarketClosed,
    )
}


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def adapter(kind: Any) -> TypeAdapter[Any]:
    """One pydantic adapter per type (building one costs more than using it)."""
    found = _ADAPTERS.get(kind)
    if found is None:
        found = _ADAPTERS[kind] = TypeAdapter(kind)
    return found


def to_json(value: Any) -> Any:
    """Our models (and the plain values around them) as JSON-ready Python values."""
    if isinstance(value, Note):
        return {NOTE_TAG: {"key": value.key, "facts": to_json(value.facts)}}
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def _notes(value: Any) -> Any:
    """Tagged notes back into `Note`s, everywhere in a decoded JSON value."""
    if isinstance(value, dict):
        tagged = value.get(NOTE_TAG)
        if len(value) == 1 and isinstance(tagged, dict):
            return Note(str(tagged.get("key", "")), _notes(tagged.get("facts") or {}))
        return {k: _notes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_notes(v) for v in value]
    return value


def _utc(value: Any) -> Any:
    """Every datetime in a validated result in `datetime.UTC` (pydantic gives its own tzinfo:
    equal in value, but code that compares zones by identity must see ours)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, list):
        return [_utc(v) for v in value]
    if isinstance(value, dict):
        return {k: _utc(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        times = {
            f.name: getattr(value, f.name).astimezone(UTC)
            for f in dataclasses.fields(value)
            if isinstance(getattr(value, f.name), datetime)
        }
        return dataclasses.replace(value, **times) if times else value
    return value


def from_json(data: Any, kind: type[T]) -> T:
    """A JSON value as `kind` (validated; raises pydantic's `ValidationError` when it is not)."""
    return cast(T, _utc(adapter(kind).validate_python(_notes(data))))


def args_from_json(operation: Operation, data: Any) -> dict[str, Any]:
    """An operation's arguments, validated; `ValueError` names an unknown or invalid one."""
    if not isinstance(data, dict):
        raise ValueError("the arguments must be a JSON object")
    unknown = sorted(set(data) - set(operation.params))
    if unknown:
        raise ValueError(f"unknown argument(s): {', '.join(unknown)}")
    return {name: from_json(data[name], operation.params[name]) for name in data}


def error_to_json(exc: BrokerError) -> dict[str, Any]:
    return {"class": type(exc).__name__, "note": to_json(exc.note), "code": exc.code}


def error_from_json(data: Any) -> BrokerError | None:
    """The `BrokerError` a gateway answered with; None when `data` is not one."""
    if not isinstance(data, dict) or data.get("class") not in ERROR_CLASSES:
        return None
    note = _notes(data.get("note"))
    if not isinstance(note, Note):
        return None
    code = data.get("code")
    return ERROR_CLASSES[str(data["class"])](note, code if isinstance(code, int) else None)
