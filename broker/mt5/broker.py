"""`MT5Broker`: the `Broker` protocol over any object with the MetaTrader5 Python API.

The object may be the real `MetaTrader5` module (Windows), an `mt5linux.MetaTrader5` client (a
terminal under Wine or on another host) or our paper terminal — nothing here knows which.

How it talks to the terminal (see /work/shared/MT5-NOTES.md for why each rule exists):
- Every API call runs on one worker thread (`broker.mt5.worker.Worker`); a trade is one job on that
  thread (symbol → fresh tick → checks → order_send → retries), so nothing interleaves with it.
- Requests are plain dicts with Python `float` prices/volumes and `int` everything else;
  `type_filling` comes from the symbol's `filling_mode` bit mask; `type_time` is GTC; comments
  are printable ASCII cut to 29 characters (the package refuses longer ones).
- Closing sends `TRADE_ACTION_DEAL` with the opposite type and `position=<ticket>` (hedging-safe);
  `TRADE_ACTION_SLTP` carries `symbol` and `position`; pending orders use
  `TRADE_ACTION_PENDING` / `MODIFY` / `REMOVE`.
- Volumes are rounded **down** to `volume_step` and refused below `volume_min` / above
  `volume_max` (`broker.symbols.normalize_volume`); SL/TP and pending prices are checked against
  the side and `trade_stops_level` before anything is sent.
- Requote (10004), price changed (10020) and no prices (10021) are retried with a fresh tick up to
  `requote_retries` times.
- Server times (deals, positions, ticks, bars) are broker-server epochs; they are converted to
  UTC with `server_utc_offset_hours`, or an offset detected from the latest tick time versus the
  clock, rounded to the hour.

Order operations never raise for a bad order: they return a `TradeResult` whose `state` says what
became of it (done / refused / unknown) and whose `note` says why, as facts that
`handlers/broker_text.py` words in Chinese or English. Lookups raise `BrokerError` subclasses.

The rooms: this module is the async face (event-loop side); `session.TerminalSession` is what
runs on the worker thread (connection, lookups); `orders.OrderDesk` builds and sends orders;
`convert` turns MT5 structs into our models; `retcodes` names and classifies codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time as _time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from broker.errors import BrokerError, TemporaryBrokerError
from broker.models import (
    Account,
    Bar,
    Deal,
    Health,
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
from broker.mt5.constants import TIMEFRAMES
from broker.mt5.orders import (
    OrderDesk,
    OrderFailed,
    Refusal,
    clean_comment,
    filling_from_mask,
    may_have_executed,
)
from broker.mt5.retcodes import OUTCOME_UNKNOWN, failure_state
from broker.mt5.session import NOT_CONNECTED, Login, TerminalSession
from broker.mt5.worker import Worker

T = TypeVar("T")


class MT5Broker:
    """See the module docstring. `magic=0` on an order means "use the broker's magic"."""

    def __init__(
        self,
        api: Any,
        *,
        login: int = 0,
        password: str | None = None,
        server: str = "",
        terminal_path: str = "",
        timeout_ms: int = 60000,
        deviation: int = 20,
        requote_retries: int = 3,
        magic: int = 0,
        symbol_map: dict[str, str] | None = None,
        server_utc_offset_hours: int | None = None,
        clock: Callable[[], float] | None = None,
        api_factory: Callable[[], Any] | None = None,
        call_timeout_s: float = 120.0,
    ) -> None:
        self._login = int(login)
        self._password = password
        self.session = TerminalSession(
            api,
            login=Login(self._login, password, server, terminal_path, int(timeout_ms)),
            api_factory=api_factory,
            symbol_map=symbol_map,
            server_utc_offset_hours=server_utc_offset_hours,
            clock=clock or _time.time,
        )
        self.desk = OrderDesk(
            self.session, deviation=deviation, requote_retries=requote_retries, magic=magic
        )
        self._call_timeout_s = call_timeout_s
        self._worker = Worker()
        self._closed = False
        self._lost: asyncio.Event | None = None

    # ---------------------------------------------------------------- connection state

    @property
    def connected(self) -> bool:
        return self.session.connected

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def api(self) -> Any:
        return self.session.api

    @property
    def magic(self) -> int:
        return self.desk.magic

    @property
    def deviation(self) -> int:
        return self.desk.deviation

    @property
    def requote_retries(self) -> int:
        return self.desk.requote_retries

    @property
    def server_utc_offset_hours(self) -> int | None:
        """The offset in use (given or detected); None while it is still unknown."""
        offset_s = self.session.offset_s
        return None if offset_s is None else offset_s // 3600

    @property
    def disconnect_reason(self) -> Note:
        """Why the terminal is away ("not_connected" when nothing better is known)."""
        return self.session.disconnect_reason

    @disconnect_reason.setter
    def disconnect_reason(self, reason: Note) -> None:
        self.session.disconnect_reason = reason

    @property
    def connection_lost(self) -> asyncio.Event:
        """Set when a call finds the terminal gone (the supervisor waits on it)."""
        if self._lost is None:
            self._lost = asyncio.Event()
        return self._lost

    def mark_disconnected(self, reason: Note | None = None) -> None:
        self.session.mark_disconnected(reason)

    async def connect(self) -> None:
        """`initialize()` (and log in when `login` is set), load the symbol list, learn the
        server's UTC offset. Raises `TemporaryBrokerError` when the terminal is not there."""
        self._closed = False
        await self._call(self.session.connect)
        self.connection_lost.clear()

    async def reconnect(self) -> bool:
        """One reconnection attempt (shutdown, rebuild the client if it can, initialize)."""
        if self._closed:
            return False
        try:
            await self._call(self.session.reconnect)
        except BrokerError as exc:
            self.disconnect_reason = exc.note
            return False
        self.connection_lost.clear()
        return True

    async def ping(self) -> bool:
        """True when the terminal answers and is connected to its trade server."""
        try:
            return await self._call(self.session.ping)
        except (BrokerError, TimeoutError):
            return False

    async def close(self) -> None:
        self._closed = True
        was = self.session.connected
        self.session.connected = False
        if was or self.session.api is not None:
            with contextlib.suppress(BrokerError, TimeoutError):
                await self._call(self.session.shutdown)
        self._worker.shutdown(wait=False)

    async def health(self) -> Health:
        if not self.connected:
            reason = self.disconnect_reason
            note = (
                NOT_CONNECTED
                if reason == NOT_CONNECTED
                else Note("not_connected", {"reason": reason})
            )
            return Health(False, False, None, note)
        try:
            return await self._call(self.session.health)
        except BrokerError as exc:
            return Health(False, False, None, exc.note)

    # ---------------------------------------------------------------- lookups

    async def account(self) -> Account:
        return await self._lookup(self.session.account)

    async def symbols(self) -> list[SymbolSpec]:
        """Every symbol of the terminal (Market Watch or not)."""
        return await self._lookup(self.session.symbols)

    async def symbol_spec(self, symbol: str) -> SymbolSpec:
        return await self._lookup(self.session.symbol_spec, symbol)

    async def resolve_symbol(self, symbol: str) -> tuple[str, str]:
        """(canonical, broker name) for a symbol in either spelling; raises SymbolNotFound."""
        return await self._lookup(self.session.resolve_symbol, symbol)

    async def quote(self, symbol: str) -> Quote:
        return await self._lookup(self.session.quote, symbol)

    async def rates(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        return await self._lookup(self.session.rates, symbol, timeframe, count)

    async def positions(
        self, symbol: str | None = None, magic: int | None = None, side: Side | None = None
    ) -> list[Position]:
        return await self._lookup(self.session.positions, symbol, magic, side)

    async def pending_orders(
        self, symbol: str | None = None, magic: int | None = None
    ) -> list[PendingOrder]:
        return await self._lookup(self.session.pending_orders, symbol, magic)

    async def deals(self, start: datetime, end: datetime, symbol: str | None = None) -> list[Deal]:
        """Deals with `start <= time < end` (UTC), oldest first."""
        return await self._lookup(self.session.deals, start, end, symbol)

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
        return await self._trade(
            self.desk.open_market, symbol, side, volume, sl, tp, magic, comment
        )

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
        return await self._trade(
            self.desk.place_pending, symbol, side, kind, volume, price, sl, tp, magic, comment
        )

    async def close_position(
        self, ticket: int, volume: float | None = None, comment: str = ""
    ) -> TradeResult:
        return await self._trade(self.desk.close_position, ticket, volume, comment)

    async def modify_position(
        self, ticket: int, sl: float | None = None, tp: float | None = None
    ) -> TradeResult:
        """None keeps the current SL/TP; 0.0 removes it."""
        return await self._trade(self.desk.modify_position, ticket, sl, tp)

    async def modify_order(
        self,
        ticket: int,
        price: float | None = None,
        sl: float | None = None,
        tp: float | None = None,
    ) -> TradeResult:
        """None keeps the current value; 0.0 removes SL/TP."""
        return await self._trade(self.desk.modify_order, ticket, price, sl, tp)

    async def cancel_order(self, ticket: int) -> TradeResult:
        return await self._trade(self.desk.cancel_order, ticket)

    # ---------------------------------------------------------------- plumbing (event loop side)

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        was_connected = self.session.connected
        try:
            return await asyncio.wait_for(
                self._worker.call(fn, *args), timeout=self._call_timeout_s
            )
        except TimeoutError:
            self.mark_disconnected(Note("stopped_answering"))
            raise TemporaryBrokerError(Note("timeout"), -10005) from None
        finally:
            if was_connected and not self.session.connected and not self._closed:
                self.connection_lost.set()

    async def _lookup(self, fn: Callable[..., T], *args: Any) -> T:
        if not self.connected:
            raise TemporaryBrokerError(self.disconnect_reason, -10004)
        return await self._call(fn, *args)

    async def _trade(self, fn: Callable[..., TradeResult], *args: Any) -> TradeResult:
        if not self.connected:
            return TradeResult(failure_state(-10004), -10004, Note("not_connected"))
        try:
            return await self._call(fn, *args)
        except Refusal as refusal:
            return refusal.result()
        except OrderFailed as failed:
            return failed.result
        except BrokerError as exc:
            code = exc.code or 0
            note = exc.note
            if code in OUTCOME_UNKNOWN:  # the request may be on its way
                note = may_have_executed(note)
            return TradeResult(failure_state(code), code, note)


__all__ = ["TIMEFRAMES", "MT5Broker", "clean_comment", "filling_from_mask"]
