"""The gateway's FastAPI app: every endpoint under /api/v1 over the services the chats use —
the broker for facts, `TradingService` for orders, `Proposals` for orders confirmed in chat,
the report service for jobs. OpenAPI at /docs.

Every request but /health needs `Authorization: Bearer <token>` (a configured token or a JWT
issued for one), from an address its allow-list admits, within its rate limit; every request
is written to the audit log with the token's name (never the token), its method, path, status
and the caller's address. Errors are `{"success": false, "error": {"code", "message"}}` with
401/403/404/409/429/400/500/503 — a terminal away (the supervisor's state, a
`TemporaryBrokerError`) is 503 — and never a traceback.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.api.auth import AuthError, Principal, RateLimit, Scope, TokenRegistry, retry_after_header
from bot.api.jobs import JobRunner
from bot.api.models import (
    AccountOut,
    BarOut,
    CancelBody,
    CloseAllBody,
    CloseBody,
    DealOut,
    ErrorInfo,
    Failure,
    HealthOut,
    JobOut,
    JobStarted,
    ModifyBody,
    Ok,
    OpenBody,
    PendingOut,
    PositionOut,
    ProposalOut,
    QuoteOut,
    ReceiptOut,
    ReportBody,
    SymbolOut,
    TokenBody,
    TokenOut,
)
from bot.api.ws import Hub
from broker.base import ManagedBroker
from broker.errors import BrokerError, InvalidOrder, SymbolNotFound, TemporaryBrokerError
from broker.models import Timeframe
from broker.remote.signing import Verifier
from handlers.audit_trail import AuditTrail
from handlers.broker_text import note_text
from handlers.format import UserClock
from handlers.i18n import t
from handlers.market import MarketData, MarketError, indicator_summary
from handlers.proposals import Proposal, ProposalRefused, Proposals
from handlers.trading_service import Receipt, TradingService
from nlp.intent import Intent
from store.idempotency import KEY_MAX, IdempotencyStore, fingerprint
from store.jobs import Job

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
TIMEFRAMES: dict[str, tuple[Timeframe, int]] = {
    "m1": ("M1", 60),
    "m5": ("M5", 300),
    "m15": ("M15", 900),
    "m30": ("M30", 1800),
    "h1": ("H1", 3600),
    "h4": ("H4", 14_400),
    "d1": ("D1", 86_400),
    "w1": ("W1", 604_800),
    "mn1": ("MN1", 2_678_400),
}
MAX_BARS = 50_000  # one request's bars: a month of M1 fits
MAX_DEAL_DAYS = 400


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


@dataclass
class Gateway:
    """Everything the app serves from; built by `bot/api/server.py: build_gateway`."""

    broker: ManagedBroker
    trading: TradingService
    proposals: Proposals
    trail: AuditTrail
    tokens: TokenRegistry
    limit: RateLimit
    keys: IdempotencyStore
    jobs: JobRunner
    hub: Hub
    version: str
    magic: int
    deviation: int
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # indicators (handlers/market.py) and the clock their readings are told in; None: the
    # /indicators endpoint answers 503 "not available"
    market: MarketData | None = None
    user_clock: UserClock | None = None
    _seen: tuple[bool, datetime] | None = None
    # the remote broker's endpoints (bot/api/broker_routes.py): token name → signing secret
    signing_secrets: dict[str, str] = field(default_factory=dict)
    verifier: Verifier = field(default_factory=Verifier)

    def terminal_state(self) -> tuple[bool, datetime]:
        """Connected or not, and since when this gateway has seen it so."""
        up = self.broker.connected and not self.broker.stuck
        if self._seen is None or self._seen[0] != up:
            self._seen = (up, self.clock())
        return self._seen


def failure(
    status: int, code: str, message: str, details: Any = None, **headers: str
) -> JSONResponse:
    body = Failure(error=ErrorInfo(code=code, message=message, details=details))
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers or None)


def ok(data: Any, status: int = 200) -> JSONResponse:
    if hasattr(data, "model_dump"):
        data = data.model_dump(mode="json")
    elif isinstance(data, list):
        data = [d.model_dump(mode="json") if hasattr(d, "model_dump") else d for d in data]
    return JSONResponse({"success": True, "data": data}, status_code=status)


def broker_failure(exc: BrokerError) -> JSONResponse:
    reason = note_text(exc.note, "en")
    if isinstance(exc, TemporaryBrokerError):
        return failure(503, "terminal_away", t("en", "gw_api_terminal_away", reason=reason))
    if isinstance(exc, SymbolNotFound):
        return failure(404, "symbol_not_found", reason)
    if isinstance(exc, InvalidOrder):
        return failure(400, "invalid_order", reason)
    return failure(400, "broker_error", reason)


def _validation_text(exc: RequestValidationError | ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path"))
        parts.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
    return t("en", "gw_api_bad_request", problems="; ".join(parts))


def create_app(gw: Gateway) -> FastAPI:
    app = FastAPI(
        title="tradechat gateway",
        version=gw.version,
        description="REST + WebSocket API over tradechat's broker, risk gate and audit log.",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    _install_errors(app)
    _install_audit(app, gw)
    router = APIRouter(prefix=PREFIX)
    _health_routes(router, gw)
    _read_routes(router, gw)
    _indicator_routes(router, gw)
    _order_routes(router, gw)
    _job_routes(router, gw)
    from bot.api.broker_routes import install as broker_routes  # it imports this module

    broker_routes(router, gw)
    app.include_router(router)
    gw.hub.install(app, PREFIX + "/ws")
    return app


def _install_errors(app: FastAPI) -> None:
    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)  # noqa: S101 - registered for ApiError only
        return failure(exc.status, exc.code, exc.message, exc.details, **exc.headers)

    async def bad_request(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError | ValidationError)  # noqa: S101
        return failure(400, "bad_request", _validation_text(exc))

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return failure(exc.status_code, code, t("en", f"gw_api_{code}"))

    async def broker_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, BrokerError)  # noqa: S101
        return broker_failure(exc)

    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("gateway: %s %s failed", request.method, request.url.path, exc_info=exc)
        return failure(500, "internal_error", t("en", "gw_api_internal"))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, bad_request)
    app.add_exception_handler(ValidationError, bad_request)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(BrokerError, broker_error)
    app.add_exception_handler(Exception, internal)


def _install_audit(app: FastAPI, gw: Gateway) -> None:
    @app.middleware("http")
    async def audit(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        t0 = time.perf_counter()
        status = 500  # an error that escapes every handler is answered 500 outside us
        try:
            response = await call_next(request)
            status = response.status_code
        finally:
            await _audit_request(gw, request, status, (time.perf_counter() - t0) * 1000)
        return response


async def _audit_request(gw: Gateway, request: Request, status: int, ms: float) -> None:
    principal: Principal | None = getattr(request.state, "principal", None)
    if request.url.path.startswith(PREFIX) and not request.url.path.endswith("/health"):
        await gw.trail.record(
            "api_request",
            platform="api",
            chat_id=principal.name if principal else "",
            user_id=principal.name if principal else "",
            detail={
                "method": request.method,
                "path": request.url.path,
                "status": status,
                "ip": request.client.host if request.client else None,
            },
            duration_ms=ms,
        )


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def requires(gw: Gateway, scope: Scope | None) -> Callable[..., Awaitable[Principal]]:
    """The dependency that authenticates a request, checks `scope` and the rate limit."""

    async def check(
        request: Request, authorization: str | None = Header(None, include_in_schema=False)
    ) -> Principal:
        address = request.client.host if request.client else None
        try:
            principal = gw.tokens.authenticate(_bearer(authorization), address)
        except AuthError as exc:
            headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
            raise ApiError(exc.status, exc.code, exc.message, headers=headers) from None
        request.state.principal = principal
        wait = gw.limit.take(principal.name)
        if wait > 0:
            raise ApiError(
                429,
                "rate_limited",
                t("en", "gw_api_rate_limited", seconds=retry_after_header(wait)),
                headers={"Retry-After": retry_after_header(wait)},
            )
        if scope is not None and not principal.has(scope):
            raise ApiError(
                403,
                "missing_scope",
                t("en", "gw_api_missing_scope", name=principal.name, scope=scope),
            )
        return principal

    return check


def canonical(symbol: str) -> str:
    return symbol.strip().upper()


# ---- routes -----------------------------------------------------------------------------------


def _health_routes(router: APIRouter, gw: Gateway) -> None:
    @router.get("/health", response_model=Ok[HealthOut], summary="terminal state (no auth)")
    async def health() -> JSONResponse:
        up, since = gw.terminal_state()
        trade_allowed = False
        note = "connected" if up else note_text(gw.broker.disconnect_reason, "en")
        if up:
            try:
                h = await gw.broker.health()
                trade_allowed, note = h.trade_allowed, note_text(h.note, "en")
            except BrokerError as exc:
                note = note_text(exc.note, "en")
        out = HealthOut(
            terminal_connected=up,
            trade_allowed=trade_allowed,
            since=since,
            note=note,
            version=gw.version,
            ws_connections=gw.hub.connections,
        )
        return ok(out)

    anyone = Depends(requires(gw, None))

    @router.post("/auth/token", response_model=Ok[TokenOut], summary="a short-lived JWT")
    async def issue(body: TokenBody | None = None, who: Principal = anyone) -> JSONResponse:
        body = body or TokenBody()
        try:
            token, exp, scopes = gw.tokens.issue_jwt(who, body.ttl_s, body.scopes)
        except AuthError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        return ok(TokenOut(token=token, expires_at=datetime.fromtimestamp(exp, UTC), scopes=scopes))


def _timeframe(tf: str) -> tuple[Timeframe, int]:
    found = TIMEFRAMES.get(tf.strip().lower())
    if found is None:
        raise ApiError(
            400,
            "bad_timeframe",
            t("en", "gw_api_bad_timeframe", tf=tf, known=", ".join(TIMEFRAMES)),
        )
    return found


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _read_routes(router: APIRouter, gw: Gateway) -> None:  # noqa: C901 - one route per endpoint
    read = Depends(requires(gw, "read"))

    @router.get("/account", response_model=Ok[AccountOut])
    async def account(_: Principal = read) -> JSONResponse:
        return ok(AccountOut.of(await gw.broker.account()))

    @router.get("/positions", response_model=Ok[list[PositionOut]])
    async def positions(
        symbol: str | None = None, magic: int | None = None, _: Principal = read
    ) -> JSONResponse:
        found = await gw.broker.positions(canonical(symbol) if symbol else None, magic)
        return ok([PositionOut.of(p) for p in found])

    @router.get("/orders/pending", response_model=Ok[list[PendingOut]])
    async def pending(
        symbol: str | None = None, magic: int | None = None, _: Principal = read
    ) -> JSONResponse:
        found = await gw.broker.pending_orders(canonical(symbol) if symbol else None, magic)
        return ok([PendingOut.of(o) for o in found])

    @router.get("/symbols", response_model=Ok[list[SymbolOut]])
    async def symbols(_: Principal = read) -> JSONResponse:
        return ok([SymbolOut.of(s) for s in await gw.broker.symbols()])

    @router.get("/symbol/{name}", response_model=Ok[SymbolOut])
    async def symbol(name: str, _: Principal = read) -> JSONResponse:
        return ok(SymbolOut.of(await gw.broker.symbol_spec(canonical(name))))

    @router.get("/quote/{name}", response_model=Ok[QuoteOut])
    async def quote(name: str, _: Principal = read) -> JSONResponse:
        return ok(QuoteOut.of(await gw.broker.quote(canonical(name))))

    @router.get("/rates/{name}", response_model=Ok[list[BarOut]])
    async def rates(
        name: str, tf: str = "h1", count: int = Query(100, ge=1, le=MAX_BARS), _: Principal = read
    ) -> JSONResponse:
        frame, _secs = _timeframe(tf)
        return ok([BarOut.of(b) for b in await gw.broker.rates(canonical(name), frame, count)])

    @router.get("/rates/{name}/range", response_model=Ok[list[BarOut]])
    async def rates_range(
        name: str, start: datetime, end: datetime | None = None, tf: str = "h1", _: Principal = read
    ) -> JSONResponse:
        frame, secs = _timeframe(tf)
        start, stop = _aware(start), _aware(end) if end is not None else gw.clock()
        if stop <= start:
            raise ApiError(400, "bad_range", t("en", "gw_api_bad_range"))
        # bars are counted back from now: at most one per `secs` since `start` (gaps only lower it)
        count = int((gw.clock() - start).total_seconds() // secs) + 2
        if count > MAX_BARS:
            raise ApiError(400, "range_too_long", t("en", "gw_api_range_too_long", max=MAX_BARS))
        bars = await gw.broker.rates(canonical(name), frame, max(1, count))
        return ok([BarOut.of(b) for b in bars if start <= b.time <= stop])

    @router.get("/deals", response_model=Ok[list[DealOut]], summary="history")
    async def deals(
        start: datetime, end: datetime | None = None, symbol: str | None = None, _: Principal = read
    ) -> JSONResponse:
        begin, stop = _aware(start), _aware(end) if end is not None else gw.clock()
        if stop <= begin:
            raise ApiError(400, "bad_range", t("en", "gw_api_bad_range"))
        if stop - begin > timedelta(days=MAX_DEAL_DAYS):
            raise ApiError(
                400, "range_too_long", t("en", "gw_api_deals_too_long", days=MAX_DEAL_DAYS)
            )
        found = await gw.broker.deals(begin, stop, canonical(symbol) if symbol else None)
        return ok([DealOut.of(d) for d in found])


def _indicator_routes(router: APIRouter, gw: Gateway) -> None:
    read = Depends(requires(gw, "read"))

    @router.get("/indicators/{name}", response_model=Ok[dict[str, Any]])
    async def indicators(
        name: str,
        indicator: str = Query("RSI", description="MA, EMA, RSI, MACD, BOLL, KDJ or ATR"),
        tf: str = "h1",
        period: int | None = Query(None, ge=2, le=500, description="the main window"),
        points: int = Query(20, ge=0, le=1000, description="how many recent values"),
        _: Principal = read,
    ) -> JSONResponse:
        if gw.market is None or gw.user_clock is None:
            raise ApiError(503, "not_available", t("en", "not_available"))
        frame, _secs = _timeframe(tf)
        try:
            reading = await gw.market.indicator(canonical(name), indicator, frame, period)
        except MarketError as exc:
            raise ApiError(400, exc.key.removeprefix("mk_"), exc.text("en")) from None
        return ok(indicator_summary(reading, gw.user_clock, points=points))


# ---- orders -----------------------------------------------------------------------------------

_RECEIPT_STATUS: dict[str, int] = {
    "done": 200,
    "unknown": 202,
    "failed": 400,
    "blocked": 400,
    "no_plan": 400,
    "drifted": 409,
    "conflict": 409,
    "in_progress": 409,
    "terminal_away": 503,
}


def receipt_response(receipt: Receipt) -> JSONResponse:
    data = ReceiptOut(**receipt.to_dict(), replayed=receipt.replayed).model_dump(mode="json")
    status = _RECEIPT_STATUS.get(receipt.state, 500)
    if receipt.ok:
        return JSONResponse({"success": True, "data": data}, status_code=status)
    return failure(status, receipt.code, receipt.message, data)


def proposal_out(p: Proposal) -> ProposalOut:
    return ProposalOut(
        proposal_id=p.id,
        status=p.status,
        message=p.message,
        owner={"platform": p.owner[0], "id": p.owner[1]},
        expires_at=p.expires_at,
        plan=p.plan,
        result=p.result,
    )


def _open_intent(body: OpenBody, gw: Gateway) -> Intent:
    if body.magic is not None and body.magic != gw.magic:
        raise ApiError(400, "bad_magic", t("en", "gw_api_bad_magic", magic=gw.magic))
    if body.deviation is not None and body.deviation > gw.deviation:
        raise ApiError(400, "bad_deviation", t("en", "gw_api_bad_deviation", max=gw.deviation))
    side, _, kind = body.type.partition("_")
    if kind and body.price is None:
        raise ApiError(400, "price_needed", t("en", "gw_api_price_needed", type=body.type))
    if not kind and body.price is not None:
        raise ApiError(400, "price_not_taken", t("en", "gw_api_price_not_taken", type=body.type))
    return Intent(
        intent="open",
        symbol=canonical(body.symbol),
        side=side,
        volume=body.volume,
        order_type=kind or "market",
        price=body.price,
        sl=body.sl,
        tp=body.tp,
    )


def _close_intent(body: CloseBody) -> Intent:
    fields = body.model_dump(exclude_none=True)
    if not fields:
        raise ApiError(400, "no_target", t("en", "gw_api_close_target"))
    if "symbol" in fields:
        fields["symbol"] = canonical(fields["symbol"])
    return Intent(intent="close", **fields)


def _key(value: str | None) -> str:
    if value is None or not value.strip():
        raise ApiError(400, "idempotency_key_needed", t("en", "gw_api_key_needed"))
    if len(value) > KEY_MAX or not value.isprintable():
        raise ApiError(400, "bad_idempotency_key", t("en", "gw_api_key_bad", max=KEY_MAX))
    return value.strip()


async def _propose(
    gw: Gateway, who: Principal, intent: Intent, key: str, body: dict[str, Any]
) -> JSONResponse:
    """A confirm = "chat" token's order: one preview in the owner's chat per idempotency key."""
    assert who.owner is not None  # noqa: S101 - may_order says so
    state = await gw.keys.begin(who.name, key, fingerprint(body), now=gw.clock())
    if state.outcome == "conflict":
        return failure(409, "idempotency_conflict", t("en", "gw_key_conflict"))
    if state.outcome == "running":
        return failure(409, "in_progress", t("en", "gw_key_in_progress"))
    if state.outcome == "replay" and state.response is not None:
        known = await gw.proposals.status(str(state.response.get("proposal_id", "")), who.name)
        if known is not None:
            return ok(proposal_out(known), 202)
        return failure(
            400, str(state.response.get("code", "refused")), str(state.response.get("message", ""))
        )
    try:
        made = await gw.proposals.propose(intent, who.owner, who.actor())
    except BaseException:
        await gw.keys.forget(who.name, key)
        raise
    if isinstance(made, ProposalRefused):
        await gw.keys.finish(who.name, key, {"code": made.code, "message": made.message})
        status = 503 if made.code == "owner_unreachable" else 400
        return failure(status, made.code, made.message, made.plan)
    await gw.keys.finish(who.name, key, {"proposal_id": made.id})
    return ok(proposal_out(made), 202)


async def place(
    gw: Gateway, who: Principal, intent: Intent, key: str | None, body: dict[str, Any]
) -> JSONResponse:
    """One order request: a trade-scoped script's executes (TradingService), a confirm =
    "chat" token's becomes a preview in its owner's chat (Proposals)."""
    if not who.may_order:
        raise ApiError(
            403, "missing_scope", t("en", "gw_api_missing_scope", name=who.name, scope="trade")
        )
    checked = _key(key)
    if who.confirm == "chat":
        return await _propose(gw, who, intent, checked, body)
    receipt = await gw.trading.order(intent, who.actor(), checked, request=body)
    if (receipt.ok or receipt.state == "unknown") and not receipt.replayed:
        await gw.hub.trade_event(receipt.to_dict(), source=who.name)
    return receipt_response(receipt)


def _order_routes(router: APIRouter, gw: Gateway) -> None:
    auth = requires(gw, None)
    order = functools.partial(place, gw)

    key_header = Header(None, alias="Idempotency-Key", description="required; a retry reuses it")

    @router.post(
        "/order/open",
        response_model=Ok[ReceiptOut],
        responses={202: {"model": Ok[ProposalOut]}, 400: {"model": Failure}},
    )
    async def open_order(
        body: OpenBody, key: str | None = key_header, who: Principal = Depends(auth)
    ) -> JSONResponse:
        return await order(who, _open_intent(body, gw), key, body.model_dump(mode="json"))

    @router.post("/order/modify", response_model=Ok[ReceiptOut])
    async def modify(
        body: ModifyBody, key: str | None = key_header, who: Principal = Depends(auth)
    ) -> JSONResponse:
        if body.sl is None and body.tp is None:
            raise ApiError(400, "nothing_to_modify", t("en", "gw_api_nothing_to_modify"))
        intent = Intent(intent="modify", ticket=body.ticket, sl=body.sl, tp=body.tp)
        return await order(who, intent, key, body.model_dump(mode="json"))

    @router.post("/order/close", response_model=Ok[ReceiptOut])
    async def close(
        body: CloseBody, key: str | None = key_header, who: Principal = Depends(auth)
    ) -> JSONResponse:
        return await order(who, _close_intent(body), key, body.model_dump(mode="json"))

    @router.post("/order/close_all", response_model=Ok[ReceiptOut])
    async def close_all(
        body: CloseAllBody, key: str | None = key_header, who: Principal = Depends(auth)
    ) -> JSONResponse:
        fields = body.model_dump(exclude_none=True)
        if "symbol" in fields:
            fields["symbol"] = canonical(fields["symbol"])
        intent = Intent(intent="close", selector="all", **fields)
        return await order(who, intent, key, {"close_all": body.model_dump(mode="json")})

    @router.post("/order/cancel", response_model=Ok[ReceiptOut], summary="delete a pending order")
    async def cancel(
        body: CancelBody, key: str | None = key_header, who: Principal = Depends(auth)
    ) -> JSONResponse:
        return await order(
            who, Intent(intent="cancel", ticket=body.ticket), key, {"cancel": body.ticket}
        )

    @router.get("/proposals/{proposal_id}", response_model=Ok[ProposalOut])
    async def proposal(proposal_id: str, who: Principal = Depends(auth)) -> JSONResponse:
        found = await gw.proposals.status(proposal_id, None if who.has("admin") else who.name)
        if found is None:
            raise ApiError(404, "no_such_proposal", t("en", "gw_api_no_such_proposal"))
        return ok(proposal_out(found))


# ---- jobs -------------------------------------------------------------------------------------


def job_out(job: Job) -> JobOut:
    return JobOut(
        job_id=job.id,
        kind=job.kind,
        status=job.status,
        created_at=job.created_at,
        completed_at=job.completed_at,
        result=job.result,
        error=job.error,
    )


def _job_routes(router: APIRouter, gw: Gateway) -> None:
    read = Depends(requires(gw, "read"))

    @router.post("/reports", response_model=Ok[JobStarted], status_code=202)
    async def start_report(body: ReportBody, who: Principal = read) -> JSONResponse:
        params = body.model_dump(mode="json", exclude_none=True)
        if "symbol" in params:
            params["symbol"] = canonical(params["symbol"])
        job = await gw.jobs.start("report", params, owner=who.name)
        return ok(JobStarted(job_id=job.id), 202)

    @router.get("/jobs/{job_id}", response_model=Ok[JobOut])
    async def get_job(job_id: str, who: Principal = read) -> JSONResponse:
        job = await gw.jobs.store.get(job_id)
        if job is None or not (who.has("admin") or job.owner == who.name):
            raise ApiError(404, "no_such_job", t("en", "gw_api_no_such_job"))
        return ok(job_out(job))

    @router.get("/jobs", response_model=Ok[list[JobOut]])
    async def list_jobs(
        limit: int = Query(100, ge=1, le=1000), who: Principal = read
    ) -> JSONResponse:
        owner: str | None = None if who.has("admin") else who.name
        return ok([job_out(j) for j in await gw.jobs.store.list(owner, limit)])
