"""`RemoteBroker`: the `Broker` protocol over another tradechat's gateway.

The bot on a Linux box drives the MetaTrader 5 on a Windows VPS through the gateway running
there (`tradechat api`, `bot/api/broker_routes.py`). mt5linux makes one network round trip
per attribute of every struct (about 17 per deal), so a month of deals over a 30 ms link takes
minutes; here every broker operation is one HTTP request (`POST /api/v1/broker/{operation}`
with JSON arguments) and its answer is our broker models as JSON (`broker/remote/codec.py`).

Guarantees, as `MT5Broker` gives them:
- Order operations never raise. Each carries an `Idempotency-Key` (one per operation) and an
  HMAC signature (`broker/remote/signing.py`) on top of the bearer token. A reply lost on the
  way back is asked for again with the same key — the gateway answers the stored result, so a
  retried POST never opens twice — and when no reply comes at all the result is
  `state="unknown"` ("look before sending again"): the conversation looks the order up by its
  comment, never resends it. A request that could not even connect sent nothing: "refused".
- The connection is "away" when the gateway does not answer or its own terminal is away; then
  order operations are refused without sending and lookups raise `TemporaryBrokerError`. The
  supervisor (`broker/mt5/supervisor.py`) drives the heartbeat (`ping` = the gateway's health)
  and the back-off over the same `Supervised` protocol as for a local terminal.
- Quotes for symbols asked for once come from a `TickSource` — the gateway's WebSocket
  (`bot/remote_ticks.py`, handed in by the composition root); while it is down (or without
  one) each quote is one request (polling), so a dead socket costs speed, never answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

import httpx

from broker.errors import BrokerError, TemporaryBrokerError
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
from broker.remote.codec import error_from_json, from_json, to_json
from broker.remote.signing import sign_headers

if TYPE_CHECKING:  # numpy is loaded only by a report that asks for columns
    from broker.columns import DealColumns

log = logging.getLogger(__name__)

T = TypeVar("T")

PATH = "/api/v1/broker/"
_NO_TERMINAL = -10004  # as MT5Broker: nothing was sent, the terminal (here: gateway) is away
_TIMED_OUT = -10005  # as MT5Broker: the request may have executed, the outcome is unknown
TickHandler = Callable[[str, float, float, datetime], None]  # symbol, bid, ask, time (UTC)


@runtime_checkable
class TickSource(Protocol):
    """Where ticks come from between requests: the gateway's WebSocket
    (`bot/remote_ticks.py`; the broker layer imports no WebSocket library)."""

    def start(self, on_tick: TickHandler) -> None:
        """Begin (or keep) streaming; idempotent. Ticks go to `on_tick`."""

    def want(self, symbol: str) -> None:
        """Stream `symbol` too, from now on (also after a reconnection)."""

    def streaming(self, symbol: str) -> bool:
        """True while the stream is up and delivers `symbol`: its last tick is current."""

    async def close(self) -> None: ...


class _Refused(Exception):
    """The gateway answered, but not with the operation's result (auth, signature, limits)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.note = Note("gateway_refused", {"status": status, "code": code, "message": message})
        self.status = status


