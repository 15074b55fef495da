"""The intent contract (shared/nlp/INTENTS.md) as a validated pydantic model."""

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
    "unknown",
]
SideName = Literal["buy", "sell"]
OrderType = Literal["market", "limit", "stop", "pending"]
Selector = Literal["all", "earliest", "latest", "profitable", "losing"]
Period = Literal["today", "yesterday", "week", "last_week", "month", "last_month", "year"]
ReportKind = Literal["daily", "weekly", "monthly", "hedge"]

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
    "open": frozenset({"symbol", "side", "volume", "order_type", "price", "sl", "tp"}),
    "close": frozenset({"symbol", "side", "volume", "ticket", "magic", "selector", "count"}),
    "modify": frozenset({"symbol", "side", "ticket", "magic", "selector", "sl", "tp"}),
    "cancel": frozenset({"symbol", "ticket", "magic", "selector"}),
    "positions": frozenset({"symbol", "magic"}),
    "orders": frozenset({"symbol"}),
    "pnl": frozenset({"symbol", "magic", "period"}),
    "report": frozenset({"kind", "period"}),
    "quote": frozenset({"symbol"}),
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

    @field_validator("symbol")
    @classmethod
    def _canonical(cls, v: str | None) -> str | None:
        if v is not None and v not in CANONICAL_SYMBOLS:
            raise ValueError(f"not a canonical symbol: {v!r}")
        return v

    @field_validator("volume", "price", "sl", "tp")
    @classmethod
    def _positive(cls, v: float | None) -> float | None:
        if v is not None and (not math.isfinite(v) or v <= 0):
            raise ValueError("must be a finite number > 0")
        return v

    @field_validator("ticket", "magic", "count", mode="before")
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
