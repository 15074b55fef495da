"""Ticks for `[broker] kind = "remote"` over the gateway's WebSocket (`/api/v1/ws`): the
`broker.remote.client.TickSource` the composition root hands to `RemoteBroker`. It lives in
`bot/` because the broker layer imports no WebSocket library (tests/test_architecture.py).

It authenticates with its first frame (`{"action": "auth", "token": …}`: the token stays out of
URLs and logs), subscribes every symbol the broker was asked a quote for, and passes each
tick on. A symbol counts as streaming only while the socket is up and the gateway confirmed
the subscription; on any failure the socket is reopened with back-off (1 → 30 s) and every
symbol subscribed again, while the broker answers quotes by request meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from broker.remote.client import TickHandler

log = logging.getLogger(__name__)

WS_PATH = "/api/v1/ws"
BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0)


class WebSocketTicks:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        tls: ssl.SSLContext | bool = True,
        open_timeout_s: float = 5.0,
    ) -> None:
        base = url.rstrip("/")
        secure = base.startswith("https://")
        self.url = ("wss://" if secure else "ws://") + base.split("://", 1)[-1] + WS_PATH
        self._token = token
        self._ssl = _ws_ssl(tls) if secure else None
        self.open_timeout_s = open_timeout_s
        self._wanted: set[str] = set()
        self._confirmed: set[str] = set()
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._on_tick: TickHandler | None = None
        self._closed = False

    @property
    def connected(self) -> bool:
        return self._ws is not None

    def start(self, on_tick: TickHandler) -> None:
        self._on_tick = on_tick
        self._closed = False
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="remote-broker-ticks")

    def want(self, symbol: str) -> None:
        if symbol in self._wanted:
            return
        self._wanted.add(symbol)
        ws = self._ws
        if ws is not None:
            sent = asyncio.ensure_future(self._subscribe(ws, [symbol]))
            sent.add_done_callback(_resubscribed_later)

    def streaming(self, symbol: str) -> bool:
        return self._ws is not None and symbol in self._confirmed

    async def close(self) -> None:
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _subscribe(self, ws: ClientConnection, symbols: list[str]) -> None:
        message = {"action": "subscribe", "channel": "ticks", "symbols": sorted(symbols)}
        await ws.send(json.dumps(message))

    async def _run(self) -> None:
        failures = 0
        while not self._closed:
            try:
                await self._stream()
                failures = 0
            except (OSError, WebSocketException, TimeoutError, ValueError) as exc:
                log.info("remote ticks: WebSocket down (%s); quotes by request", type(exc).__name__)
            finally:
                self._ws = None
                self._confirmed.clear()
            if self._closed:
                return
            await asyncio.sleep(BACKOFF_S[min(failures, len(BACKOFF_S) - 1)])
            failures += 1

    async def _stream(self) -> None:
        async with connect(self.url, ssl=self._ssl, open_timeout=self.open_timeout_s) as ws:
            await ws.send(json.dumps({"action": "auth", "token": self._token}))
            self._ws = ws
            if self._wanted:
                await self._subscribe(ws, sorted(self._wanted))
            async for raw in ws:
                self._on_message(json.loads(raw))

    def _on_message(self, message: Any) -> None:
        if not isinstance(message, dict):
            return
        kind = message.get("type")
        if kind == "subscribed":
            self._confirmed = {str(s) for s in message.get("ticks") or []}
        elif kind == "tick" and self._on_tick is not None:
            try:
                at = datetime.fromisoformat(str(message["time"])).astimezone(UTC)
                bid, ask = float(message["bid"]), float(message["ask"])
            except (KeyError, TypeError, ValueError):
                return
            self._on_tick(str(message.get("symbol", "")), bid, ask, at)
        elif kind == "error":
            log.warning("remote ticks: the gateway says %s", message.get("code"))


def _ws_ssl(tls: ssl.SSLContext | bool) -> ssl.SSLContext:
    if isinstance(tls, ssl.SSLContext):
        return tls
    if tls:
        return ssl.create_default_context()
    ctx = ssl.create_default_context()  # verification switched off by [broker] verify_tls
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _resubscribed_later(task: asyncio.Future[None]) -> None:
    """A subscription that could not be sent: the socket is going down, and the next one
    subscribes every wanted symbol."""
    if not task.cancelled():
        task.exception()
