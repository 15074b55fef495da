"""Keeps the terminal connection alive: ping, notice loss, reconnect with back-off.

While the terminal is away `MT5Broker` is marked disconnected, so its order operations return
`ok=False` (the "not_connected" note) without sending anything and its lookups raise
`TemporaryBrokerError`. Reconnection attempts wait 5 → 10 → 20 → 30 → 60 s (then 60 s each).
`on_disconnect` / `on_reconnect` receive a `Health` to push as an alert — its note is
"terminal_lost" {reason} or "terminal_back" {health}, worded by handlers; a failing callback is
logged and never stops the supervisor.

A call stuck in the terminal past its deadline counts as "terminal away" the same way: the
broker reports itself disconnected (its worker lets nothing else call the terminal while the
stuck call runs), the supervisor alerts and enters the back-off loop, and its reconnection
attempts are refused without touching the terminal. When the stuck call returns, the broker's
`call_returned` event cuts the current back-off wait short, so the terminal is reconnected
(on a fresh worker thread) and "trading resumed" is announced at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, runtime_checkable

from broker.errors import log_line
from broker.models import Health, Note
from broker.mt5.session import NOT_CONNECTED

log = logging.getLogger(__name__)

BACKOFF_S: tuple[float, ...] = (5, 10, 20, 30, 60)

HealthCallback = Callable[[Health], Awaitable[None] | None]


@runtime_checkable
class Supervised(Protocol):
    """What the supervisor needs from the broker: `MT5Broker` (a terminal on this machine or
    behind mt5linux) and `broker.remote.RemoteBroker` (a terminal behind another tradechat's
    gateway, whose `ping` is the gateway's health: the heartbeat) both have it, so one
    supervisor — back-off, trading blocked while away, alerts — serves both."""

    @property
    def connected(self) -> bool: ...
    @property
    def closed(self) -> bool: ...
    @property
    def connection_lost(self) -> asyncio.Event: ...
    @property
    def disconnect_reason(self) -> Note: ...
    @property
    def call_returned(self) -> asyncio.Event: ...
    def mark_disconnected(self, reason: Note | None = None) -> None: ...
    async def ping(self) -> bool: ...
    async def reconnect(self) -> bool: ...
    async def health(self) -> Health: ...


class Supervisor:
    def __init__(
        self,
        broker: Supervised,
        *,
        interval_s: float = 30.0,
        backoff_s: Sequence[float] = BACKOFF_S,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        on_disconnect: HealthCallback | None = None,
        on_reconnect: HealthCallback | None = None,
    ) -> None:
        self.broker = broker
        self.interval_s = interval_s
        self.backoff_s = tuple(backoff_s) or BACKOFF_S
        self._sleep = sleep
        self.on_disconnect = on_disconnect
        self.on_reconnect = on_reconnect
        self.attempts = 0  # reconnection attempts in the current outage
        self.delays: list[float] = []  # every back-off wait, in order (for tests and logs)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def next_delay(self, attempt: int) -> float:
        """Wait before reconnection attempt `attempt` (0-based): 5, 10, 20, 30, 60, 60 …"""
        return self.backoff_s[min(attempt, len(self.backoff_s) - 1)]

    async def check(self) -> bool:
        """One ping. On failure: mark the broker disconnected, tell `on_disconnect`, and retry
        with back-off until the terminal is back (then `on_reconnect`). True when it was up."""
        if self.broker.closed:
            return False
        if self.broker.connected and await self.broker.ping():
            return True
        if self.broker.closed or self._stopping:
            return False
        reason = self.broker.disconnect_reason
        self.broker.mark_disconnected(reason)
        log.warning("MT5 terminal lost: %s", log_line(reason))
        # "not_connected" alone says nothing the alert does not already say
        known = None if reason == NOT_CONNECTED else reason
        await self._notify(
            self.on_disconnect, Health(False, False, None, Note("terminal_lost", {"reason": known}))
        )
        await self._reconnect_loop()
        return False

    async def _reconnect_loop(self) -> None:
        self.attempts = 0
        while not self._stopping and not self.broker.closed:
            delay = self.next_delay(self.attempts)
            self.delays.append(delay)
            await self._pause(delay)
            if self._stopping or self.broker.closed:
                return
            self.attempts += 1
            if await self.broker.reconnect():
                log.warning("MT5 terminal back after %d attempt(s)", self.attempts)
                health = await self.broker.health()
                back = Note("terminal_back", {"health": health.note})
                await self._notify(
                    self.on_reconnect,
                    Health(health.connected, health.trade_allowed, health.ping_ms, back),
                )
                return

    async def _pause(self, delay: float) -> None:
        """The back-off wait, cut short when a call stuck in the terminal returns."""
        returned = self.broker.call_returned
        if returned.is_set():
            returned.clear()
            return
        sleeper = asyncio.ensure_future(self._sleep(delay))
        waiter = asyncio.ensure_future(returned.wait())
        try:
            await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waiter):
                task.cancel()
            returned.clear()

    async def _notify(self, callback: HealthCallback | None, health: Health) -> None:
        if callback is None:
            return
        try:
            result = callback(health)
            if inspect.isawaitable(result):
                await result
        except Exception:  # an alert that cannot be pushed must not stop the supervisor
            log.exception("supervisor callback failed")

    async def run(self) -> None:
        """Ping every `interval_s`, or at once when a call finds the terminal gone."""
        while not self._stopping and not self.broker.closed:
            await self.check()
            lost = self.broker.connection_lost
            if lost.is_set():
                lost.clear()
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), timeout=self.interval_s)

    def start(self) -> asyncio.Task[None]:
        self._stopping = False
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="mt5-supervisor")
        return self._task

    async def stop(self) -> None:
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