class RemoteBroker:
    """See the module docstring. `url` is the gateway's base (`https://host:8787`)."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        signing_secret: str | None = None,
        verify_tls: bool = True,
        ca_file: str = "",
        connect_timeout_s: float = 5.0,
        query_deadline_s: float = 15.0,
        trade_deadline_s: float = 30.0,
        trade_retries: int = 2,
        ticks: TickSource | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._secret = signing_secret
        self._tls: ssl.SSLContext | bool = tls_context(verify_tls, ca_file)
        self.connect_timeout_s = float(connect_timeout_s)
        self.query_deadline_s = float(query_deadline_s)
        self.trade_deadline_s = float(trade_deadline_s)
        self.trade_retries = max(0, int(trade_retries))
        self._ticks = ticks
        self._http: httpx.AsyncClient | None = None
        self._connected = False
        self._closed = False
        self._reason = Note("not_connected")
        self._lost: asyncio.Event | None = None
        self._returned: asyncio.Event | None = None
        self._offset: int | None = None
        self.requests = 0  # HTTP requests sent (for the bench and the logs)
        # the last full quote per symbol, kept current by the tick source's ticks
        self._quotes: dict[str, Quote] = {}

    # ---------------------------------------------------------------- connection state

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def stuck(self) -> bool:
        """Never: a request past its deadline is abandoned by httpx, nothing stays blocked."""
        return False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def disconnect_reason(self) -> Note:
        return self._reason

    @property
    def connection_lost(self) -> asyncio.Event:
        """Set when a request finds the gateway gone (the supervisor pings at once)."""
        if self._lost is None:
            self._lost = asyncio.Event()
        return self._lost

    @property
    def call_returned(self) -> asyncio.Event:
        """The supervisor's "a stuck call came back": never set, nothing gets stuck here."""
        if self._returned is None:
            self._returned = asyncio.Event()
        return self._returned

    @property
    def server_utc_offset_hours(self) -> int | None:
        """The remote terminal's server offset from UTC (as its `MT5Broker` knows it)."""
        return self._offset

    def mark_disconnected(self, reason: Note | None = None) -> None:
        self._connected = False
        if reason is not None:
            self._reason = reason

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            timeout = httpx.Timeout(self.query_deadline_s, connect=self.connect_timeout_s)
            self._http = httpx.AsyncClient(
                base_url=self.url,
                verify=self._tls,
                timeout=timeout,
                headers={"Authorization": f"Bearer {self._token}"},
            )
        return self._http

    async def connect(self) -> None:
        """The gateway's health; raises `TemporaryBrokerError` when it (or its terminal) is not
        there — the supervisor keeps trying."""
        self._closed = False
        if not await self.ping():
            raise TemporaryBrokerError(self._reason, _NO_TERMINAL)
        self.connection_lost.clear()

    async def ping(self) -> bool:
        """The heartbeat: True when the gateway answers and its terminal is connected."""
        try:
            health = await self._call("health", {}, Health)
        except BrokerError as exc:
            self.mark_disconnected(exc.note)
            return False
        if not health.connected:
            self.mark_disconnected(Note("remote_terminal_away", {"health": health.note}))
            return False
        if not self._connected:  # (re)connected: the terminal's clock may have changed
            with contextlib.suppress(BrokerError):
                self._offset = await self._call("server_utc_offset_hours", {}, int | None)  # type: ignore[arg-type]
        self._connected = True
        self._start_ticks()
        return True

    async def reconnect(self) -> bool:
        if self._closed:
            return False
        up = await self.ping()
        if up:
            self.connection_lost.clear()
        return up

    async def close(self) -> None:
        self._closed = True
        self._connected = False
        if self._ticks is not None:
            await self._ticks.close()
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    async def health(self) -> Health:
        if not self._connected:
            return Health(False, False, None, Note("not_connected", {"reason": self._reason}))
        try:
            return await self._call("health", {}, Health)
        except BrokerError as exc:
            return Health(False, False, None, exc.note)

    # ---------------------------------------------------------------- lookups

    async def account(self) -> Account:
        return await self._lookup("account", {}, Account)

    async def symbols(self) -> list[SymbolSpec]:
        return await self._lookup("symbols", {}, list[SymbolSpec])

    async def symbol_spec(self, symbol: str) -> SymbolSpec:
        return await self._lookup("symbol_spec", {"symbol": symbol}, SymbolSpec)

    async def quote(self, symbol: str, *, with_day_open: bool = False) -> Quote:
        cached = self._quotes.get(symbol)
        streaming = self._ticks is not None and self._ticks.streaming(symbol)
        if cached is not None and streaming and not with_day_open:
            return cached
        args = {"symbol": symbol, "with_day_open": with_day_open}
        fresh: Quote = await self._lookup("quote", args, Quote)
        self._quotes[symbol] = fresh
        self._want(symbol)
        return fresh

    async def market_view(
        self, symbols: Iterable[str] = (), *, orders: bool = False, held: bool = False
    ) -> MarketView:
        """Everything a preview needs in ONE request (the gateway's broker reads it in one
        worker job)."""
        args = {"symbols": tuple(symbols), "orders": orders, "held": held}
        return await self._lookup("market_view", args, MarketView)

    async def rates_range(
        self, symbol: str, timeframe: Timeframe, start: datetime, end: datetime
    ) -> list[Bar]:
        args = {"symbol": symbol, "timeframe": timeframe, "start": start, "end": end}
        return await self._lookup("rates_range", args, list[Bar])

    async def contract_info(self, symbol: str) -> ContractInfo:
        return await self._lookup("contract_info", {"symbol": symbol}, ContractInfo)

    async def market_book(self, symbol: str) -> list[BookLevel] | None:
        return await self._lookup("market_book", {"symbol": symbol}, list[BookLevel] | None)  # type: ignore[arg-type]

    async def deal_columns(
        self, start: datetime, end: datetime, symbol: str | None = None
    ) -> DealColumns:
        """The deals as columns, built here from one `deals` request (JSON carries deals,
        not numpy arrays; the wire, not the conversion, is what costs over a network)."""
        from broker.columns import DealColumns

        return DealColumns.from_deals(await self.deals(start, end, symbol))

    async def rates(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        args = {"symbol": symbol, "timeframe": timeframe, "count": count}
        return await self._lookup("rates", args, list[Bar])

    async def positions(
        self, symbol: str | None = None, magic: int | None = None, side: Side | None = None
    ) -> list[Position]:
        args = {"symbol": symbol, "magic": magic, "side": side}
        return await self._lookup("positions", args, list[Position])

    async def pending_orders(
        self, symbol: str | None = None, magic: int | None = None
    ) -> list[PendingOrder]:
        args = {"symbol": symbol, "magic": magic}
        return await self._lookup("pending_orders", args, list[PendingOrder])

    async def deals(self, start: datetime, end: datetime, symbol: str | None = None) -> list[Deal]:
        args = {"start": start, "end": end, "symbol": symbol}
        return await self._lookup("deals", args, list[Deal])

    # ---------------------------------------------------------------- orders

    async def open_market(
        self,
        symbol: str,
        side: Side,
        volume: float,
        sl: float | None = None,
        tp: float | None = None,
        magic: int = 0,
        comment: str = "",
    ) -> TradeResult:
        args = {"symbol": symbol, "side": side, "volume": volume, "sl": sl, "tp": tp}
        return await self._trade("open_market", {**args, "magic": magic, "comment": comment})

    async def place_pending(
        self,
        symbol: str,
        side: Side,
        kind: PendingKind,
        volume: float,
        price: float,
        sl: float | None = None,
        tp: float | None = None,
        magic: int = 0,
        comment: str = "",
    ) -> TradeResult:
        args = {"symbol": symbol, "side": side, "kind": kind, "volume": volume, "price": price}
        return await self._trade(
            "place_pending", {**args, "sl": sl, "tp": tp, "magic": magic, "comment": comment}
        )

    async def close_position(
        self, ticket: int, volume: float | None = None, comment: str = ""
    ) -> TradeResult:
        args = {"ticket": ticket, "volume": volume, "comment": comment}
        return await self._trade("close_position", args)

    async def modify_position(
        self, ticket: int, sl: float | None = None, tp: float | None = None
    ) -> TradeResult:
        return await self._trade("modify_position", {"ticket": ticket, "sl": sl, "tp": tp})

    async def modify_order(
        self,
        ticket: int,
        price: float | None = None,
        sl: float | None = None,
        tp: float | None = None,
    ) -> TradeResult:
        args = {"ticket": ticket, "price": price, "sl": sl, "tp": tp}
        return await self._trade("modify_order", args)

    async def cancel_order(self, ticket: int) -> TradeResult:
        return await self._trade("cancel_order", {"ticket": ticket})

    # ---------------------------------------------------------------- one request

    def _body(self, args: dict[str, Any]) -> bytes:
        return json.dumps(to_json(args), separators=(",", ":")).encode()

    async def _send(
        self, op: str, body: bytes, *, key: str | None, timeout_s: float
    ) -> httpx.Response:
        path = PATH + op
        headers = {"Content-Type": "application/json"}
        if self._secret:
            headers.update(sign_headers(self._secret, "POST", path, body))
        if key is not None:
            headers["Idempotency-Key"] = key
        self.requests += 1
        timeout = httpx.Timeout(timeout_s, connect=self.connect_timeout_s)
        return await self._client().post(path, content=body, headers=headers, timeout=timeout)

    def _result(self, response: httpx.Response, kind: type[T]) -> T:
        """The operation's result from the gateway's answer; raises the `BrokerError` the
        gateway's broker raised, or `_Refused` for an answer that is no result."""
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise _Refused(response.status_code, "bad_answer", response.text[:200])
        if payload.get("success") is True:
            return from_json(payload.get("data"), kind)
        error = payload.get("error") if isinstance(payload.get("error"), dict) else {}
        details = error.get("details") if isinstance(error, dict) else None
        raised = error_from_json(details.get("broker") if isinstance(details, dict) else None)
        if raised is not None:
            raise raised
        code = str(error.get("code", "error")) if isinstance(error, dict) else "error"
        message = str(error.get("message", "")) if isinstance(error, dict) else ""
        raise _Refused(response.status_code, code, message)

    def _unreachable(self, exc: httpx.HTTPError) -> Note:
        note = Note("gateway_unreachable", {"url": self.url, "error": _why(exc)})
        if self._connected and not self._closed:
            self.mark_disconnected(note)
            self.connection_lost.set()
        self._reason = note
        return note

    async def _call(self, op: str, args: dict[str, Any], kind: type[T]) -> T:
        """One lookup request; every failure as a `BrokerError` (temporary when worth a retry)."""
        try:
            response = await self._send(
                op, self._body(args), key=None, timeout_s=self.query_deadline_s
            )
        except httpx.HTTPError as exc:
            raise TemporaryBrokerError(self._unreachable(exc), _NO_TERMINAL) from None
        try:
            return self._result(response, kind)
        except _Refused as refused:
            if refused.status == 429 or refused.status >= 500:
                raise TemporaryBrokerError(refused.note, _NO_TERMINAL) from None
            raise BrokerError(refused.note) from None
        except ValueError as exc:  # an answer that is not our models: a version mismatch
            note = Note(
                "gateway_refused", {"status": 200, "code": "bad_answer", "message": str(exc)[:200]}
            )
            raise BrokerError(note) from None

    async def _lookup(self, op: str, args: dict[str, Any], kind: type[T]) -> T:
        if not self._connected:
            raise TemporaryBrokerError(self._reason, _NO_TERMINAL)
        try:
            return await self._call(op, args, kind)
        except TemporaryBrokerError:
            # the gateway's terminal may have gone: let the supervisor look now
            if not self._closed:
                self.connection_lost.set()
            raise

    async def _trade(self, op: str, args: dict[str, Any]) -> TradeResult:
        """One order operation: sent once, asked for again with the same key when the reply is
        lost (see the module docstring)."""
        if not self._connected:
            return TradeResult(
                "refused", _NO_TERMINAL, Note("not_connected", {"reason": self._reason})
            )
        body = self._body(args)
        key = uuid.uuid4().hex
        sent = False  # once a request may have reached the gateway, "refused" is no longer true
        lost: Note | None = None
        for _attempt in range(1 + self.trade_retries):
            try:
                response = await self._send(op, body, key=key, timeout_s=self.trade_deadline_s)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                lost = self._unreachable(exc)
                if not sent:
                    return TradeResult(
                        "refused", _NO_TERMINAL, Note("not_connected", {"reason": lost})
                    )
                continue
            except httpx.HTTPError as exc:  # sent; the reply is lost
                sent = True
                lost = self._unreachable(exc)
                continue
            try:
                result: TradeResult = self._result(response, TradeResult)
            except _Refused as refused:
                if refused.status == 409 and refused.note.facts.get("code") == "in_progress":
                    sent, lost = True, refused.note  # our first attempt is still running there
                    await asyncio.sleep(0.2)
                    continue
                return TradeResult("unknown" if sent else "refused", 0, refused.note)
            except BrokerError as exc:
                return TradeResult("unknown" if sent else "refused", exc.code or 0, exc.note)
            except ValueError as exc:
                note = Note(
                    "gateway_refused",
                    {
                        "status": response.status_code,
                        "code": "bad_answer",
                        "message": str(exc)[:200],
                    },
                )
                return TradeResult("unknown", 0, note)
            return result
        reason = lost or Note("gateway_unreachable", {"url": self.url, "error": "no reply"})
        return TradeResult("unknown", _TIMED_OUT, Note("may_have_executed", {"reason": reason}))

    # ---------------------------------------------------------------- ticks

    def _want(self, symbol: str) -> None:
        if self._ticks is not None:
            self._ticks.want(symbol)

    def _start_ticks(self) -> None:
        if self._ticks is not None and not self._closed:
            self._ticks.start(self._on_tick)

    def _on_tick(self, symbol: str, bid: float, ask: float, time: datetime) -> None:
        """A tick from the stream: the last full quote of `symbol` (point, digits, day open
        from its request) with the new prices."""
        base = self._quotes.get(symbol)
        if base is not None:
            self._quotes[symbol] = replace(base, bid=bid, ask=ask, time=time)


def _why(exc: BaseException) -> str:
    """The name of what went wrong: a certificate the gateway's TLS failed on says so (the
    fix is `[broker] ca_file`), not just "ConnectError"."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return type(seen).__name__
        seen = seen.__cause__ or seen.__context__
    return type(exc).__name__


def tls_context(verify: bool, ca_file: str) -> ssl.SSLContext | bool:
    """httpx's `verify`: a context with the system's CAs or `ca_file`'s; False only when
    verification is switched off."""
    if not verify:
        return False
    if ca_file:
        return ssl.create_default_context(cafile=ca_file)
    return ssl.create_default_context()
