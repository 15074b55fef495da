"""`TerminalSession`: everything that runs on the worker thread, except sending orders.

It owns the API object and the connection state: initialise/log in, reconnect, ping, health;
the broker server's UTC offset; the symbol list and name mapping; and the lookups (account,
symbols, quotes, bars, positions, pending orders, deals), converted to our models at this edge.
Every method here blocks and must only be called from the `Worker` thread (`MT5Broker` does).
"""

from __future__ import annotations

import contextlib
import difflib
import logging
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from broker.errors import BrokerError, SymbolNotFound, TemporaryBrokerError
from broker.models import (
    Account,
    Bar,
    BookLevel,
    ContractInfo,
    Deal,
    Health,
    MarketView,
    Note,
    PendingOrder,
    Position,
    Quote,
    Side,
    SymbolSpec,
)
from broker.mt5.constants import ORDER_TYPE_BUY, TIMEFRAMES, field, row_field
from broker.mt5.convert import (
    account_of,
    bar_of,
    book_level_of,
    contract_of,
    deal_columns_into,
    deal_rows_near,
    deals_from_rows,
    obj_time,
    pending_of,
    position_of,
    spec_of,
)
from broker.mt5.retcodes import CONNECTION_LOST, error_for_retcode
from broker.symbols import BrokerSymbol, SymbolMapper

if TYPE_CHECKING:  # numpy is imported when columns are first built, not at start-up
    from broker.columns import DealColumns

log = logging.getLogger(__name__)

# Deal history is asked for this much wider than the UTC window, then filtered exactly: a
# whole day either way while the server's offset is unknown, two hours once it is known
# (a DST change moves it by one between two checks). The narrow window keeps "what is new
# since a minute ago" from reading back the whole day (the daily-loss check after each fill).
_DEALS_MARGIN_S = 26 * 3600
_DEALS_MARGIN_KNOWN_S = 2 * 3600
# Columns of a long history are read this many deals at a time (`deal_columns`): the struct
# sequences of one chunk at a time are held, never a million at once.
DEAL_CHUNK = 20_000
_CHUNK_DEPTH = 6  # how often a range still over the chunk size is split again
_OFFSET_RETRY_S = 600.0
_OFFSET_RECHECK_S = 3600.0
NOT_CONNECTED = Note("not_connected")
_BOOK_POLLS, _BOOK_POLL_S = 3, 0.1  # reads of a freshly subscribed, still empty book
_NOT_ON_SERVER = Note("not_on_server")


@dataclass(frozen=True, slots=True)
class Login:
    """How `initialize()` is called: terminal path, account, password, server, timeout."""

    login: int = 0
    password: str | None = None
    server: str = ""
    terminal_path: str = ""
    timeout_ms: int = 60000

    def initialize_args(self) -> tuple[tuple[str, ...], dict[str, Any]]:
        kwargs: dict[str, Any] = {}
        if self.login:
            kwargs["login"] = self.login
            if self.password:
                kwargs["password"] = self.password
            if self.server:
                kwargs["server"] = self.server
        if self.timeout_ms:
            kwargs["timeout"] = self.timeout_ms
        return ((self.terminal_path,) if self.terminal_path else ()), kwargs


