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

Deadlines and lanes (one hung call must not freeze everybody):
- Every call has a deadline by kind: lookups and pings `query_deadline_s`, order operations
  `trade_deadline_s`, connecting `timeout_ms` plus `query_deadline_s`. A call that passes it
  frees its caller at once: a lookup with `TemporaryBrokerError`, an order operation with
  `TradeResult(state="unknown")` — the request may still execute, so the conversation looks
  the order up by its comment and never resends it blindly. A call that never got to run
  (queued behind a stuck one) is refused honestly: nothing was sent.
- The call that passed its deadline keeps running on its thread (Python cannot kill it, and
  the terminal may be executing the order). The `Worker` abandons that thread and, while it is
  still stuck, lets nothing else call the terminal: the terminal is "away" (`connected` is
  False, trading is refused without sending, the supervisor alerts as for a lost terminal).
  When the stuck call returns, its late answer is logged (an order that executed late is found
  by the reconciliation by comment), `call_returned` wakes the supervisor, which reconnects on
  a fresh worker thread and announces that trading resumed. At most one thread is ever
  abandoned at a time, so threads cannot pile up.
- Queries keep answering while a trade is stuck, from a short-lived snapshot: a second reader
  thread would be option (1), but the MetaTrader5 module is one process-wide connection and not
  thread-safe, and `last_error()` is process-global, so even a per-call lock cannot keep a
  reader from resetting the error a trade is about to read; a reader lane that only works for
  the paper terminal would prove nothing about the real one, where hangs happen. So (2): the
  last answers to account/positions/orders/quote/symbol lookups (and an account + positions
  snapshot taken with every supervisor ping) are kept for `snapshot_max_age_s`. A caller that
  can show an older answer opts in with `broker.mt5.snapshot.accept_snapshots()` (the
  handlers' display queries) and is answered from the snapshot, with its age, when the
  terminal does not start its lookup within `snapshot_wait_s` or is away because a call is
  stuck. Risk re-checks and order look-ups never opt in: they get fresh figures or an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time as _time
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

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
from broker.mt5.snapshot import Snapshots, accepting
from broker.mt5.worker import CallAbandoned, TerminalStuck, Worker, WorkerBusy

if TYPE_CHECKING:  # numpy is imported when columns are first built, not at start-up
    from broker.columns import DealColumns

log = logging.getLogger(__name__)

T = TypeVar("T")

_TIMED_OUT = -10005  # RES_E_INTERNAL_FAIL_TIMEOUT: the outcome of a trade is unknown
_NO_TERMINAL = -10004


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
        query_deadline_s: float = 15.0,
        trade_deadline_s: float = 30.0,
        snapshot_wait_s: float = 2.0,
        snapshot_max_age_s: float = 300.0,
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
        self.query_deadline_s = float(query_deadline_s)
        self.trade_deadline_s = float(trade_deadline_s)
        self.connect_deadline_s = int(timeout_ms) / 1000 + self.query_deadline_s
        self.snapshot_wait_s = float(snapshot_wait_s)
        self.snapshots = Snapshots(clock or _time.time, snapshot_max_age_s)
        self._worker = Worker(on_late_return=self._late_return)
        self._closed = False
        self._lost: asyncio.Event | None = None
        self._returned: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._away_stuck = False  # away because a call is (or was) stuck past its deadline
        # Jobs handed to the worker thread so far: each is a hop off the event loop and back,
        # the cost `market_view` exists to save (read by tests and `make bench`).
        self.worker_jobs = 0

    # ---------------------------------------------------------------- connection state

    @property
    def connected(self) -> bool:
        """Connected, and no call stuck in the terminal (that counts as "terminal away")."""
        return self.session.connected and not self._worker.stuck

    @property
    def stuck(self) -> bool:
        """True while a call that passed its deadline is still running in the terminal."""
        return self._worker.stuck

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
        """(English, Chinese) why the terminal is away."""
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

    @property
    def call_returned(self) -> asyncio.Event:
        """Set when a call abandoned past its deadline returns (the supervisor waits on it)."""
        if self._returned is None:
            self._returned = asyncio.Event()
        return self._returned

    def mark_disconnected(self, reason: Note | None = None) -> None:
        self.session.mark_disconnected(reason)

    async def connect(self) -> None:
        """`initialize()` (and log in when `login` is set), load the symbol list, learn the
        server's UTC offset. Raises `TemporaryBrokerError` when the terminal is not there."""
        self._closed = False
        await self._call(self.session.connect, deadline_s=self.connect_deadline_s)
        self._away_stuck = False
        self.connection_lost.clear()

    async def reconnect(self) -> bool:
        """One reconnection attempt (shutdown, rebuild the client if it can, initialize).
        Refused without touching the terminal while a call is still stuck in it."""
        if self._closed:
            return False
        try:
            await self._call(self.session.reconnect, deadline_s=self.connect_deadline_s)
        except BrokerError as exc:
            self.disconnect_reason = exc.note
            return False
        self._away_stuck = False
        self.connection_lost.clear()
        return True

    async def ping(self) -> bool:
        """True when the terminal answers and is connected to its trade server. A good ping
        also refreshes the account and positions snapshot (see the module docstring)."""
        try:
            up, snap = await self._call(self._ping_and_snapshot)
        except (BrokerError, TimeoutError):
            return False
        for key, value in snap:
            self.snapshots.put(key, value)
        return up

    def _ping_and_snapshot(self) -> tuple[bool, list[tuple[Hashable, object]]]:
        """(Worker thread.) ping; when up, the account and every position."""
        if not self.session.ping():
            return False, []
        try:
            return True, [
                (("account",), self.session.account()),
                (("positions", None, None, None), self.session.positions(None, None, None)),
            ]
        except BrokerError:  # the snapshot is a nicety; the ping's answer stands
            return True, []

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
        return await self._lookup(("account",), self.session.account)

    async def symbols(self) -> list[SymbolSpec]:
        """Every symbol of the terminal (Market Watch or not)."""
        return await self._lookup(("symbols",), self.session.symbols)

    async def symbol_spec(self, symbol: str) -> SymbolSpec:
        return await self._lookup(("symbol_spec", symbol), self.session.symbol_spec, symbol)

    async def resolve_symbol(self, symbol: str) -> tuple[str, str]:
        """(canonical, broker name) for a symbol in either spelling; raises SymbolNotFound."""
        return await self._lookup(("resolve_symbol", symbol), self.session.resolve_symbol, symbol)

    async def quote(self, symbol: str, *, with_day_open: bool = False) -> Quote:
        """The current tick; `with_day_open` adds the day's first price (one more terminal
        call), for an answer that shows the day change."""
        key = ("quote", symbol, with_day_open)
        return await self._lookup(key, self.session.quote, symbol, with_day_open)

    async def market_view(
        self, symbols: Iterable[str] = (), *, orders: bool = False, held: bool = False
    ) -> MarketView:
        """Everything a preview needs (account, positions, the symbols' specs and ticks, pending
        orders when asked) in ONE worker job; see `TerminalSession.market_view`. The account
        and positions it read also become their snapshots."""
        view = await self._lookup(
            None, self.session.market_view, tuple(symbols), bool(orders), bool(held)
        )
        self.snapshots.put(("account",), view.account)
        self.snapshots.put(("positions", None, None, None), list(view.positions))
        return view

    async def rates(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        """The newest `count` bars, oldest first (the last one is the current bar)."""
        return await self._lookup(None, self.session.rates, symbol, timeframe, count)

    async def rates_range(
        self, symbol: str, timeframe: Timeframe, start: datetime, end: datetime
    ) -> list[Bar]:
        """The bars opening in [start, end] (UTC), oldest first; none over a closed market."""
        return await self._lookup(None, self.session.rates_range, symbol, timeframe, start, end)

    async def contract_info(self, symbol: str) -> ContractInfo:
        """Spread now, swaps, lots, the margin of one lot, trade mode, last tick."""
        return await self._lookup(("contract_info", symbol), self.session.contract_info, symbol)

    async def market_book(self, symbol: str) -> list[BookLevel] | None:
        """The order book (highest price first), or None when the broker offers no depth."""
        return await self._lookup(None, self.session.market_book, symbol)

    async def positions(
        self, symbol: str | None = None, magic: int | None = None, side: Side | None = None
    ) -> list[Position]:
        key = ("positions", symbol, magic, side)
        return await self._lookup(key, self.session.positions, symbol, magic, side)

    async def pending_orders(
        self, symbol: str | None = None, magic: int | None = None
    ) -> list[PendingOrder]:
        key = ("pending_orders", symbol, magic)
        return await self._lookup(key, self.session.pending_orders, symbol, magic)

    async def deals(self, start: datetime, end: datetime, symbol: str | None = None) -> list[Deal]:
        """Deals with `start <= time < end` (UTC), oldest first."""
        return await self._lookup(None, self.session.deals, start, end, symbol)

    async def deal_columns(
        self, start: datetime, end: datetime, symbol: str | None = None
    ) -> DealColumns:
        """The deals of `deals()` as columns (`broker/columns.py`) for reports over long
        histories: read and converted in chunks on the worker thread, no `Deal` per deal."""
        return await self._lookup(None, self.session.deal_columns, start, end, symbol)

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

    async def _run(
        self, fn: Callable[..., T], *args: Any, deadline_s: float, queue_wait_s: float | None
    ) -> T:
        """`fn(*args)` on the worker thread; a call abandoned past its deadline makes the
        terminal "away" (and wakes the supervisor). Raises the worker's `WorkerBusy`."""
        self._loop = asyncio.get_running_loop()
        self.worker_jobs += 1
        was_connected = self.session.connected
        try:
            return await self._worker.call(
                fn, *args, deadline_s=deadline_s, queue_wait_s=queue_wait_s
            )
        except CallAbandoned:
            self._away_stuck = True
            self.mark_disconnected(Note("call_stuck", {"seconds": f"{deadline_s:g}"}))
            raise
        finally:
            if was_connected and not self.session.connected and not self._closed:
                self.connection_lost.set()

    async def _call(
        self,
        fn: Callable[..., T],
        *args: Any,
        deadline_s: float | None = None,
        queue_wait_s: float | None = None,
    ) -> T:
        deadline = self.query_deadline_s if deadline_s is None else deadline_s
        try:
            return await self._run(fn, *args, deadline_s=deadline, queue_wait_s=queue_wait_s)
        except WorkerBusy as busy:
            raise self._busy_error(busy) from None

    def _busy_error(self, busy: WorkerBusy) -> TemporaryBrokerError:
        if isinstance(busy, CallAbandoned):
            return TemporaryBrokerError(Note("timeout"), _TIMED_OUT)
        if isinstance(busy, TerminalStuck):
            return TemporaryBrokerError(self.disconnect_reason, _NO_TERMINAL)
        return TemporaryBrokerError(Note("busy"), _TIMED_OUT)

    async def _lookup(self, key: Hashable | None, fn: Callable[..., T], *args: Any) -> T:
        """A lookup with the query deadline; stored as the snapshot for `key`, and answered
        from it for a caller that accepts snapshots while the terminal is busy or stuck."""
        use = accepting()
        old = self.snapshots.get(key) if key is not None and use is not None else None
        if not self.connected:
            if old is not None and use is not None and self._away_stuck:
                use.note(old[1])
                return cast(T, old[0])
            raise TemporaryBrokerError(self.disconnect_reason, _NO_TERMINAL)
        wait = self.snapshot_wait_s if old is not None else None
        try:
            value = await self._run(fn, *args, deadline_s=self.query_deadline_s, queue_wait_s=wait)
        except WorkerBusy as busy:
            old = self.snapshots.get(key) if key is not None and use is not None else None
            if old is not None and use is not None:
                use.note(old[1])
                return cast(T, old[0])
            raise self._busy_error(busy) from None
        if key is not None:
            self.snapshots.put(key, value)
        return value

    async def _trade(self, fn: Callable[..., TradeResult], *args: Any) -> TradeResult:
        if not self.connected:  # terminal away (or a call stuck in it): nothing is sent
            return TradeResult("refused", _NO_TERMINAL, Note("not_connected"))
        try:
            return await self._run(fn, *args, deadline_s=self.trade_deadline_s, queue_wait_s=None)
        except CallAbandoned:
            # The request may be in the terminal right now: the outcome is unknown, and the
            # conversation looks the order up by its comment instead of sending it again.
            reason = Note("last_error", {"code": _TIMED_OUT, "text": ""})
            return TradeResult("unknown", _TIMED_OUT, may_have_executed(reason))
        except TerminalStuck:  # never started (queued behind a stuck call): nothing was sent
            return TradeResult("refused", _NO_TERMINAL, Note("not_connected"))
        except WorkerBusy as busy:  # never started (the terminal was busy): nothing was sent
            exc = self._busy_error(busy)
            return TradeResult("refused", _TIMED_OUT, exc.note)
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

    def _late_return(self, label: str, value: object, error: BaseException | None) -> None:
        """(The abandoned thread.) A stuck call came back: log what became of it, and tell the
        loop, where the supervisor waits for it."""
        if isinstance(value, TradeResult):
            log.warning(
                "abandoned %s returned late: %s (retcode %s, ticket %s, comment %r)",
                label, value.state, value.retcode, value.ticket, value.request.get("comment"),
            )  # fmt: skip
        elif isinstance(error, OrderFailed):
            result = error.result
            log.warning(
                "abandoned %s returned late: %s (retcode %s, comment %r)",
                label, result.state, result.retcode, result.request.get("comment"),
            )  # fmt: skip
        else:
            log.warning("abandoned %s returned late (%r)", label, error or type(value).__name__)
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody to tell
                loop.call_soon_threadsafe(self._call_came_back)

    def _call_came_back(self) -> None:
        self.call_returned.set()
        if not self._closed:
            self.connection_lost.set()


__all__ = ["TIMEFRAMES", "MT5Broker", "clean_comment", "filling_from_mask"]
