"""`MT5Broker`: the `Broker` protocol over any object with the MetaTrader5 Python API.

The object may be the real `MetaTrader5` module (Windows), an `mt5linux.MetaTrader5` client (a
terminal under Wine or on another host) or our paper terminal — nothing here knows which.

How it talks to the terminal (see /work/shared/MT5-NOTES.md for why each rule exists):
- Every API call runs on one worker thread (`broker.worker.Worker`); a trade is one job on that
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

Order operations never raise for a bad order: they return `TradeResult(ok=False, …)` with English
and Chinese messages. Lookups raise `BrokerError` subclasses.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import logging
import math
import time as _time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from broker.errors import BrokerError, SymbolNotFound, TemporaryBrokerError
from broker.models import (
    Account,
    Bar,
    Deal,
    DealEntry,
    DealType,
    Health,
    PendingKind,
    PendingOrder,
    Position,
    Quote,
    Side,
    SymbolSpec,
    Timeframe,
    TradeResult,
)
from broker.mt5.retcodes import (
    CONNECTION_LOST,
    NOT_CONNECTED_EN,
    NOT_CONNECTED_ZH,
    OUTCOME_UNKNOWN,
    RETRY_WITH_FRESH_PRICE,
    SUCCESS,
    error_for_retcode,
    explain_last_error,
    explain_retcode,
)
from broker.symbols import BrokerSymbol, SymbolMapper, fmt_volume, normalize_volume
from broker.validation import KIND_ZH, pending_price_refusal, stops_refusal
from broker.mt5.worker import Worker

log = logging.getLogger(__name__)
T = TypeVar("T")

# MetaTrader5 constants (identical in the real package, mt5linux and the paper terminal).
TRADE_ACTION_DEAL = 1
TRADE_ACTION_PENDING = 5
TRADE_ACTION_SLTP = 6
TRADE_ACTION_MODIFY = 7
TRADE_ACTION_REMOVE = 8
ORDER_TYPE_BUY = 0
ORDER_TYPE_SELL = 1
ORDER_TYPE_BUY_LIMIT = 2
ORDER_TYPE_SELL_LIMIT = 3
ORDER_TYPE_BUY_STOP = 4
ORDER_TYPE_SELL_STOP = 5
ORDER_TYPE_BUY_STOP_LIMIT = 6
ORDER_TYPE_SELL_STOP_LIMIT = 7
ORDER_FILLING_FOK = 0
ORDER_FILLING_IOC = 1
ORDER_FILLING_RETURN = 2
ORDER_TIME_GTC = 0
ORDER_TIME_SPECIFIED = 2
ORDER_TIME_SPECIFIED_DAY = 3
SYMBOL_FILLING_FOK = 1  # bits of symbol_info().filling_mode (not exported by the package)
SYMBOL_FILLING_IOC = 2
SYMBOL_TRADE_MODE_DISABLED = 0
SYMBOL_TRADE_MODE_LONGONLY = 1
SYMBOL_TRADE_MODE_SHORTONLY = 2
SYMBOL_TRADE_MODE_CLOSEONLY = 3
ACCOUNT_TRADE_MODE_DEMO = 0
ACCOUNT_MARGIN_MODE_RETAIL_HEDGING = 2
COMMENT_MAX = 29

TIMEFRAMES: dict[str, int] = {
    "M1": 1,
    "M5": 5,
    "M15": 15,
    "M30": 30,
    "H1": 16385,
    "H4": 16388,
    "D1": 16408,
    "W1": 32769,
    "MN1": 49153,
}
_DEAL_TYPES: dict[int, DealType] = {0: "buy", 1: "sell", 2: "balance", 3: "credit"}
_DEAL_ENTRIES: dict[int, DealEntry] = {0: "in", 1: "out", 2: "inout", 3: "out_by"}
_PENDING_TYPES: dict[int, tuple[Side, PendingKind]] = {
    ORDER_TYPE_BUY_LIMIT: ("buy", "limit"),
    ORDER_TYPE_SELL_LIMIT: ("sell", "limit"),
    ORDER_TYPE_BUY_STOP: ("buy", "stop"),
    ORDER_TYPE_SELL_STOP: ("sell", "stop"),
    ORDER_TYPE_BUY_STOP_LIMIT: ("buy", "stop"),
    ORDER_TYPE_SELL_STOP_LIMIT: ("sell", "stop"),
}
_PENDING_ORDER_TYPE = {
    ("buy", "limit"): ORDER_TYPE_BUY_LIMIT,
    ("sell", "limit"): ORDER_TYPE_SELL_LIMIT,
    ("buy", "stop"): ORDER_TYPE_BUY_STOP,
    ("sell", "stop"): ORDER_TYPE_SELL_STOP,
}
# TradeDeal: ticket, order, time, time_msc, type, entry, magic, position_id, reason, volume,
# price, commission, swap, profit, fee, symbol, comment, external_id
_TRADE_DEAL_LEN = 18
_SIDE_ZH = {"buy": "买入", "sell": "卖出"}
# Deal history is asked for this much wider than the UTC window, then filtered exactly.
_DEALS_MARGIN_S = 26 * 3600
_OFFSET_RETRY_S = 600.0
_OFFSET_RECHECK_S = 3600.0


def clean_comment(comment: str) -> str:
    """Printable ASCII, at most 29 characters: the package rejects longer comments, and the
    conversation layer matches its confirmation id in them, so an ASCII comment of ≤ 29
    characters is sent exactly as given."""
    return "".join(ch for ch in comment if " " <= ch <= "~")[:COMMENT_MAX]


def filling_from_mask(mask: int) -> int:
    """`ORDER_FILLING_*` for a `symbol_info().filling_mode` bit mask: FOK, else IOC, else RETURN."""
    if mask & SYMBOL_FILLING_FOK:
        return ORDER_FILLING_FOK
    if mask & SYMBOL_FILLING_IOC:
        return ORDER_FILLING_IOC
    return ORDER_FILLING_RETURN


def _f(obj: Any, name: str, default: Any = 0) -> Any:
    value = getattr(obj, name, default)
    return default if value is None else value


def _row(row: Any, name: str, index: int) -> Any:
    """A field of a rates row: numpy record, dict, struct sequence or plain tuple."""
    try:
        return row[name]
    except (KeyError, IndexError, TypeError, ValueError):
        pass
    if hasattr(row, name):
        return getattr(row, name)
    return row[index]


class _Refusal(Exception):
    """A trade refused before sending: becomes `TradeResult(ok=False, …)`."""

    def __init__(self, retcode: int, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.retcode = retcode
        self.message = message
        self.message_zh = message_zh


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
        self._api = api
        self._api_factory = api_factory  # rebuilds the API object on reconnect (mt5linux)
        self._login = int(login)
        self._password = password
        self._server = server
        self._terminal_path = terminal_path
        self._timeout_ms = int(timeout_ms)
        self.deviation = int(deviation)
        self.requote_retries = max(0, int(requote_retries))
        self.magic = int(magic)
        self._mapper = SymbolMapper(symbol_map)
        self._fixed_offset = server_utc_offset_hours
        self._offset_s: int | None = (
            None if server_utc_offset_hours is None else int(server_utc_offset_hours) * 3600
        )
        self._offset_tried_at: float | None = None
        self._newest_tick = 0
        self._clock: Callable[[], float] = clock or _time.time
        self._call_timeout_s = call_timeout_s
        self._worker = Worker()
        self._connected = False
        self._closed = False
        self._lost: asyncio.Event | None = None
        self.disconnect_reason: tuple[str, str] = (NOT_CONNECTED_EN, NOT_CONNECTED_ZH)

    # ---------------------------------------------------------------- connection state

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def api(self) -> Any:
        return self._api

    @property
    def server_utc_offset_hours(self) -> int | None:
        """The offset in use (given or detected); None while it is still unknown."""
        return None if self._offset_s is None else self._offset_s // 3600

    @property
    def connection_lost(self) -> asyncio.Event:
        """Set when a call finds the terminal gone (the supervisor waits on it)."""
        if self._lost is None:
            self._lost = asyncio.Event()
        return self._lost

    def mark_disconnected(self, message: str = "", message_zh: str = "") -> None:
        self._connected = False
        if message:
            self.disconnect_reason = (message, message_zh or message)

    async def connect(self) -> None:
        """`initialize()` (and log in when `login` is set), load the symbol list, learn the
        server's UTC offset. Raises `TemporaryBrokerError` when the terminal is not there."""
        self._closed = False
        await self._call(self._s_connect)
        self.connection_lost.clear()

    async def reconnect(self) -> bool:
        """One reconnection attempt (shutdown, rebuild the client if it can, initialize)."""
        if self._closed:
            return False
        try:
            await self._call(self._s_reconnect)
        except BrokerError as exc:
            self.disconnect_reason = (exc.message, exc.message_zh)
            return False
        self.connection_lost.clear()
        return True

    async def ping(self) -> bool:
        """True when the terminal answers and is connected to its trade server."""
        try:
            return await self._call(self._s_ping)
        except (BrokerError, TimeoutError):
            return False

    async def close(self) -> None:
        self._closed = True
        was = self._connected
        self._connected = False
        if was or self._api is not None:
            with contextlib.suppress(BrokerError, TimeoutError):
                await self._call(self._s_shutdown)
        self._worker.shutdown(wait=False)

    async def health(self) -> Health:
        if not self._connected:
            en, zh = self.disconnect_reason
            if en != NOT_CONNECTED_EN:
                en, zh = f"{NOT_CONNECTED_EN} ({en})", f"{NOT_CONNECTED_ZH}（{zh}）"
            return Health(False, False, None, en, zh)
        try:
            return await self._call(self._s_health)
        except BrokerError as exc:
            return Health(False, False, None, exc.message, exc.message_zh)

    # ---------------------------------------------------------------- lookups

    async def account(self) -> Account:
        return await self._lookup(self._s_account)

    async def symbols(self) -> list[SymbolSpec]:
        """Every symbol of the terminal (Market Watch or not)."""
        return await self._lookup(self._s_symbols)

    async def symbol_spec(self, symbol: str) -> SymbolSpec:
        return await self._lookup(self._s_symbol_spec, symbol)

    async def resolve_symbol(self, symbol: str) -> tuple[str, str]:
        """(canonical, broker name) for a symbol in either spelling; raises SymbolNotFound."""
        return await self._lookup(self._s_resolve_symbol, symbol)

    async def quote(self, symbol: str) -> Quote:
        return await self._lookup(self._s_quote, symbol)

    async def rates(self, symbol: str, timeframe: Timeframe, count: int) -> list[Bar]:
        return await self._lookup(self._s_rates, symbol, timeframe, count)

    async def positions(
        self, symbol: str | None = None, magic: int | None = None, side: Side | None = None
    ) -> list[Position]:
        return await self._lookup(self._s_positions, symbol, magic, side)

    async def pending_orders(
        self, symbol: str | None = None, magic: int | None = None
    ) -> list[PendingOrder]:
        return await self._lookup(self._s_pending_orders, symbol, magic)

    async def deals(self, start: datetime, end: datetime, symbol: str | None = None) -> list[Deal]:
        """Deals with `start <= time < end` (UTC), oldest first."""
        return await self._lookup(self._s_deals, start, end, symbol)

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
        return await self._trade(self._s_open_market, symbol, side, volume, sl, tp, magic, comment)

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
            self._s_place_pending, symbol, side, kind, volume, price, sl, tp, magic, comment
        )

    async def close_position(
        self, ticket: int, volume: float | None = None, comment: str = ""
    ) -> TradeResult:
        return await self._trade(self._s_close_position, ticket, volume, comment)

    async def modify_position(
        self, ticket: int, sl: float | None = None, tp: float | None = None
    ) -> TradeResult:
        """None keeps the current SL/TP; 0.0 removes it."""
        return await self._trade(self._s_modify_position, ticket, sl, tp)

    async def modify_order(
        self,
        ticket: int,
        price: float | None = None,
        sl: float | None = None,
        tp: float | None = None,
    ) -> TradeResult:
        """None keeps the current value; 0.0 removes SL/TP."""
        return await self._trade(self._s_modify_order, ticket, price, sl, tp)

    async def cancel_order(self, ticket: int) -> TradeResult:
        return await self._trade(self._s_cancel_order, ticket)

    # ---------------------------------------------------------------- plumbing (event loop side)

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        was_connected = self._connected
        try:
            return await asyncio.wait_for(
                self._worker.call(fn, *args), timeout=self._call_timeout_s
            )
        except TimeoutError:
            self.mark_disconnected("The trading terminal stopped answering", "交易终端无响应")
            raise TemporaryBrokerError(
                "The trading terminal did not answer in time", "交易终端响应超时", -10005
            ) from None
        finally:
            if was_connected and not self._connected and not self._closed:
                self.connection_lost.set()

    async def _lookup(self, fn: Callable[..., T], *args: Any) -> T:
        if not self._connected:
            en, zh = self.disconnect_reason
            raise TemporaryBrokerError(en, zh, -10004)
        return await self._call(fn, *args)

    async def _trade(self, fn: Callable[..., TradeResult], *args: Any) -> TradeResult:
        if not self._connected:
            return TradeResult(False, -10004, NOT_CONNECTED_EN, NOT_CONNECTED_ZH)
        try:
            return await self._call(fn, *args)
        except _Refusal as r:
            return TradeResult(False, r.retcode, r.message, r.message_zh)
        except BrokerError as exc:
            en, zh = exc.message, exc.message_zh
            if exc.code in OUTCOME_UNKNOWN:  # the request may be on its way
                en += "; the order may or may not have been executed — check positions and orders"
                zh += "；订单可能已执行也可能未执行，请查看持仓和挂单"
            return TradeResult(False, exc.code or 0, en, zh)

    # ---------------------------------------------------------------- worker-thread side
    # Everything below runs on the worker thread only.

    def _api_call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self._api is None:
            raise TemporaryBrokerError(NOT_CONNECTED_EN, NOT_CONNECTED_ZH, -10004)
        try:
            return getattr(self._api, name)(*args, **kwargs)
        except (OSError, EOFError) as exc:  # mt5linux/rpyc: the server went away
            self.mark_disconnected(
                f"Lost the connection to the trading terminal ({exc.__class__.__name__})",
                "与交易终端的连接已断开",
            )
            raise TemporaryBrokerError(
                "Lost the connection to the trading terminal", "与交易终端的连接已断开", -10004
            ) from None
        except Exception as exc:  # a terminal/client bug must reach the user as a message
            log.exception("MT5 API call %s failed", name)
            raise BrokerError(
                f"The terminal call {name} failed: {exc}", f"终端调用 {name} 失败：{exc}"
            ) from None

    def _last_error(self) -> tuple[int, str]:
        try:
            err = self._api.last_error()
            return int(err[0]), str(err[1])
        except Exception:
            return -1, "last_error() unavailable"

    def _error(self, what_en: str, what_zh: str) -> BrokerError:
        """The exception for a call that returned None, from `last_error()`."""
        code, text = self._last_error()
        if code in CONNECTION_LOST:
            en, zh = explain_last_error((code, text))
            self.mark_disconnected(en, zh)
        exc = error_for_retcode(code, text)
        exc.message = f"{what_en}: {exc.message}"
        exc.message_zh = f"{what_zh}：{exc.message_zh}"
        exc.args = (exc.message,)
        return exc

    def _s_initialize(self) -> None:
        kwargs: dict[str, Any] = {}
        if self._login:
            kwargs["login"] = self._login
            if self._password:
                kwargs["password"] = self._password
            if self._server:
                kwargs["server"] = self._server
        if self._timeout_ms:
            kwargs["timeout"] = self._timeout_ms
        if self._api is None and self._api_factory is not None:
            try:
                self._api = self._api_factory()
            except Exception as exc:
                raise TemporaryBrokerError(
                    f"Cannot reach the trading terminal: {exc}", f"无法连接交易终端：{exc}", -10004
                ) from None
        args = (self._terminal_path,) if self._terminal_path else ()
        ok = self._api_call("initialize", *args, **kwargs)
        if not ok:
            code, text = self._last_error()
            en, zh = explain_last_error((code, text))
            cls = BrokerError if code == -6 else TemporaryBrokerError
            raise cls(
                f"Could not connect to the MT5 terminal: {en}",
                f"无法连接 MT5 交易终端：{zh}",
                code,
            )
        self._s_load_symbols()
        self._s_detect_offset()
        self._connected = True
        self.disconnect_reason = (NOT_CONNECTED_EN, NOT_CONNECTED_ZH)

    def _s_connect(self) -> None:
        self._s_initialize()

    def _s_reconnect(self) -> None:
        if self._api is not None:
            info = None
            with contextlib.suppress(BrokerError):
                info = self._api_call("terminal_info")
            if info is not None:
                # The terminal still answers: no re-initialisation, it reconnects to its
                # trade server by itself.
                if not _f(info, "connected", True):
                    raise TemporaryBrokerError(
                        "The terminal is running but not connected to the trade server",
                        "交易终端在运行，但未连接到交易服务器",
                        10031,
                    )
                self._s_load_symbols()
                self._connected = True
                self.disconnect_reason = (NOT_CONNECTED_EN, NOT_CONNECTED_ZH)
                return
            try:
                self._api.shutdown()
            except Exception:  # the old connection is already dead
                log.debug("shutdown before reconnect failed", exc_info=True)
            if self._api_factory is not None:
                self._api = None
        self._s_initialize()

    def _s_shutdown(self) -> None:
        if self._api is not None:
            self._api_call("shutdown")

    def _s_ping(self) -> bool:
        try:
            info = self._api_call("terminal_info")
        except BrokerError as exc:
            self.disconnect_reason = (exc.message, exc.message_zh)
            return False
        if info is None:
            self.disconnect_reason = explain_last_error(self._last_error())
            return False
        if not _f(info, "connected", True):
            self.disconnect_reason = (
                "The terminal is running but not connected to the trade server",
                "交易终端在运行，但未连接到交易服务器",
            )
            return False
        return True

    def _s_health(self) -> Health:
        started = _time.perf_counter()
        term = self._api_call("terminal_info")
        acc = self._api_call("account_info")
        elapsed_ms = (_time.perf_counter() - started) * 1000
        if term is None or acc is None:
            exc = self._error("The terminal did not answer", "交易终端没有响应")
            return Health(False, False, None, exc.message, exc.message_zh)
        ping_last = float(_f(term, "ping_last", 0) or 0)
        ping_ms = round(ping_last / 1000, 1) if ping_last > 0 else round(elapsed_ms, 1)
        server = str(_f(acc, "server", "")) or "the trade server"
        if not _f(term, "connected", True):
            return Health(
                False,
                False,
                None,
                "The terminal is running but not connected to the trade server",
                "交易终端在运行，但未连接到交易服务器",
            )
        terminal_ok = bool(_f(term, "trade_allowed", True))
        account_ok = bool(_f(acc, "trade_allowed", True)) and bool(_f(acc, "trade_expert", True))
        if not terminal_ok:
            en = f"Connected to {server}, but AutoTrading is off in the terminal: orders will be rejected"
            zh = f"已连接 {server}，但终端未开启自动交易（算法交易），下单会被拒绝"
        elif not account_ok:
            en = f"Connected to {server}, but this account may not trade (investor login?)"
            zh = f"已连接 {server}，但该账户不允许交易（可能是只读密码登录）"
        else:
            en = f"Connected to {server}, ping {ping_ms:.0f} ms"
            zh = f"已连接 {server}，延迟 {ping_ms:.0f} 毫秒"
        return Health(True, terminal_ok and account_ok, ping_ms, en, zh)

    # ---- time

    def _s_detect_offset(self) -> None:
        """Learn the server's UTC offset from the newest quote time, unless it was given."""
        if self._fixed_offset is not None:
            return
        now = self._clock()
        self._offset_tried_at = now
        infos = self._api_call("symbols_get") or ()
        newest = max((int(_f(s, "time", 0)) for s in infos if _f(s, "visible", False)), default=0)
        if newest <= 0 or (self._offset_s is not None and newest <= self._newest_tick):
            return  # no quote since the last look (weekend, holiday): nothing to learn
        self._newest_tick = newest
        diff = newest - now
        hours = round(diff / 3600)
        # A fresh tick lands within a couple of minutes of a whole hour; a stale one (market
        # closed) does not, or lands far away: keep what we had.
        if abs(hours) <= 14 and abs(diff - hours * 3600) <= 180:
            self._offset_s = hours * 3600

    def _offset(self) -> int:
        if self._fixed_offset is None:
            # Unknown: try again every 10 minutes. Known: check hourly (DST moves it by an hour).
            due = _OFFSET_RETRY_S if self._offset_s is None else _OFFSET_RECHECK_S
            if self._offset_tried_at is None or self._clock() - self._offset_tried_at >= due:
                self._s_detect_offset()
        return self._offset_s or 0

    def _utc(self, server_ts: float) -> datetime:
        return datetime.fromtimestamp(float(server_ts) - self._offset(), tz=UTC)

    def _obj_time(self, obj: Any, name: str) -> datetime:
        msc = _f(obj, f"{name}_msc", 0)
        return self._utc(msc / 1000 if msc else _f(obj, name, 0))

    # ---- symbols

    def _s_load_symbols(self) -> None:
        infos = self._api_call("symbols_get")
        if infos is None:
            raise self._error("Could not read the symbol list", "无法读取品种列表")
        self._mapper.load(
            BrokerSymbol(str(s.name), bool(_f(s, "visible", True)), int(_f(s, "trade_mode", 4)))
            for s in infos
        )

    def _s_resolve(self, symbol: str) -> str:
        if not self._mapper.loaded:
            self._s_load_symbols()
        name = self._mapper.resolve(symbol)
        if name is None:
            self._s_load_symbols()  # the broker may have added it since
            name = self._mapper.resolve(symbol)
        if name is None:
            raise self._unknown_symbol(symbol)
        return name

    def _unknown_symbol(self, symbol: str) -> SymbolNotFound:
        names = sorted({self._mapper.canonical(n) for n in self._mapper.names()})
        close = difflib.get_close_matches(symbol.upper(), names, n=3, cutoff=0.8)
        hint_en = f"; did you mean {', '.join(close)}?" if close else ""
        hint_zh = f"；是否要找 {'、'.join(close)}？" if close else ""
        return SymbolNotFound(
            f"Unknown symbol {symbol}: the terminal has no such symbol{hint_en}",
            f"未找到品种 {symbol}：交易终端没有这个品种{hint_zh}",
            -4,
        )

    def _s_info(self, symbol: str) -> Any:
        """symbol_info of a resolved, Market-Watch-selected symbol."""
        name = self._s_resolve(symbol)
        info = self._api_call("symbol_info", name)
        if info is None:
            code, _ = self._last_error()
            if code in CONNECTION_LOST:
                raise self._error(f"Could not read {symbol}", f"无法读取 {symbol}")
            raise self._unknown_symbol(symbol)
        if not _f(info, "visible", True):
            # Hidden symbols have no quotes until selected into Market Watch.
            if not self._api_call("symbol_select", name, True):
                raise self._error(
                    f"Could not add {name} to Market Watch", f"无法将 {name} 加入市场报价"
                )
            info = self._api_call("symbol_info", name) or info
        return info

    def _canonical(self, broker_name: str) -> str:
        return self._mapper.canonical(broker_name)

    def _spec(self, info: Any) -> SymbolSpec:
        name = str(info.name)
        return SymbolSpec(
            symbol=self._canonical(name),
            broker_symbol=name,
            description=str(_f(info, "description", "")),
            digits=int(_f(info, "digits", 5)),
            point=float(_f(info, "point", 0.0)),
            contract_size=float(_f(info, "trade_contract_size", 0.0)),
            volume_min=float(_f(info, "volume_min", 0.01)),
            volume_max=float(_f(info, "volume_max", 0.0)),
            volume_step=float(_f(info, "volume_step", 0.01)),
            stops_level=int(_f(info, "trade_stops_level", 0)),
            filling_mode=int(_f(info, "filling_mode", 0)),
            currency_base=str(_f(info, "currency_base", "")),
            currency_profit=str(_f(info, "currency_profit", "")),
            currency_margin=str(_f(info, "currency_margin", "")),
            tick_size=float(_f(info, "trade_tick_size", 0.0)),
            tick_value=float(_f(info, "trade_tick_value", 0.0)),
            trade_allowed=int(_f(info, "trade_mode", 4)) != SYMBOL_TRADE_MODE_DISABLED,
        )

    def _s_symbols(self) -> list[SymbolSpec]:
        infos = self._api_call("symbols_get")
        if infos is None:
            raise self._error("Could not read the symbol list", "无法读取品种列表")
        return [self._spec(i) for i in infos]

    def _s_symbol_spec(self, symbol: str) -> SymbolSpec:
        return self._spec(self._s_info(symbol))

    def _s_resolve_symbol(self, symbol: str) -> tuple[str, str]:
        name = self._s_resolve(symbol)
        return self._canonical(name), name

    def _s_tick(self, name: str) -> Any:
        return self._api_call("symbol_info_tick", name)

    def _s_quote(self, symbol: str) -> Quote:
        info = self._s_info(symbol)
        name = str(info.name)
        tick = self._s_tick(name)
        if tick is None or (not _f(tick, "bid", 0) and not _f(tick, "ask", 0)):
            code, _ = self._last_error()
            if code in CONNECTION_LOST:
                raise self._error(f"No quote for {symbol}", f"{symbol} 没有报价")
            raise TemporaryBrokerError(
                f"There are no prices for {self._canonical(name)} right now",
                f"{self._canonical(name)} 当前没有报价",
                10021,
            )
        day_open: float | None = None
        bars = self._api_call("copy_rates_from_pos", name, TIMEFRAMES["D1"], 0, 1)
        if bars is not None and len(bars):
            day_open = float(_row(bars[-1], "open", 1)) or None
        return Quote(
            symbol=self._canonical(name),
            bid=float(tick.bid),
            ask=float(tick.ask),
            time=self._obj_time(tick, "time"),
            point=float(_f(info, "point", 0.0)),
            digits=int(_f(info, "digits", 5)),
            day_open=day_open,
        )

    def _s_rates(self, symbol: str, timeframe: str, count: int) -> list[Bar]:
        tf = TIMEFRAMES.get(timeframe)
        if tf is None:
            raise BrokerError(
                f"Unknown timeframe {timeframe} (use one of {', '.join(TIMEFRAMES)})",
                f"未知周期 {timeframe}（可用：{'、'.join(TIMEFRAMES)}）",
            )
        name = str(self._s_info(symbol).name)
        rows = self._api_call("copy_rates_from_pos", name, tf, 0, int(count))
        if rows is None:
            raise self._error(f"No price history for {symbol}", f"{symbol} 没有历史行情")
        return [
            Bar(
                time=self._utc(float(_row(r, "time", 0))),
                open=float(_row(r, "open", 1)),
                high=float(_row(r, "high", 2)),
                low=float(_row(r, "low", 3)),
                close=float(_row(r, "close", 4)),
                tick_volume=int(_row(r, "tick_volume", 5)),
            )
            for r in rows
        ]

    # ---- account, positions, orders, deals

    def _s_account(self) -> Account:
        a = self._api_call("account_info")
        if a is None:
            raise self._error("Could not read the account", "无法读取账户信息")
        margin = float(_f(a, "margin", 0.0))
        return Account(
            login=int(_f(a, "login", 0)),
            server=str(_f(a, "server", "")),
            name=str(_f(a, "name", "")),
            company=str(_f(a, "company", "")),
            currency=str(_f(a, "currency", "")),
            balance=float(_f(a, "balance", 0.0)),
            equity=float(_f(a, "equity", 0.0)),
            margin=margin,
            margin_free=float(_f(a, "margin_free", 0.0)),
            margin_level=float(_f(a, "margin_level", 0.0)) if margin > 0 else None,
            leverage=int(_f(a, "leverage", 0)),
            profit=float(_f(a, "profit", 0.0)),
            hedging=int(_f(a, "margin_mode", 2)) == ACCOUNT_MARGIN_MODE_RETAIL_HEDGING,
            trade_allowed=bool(_f(a, "trade_allowed", True)) and bool(_f(a, "trade_expert", True)),
            demo=int(_f(a, "trade_mode", 0)) == ACCOUNT_TRADE_MODE_DEMO,
            margin_so_call=float(_f(a, "margin_so_call", 0.0)),
            margin_so_so=float(_f(a, "margin_so_so", 0.0)),
        )

    def _position(self, p: Any) -> Position:
        name = str(p.symbol)
        sl, tp = float(_f(p, "sl", 0.0)), float(_f(p, "tp", 0.0))
        return Position(
            ticket=int(p.ticket),
            symbol=self._canonical(name),
            broker_symbol=name,
            side="buy" if int(p.type) == ORDER_TYPE_BUY else "sell",
            volume=float(p.volume),
            price_open=float(p.price_open),
            price_current=float(_f(p, "price_current", 0.0)),
            sl=sl or None,
            tp=tp or None,
            profit=float(_f(p, "profit", 0.0)),
            swap=float(_f(p, "swap", 0.0)),
            magic=int(_f(p, "magic", 0)),
            comment=str(_f(p, "comment", "")),
            time=self._obj_time(p, "time"),
        )

    def _s_positions(
        self, symbol: str | None, magic: int | None, side: Side | None
    ) -> list[Position]:
        if symbol:
            rows = self._api_call("positions_get", symbol=self._s_resolve(symbol))
        else:
            rows = self._api_call("positions_get")
        if rows is None:
            raise self._error("Could not read the positions", "无法读取持仓")
        out = [self._position(p) for p in rows]
        return [
            p
            for p in out
            if (magic is None or p.magic == magic) and (side is None or p.side == side)
        ]

    def _pending(self, o: Any) -> PendingOrder | None:
        kind = _PENDING_TYPES.get(int(o.type))
        if kind is None:  # a market order in flight
            return None
        name = str(o.symbol)
        sl, tp = float(_f(o, "sl", 0.0)), float(_f(o, "tp", 0.0))
        volume = float(_f(o, "volume_current", 0.0)) or float(_f(o, "volume_initial", 0.0))
        return PendingOrder(
            ticket=int(o.ticket),
            symbol=self._canonical(name),
            broker_symbol=name,
            side=kind[0],
            kind=kind[1],
            volume=volume,
            price=float(_f(o, "price_open", 0.0)),
            sl=sl or None,
            tp=tp or None,
            magic=int(_f(o, "magic", 0)),
            comment=str(_f(o, "comment", "")),
            time=self._obj_time(o, "time_setup"),
        )

    def _s_pending_orders(self, symbol: str | None, magic: int | None) -> list[PendingOrder]:
        if symbol:
            rows = self._api_call("orders_get", symbol=self._s_resolve(symbol))
        else:
            rows = self._api_call("orders_get")
        if rows is None:
            raise self._error("Could not read the pending orders", "无法读取挂单")
        out = [o for o in (self._pending(r) for r in rows) if o is not None]
        return [o for o in out if magic is None or o.magic == magic]

    def _deal(self, d: Any) -> Deal:
        name = str(_f(d, "symbol", ""))
        return Deal(
            ticket=int(d.ticket),
            order=int(_f(d, "order", 0)),
            position_id=int(_f(d, "position_id", 0)),
            time=self._obj_time(d, "time"),
            type=_DEAL_TYPES.get(int(_f(d, "type", -1)), "other"),
            entry=_DEAL_ENTRIES.get(int(_f(d, "entry", 0)), "in"),
            symbol=self._canonical(name) if name else "",
            broker_symbol=name,
            volume=float(_f(d, "volume", 0.0)),
            price=float(_f(d, "price", 0.0)),
            profit=float(_f(d, "profit", 0.0)),
            commission=float(_f(d, "commission", 0.0)),
            swap=float(_f(d, "swap", 0.0)),
            fee=float(_f(d, "fee", 0.0)),
            magic=int(_f(d, "magic", 0)),
            comment=str(_f(d, "comment", "")),
            reason=int(_f(d, "reason", 0)),
        )

    def _deals_from_rows(self, rows: Any, name: str | None) -> list[Deal]:
        """Rows → `Deal`s. History can hold a million deals, so struct sequences in the
        documented TradeDeal field order are unpacked directly; anything else goes through
        the attribute path."""
        offset = self._offset()
        canon: dict[str, str] = {"": ""}
        out: list[Deal] = []
        append = out.append
        for d in rows:
            if not (isinstance(d, tuple) and len(d) == _TRADE_DEAL_LEN):
                deal = self._deal(d)
                if name is None or deal.broker_symbol == name:
                    append(deal)
                continue
            (ticket, order, t, t_msc, typ, entry, magic, pos_id, reason,
             volume, price, commission, swap, profit, fee, sym, comment, _ext) = d  # fmt: skip
            if name is not None and sym != name:
                continue
            c = canon.get(sym)
            if c is None:
                c = canon[sym] = self._canonical(sym)
            deal = Deal(
                int(ticket), int(order), int(pos_id),
                datetime.fromtimestamp((t_msc / 1000 if t_msc else t) - offset, tz=UTC),
                _DEAL_TYPES.get(typ, "other"), _DEAL_ENTRIES.get(entry, "in"),
                c, sym, float(volume), float(price), float(profit), float(commission),
                float(swap), float(fee), int(magic), str(comment), int(reason),
            )  # fmt: skip
            append(deal)
        return out

    def _s_deals(self, start: datetime, end: datetime, symbol: str | None) -> list[Deal]:
        start_utc = start if start.tzinfo else start.replace(tzinfo=UTC)
        end_utc = end if end.tzinfo else end.replace(tzinfo=UTC)
        offset = self._offset()
        # Deal times are server-time epochs: shift the window by the offset and widen it, so an
        # unknown or changed (DST) offset still covers it; the exact cut happens below, in UTC.
        date_from = max(0, int(start_utc.timestamp()) + offset - _DEALS_MARGIN_S)
        date_to = int(end_utc.timestamp()) + offset + _DEALS_MARGIN_S
        name = self._s_resolve(symbol) if symbol else None
        if name:
            rows = self._api_call("history_deals_get", date_from, date_to, group=name)
        else:
            rows = self._api_call("history_deals_get", date_from, date_to)
        if rows is None:
            code, _text = self._last_error()
            if code != 1:  # (1, 'Success') with None means "no deals"
                raise self._error("Could not read the deal history", "无法读取成交历史")
            rows = ()
        deals = self._deals_from_rows(rows, name)
        return sorted(
            (d for d in deals if start_utc <= d.time < end_utc), key=lambda d: (d.time, d.ticket)
        )

    # ---- trading helpers

    def _fmt(self, price: float, digits: int) -> str:
        return f"{price:.{digits}f}"

    def _check_trade_mode(self, info: Any, canon: str, side: Side | None) -> None:
        mode = int(_f(info, "trade_mode", 4))
        if mode == SYMBOL_TRADE_MODE_DISABLED:
            raise _Refusal(10017, f"Trading is disabled for {canon}", f"{canon} 已禁止交易")
        if side is None:
            return
        if mode == SYMBOL_TRADE_MODE_CLOSEONLY:
            raise _Refusal(
                10044,
                f"Only closing positions is allowed for {canon}",
                f"{canon} 只允许平仓，不能开新仓",
            )
        if mode == SYMBOL_TRADE_MODE_LONGONLY and side == "sell":
            raise _Refusal(10042, f"Only buying is allowed for {canon}", f"{canon} 只允许做多")
        if mode == SYMBOL_TRADE_MODE_SHORTONLY and side == "buy":
            raise _Refusal(10043, f"Only selling is allowed for {canon}", f"{canon} 只允许做空")

    def _volume(self, info: Any, canon: str, volume: float) -> float:
        check = normalize_volume(
            canon,
            float(volume),
            float(_f(info, "volume_min", 0.01)),
            float(_f(info, "volume_max", 0.0)),
            float(_f(info, "volume_step", 0.01)),
        )
        if not check.ok:
            raise _Refusal(10014, check.message, check.message_zh)
        return check.volume

    def _fresh_tick(self, name: str, canon: str) -> Any:
        tick = self._s_tick(name)
        if tick is None or not _f(tick, "bid", 0) or not _f(tick, "ask", 0):
            code, _text = self._last_error()
            if tick is None and code in CONNECTION_LOST:
                raise self._error(f"No price for {canon}", f"{canon} 无法取得报价")
            raise _Refusal(
                10021,
                f"There are no prices for {canon} right now (market closed?)",
                f"{canon} 当前没有报价（可能已休市）",
            )
        return tick

    def _check_stops(
        self,
        info: Any,
        canon: str,
        side: Side,
        ref: float,
        sl: float,
        tp: float,
        ref_en: str,
        ref_zh: str,
    ) -> None:
        refusal = stops_refusal(
            canon, side, ref, sl, tp,
            point=float(_f(info, "point", 0.0)),
            digits=int(_f(info, "digits", 5)),
            stops_level=int(_f(info, "trade_stops_level", 0)),
            ref_en=ref_en,
            ref_zh=ref_zh,
        )  # fmt: skip
        if refusal is not None:
            raise _Refusal(*refusal)

    def _send(self, request: dict[str, Any]) -> tuple[Any, TradeResult | None]:
        """One order_send; (result, None) on an answer, (None, failure) when none came."""
        try:
            result = self._api_call("order_send", dict(request))
        except TemporaryBrokerError as exc:
            return None, TradeResult(
                False,
                exc.code or -10002,
                f"{exc.message}; the order may or may not have been executed — check positions and orders",
                f"{exc.message_zh}；订单可能已执行也可能未执行，请查看持仓和挂单",
                request=dict(request),
            )
        if result is None:
            code, text = self._last_error()
            en, zh = explain_last_error((code, text))
            if code in CONNECTION_LOST:
                self.mark_disconnected(en, zh)
            if code in OUTCOME_UNKNOWN:
                en += "; the order may or may not have been executed — check positions and orders"
                zh += "；订单可能已执行也可能未执行，请查看持仓和挂单"
            return None, TradeResult(False, code, en, zh, request=dict(request))
        return result, None

    def _send_market(
        self, request: dict[str, Any], name: str, canon: str, side: Side
    ) -> tuple[Any, TradeResult | None, dict[str, Any]]:
        """order_send for a deal, retrying requotes / price changes with a fresh tick."""
        sent = dict(request)
        for attempt in range(self.requote_retries + 1):
            if attempt:
                tick = self._fresh_tick(name, canon)
                sent = dict(sent, price=float(tick.ask if side == "buy" else tick.bid))
            result, failure = self._send(sent)
            if failure is not None:
                return None, failure, sent
            retcode = int(result.retcode)
            if retcode in RETRY_WITH_FRESH_PRICE and attempt < self.requote_retries:
                log.info("%s: retcode %s, retrying with a fresh price", canon, retcode)
                continue
            return result, None, sent
        raise AssertionError("unreachable")  # pragma: no cover

    def _failed(
        self, result: Any, sent: dict[str, Any], prefix_en: str, prefix_zh: str
    ) -> TradeResult:
        retcode = int(result.retcode)
        en, zh = explain_retcode(retcode, str(_f(result, "comment", "")))
        if retcode in RETRY_WITH_FRESH_PRICE:
            en += f" (tried {self.requote_retries + 1} times)"
            zh += f"（已重试 {self.requote_retries + 1} 次）"
        return TradeResult(
            False, retcode, f"{prefix_en}: {en}", f"{prefix_zh}：{zh}", request=dict(sent)
        )

    def _position_of_order(self, order: int) -> int:
        """The position a market order opened or changed (`history_deals_get(ticket=order)`
        returns that order's deals); the order ticket itself when the history does not say."""
        if not order:
            return 0
        try:
            rows = self._api_call("history_deals_get", ticket=int(order))
        except BrokerError:
            return order
        if rows:
            return int(_f(rows[0], "position_id", 0)) or order
        return order

    def _get_position(self, ticket: int) -> Any:
        rows = self._api_call("positions_get", ticket=int(ticket))
        if rows is None:
            raise self._error(f"Could not read position #{ticket}", f"无法读取持仓 #{ticket}")
        if rows:
            return rows[0]
        orders = self._api_call("orders_get", ticket=int(ticket))
        if orders:
            raise _Refusal(
                10036,
                f"#{ticket} is a pending order, not a position: cancel it instead",
                f"#{ticket} 是挂单而不是持仓，请改为撤单",
            )
        raise _Refusal(
            10036,
            f"Position #{ticket} was not found: it is already closed or the ticket is wrong",
            f"未找到持仓 #{ticket}：可能已平仓或单号有误",
        )

    def _get_order(self, ticket: int) -> Any:
        rows = self._api_call("orders_get", ticket=int(ticket))
        if rows is None:
            raise self._error(f"Could not read order #{ticket}", f"无法读取挂单 #{ticket}")
        if rows:
            return rows[0]
        raise _Refusal(
            10013,
            f"Pending order #{ticket} was not found: it was filled, canceled or the ticket is wrong",
            f"未找到挂单 #{ticket}：可能已成交、已撤销或单号有误",
        )

    def _magic(self, magic: int) -> int:
        return int(magic) if magic else self.magic

    # ---- trades

    def _s_open_market(
        self,
        symbol: str,
        side: Side,
        volume: float,
        sl: float | None,
        tp: float | None,
        magic: int,
        comment: str,
    ) -> TradeResult:
        info = self._s_info(symbol)
        name = str(info.name)
        canon = self._canonical(name)
        digits = int(_f(info, "digits", 5))
        self._check_trade_mode(info, canon, side)
        vol = self._volume(info, canon, volume)
        tick = self._fresh_tick(name, canon)
        sl_v = round(float(sl), digits) if sl else 0.0
        tp_v = round(float(tp), digits) if tp else 0.0
        # A buy closes at the bid, a sell at the ask: that is where its stops are measured from.
        ref = float(tick.bid if side == "buy" else tick.ask)
        self._check_stops(
            info, canon, side, ref, sl_v, tp_v,
            "the current bid" if side == "buy" else "the current ask",
            "当前 Bid 价" if side == "buy" else "当前 Ask 价",
        )  # fmt: skip
        request: dict[str, Any] = {
            "action": TRADE_ACTION_DEAL,
            "symbol": name,
            "volume": float(vol),
            "type": ORDER_TYPE_BUY if side == "buy" else ORDER_TYPE_SELL,
            "price": float(tick.ask if side == "buy" else tick.bid),
        }
        if sl_v:
            request["sl"] = float(sl_v)
        if tp_v:
            request["tp"] = float(tp_v)
        request.update(
            deviation=int(self.deviation),
            magic=self._magic(magic),
            comment=clean_comment(comment),
            type_time=ORDER_TIME_GTC,
            type_filling=filling_from_mask(int(_f(info, "filling_mode", 0))),
        )
        verb_en = "Buy" if side == "buy" else "Sell"
        what_en = f"{verb_en} {fmt_volume(vol)} {canon}"
        what_zh = f"{_SIDE_ZH[side]} {canon} {fmt_volume(vol)} 手"
        result, failure, sent = self._send_market(request, name, canon, side)
        if failure is not None:
            return _prefixed(failure, what_en, what_zh)
        retcode = int(result.retcode)
        if retcode not in SUCCESS:
            return self._failed(result, sent, f"{what_en} failed", f"{what_zh}失败")
        order = int(_f(result, "order", 0))
        deal = int(_f(result, "deal", 0))
        price = float(_f(result, "price", 0.0)) or float(sent["price"])
        filled = float(_f(result, "volume", 0.0)) or vol
        ticket = self._position_of_order(order)
        p = self._fmt(price, digits)
        partial_en = (
            f" (only {fmt_volume(filled)} of {fmt_volume(vol)} filled)" if retcode == 10010 else ""
        )
        partial_zh = f"（仅成交 {fmt_volume(filled)} 手）" if retcode == 10010 else ""
        past_en = "Bought" if side == "buy" else "Sold"
        return TradeResult(
            True,
            retcode,
            f"{past_en} {fmt_volume(filled)} {canon} at {p}{partial_en} (position #{ticket})",
            f"已{_SIDE_ZH[side]} {canon} {fmt_volume(filled)} 手，成交价 {p}{partial_zh}（持仓 #{ticket}）",
            ticket=ticket,
            deal=deal or None,
            order=order or None,
            price=price,
            volume=filled,
            request=dict(sent),
        )

    def _s_place_pending(
        self,
        symbol: str,
        side: Side,
        kind: PendingKind,
        volume: float,
        price: float,
        sl: float | None,
        tp: float | None,
        magic: int,
        comment: str,
    ) -> TradeResult:
        order_type = _PENDING_ORDER_TYPE.get((side, kind))
        if order_type is None:
            raise _Refusal(
                10035,
                f"Unknown pending order type {side} {kind}",
                f"未知的挂单类型 {side} {kind}",
            )
        info = self._s_info(symbol)
        name = str(info.name)
        canon = self._canonical(name)
        digits = int(_f(info, "digits", 5))
        self._check_trade_mode(info, canon, side)
        vol = self._volume(info, canon, volume)
        if not price or not math.isfinite(price) or price <= 0:
            raise _Refusal(
                10015, f"Invalid price {price} for {canon}", f"{canon} 价格 {price} 无效"
            )
        px = round(float(price), digits)
        tick = self._fresh_tick(name, canon)
        self._check_pending_price(info, canon, side, kind, px, tick)
        sl_v = round(float(sl), digits) if sl else 0.0
        tp_v = round(float(tp), digits) if tp else 0.0
        self._check_stops(info, canon, side, px, sl_v, tp_v, "the order price", "挂单价")
        request: dict[str, Any] = {
            "action": TRADE_ACTION_PENDING,
            "symbol": name,
            "volume": float(vol),
            "type": order_type,
            "price": float(px),
        }
        if sl_v:
            request["sl"] = float(sl_v)
        if tp_v:
            request["tp"] = float(tp_v)
        request.update(
            magic=self._magic(magic),
            comment=clean_comment(comment),
            type_time=ORDER_TIME_GTC,
            type_filling=filling_from_mask(int(_f(info, "filling_mode", 0))),
        )
        kind_en = f"{side} {kind}"
        kind_zh = KIND_ZH[(side, kind)]
        p = self._fmt(px, digits)
        what_en = f"Place {kind_en} {fmt_volume(vol)} {canon} at {p}"
        what_zh = f"{kind_zh}挂单 {canon} {fmt_volume(vol)} 手 @ {p}"
        result, failure = self._send(request)
        if failure is not None:
            return _prefixed(failure, what_en, what_zh)
        retcode = int(result.retcode)
        if retcode not in SUCCESS:
            return self._failed(result, request, f"{what_en} failed", f"{what_zh}失败")
        order = int(_f(result, "order", 0))
        return TradeResult(
            True,
            retcode,
            f"Placed {kind_en} {fmt_volume(vol)} {canon} at {p} (order #{order})",
            f"已挂单：{kind_zh} {canon} {fmt_volume(vol)} 手 @ {p}（订单 #{order}）",
            ticket=order or None,
            order=order or None,
            price=float(px),
            volume=vol,
            request=dict(request),
        )

    def _check_pending_price(
        self, info: Any, canon: str, side: Side, kind: PendingKind, price: float, tick: Any
    ) -> None:
        refusal = pending_price_refusal(
            canon, side, kind, price,
            bid=float(tick.bid),
            ask=float(tick.ask),
            point=float(_f(info, "point", 0.0)),
            digits=int(_f(info, "digits", 5)),
            stops_level=int(_f(info, "trade_stops_level", 0)),
        )  # fmt: skip
        if refusal is not None:
            raise _Refusal(*refusal)

    def _s_close_position(self, ticket: int, volume: float | None, comment: str) -> TradeResult:
        pos = self._get_position(ticket)
        name = str(pos.symbol)
        info = self._s_info(name)
        canon = self._canonical(name)
        digits = int(_f(info, "digits", 5))
        self._check_trade_mode(info, canon, None)
        held = float(pos.volume)
        if volume is None:
            vol = held
        else:
            vol = self._volume(info, canon, volume)
            if vol > held + 1e-9:
                raise _Refusal(
                    10038,
                    f"Cannot close {fmt_volume(vol)} lots: position #{ticket} ({canon}) holds only {fmt_volume(held)}",
                    f"持仓 #{ticket}（{canon}）只有 {fmt_volume(held)} 手，无法平仓 {fmt_volume(vol)} 手",
                )
        is_buy = int(pos.type) == ORDER_TYPE_BUY
        close_side: Side = "sell" if is_buy else "buy"
        tick = self._fresh_tick(name, canon)
        request: dict[str, Any] = {
            "action": TRADE_ACTION_DEAL,
            "symbol": name,
            "volume": float(vol),
            "type": ORDER_TYPE_SELL if is_buy else ORDER_TYPE_BUY,
            "position": int(ticket),
            "price": float(tick.bid if is_buy else tick.ask),
            "deviation": int(self.deviation),
            "magic": int(_f(pos, "magic", 0)),
            "comment": clean_comment(comment),
            "type_time": ORDER_TIME_GTC,
            "type_filling": filling_from_mask(int(_f(info, "filling_mode", 0))),
        }
        what_en = f"Close {fmt_volume(vol)} of position #{ticket} ({canon})"
        what_zh = f"平仓 #{ticket}（{canon}）{fmt_volume(vol)} 手"
        result, failure, sent = self._send_market(request, name, canon, close_side)
        if failure is not None:
            return _prefixed(failure, what_en, what_zh)
        retcode = int(result.retcode)
        if retcode not in SUCCESS:
            return self._failed(result, sent, f"{what_en} failed", f"{what_zh}失败")
        price = float(_f(result, "price", 0.0)) or float(sent["price"])
        filled = float(_f(result, "volume", 0.0)) or vol
        p = self._fmt(price, digits)
        rest = held - filled
        rest_en = f"; {fmt_volume(rest)} lots remain open" if rest > 1e-9 else ""
        rest_zh = f"，剩余 {fmt_volume(rest)} 手" if rest > 1e-9 else ""
        deal = int(_f(result, "deal", 0))
        order = int(_f(result, "order", 0))
        return TradeResult(
            True,
            retcode,
            f"Closed {fmt_volume(filled)} lots of position #{ticket} ({canon}) at {p}{rest_en}",
            f"已平仓 #{ticket}（{canon}）{fmt_volume(filled)} 手，成交价 {p}{rest_zh}",
            ticket=int(ticket),
            deal=deal or None,
            order=order or None,
            price=price,
            volume=filled,
            request=dict(sent),
        )

    def _s_modify_position(self, ticket: int, sl: float | None, tp: float | None) -> TradeResult:
        pos = self._get_position(ticket)
        name = str(pos.symbol)
        info = self._s_info(name)
        canon = self._canonical(name)
        digits = int(_f(info, "digits", 5))
        self._check_trade_mode(info, canon, None)
        cur_sl, cur_tp = float(_f(pos, "sl", 0.0)), float(_f(pos, "tp", 0.0))
        new_sl = cur_sl if sl is None else round(max(0.0, float(sl)), digits)
        new_tp = cur_tp if tp is None else round(max(0.0, float(tp)), digits)
        if new_sl == cur_sl and new_tp == cur_tp:
            raise _Refusal(
                10025,
                f"Nothing to change: position #{ticket} already has these SL/TP",
                f"持仓 #{ticket} 的止损/止盈已是这些数值，无需修改",
            )
        side: Side = "buy" if int(pos.type) == ORDER_TYPE_BUY else "sell"
        tick = self._fresh_tick(name, canon)
        ref = float(tick.bid if side == "buy" else tick.ask)
        self._check_stops(
            info, canon, side, ref,
            new_sl if new_sl != cur_sl else 0.0,
            new_tp if new_tp != cur_tp else 0.0,
            "the current bid" if side == "buy" else "the current ask",
            "当前 Bid 价" if side == "buy" else "当前 Ask 价",
        )  # fmt: skip
        request: dict[str, Any] = {
            "action": TRADE_ACTION_SLTP,
            "symbol": name,
            "position": int(ticket),
            "sl": float(new_sl),
            "tp": float(new_tp),
            "magic": int(_f(pos, "magic", 0)),
        }
        what_en = f"Modify position #{ticket} ({canon})"
        what_zh = f"修改持仓 #{ticket}（{canon}）"
        result, failure = self._send(request)
        if failure is not None:
            return _prefixed(failure, what_en, what_zh)
        retcode = int(result.retcode)
        if retcode not in SUCCESS:
            return self._failed(result, request, f"{what_en} failed", f"{what_zh}失败")
        sl_en = self._fmt(new_sl, digits) if new_sl else "none"
        tp_en = self._fmt(new_tp, digits) if new_tp else "none"
        sl_zh = self._fmt(new_sl, digits) if new_sl else "无"
        tp_zh = self._fmt(new_tp, digits) if new_tp else "无"
        return TradeResult(
            True,
            retcode,
            f"Position #{ticket} ({canon}): SL {sl_en}, TP {tp_en}",
            f"持仓 #{ticket}（{canon}）已修改：止损 {sl_zh}，止盈 {tp_zh}",
            ticket=int(ticket),
            order=int(_f(result, "order", 0)) or None,
            request=dict(request),
        )

    def _s_modify_order(
        self, ticket: int, price: float | None, sl: float | None, tp: float | None
    ) -> TradeResult:
        order = self._get_order(ticket)
        kind = _PENDING_TYPES.get(int(order.type))
        name = str(order.symbol)
        info = self._s_info(name)
        canon = self._canonical(name)
        digits = int(_f(info, "digits", 5))
        self._check_trade_mode(info, canon, None)
        cur_px = float(_f(order, "price_open", 0.0))
        cur_sl, cur_tp = float(_f(order, "sl", 0.0)), float(_f(order, "tp", 0.0))
        new_px = cur_px if price is None else round(float(price), digits)
        new_sl = cur_sl if sl is None else round(max(0.0, float(sl)), digits)
        new_tp = cur_tp if tp is None else round(max(0.0, float(tp)), digits)
        if (new_px, new_sl, new_tp) == (cur_px, cur_sl, cur_tp):
            raise _Refusal(
                10025,
                f"Nothing to change: order #{ticket} already has these values",
                f"挂单 #{ticket} 已是这些数值，无需修改",
            )
        if new_px <= 0 or not math.isfinite(new_px):
            raise _Refusal(
                10015, f"Invalid price {price} for {canon}", f"{canon} 价格 {price} 无效"
            )
        if kind is not None:
            side, pkind = kind
            if new_px != cur_px and int(order.type) in _PENDING_ORDER_TYPE.values():
                tick = self._fresh_tick(name, canon)
                self._check_pending_price(info, canon, side, pkind, new_px, tick)
            self._check_stops(
                info, canon, side, new_px, new_sl, new_tp, "the order price", "挂单价"
            )
        type_time = int(_f(order, "type_time", ORDER_TIME_GTC))
        request: dict[str, Any] = {
            "action": TRADE_ACTION_MODIFY,
            "order": int(ticket),
            "price": float(new_px),
            "sl": float(new_sl),
            "tp": float(new_tp),
            "type_time": type_time,
        }
        if type_time in (ORDER_TIME_SPECIFIED, ORDER_TIME_SPECIFIED_DAY):
            request["expiration"] = int(_f(order, "time_expiration", 0))
        what_en = f"Modify order #{ticket} ({canon})"
        what_zh = f"修改挂单 #{ticket}（{canon}）"
        result, failure = self._send(request)
        if failure is not None:
            return _prefixed(failure, what_en, what_zh)
        retcode = int(result.retcode)
        if retcode not in SUCCESS:
            return self._failed(result, request, f"{what_en} failed", f"{what_zh}失败")
        p = self._fmt(new_px, digits)
        sl_s = self._fmt(new_sl, digits) if new_sl else None
        tp_s = self._fmt(new_tp, digits) if new_tp else None
        return TradeResult(
            True,
            retcode,
            f"Order #{ticket} ({canon}): price {p}, SL {sl_s or 'none'}, TP {tp_s or 'none'}",
            f"挂单 #{ticket}（{canon}）已修改：价格 {p}，止损 {sl_s or '无'}，止盈 {tp_s or '无'}",
            ticket=int(ticket),
            order=int(ticket),
            price=float(new_px),
            request=dict(request),
        )

    def _s_cancel_order(self, ticket: int) -> TradeResult:
        order = self._get_order(ticket)
        canon = self._canonical(str(order.symbol))
        request: dict[str, Any] = {"action": TRADE_ACTION_REMOVE, "order": int(ticket)}
        what_en = f"Cancel order #{ticket} ({canon})"
        what_zh = f"撤销挂单 #{ticket}（{canon}）"
        result, failure = self._send(request)
        if failure is not None:
            return _prefixed(failure, what_en, what_zh)
        retcode = int(result.retcode)
        if retcode not in SUCCESS:
            return self._failed(result, request, f"{what_en} failed", f"{what_zh}失败")
        return TradeResult(
            True,
            retcode,
            f"Order #{ticket} ({canon}) canceled",
            f"挂单 #{ticket}（{canon}）已撤销",
            ticket=int(ticket),
            order=int(ticket),
            request=dict(request),
        )


def _prefixed(result: TradeResult, what_en: str, what_zh: str) -> TradeResult:
    return TradeResult(
        result.ok,
        result.retcode,
        f"{what_en} failed: {result.message}",
        f"{what_zh}失败：{result.message_zh}",
        request=result.request,
    )


__all__ = ["TIMEFRAMES", "MT5Broker", "clean_comment", "filling_from_mask"]
