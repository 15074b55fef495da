"""Test helpers for MT5Broker: a controllable clock and a recording proxy in front of the paper
terminal. The proxy stands at the remote-API boundary (what the real MetaTrader5 module would be):
it passes every call through, records it, and can change an answer to simulate a broker that
requotes, reports other symbol properties, or goes away."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday, markets open
MAGIC = 20260001


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class FakeOrderSendResult(NamedTuple):
    """What a broker answers when it does not execute (requote, price changed …)."""

    retcode: int
    deal: int = 0
    order: int = 0
    volume: float = 0.0
    price: float = 0.0
    bid: float = 0.0
    ask: float = 0.0
    comment: str = ""
    request_id: int = 0
    retcode_external: int = 0
    request: Any = None


class Struct:
    """A struct sequence stand-in with some fields replaced."""

    def __init__(self, base: Any, **changes: Any) -> None:
        self._values = {**base._asdict(), **changes}

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def _asdict(self) -> dict[str, Any]:
        return dict(self._values)


Hook = Callable[..., Any]


class Recorder:
    """Passes every API call to `target`, recording name, arguments and the calling thread.
    `hooks[name](real, *args, **kwargs)` replaces an answer."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.requests: list[dict[str, Any]] = []
        self.threads: set[int] = set()
        self.thread_names: set[str] = set()  # idents are reused once a thread ends; names not
        self.hooks: dict[str, Hook] = {}

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.target, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self.threads.add(threading.get_ident())
            self.thread_names.add(threading.current_thread().name)
            self.calls.append((name, args, kwargs))
            if name == "order_send":
                self.requests.append(dict(args[0]))
            hook = self.hooks.get(name)
            if hook is not None:
                return hook(attr, *args, **kwargs)
            return attr(*args, **kwargs)

        return call

    def called(self, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(a, k) for n, a, k in self.calls if n == name]


class Hang:
    """Makes the API function `name` block the way a frozen terminal does — inside the call, on
    the calling thread — until `release()`; then the real call runs (so a hung order_send that
    is released does execute, as a real one may). `entered` / `returned` say where it is."""

    def __init__(self, rec: Recorder, name: str = "order_send", *, limit_s: float = 60.0) -> None:
        self.name = name
        self.entered = threading.Event()
        self.returned = threading.Event()
        self.threads: list[int] = []
        self._released = threading.Event()
        self._limit_s = limit_s  # a safety net: a failing test must not hang the suite
        rec.hooks[name] = self._hang

    def _hang(self, real: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.threads.append(threading.get_ident())
        self.entered.set()
        self._released.wait(timeout=self._limit_s)
        try:
            return real(*args, **kwargs)
        finally:
            self.returned.set()

    def release(self) -> None:
        self._released.set()

    @property
    def released(self) -> bool:
        return self._released.is_set()


class DeadTerminal:
    """The remote end of a terminal that went away: every call fails like a dropped
    connection (what mt5linux/rpyc raises when the terminal's host is gone)."""

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            raise ConnectionResetError(f"{name}: connection reset by peer")

        return call


class Outage:
    """Takes the terminal away behind the broker's back (the `Recorder`'s API object starts
    failing), and brings it back."""

    def __init__(self, api: Recorder) -> None:
        self.api = api
        self.real = api.target

    def begin(self) -> None:
        self.api.target = DeadTerminal()

    async def end(self, world: Any) -> None:
        """`world`: a tests.conftest.ChatWorld (its broker reconnects)."""
        self.api.target = self.real
        assert await world.broker.reconnect()
