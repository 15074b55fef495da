"""The gateway's WebSocket, /api/v1/ws: ticks per symbol, account updates, trade events.

A client connects with `?token=…` (or sends `{"action": "auth", "token": …}` first, within a
few seconds) and then:

    {"action": "subscribe", "channel": "ticks", "symbols": ["XAUUSD", "EURUSD"]}
    {"action": "unsubscribe", "channel": "ticks", "symbols": ["EURUSD"]}
    {"action": "subscribe", "channel": "account"}        # or "trades"
    {"action": "ping"}                                  # → {"type": "pong"}

and receives `{"type": "tick" | "account" | "trade" | "pong" | "subscribed" | "error", …}`.

Back-pressure: every client has a bounded send queue (`[api] ws_queue_size`) and its own
sender task. A message that does not fit drops the client (close code 1013, "try again later")
instead of buffering: a slow reader can never grow the process's memory. A client silent for
`[api] ws_ping_timeout_s` (no message, no ping) is closed (1001); uvicorn also pings at the
protocol level.

One feeder task serves everyone: the quotes of the symbols someone subscribed to, every
`ws_tick_interval_s`, sent only when they changed; the account every `ws_account_interval_s`
while someone listens. Trade events are the gateway's own orders (as they finish) and new
deals from the deal watcher (`Pushes.deal_listeners`: our own and the EA's).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from fastapi import FastAPI, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from bot.api.auth import AuthError, Principal, RateLimit, TokenRegistry
from broker.base import ManagedBroker
from broker.errors import BrokerError
from broker.models import Deal, Quote
from handlers.audit_trail import AuditTrail
from handlers.i18n import t

log = logging.getLogger(__name__)

CLOSE_SLOW = 1013  # "try again later": the client did not keep up with its messages
CLOSE_IDLE = 1001  # going away: nothing heard within the ping timeout
CLOSE_POLICY = 1008  # no or a bad token, an address the token may not use, a missing scope
AUTH_WAIT_S = 10.0
MAX_SYMBOLS = 100


@dataclass(eq=False)
class Client:
    ws: WebSocket
    principal: Principal
    queue: asyncio.Queue[str]
    ticks: set[str] = field(default_factory=set)
    account: bool = False
    trades: bool = False
    dropped: bool = False
    task: asyncio.Task[Any] | None = None  # the connection's own task, cancelled on a drop


def _tick(q: Quote) -> dict[str, Any]:
    return {
        "type": "tick",
        "symbol": q.symbol,
        "bid": q.bid,
        "ask": q.ask,
        "time": q.time.isoformat(),
        "spread_points": q.spread_points,
    }


def _deal(d: Deal) -> dict[str, Any]:
    row = asdict(d)
    row.pop("broker_symbol", None)
    row["time"] = d.time.isoformat()
    return {"type": "trade", "event": "deal", "deal": row}


class Hub:
    def __init__(
        self,
        broker: ManagedBroker,
        tokens: TokenRegistry,
        limit: RateLimit,
        *,
        queue_size: int,
        ping_timeout_s: float,
        tick_interval_s: float,
        account_interval_s: float,
        max_clients: int,
        poll_deals: Callable[[], Awaitable[object]] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        trail: AuditTrail | None = None,
    ) -> None:
        self.broker = broker
        self.tokens = tokens
        self.limit = limit
        self.queue_size = queue_size
        self.ping_timeout_s = ping_timeout_s
        self.tick_interval_s = tick_interval_s
        self.account_interval_s = account_interval_s
        self.max_clients = max_clients
        # the deal watcher's look when no scheduler job runs it (the listener is told either way)
        self.poll_deals = poll_deals
        self.sleep = sleep
        self.trail = trail  # connections, refusals and drops go to the audit log
        self.clients: set[Client] = set()
        self._last: dict[str, tuple[float, float, str]] = {}
        self._feeder: asyncio.Task[None] | None = None

    @property
    def connections(self) -> int:
        return len(self.clients)

    def install(self, app: FastAPI, path: str) -> None:
        app.add_api_websocket_route(path, self.endpoint)

    # ---- one connection -------------------------------------------------------------------

    async def _authenticate(self, ws: WebSocket) -> Principal | None:
        token = ws.query_params.get("token")
        if not token:
            with contextlib.suppress(
                TimeoutError, ValueError, KeyError, TypeError, AttributeError, WebSocketDisconnect
            ):
                first = json.loads(await asyncio.wait_for(ws.receive_text(), AUTH_WAIT_S))
                if first.get("action") == "auth":
                    token = str(first["token"])
        address = ws.client.host if ws.client else None
        try:
            principal = self.tokens.authenticate(token, address)
        except AuthError as exc:
            await self._refuse(ws, exc.code, exc.message)
            return None
        if not principal.has("read"):
            await self._refuse(
                ws,
                "missing_scope",
                t("en", "gw_api_missing_scope", name=principal.name, scope="read"),
            )
            return None
        if self.limit.take(principal.name) > 0:
            await self._refuse(ws, "rate_limited", t("en", "gw_api_rate_limited", seconds="60"))
            return None
        return principal

    async def _audit(self, ws: WebSocket, name: str, what: str, **detail: object) -> None:
        if self.trail is None:
            return
        address = ws.client.host if ws.client else None
        await self.trail.record(
            "api_ws",
            platform="api",
            chat_id=name,
            user_id=name,
            detail={"what": what, "ip": address, **detail},
        )

    async def _refuse(self, ws: WebSocket, code: str, message: str) -> None:
        await self._audit(ws, "", "refused", code=code)
        with contextlib.suppress(Exception):
            await ws.send_text(json.dumps({"type": "error", "code": code, "message": message}))
            await ws.close(CLOSE_POLICY)

    async def endpoint(self, ws: WebSocket) -> None:
        await ws.accept()
        if len(self.clients) >= self.max_clients:
            await self._refuse(ws, "too_many_clients", t("en", "gw_ws_full"))
            return
        principal = await self._authenticate(ws)
        if principal is None:
            return
        client = Client(ws, principal, asyncio.Queue(self.queue_size), task=asyncio.current_task())
        self.clients.add(client)
        log.info(
            "gateway: WebSocket client %r connected (%d open)", principal.name, len(self.clients)
        )
        await self._audit(ws, principal.name, "connected")
        self._ensure_feeder()
        sender = asyncio.create_task(self._send_loop(client), name=f"ws send {principal.name}")
        try:
            await self._receive_loop(client)
        finally:
            self.clients.discard(client)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
            what = "dropped" if client.dropped else "closed"  # dropped: too slow or silent
            log.info("gateway: WebSocket client %r %s", principal.name, what)
            await asyncio.shield(self._audit(ws, principal.name, what))

    async def _receive_loop(self, client: Client) -> None:
        while not client.dropped:
            try:
                text = await asyncio.wait_for(client.ws.receive_text(), self.ping_timeout_s)
            except TimeoutError:
                await self._close(client, CLOSE_IDLE)
                return
            except (WebSocketDisconnect, RuntimeError):
                return
            except KeyError:  # a binary frame: the protocol is JSON text
                text = ""
            self._handle(client, text)

    def _handle(self, client: Client, text: str) -> None:
        try:
            msg = json.loads(text)
            action = msg["action"]
        except (ValueError, KeyError, TypeError):
            self.offer(
                client,
                {"type": "error", "code": "bad_message", "message": t("en", "gw_ws_bad_message")},
            )
            return
        if action == "ping":
            self.offer(client, {"type": "pong"})
        elif action in ("subscribe", "unsubscribe"):
            self._subscription(client, msg, action == "subscribe")
        elif action != "auth":
            self.offer(
                client,
                {"type": "error", "code": "bad_action", "message": t("en", "gw_ws_bad_message")},
            )

    def _subscription(self, client: Client, msg: dict[str, Any], on: bool) -> None:
        channel = msg.get("channel")
        if channel == "ticks":
            raw = msg.get("symbols")
            if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
                self.offer(
                    client,
                    {
                        "type": "error",
                        "code": "bad_symbols",
                        "message": t("en", "gw_ws_bad_symbols"),
                    },
                )
                return
            symbols = {s.strip().upper() for s in raw}
            if on:
                client.ticks |= set(sorted(symbols)[: max(0, MAX_SYMBOLS - len(client.ticks))])
            else:
                client.ticks -= symbols
        elif channel == "account":
            client.account = on
        elif channel == "trades":
            client.trades = on
        else:
            self.offer(
                client,
                {"type": "error", "code": "bad_channel", "message": t("en", "gw_ws_bad_channel")},
            )
            return
        self.offer(
            client,
            {
                "type": "subscribed",
                "ticks": sorted(client.ticks),
                "account": client.account,
                "trades": client.trades,
            },
        )

    async def _send_loop(self, client: Client) -> None:
        while True:
            text = await client.queue.get()
            await client.ws.send_text(text)

    def offer(self, client: Client, message: dict[str, Any]) -> None:
        """Queue a message for one client; a full queue drops the client (never waits)."""
        if client.dropped:
            return
        try:
            client.queue.put_nowait(json.dumps(message, default=str))
        except asyncio.QueueFull:
            client.dropped = True
            log.warning("gateway: WebSocket client %r too slow: dropped", client.principal.name)
            asyncio.get_running_loop().create_task(self._close(client, CLOSE_SLOW))

    async def _close(self, client: Client, code: int) -> None:
        client.dropped = True
        self.clients.discard(client)
        if client.ws.application_state == WebSocketState.DISCONNECTED:
            return
        # the close frame may itself wait behind a full socket: never longer than a second,
        # then the connection's task ends, and uvicorn drops the transport with it
        try:
            await asyncio.wait_for(client.ws.close(code), 1.0)
        except Exception:
            if client.task is not None and client.task is not asyncio.current_task():
                client.task.cancel()

    # ---- what goes out --------------------------------------------------------------------

    async def trade_event(self, receipt: dict[str, Any], *, source: str) -> None:
        for c in list(self.clients):
            if c.trades:
                self.offer(
                    c, {"type": "trade", "event": "order", "source": source, "receipt": receipt}
                )

    async def new_deals(self, deals: Sequence[Deal]) -> None:
        """The deal watcher's listener (`Pushes.deal_listeners`)."""
        for d in deals:
            for c in list(self.clients):
                if c.trades:
                    self.offer(c, _deal(d))

    def _ensure_feeder(self) -> None:
        if self._feeder is None or self._feeder.done():
            self._feeder = asyncio.get_running_loop().create_task(self._feed(), name="ws feeder")

    async def _feed(self) -> None:
        since_account = self.account_interval_s  # the first account update goes out at once
        while self.clients:
            await self._ticks()
            if since_account >= self.account_interval_s:
                since_account = 0.0
                await self._account_and_deals()
            await self.sleep(self.tick_interval_s)
            since_account += self.tick_interval_s

    async def _ticks(self) -> None:
        wanted = sorted({s for c in self.clients for s in c.ticks})
        for symbol in wanted:
            try:
                q = await self.broker.quote(symbol)
            except BrokerError as exc:
                log.debug("gateway: no quote for %s: %s", symbol, exc)
                continue
            stamp = (q.bid, q.ask, q.time.isoformat())
            if self._last.get(symbol) == stamp:
                continue
            self._last[symbol] = stamp
            message = _tick(q)
            for c in list(self.clients):
                if symbol in c.ticks:
                    self.offer(c, message)

    async def _account_and_deals(self) -> None:
        if any(c.account for c in self.clients):
            try:
                a = await self.broker.account()
            except BrokerError as exc:
                log.debug("gateway: no account update: %s", exc)
            else:
                row = asdict(a)
                for c in list(self.clients):
                    if c.account:
                        self.offer(c, {"type": "account", "account": row})
        if self.poll_deals is not None and any(c.trades for c in self.clients):
            with contextlib.suppress(BrokerError):
                await self.poll_deals()

    async def close(self) -> None:
        for c in list(self.clients):
            await self._close(c, CLOSE_IDLE)
        if self._feeder is not None:
            self._feeder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._feeder
