"""The intent contract (docs/INTENTS.md, version 2) as a validated pydantic model."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

IntentName = Literal[
    "open",
    "close",
    "modify",
    "cancel",
    "positions",
    "orders",
    "pnl",
    "account",
    "quote",
    "report",
    "help",
    "chart",
    "indicator",
    "symbol_info",
    "history",
    "alert",
    "levels",
    "subscribe",
    "unsubscribe",
    "unknown",
]
SideName = Literal["buy", "sell"]
OrderType = Literal["market", "limit", "stop", "pending"]
Selector = Literal["all", "earliest", "latest", "profitable", "losing"]
Period = Literal["today", "yesterday", "week", "last_week", "month", "last_month", "year"]
ReportKind = Literal["daily", "weekly", "monthly", "hedge"]
Timeframe = Literal["M1", "M5", "M15", "M30", "H1", "H4", "D1", "W1", "MN1"]
IndicatorName = Literal["MA", "EMA", "RSI", "MACD", "BOLL", "KDJ", "ATR"]

CANONICAL_SYMBOLS: tuple[str, ...] = (
    "EURUSD",
    "GBPUSD",
    "USDJPY",
    "AUDUSD",
    "NZDUSD",
    "USDCAD",
    "USDCHF",
    "EURJPY",
    "GBPJPY",
    "EURGBP",
    "XAUUSD",
    "XAGUSD",
    "USOIL",
    "BTCUSD",
    "ETHUSD",
    "US30",
    "NAS100",
    "SPX500",
)

# Which keys each intent may carry (the contract's table).
ALLOWED_KEYS: dict[str, frozenset[str]] = {
    "open": frozenset(
        {"symbol", "side", "volume", "risk_percent", "order_type", "price", "sl", "tp"}
    ),
    "close": frozenset(
        {"symbol", "side", "volume", "fraction", "ticket", "magic", "selector", "count"}
    ),
    "modify": frozenset(
        {
            "symbol",
            "side",
            "ticket",
            "magic",
            "selector",
            "sl",
            "tp",
            "breakeven",
            "sl_shift_pips",
            "tp_shift_pips",
            "trailing_pips",
            "trailing_off",
        }
    ),
    "cancel": frozenset({"symbol", "side", "ticket", "magic", "selector"}),
    "positions": frozenset({"symbol", "side", "magic"}),
    "orders": frozenset({"symbol"}),
    "pnl": frozenset({"symbol", "magic", "period"}),
    "history": frozenset({"symbol", "magic", "period"}),
    "report": frozenset({"kind", "period"}),
    "chart": frozenset({"symbol", "timeframe"}),
    "indicator": frozenset({"symbol", "indicator", "timeframe", "length"}),
    "alert": frozenset({"symbol", "price"}),
    "levels": frozenset({"symbol", "timeframe"}),
    "subscribe": frozenset({"kind"}),
    "unsubscribe": frozenset({"kind"}),
    "quote": frozenset({"symbol"}),
    "symbol_info": frozenset({"symbol"}),
    "account": frozenset(),
    "help": frozenset(),
    "unknown": frozenset(),
}
TRADE_INTENTS = frozenset({"open", "close", "modify", "cancel"})


class Intent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    intent: IntentName
    symbol: str | None = None
    side: SideName | None = None
    volume: float | None = None
    order_type: OrderType | None = None
    price: float | None = None
    sl: float | None = None
    tp: float | None = None
    ticket: int | None = None
    magic: int | None = None
    selector: Selector | None = None
    count: int | None = None
    period: Period | None = None
    kind: ReportKind | None = None
    fraction: float | None = None
    breakeven: Literal[True] | None = None
    sl_shift_pips: float | None = None
    tp_shift_pips: float | None = None
    trailing_pips: float | None = None
    trailing_off: Literal[True] | None = None  # stop the bot's trailing stop ("取消移动止损")
    risk_percent: float | None = None
    timeframe: Timeframe | None = None
    indicator: IndicatorName | None = None
    length: int | None = None

    @field_validator("symbol")
    @classmethod
    def _canonical(cls, v: str | None) -> str | None:
        if v is not None and v not in CANONICAL_SYMBOLS:
            raise ValueError(f"not a canonical symbol: {v!r}")
        return v

    @field_validator("volume", "price", "sl", "tp", "trailing_pips")
    @classmethod
    def _positive(cls, v: float | None) -> float | None:
        if v is not None and (not math.isfinite(v) or v <= 0):
            raise ValueError("must be a finite number > 0")
        return v

    @field_validator("fraction")
    @classmethod
    def _fraction(cls, v: float | None) -> float | None:
        if v is not None and (not math.isfinite(v) or not 0 < v < 1):
            raise ValueError("a fraction is a number with 0 < f < 1")
        return v

    @field_validator("risk_percent")
    @classmethod
    def _risk(cls, v: float | None) -> float | None:
        if v is not None and (not math.isfinite(v) or not 0 < v <= 100):
            raise ValueError("risk_percent is a number with 0 < r <= 100")
        return v

    @field_validator("sl_shift_pips", "tp_shift_pips")
    @classmethod
    def _shift(cls, v: float | None) -> float | None:
        if v is not None and (not math.isfinite(v) or v == 0):
            raise ValueError("a shift is a finite, non-zero number of pips")
        return v

    @field_validator("length")
    @classmethod
    def _length(cls, v: int | None) -> int | None:
        if v is not None and v < 2:
            raise ValueError("an indicator length is an integer >= 2")
        return v

    @field_validator("ticket", "magic", "count", "length", mode="before")
    @classmethod
    def _positive_int(cls, v: Any) -> Any:
        if v is None:
            return v
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError("must be a positive integer")
        if isinstance(v, float) and not v.is_integer():
            raise ValueError("must be a positive integer")
        if v <= 0:
            raise ValueError("must be a positive integer")
        return int(v)

    @model_validator(mode="after")
    def _keys_fit_intent(self) -> Intent:
        allowed = ALLOWED_KEYS[self.intent]
        extra = [k for k in self.model_fields_set if k != "intent" and getattr(self, k) is not None]
        wrong = sorted(k for k in extra if k not in allowed)
        if wrong:
            raise ValueError(f"{self.intent} cannot carry {', '.join(wrong)}")
        return self

    @property
    def is_trade(self) -> bool:
        return self.intent in TRADE_INTENTS

    def to_json_dict(self) -> dict[str, Any]:
        """The contract's JSON: absent keys omitted."""
        return self.model_dump(exclude_none=True)


UNKNOWN = Intent(intent="unknown")