class TerminalSession:
    def __init__(
        self,
        api: Any,
        *,
        login: Login,
        api_factory: Callable[[], Any] | None,
        symbol_map: dict[str, str] | None,
        server_utc_offset_hours: int | None,
        clock: Callable[[], float],
    ) -> None:
        self.api = api
        self._api_factory = api_factory  # rebuilds the API object on reconnect (mt5linux)
        self._login = login
        self._mapper = SymbolMapper(symbol_map)
        self._fixed_offset = server_utc_offset_hours
        self.offset_s: int | None = (
            None if server_utc_offset_hours is None else int(server_utc_offset_hours) * 3600
        )
        self._offset_tried_at: float | None = None
        self._newest_tick = 0
        self._clock = clock
        self.book_sleep: Callable[[float], None] = _time.sleep  # between empty book reads
        self.connected = False
        self.disconnect_reason: Note = NOT_CONNECTED  # why the terminal is away
        self.deal_chunk = DEAL_CHUNK  # deals per history read of `deal_columns`

    def mark_disconnected(self, reason: Note | None = None) -> None:
        self.connected = False
        if reason is not None:
            self.disconnect_reason = reason

    def _mark_connected(self) -> None:
        self.connected = True
        self.disconnect_reason = NOT_CONNECTED

    # ---------------------------------------------------------------- calling the API

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """`api.<name>(*args, **kwargs)`; a dead connection or a client bug becomes a
        `BrokerError` (the former also marks the session disconnected)."""
        if self.api is None:
            raise TemporaryBrokerError(NOT_CONNECTED, -10004)
        try:
            return getattr(self.api, name)(*args, **kwargs)
        except (OSError, EOFError) as exc:  # mt5linux/rpyc: the server went away
            self.mark_disconnected(Note("connection_lost", {"error": exc.__class__.__name__}))
            raise TemporaryBrokerError(Note("connection_lost"), -10004) from None
        except Exception as exc:  # a terminal/client bug must reach the user as a message
            log.exception("MT5 API call %s failed", name)
            raise BrokerError(Note("call_failed", {"call": name, "error": str(exc)})) from None

    def last_error(self) -> tuple[int, str]:
        try:
            err = self.api.last_error()
            return int(err[0]), str(err[1])
        except Exception:  # the client may be gone; its last error is then unknown
            return -1, "last_error() unavailable"

    def error(self, what: str, /, **facts: Any) -> BrokerError:
        """The exception for a call that returned None, from `last_error()`: a
        "lookup_failed" note naming the lookup (`what`, e.g. "read_account", and its facts)."""
        code, text = self.last_error()
        if code in CONNECTION_LOST:
            self.mark_disconnected(Note("last_error", {"code": code, "text": text}))
        return error_for_retcode(code, text, what=Note(what, facts))

    # ---------------------------------------------------------------- connection

    def connect(self) -> None:
        """initialize() (logging in when configured), load the symbols, learn the offset."""
        if self.api is None and self._api_factory is not None:
            try:
                self.api = self._api_factory()
            except Exception as exc:  # any client-construction failure means "not reachable"
                raise TemporaryBrokerError(
                    Note("unreachable", {"error": str(exc)}), -10004
                ) from None
        args, kwargs = self._login.initialize_args()
        if not self.call("initialize", *args, **kwargs):
            code, text = self.last_error()
            cls = BrokerError if code == -6 else TemporaryBrokerError
            reason = Note("last_error", {"code": code, "text": text})
            raise cls(Note("connect_failed", {"reason": reason}), code)
        self._load_symbols()
        self._detect_offset()
        self._mark_connected()

    def reconnect(self) -> None:
        if self.api is not None:
            info = None
            with contextlib.suppress(BrokerError):
                info = self.call("terminal_info")
            if info is not None:
                # The terminal still answers: no re-initialisation, it reconnects to its
                # trade server by itself.
                if not field(info, "connected", True):
                    raise TemporaryBrokerError(_NOT_ON_SERVER, 10031)
                self._load_symbols()
                self._mark_connected()
                return
            try:
                self.api.shutdown()
            except Exception:  # the old connection is already dead
                log.debug("shutdown before reconnect failed", exc_info=True)
            if self._api_factory is not None:
                self.api = None
        self.connect()

    def shutdown(self) -> None:
        if self.api is not None:
            self.call("shutdown")

    def ping(self) -> bool:
        try:
            info = self.call("terminal_info")
        except BrokerError as exc:
            self.disconnect_reason = exc.note
            return False
        if info is None:
            code, text = self.last_error()
            self.disconnect_reason = Note("last_error", {"code": code, "text": text})
            return False
        if not field(info, "connected", True):
            self.disconnect_reason = _NOT_ON_SERVER
            return False
        return True

    def health(self) -> Health:
        started = _time.perf_counter()
        term = self.call("terminal_info")
        acc = self.call("account_info")
        elapsed_ms = (_time.perf_counter() - started) * 1000
        if term is None or acc is None:
            return Health(False, False, None, self.error("terminal_silent").note)
        if not field(term, "connected", True):
            return Health(False, False, None, _NOT_ON_SERVER)
        ping_last = float(field(term, "ping_last", 0) or 0)
        ping_ms = round(ping_last / 1000, 1) if ping_last > 0 else round(elapsed_ms, 1)
        server = str(field(acc, "server", ""))  # "" when the account does not name it
        terminal_ok = bool(field(term, "trade_allowed", True))
        account_ok = bool(field(acc, "trade_allowed", True)) and bool(
            field(acc, "trade_expert", True)
        )
        if not terminal_ok:
            note = Note("autotrading_off", {"server": server})
        elif not account_ok:
            note = Note("account_cannot_trade", {"server": server})
        else:
            note = Note("connected", {"server": server, "ping_ms": ping_ms})
        return Health(True, terminal_ok and account_ok, ping_ms, note)

    # ---------------------------------------------------------------- server time

    def _detect_offset(self) -> None:
        """Learn the server's UTC offset from the newest quote time, unless it was given."""
        if self._fixed_offset is not None:
            return
        now = self._clock()
        self._offset_tried_at = now
        infos = self.call("symbols_get") or ()
        newest = max(
            (int(field(s, "time", 0)) for s in infos if field(s, "visible", False)), default=0
        )
        if newest <= 0 or (self.offset_s is not None and newest <= self._newest_tick):
            return  # no quote since the last look (weekend, holiday): nothing to learn
        self._newest_tick = newest
        diff = newest - now
        hours = round(diff / 3600)
        # A fresh tick lands within a couple of minutes of a whole hour; a stale one (market
        # closed) does not, or lands far away: keep what we had.
        if abs(hours) <= 14 and abs(diff - hours * 3600) <= 180:
            self.offset_s = hours * 3600

    def offset(self) -> int:
        """The server's UTC offset in seconds (0 while unknown), rechecked now and then."""
        if self._fixed_offset is None:
            # Unknown: try again every 10 minutes. Known: check hourly (DST moves it by an hour).
            due = _OFFSET_RETRY_S if self.offset_s is None else _OFFSET_RECHECK_S
            if self._offset_tried_at is None or self._clock() - self._offset_tried_at >= due:
                self._detect_offset()
        return self.offset_s or 0

    # ---------------------------------------------------------------- symbols

    def _load_symbols(self) -> None:
        infos = self.call("symbols_get")
        if infos is None:
            raise self.error("read_symbols")
        self._mapper.load(
            BrokerSymbol(
                str(s.name), bool(field(s, "visible", True)), int(field(s, "trade_mode", 4))
            )
            for s in infos
        )

    def canonical(self, broker_name: str) -> str:
        return self._mapper.canonical(broker_name)

    def resolve(self, symbol: str) -> str:
        """The broker's name for `symbol` (either spelling); raises SymbolNotFound."""
        if not self._mapper.loaded:
            self._load_symbols()
        name = self._mapper.resolve(symbol)
        if name is None:
            self._load_symbols()  # the broker may have added it since
            name = self._mapper.resolve(symbol)
        if name is None:
            raise self._unknown_symbol(symbol)
        return name

    def _unknown_symbol(self, symbol: str) -> SymbolNotFound:
        """ "unknown_symbol" {symbol, close}: `close` are up to three similar names, for a
        "did you mean" hint."""
        names = sorted({self._mapper.canonical(n) for n in self._mapper.names()})
        close = difflib.get_close_matches(symbol.upper(), names, n=3, cutoff=0.8)
        return SymbolNotFound(Note("unknown_symbol", {"symbol": symbol, "close": close}), -4)

    def info(self, symbol: str) -> Any:
        """symbol_info of a resolved, Market-Watch-selected symbol."""
        name = self.resolve(symbol)
        info = self.call("symbol_info", name)
        if info is None:
            code, _ = self.last_error()
            if code in CONNECTION_LOST:
                raise self.error("read_symbol", symbol=symbol)
            raise self._unknown_symbol(symbol)
        if not field(info, "visible", True):
            # Hidden symbols have no quotes until selected into Market Watch.
            if not self.call("symbol_select", name, True):
                raise self.error("select_symbol", name=name)
            info = self.call("symbol_info", name) or info
        return info

    def tick(self, name: str) -> Any:
        return self.call("symbol_info_tick", name)

    # ---------------------------------------------------------------- lookups

    def symbols(self) -> list[SymbolSpec]:
        infos = self.call("symbols_get")
        if infos is None:
            raise self.error("read_symbols")
        return [spec_of(i, self.canonical) for i in infos]

    def symbol_spec(self, symbol: str) -> SymbolSpec:
        return spec_of(self.info(symbol), self.canonical)

    def resolve_symbol(self, symbol: str) -> tuple[str, str]:
        name = self.resolve(symbol)
        return self.canonical(name), name

    def quote(self, symbol: str, with_day_open: bool = False) -> Quote:
        """The current tick; `with_day_open` also reads today's D1 bar for the day change (an
        extra terminal call a preview never needs)."""
        return self._quote_of(self.info(symbol), with_day_open)

    def _quote_of(self, info: Any, with_day_open: bool) -> Quote:
        name = str(info.name)
        tick = self.tick(name)
        if tick is None or (not field(tick, "bid", 0) and not field(tick, "ask", 0)):
            code, _ = self.last_error()
            if code in CONNECTION_LOST:
                raise self.error("no_quote", symbol=self.canonical(name))
            raise TemporaryBrokerError(
                Note("quote_missing", {"symbol": self.canonical(name)}), 10021
            )
        day_open: float | None = None
        if with_day_open:
            bars = self.call("copy_rates_from_pos", name, TIMEFRAMES["D1"], 0, 1)
            if bars is not None and len(bars):
                day_open = float(row_field(bars[-1], "open", 1)) or None
        return Quote(
            symbol=self.canonical(name),
            bid=float(tick.bid),
            ask=float(tick.ask),
            time=obj_time(tick, "time", self.offset()),
            point=float(field(info, "point", 0.0)),
            digits=int(field(info, "digits", 5)),
            day_open=day_open,
        )

    def market_view(self, symbols: tuple[str, ...], orders: bool, held: bool) -> MarketView:
        """Account, every position, each symbol's spec and tick (from one `symbol_info` per
        symbol) and, when asked, every pending order — what a preview needs, read in one
        worker job. `held`: also the specs and ticks of every symbol held (positions, and
        orders when read), for a request that names no symbol (close everything, a ticket)."""
        account = self.account()
        positions = tuple(self.positions(None, None, None))
        pending = tuple(self.pending_orders(None, None)) if orders else None
        wanted = list(dict.fromkeys(symbols))
        if held:
            wanted.extend(p.symbol for p in positions)
            wanted.extend(o.symbol for o in pending or ())
        quotes: dict[str, Quote] = {}
        specs: dict[str, SymbolSpec] = {}
        for symbol in dict.fromkeys(wanted):
            if symbol in specs:
                continue
            info = self.info(symbol)
            spec = spec_of(info, self.canonical)
            specs[spec.symbol] = spec
            quotes[spec.symbol] = self._quote_of(info, with_day_open=False)
        return MarketView(account, positions, quotes, specs, pending)

    def _timeframe(self, timeframe: str) -> int:
        tf = TIMEFRAMES.get(timeframe)
        if tf is None:
            known = list(TIMEFRAMES)
            raise BrokerError(Note("unknown_timeframe", {"timeframe": timeframe, "known": known}))
        return tf

    def rates(self, symbol: str, timeframe: str, count: int) -> list[Bar]:
        """The newest `count` bars (copy_rates_from_pos), oldest first, times in UTC."""
        tf = self._timeframe(timeframe)
        name = str(self.info(symbol).name)
        rows = self.call("copy_rates_from_pos", name, tf, 0, int(count))
        if rows is None:
            raise self.error("no_history", symbol=symbol)
        offset = self.offset()
        return [bar_of(r, offset) for r in rows]

    def rates_range(self, symbol: str, timeframe: str, start: datetime, end: datetime) -> list[Bar]:
        """The bars opening in [start, end] (UTC; copy_rates_range), oldest first. The
        terminal counts in server time: the window is shifted by the server's offset, as
        seconds (a naive datetime would be read as the machine's local time)."""
        tf = self._timeframe(timeframe)
        name = str(self.info(symbol).name)
        offset = self.offset()
        lo = int(_aware(start).timestamp()) + offset
        hi = int(_aware(end).timestamp()) + offset
        if hi < lo:
            return []
        rows = self.call("copy_rates_range", name, tf, lo, hi)
        if rows is None:
            raise self.error("no_history", symbol=symbol)
        return [bar_of(r, offset) for r in rows]

    def contract_info(self, symbol: str) -> ContractInfo:
        """The contract with today's spread, swaps and the margin of one lot
        (order_calc_margin: the terminal's own figure, in the account's currency)."""
        info = self.info(symbol)
        name = str(info.name)
        tick = self.tick(name)
        ask = float(field(tick, "ask", 0.0)) if tick is not None else 0.0
        margin = None
        if ask > 0:
            value = self.call("order_calc_margin", ORDER_TYPE_BUY, name, 1.0, ask)
            margin = None if value is None else float(value)
        acc = self.call("account_info")
        currency = str(field(acc, "currency", "")) if acc is not None else ""
        return contract_of(info, tick, self.canonical, self.offset(), margin, currency)

    def market_book(self, symbol: str) -> list[BookLevel] | None:
        """The order book now (asks and bids, highest price first), or None when the broker
        offers no depth for the symbol (market_book_add refused, or the book stays empty).

        The subscription lives for this one call: add, read, release. A terminal answers the
        first read after a fresh subscription before the first depth snapshot has arrived, so
        an empty read is tried again a few times (at most ~0.3 s, in the worker thread)."""
        name = str(self.info(symbol).name)
        if not self.call("market_book_add", name):
            code, _ = self.last_error()
            if code in CONNECTION_LOST:
                raise self.error("read_symbol", symbol=symbol)
            return None
        try:
            rows = self.call("market_book_get", name)
            for _ in range(_BOOK_POLLS):
                if rows:
                    break
                self.book_sleep(_BOOK_POLL_S)
                rows = self.call("market_book_get", name)
        finally:
            with contextlib.suppress(BrokerError):
                self.call("market_book_release", name)
        levels = [lv for lv in (book_level_of(r) for r in rows or ()) if lv is not None]
        return sorted(levels, key=lambda lv: -lv.price) or None

    def account(self) -> Account:
        a = self.call("account_info")
        if a is None:
            raise self.error("read_account")
        return account_of(a)

    def positions(self, symbol: str | None, magic: int | None, side: Side | None) -> list[Position]:
        if symbol:
            rows = self.call("positions_get", symbol=self.resolve(symbol))
        else:
            rows = self.call("positions_get")
        if rows is None:
            raise self.error("read_positions")
        offset = self.offset()
        out = [position_of(p, self.canonical, offset) for p in rows]
        return [
            p
            for p in out
            if (magic is None or p.magic == magic) and (side is None or p.side == side)
        ]

    def pending_orders(self, symbol: str | None, magic: int | None) -> list[PendingOrder]:
        if symbol:
            rows = self.call("orders_get", symbol=self.resolve(symbol))
        else:
            rows = self.call("orders_get")
        if rows is None:
            raise self.error("read_orders")
        offset = self.offset()
        out = [o for o in (pending_of(r, self.canonical, offset) for r in rows) if o is not None]
        return [o for o in out if magic is None or o.magic == magic]

    def deals_from_rows(self, rows: Any, name: str | None) -> list[Deal]:
        return deals_from_rows(rows, name, self.canonical, self.offset())

    def _deal_window(
        self, start: datetime, end: datetime
    ) -> tuple[datetime, datetime, int, int, int]:
        """The UTC window and the server-time range to ask the terminal for. Deal times are
        server-time epochs: the window is shifted by the offset and widened, so an unknown or
        changed (DST) offset still covers it; the exact cut happens afterwards, in UTC."""
        start_utc = start if start.tzinfo else start.replace(tzinfo=UTC)
        end_utc = end if end.tzinfo else end.replace(tzinfo=UTC)
        offset = self.offset()
        known = self._fixed_offset is not None or self.offset_s is not None
        margin = _DEALS_MARGIN_KNOWN_S if known else _DEALS_MARGIN_S
        date_from = max(0, int(start_utc.timestamp()) + offset - margin)
        date_to = int(end_utc.timestamp()) + offset + margin
        return start_utc, end_utc, offset, date_from, date_to

    def _deal_rows(self, date_from: int, date_to: int, name: str | None) -> Any:
        if name:
            rows = self.call("history_deals_get", date_from, date_to, group=name)
        else:
            rows = self.call("history_deals_get", date_from, date_to)
        if rows is None:
            code, _text = self.last_error()
            if code != 1:  # (1, 'Success') with None means "no deals"
                raise self.error("read_deals")
            rows = ()
        return rows

    def deals(self, start: datetime, end: datetime, symbol: str | None) -> list[Deal]:
        start_utc, end_utc, offset, date_from, date_to = self._deal_window(start, end)
        name = self.resolve(symbol) if symbol else None
        rows = self._deal_rows(date_from, date_to, name)
        # only rows that can fall inside the exact window are converted (the margin brings
        # in up to two days more, at ~11 µs a deal): a cut on the raw server time, a second
        # wider than the exact cut below, so it drops nothing that cut would keep
        window = (start_utc.timestamp() + offset - 1, end_utc.timestamp() + offset + 1)
        deals = self.deals_from_rows(deal_rows_near(rows, *window), name)
        return sorted(
            (d for d in deals if start_utc <= d.time < end_utc), key=lambda d: (d.time, d.ticket)
        )

    def _deal_count(self, date_from: int, date_to: int) -> int | None:
        """`history_deals_total` of a server-time range; None when the terminal cannot tell."""
        try:
            total = self.call("history_deals_total", date_from, date_to)
        except BrokerError:
            return None
        return int(total) if isinstance(total, int) and total >= 0 else None

    def _deal_spans(
        self, date_from: int, date_to: int, total: int | None, depth: int = 0
    ) -> list[tuple[int, int, int | None]]:
        """Server-time ranges (both ends included, whole seconds as deal times are) of at
        most about `deal_chunk` deals each, with their counts where known: a range over it is
        cut into equal parts, and a part still over it is cut again."""
        if (
            total is None
            or total <= self.deal_chunk
            or date_to <= date_from
            or depth >= _CHUNK_DEPTH
        ):
            return [(date_from, date_to, total)]
        parts = -(-total // self.deal_chunk)
        step = max(1, -(-(date_to - date_from + 1) // parts))
        spans: list[tuple[int, int, int | None]] = []
        for lo in range(date_from, date_to + 1, step):
            hi = min(lo + step - 1, date_to)
            count = self._deal_count(lo, hi)
            if count == 0:
                continue
            spans += self._deal_spans(lo, hi, count, depth + 1)
        return spans

    def deal_columns(self, start: datetime, end: datetime, symbol: str | None) -> DealColumns:
        """Deals with `start <= time < end` (UTC) as columns (`broker/columns.py`), oldest
        first — the same deals `deals()` returns, without a `Deal` per deal. A long history is
        read in chunks of about `deal_chunk` deals, each turned into columns before the next
        is asked for."""
        from broker.columns import ColumnBuffer

        start_utc, end_utc, offset, date_from, date_to = self._deal_window(start, end)
        name = self.resolve(symbol) if symbol else None
        total = self._deal_count(date_from, date_to)
        buffer = ColumnBuffer(total or 0)
        spans = self._deal_spans(date_from, date_to, total)
        for lo, hi, _count in spans:
            if len(spans) == 1:
                rows = self._deal_rows(lo, hi, name)
                deal_columns_into(buffer, rows, name, self.canonical, offset)
            else:
                # asked one second past the span and cut to it: whether a terminal's date_to
                # is inclusive or not, each deal is read once, in the span of its own second
                rows = self._deal_rows(lo, hi + 1, name)
                deal_columns_into(buffer, rows, name, self.canonical, offset, (lo, hi))
            del rows  # this chunk's structs go before the next chunk's arrive
        return buffer.build().between(start_utc, end_utc).in_time_order()


def _aware(when: datetime) -> datetime:
    """A naive datetime is UTC (the models' convention)."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)
