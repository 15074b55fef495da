"""The gateway's request and response bodies (pydantic), as OpenAPI at /docs shows them. Every
answer is `{"success": true, "data": …}` or `{"success": false, "error": {"code", "message",
"details"}}`; symbols are canonical (XAUUSD) both ways."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from broker.models import Account, Bar, Deal, PendingOrder, Position, Quote, SymbolSpec

T = TypeVar("T")


class Ok(BaseModel, Generic[T]):
    success: Literal[True] = True
    data: T


class ErrorInfo(BaseModel):
    code: str = Field(description="for programs: no_token, bad_token, ip_not_allowed, …")
    message: str = Field(description="for people, English")
    details: Any = None


class Failure(BaseModel):
    success: Literal[False] = False
    error: ErrorInfo


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is refused, never ignored


# ---- read models ------------------------------------------------------------------------------


class HealthOut(BaseModel):
    terminal_connected: bool
    trade_allowed: bool
    since: datetime | None = Field(description="when the gateway saw this state begin")
    note: str
    version: str
    ws_connections: int


class AccountOut(BaseModel):
    login: int
    server: str
    name: str
    company: str
    currency: str
    balance: float
    equity: float
    margin: float
    margin_free: float
    margin_level: float | None
    leverage: int
    profit: float
    hedging: bool
    trade_allowed: bool
    demo: bool

    @classmethod
    def of(cls, a: Account) -> AccountOut:
        return cls(**{k: v for k, v in asdict(a).items() if k in cls.model_fields})


class PositionOut(BaseModel):
    ticket: int
    symbol: str
    side: Literal["buy", "sell"]
    volume: float
    price_open: float
    price_current: float
    sl: float | None
    tp: float | None
    profit: float
    swap: float
    magic: int
    comment: str
    time: datetime

    @classmethod
    def of(cls, p: Position) -> PositionOut:
        return cls(**{k: v for k, v in asdict(p).items() if k in cls.model_fields})


class PendingOut(BaseModel):
    ticket: int
    symbol: str
    side: Literal["buy", "sell"]
    kind: Literal["limit", "stop"]
    volume: float
    price: float
    sl: float | None
    tp: float | None
    magic: int
    comment: str
    time: datetime

    @classmethod
    def of(cls, o: PendingOrder) -> PendingOut:
        return cls(**{k: v for k, v in asdict(o).items() if k in cls.model_fields})


class SymbolOut(BaseModel):
    symbol: str
    description: str
    digits: int
    point: float
    contract_size: float
    volume_min: float
    volume_max: float
    volume_step: float
    stops_level: int
    currency_base: str
    currency_profit: str
    currency_margin: str
    tick_size: float
    tick_value: float
    trade_allowed: bool

    @classmethod
    def of(cls, s: SymbolSpec) -> SymbolOut:
        return cls(**{k: v for k, v in asdict(s).items() if k in cls.model_fields})


class QuoteOut(BaseModel):
    symbol: str
    bid: float
    ask: float
    spread_points: int
    time: datetime
    digits: int
    day_open: float | None

    @classmethod
    def of(cls, q: Quote) -> QuoteOut:
        return cls(
            symbol=q.symbol,
            bid=q.bid,
            ask=q.ask,
            spread_points=q.spread_points,
            time=q.time,
            digits=q.digits,
            day_open=q.day_open,
        )


class BarOut(BaseModel):
    time: datetime
    open: float
    high: float
    low: float
    close: float
    tick_volume: int

    @classmethod
    def of(cls, b: Bar) -> BarOut:
        return cls(**asdict(b))


class DealOut(BaseModel):
    ticket: int
    order: int
    position_id: int
    time: datetime
    type: str
    entry: str
    symbol: str
    volume: float
    price: float
    profit: float
    commission: float
    swap: float
    fee: float
    magic: int
    comment: str

    @classmethod
    def of(cls, d: Deal) -> DealOut:
        return cls(**{k: v for k, v in asdict(d).items() if k in cls.model_fields})


# ---- orders -----------------------------------------------------------------------------------

OrderType = Literal["buy", "sell", "buy_limit", "sell_limit", "buy_stop", "sell_stop"]


class OpenBody(Body):
    symbol: str
    type: OrderType
    volume: float = Field(gt=0)
    price: float | None = Field(None, gt=0, description="entry price of a limit/stop order")
    sl: float | None = Field(None, gt=0)
    tp: float | None = Field(None, gt=0)
    comment: str = Field("", max_length=64, description="your reference, kept in the audit log")
    magic: int | None = Field(None, description="must be the gateway's own magic, or absent")
    deviation: int | None = Field(None, ge=0, description="at most [broker] deviation_points")


class ModifyBody(Body):
    ticket: int = Field(gt=0)
    # the intent contract moves stops; it has no "remove" (a chat cannot say it either)
    sl: float | None = Field(None, gt=0, description="new stop loss price")
    tp: float | None = Field(None, gt=0, description="new take profit price")


class CloseBody(Body):
    ticket: int | None = Field(None, gt=0)
    symbol: str | None = None
    side: Literal["buy", "sell"] | None = None
    volume: float | None = Field(None, gt=0, description="lots to close; absent = all")
    fraction: float | None = Field(None, gt=0, lt=1)
    magic: int | None = Field(None, gt=0)
    selector: Literal["earliest", "latest", "profitable", "losing"] | None = None
    count: int | None = Field(None, gt=0)


class CloseAllBody(Body):
    symbol: str | None = None
    side: Literal["buy", "sell"] | None = None
    magic: int | None = Field(None, gt=0)


class CancelBody(Body):
    ticket: int = Field(gt=0)


class ReceiptOut(BaseModel):
    state: str
    code: str
    message: str
    plan: dict[str, Any] | None = None
    legs: list[dict[str, Any]] = Field(default_factory=list)
    reference: str = ""
    replayed: bool = False


class ProposalOut(BaseModel):
    proposal_id: str
    status: str
    message: str
    owner: dict[str, str]
    expires_at: datetime | None
    plan: dict[str, Any] | None = None
    result: dict[str, Any] = Field(default_factory=dict)


# ---- auth and jobs ----------------------------------------------------------------------------


class TokenBody(Body):
    ttl_s: int | None = Field(None, gt=0, description="at most [api] jwt_max_ttl_s")
    scopes: list[Literal["read", "trade", "admin"]] | None = None


class TokenOut(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme's name
    expires_at: datetime
    scopes: list[str]


class ReportBody(Body):
    kind: Literal["daily", "weekly", "monthly", "hedge", "pnl"]
    period: (
        Literal["today", "yesterday", "week", "last_week", "month", "last_month", "year"] | None
    ) = None
    symbol: str | None = None
    magic: int | None = Field(None, gt=0)
    lang: Literal["zh", "en"] = "en"
    charts: bool = True


class JobOut(BaseModel):
    job_id: str
    kind: str
    status: Literal["running", "completed", "failed"]
    created_at: datetime
    completed_at: datetime | None = None
    result: dict[str, Any] | None = None
    error: str | None = None


class JobStarted(BaseModel):
    job_id: str
    status: Literal["running"] = "running"
