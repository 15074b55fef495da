"""`PaperTerminal`: an object with the MetaTrader5 Python API, backed by SQLite.

The MT5 adapter talks to it exactly as to the real module: the same function names and
argument rules, struct-sequence results with the real field names, the real constants and
retcodes, server-time timestamps, a hedging account by default. Everything the account does
is written through to SQLite, so a new terminal on the same file resumes where the last one
stopped.

Events (pending-order fills, SL/TP, swaps at rollover, stop-out) are processed lazily at the
start of every API call against the current price, so time may be simulated with `clock`.

This module is the API surface (the MetaTrader5-shaped functions and their argument rules).
It stands on the rooms below it: `ledger.py` (the account's books and money), `triggers.py`
(the lazy events), `orders.py` (the trade server's rules), `controls.py` (simulation controls)
and `store.py` (persistence).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from broker.paper.bars import HISTORY_DAYS, MAX_BARS, BarHistory, as_array, known_timeframe
from broker.paper.constants import MT5Constants as c
from broker.paper.controls import SimulationControls
from broker.paper.groups import group_matches
from broker.paper.ledger import PaperPosition, Quote
from broker.paper.orders import Reject
from broker.paper.store import History
from broker.paper.structs import (
    AccountInfo,
    OrderCheckResult,
    OrderSendResult,
    StructSeq,
    SymbolInfo,
    TerminalInfo,
    Tick,
    TradeOrder,
    TradePosition,
    TradeRequest,
    build,
)

P = ParamSpec("P")
R = TypeVar("R")

_OK = (c.RES_S_OK, "Success")
_NO_IPC = (c.RES_E_INTERNAL_FAIL_CONNECT, "No IPC connection")
_UNSET: Any = object()
COMMENT_MAX = 29
TERMINAL_BUILD = 4755

_FLOAT_FIELDS = ("volume", "price", "stoplimit", "sl", "tp")
_INT_FIELDS = (
    "action", "magic", "order", "deviation", "type", "type_filling", "type_time",
    "expiration", "position", "position_by",
)  # fmt: skip
_REQUEST_FIELDS = ("action", "magic", "order", "symbol", "volume", "price", "stoplimit", "sl",
                   "tp", "deviation", "type", "type_filling", "type_time", "expiration",
                   "comment", "position", "position_by")  # fmt: skip


def _api(
    fn: Callable[Concatenate[PaperTerminal, P], R],
) -> Callable[Concatenate[PaperTerminal, P], R | None]:
    """Wrap a public API function: lock, reset last_error, require initialize(), process events."""
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(self: PaperTerminal, *args: P.args, **kwargs: P.kwargs) -> R | None:
        with self._lock:
            self._error = _OK
            if not self._initialized:
                sig.bind(self, *args, **kwargs)  # argument errors are TypeErrors even so
                self._error = _NO_IPC
                return None
            with self._store.tx():
                self._begin_call()
                return fn(self, *args, **kwargs)

    return wrapper


class PaperTerminal(SimulationControls):
    """A MetaTrader5-compatible paper trading terminal (hedging by default)."""

    def __init__(
        self,
        path: Path | None,
        *,
        seed: int = 7,
        balance: float = 10_000.0,
        leverage: int = 100,
        hedging: bool = True,
        server_utc_offset_hours: int = 2,
        clock: Callable[[], float] | None = None,
        suffix: str = "",
    ) -> None:
        self._initialized = False
        self._error: tuple[int, str] = _OK
        self._request_id = 0
        super().__init__(
            path,
            seed=seed,
            balance=balance,
            leverage=leverage,
            hedging=hedging,
            server_utc_offset_hours=server_utc_offset_hours,
            clock=clock,
            suffix=suffix,
        )

    # ------------------------------------------------------------------ connection
    def initialize(self, path: str | None = None, **kwargs: Any) -> bool:
        """Connect; `login` (if given) must be this account's. Other arguments are accepted."""
        with self._lock:
            self._error = _OK
            login = kwargs.get("login")
            if login is not None and int(login) != int(self._acct["login"]):
                self._error = (c.RES_E_AUTH_FAILED, "Terminal: Authorization failed")
                return False
            self._initialized = True
            return True

    def login(self, login: int, **kwargs: Any) -> bool:
        with self._lock:
            if not self._initialized:
                self._error = _NO_IPC
                return False
            return self.initialize(login=login)

    def shutdown(self) -> None:
        with self._lock:
            self._initialized = False
            self._error = _OK

    def last_error(self) -> tuple[int, str]:
        return self._error

    @_api
    def version(self) -> tuple[int, int, str]:
        return (500, TERMINAL_BUILD, "20 Dec 2024")

    @_api
    def terminal_info(self) -> StructSeq:
        data_path = str(self._path.parent) if self._path else ""
        return build(
            TerminalInfo, community_account=False, community_connection=False,
            connected=self._connected, dlls_allowed=False, trade_allowed=self._algo_trading,
            tradeapi_disabled=False, email_enabled=False, ftp_enabled=False,
            notifications_enabled=False, mqid=False, build=TERMINAL_BUILD, maxbars=100_000,
            codepage=0, ping_last=1500 if self._connected else 0, community_balance=0.0,
            retransmission=0.0, company="TradeChat Paper Trading", name="TradeChat Paper",
            language="English", path=data_path, data_path=data_path, commondata_path=data_path,
        )  # fmt: skip

    # ------------------------------------------------------------------ account
    @_api
    def account_info(self) -> StructSeq:
        profit, swap = self._floating()
        balance = float(self._acct["balance"])
        equity = round(balance + profit + swap, 2)
        margin = self._margin()
        return build(
            AccountInfo, login=int(self._acct["login"]), trade_mode=c.ACCOUNT_TRADE_MODE_DEMO,
            leverage=int(self._acct["leverage"]), limit_orders=200,
            margin_so_mode=c.ACCOUNT_STOPOUT_MODE_PERCENT, trade_allowed=True, trade_expert=True,
            margin_mode=(c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING if self._acct["hedging"]
                         else c.ACCOUNT_MARGIN_MODE_RETAIL_NETTING),
            currency_digits=2, fifo_close=False, balance=balance, credit=0.0,
            profit=round(profit + swap, 2), equity=equity, margin=margin,
            margin_free=round(equity - margin, 2),
            margin_level=round(equity / margin * 100, 2) if margin else 0.0,
            margin_so_call=self.MARGIN_SO_CALL, margin_so_so=self.MARGIN_SO_SO,
            margin_initial=0.0, margin_maintenance=0.0, assets=0.0, liabilities=0.0,
            commission_blocked=0.0, name=str(self._acct["name"]), server="TradeChat-Paper",
            currency=str(self._acct["currency"]), company="TradeChat Paper Trading",
        )  # fmt: skip

    # ------------------------------------------------------------------ symbols
    @_api
    def symbols_total(self) -> int:
        return len(self._specs)

    @_api
    def symbols_get(self, group: str = _UNSET) -> tuple[StructSeq, ...]:
        if group is not _UNSET and not isinstance(group, str):
            raise TypeError("symbols_get(): argument 'group' must be str")
        names = list(self._specs)
        if group is not _UNSET and group:
            names = [n for n in names if group_matches(group, n)]
        return tuple(self._symbol_info(n) for n in names)

    @_api
    def symbol_info(self, symbol: str, /) -> StructSeq | None:
        if not isinstance(symbol, str):
            raise TypeError("symbol_info(): argument 1 must be str")
        if symbol not in self._specs:
            self._error = (c.RES_E_NOT_FOUND, "Terminal: Not found")
            return None
        return self._symbol_info(symbol)

    @_api
    def symbol_info_tick(self, symbol: str, /) -> StructSeq | None:
        if not isinstance(symbol, str):
            raise TypeError("symbol_info_tick(): argument 1 must be str")
        if symbol not in self._specs:
            self._error = (c.RES_E_NOT_FOUND, "Terminal: Not found")
            return None
        if not self._visible[symbol]:
            self._error = (c.RES_E_FAIL, "Terminal: Call failed")
            return None
        q = self._quote(symbol)
        # a closed market's last tick is from its close (a weekend tick is Friday's)
        last = self._specs[symbol].last_open(self._now + self._offset)
        return build(
            Tick, time=int(last), bid=q.bid, ask=q.ask, last=0.0, volume=0,
            time_msc=round(last * 1000) if last < self._now + self._offset else self._server_ms(), flags=c.TICK_FLAG_BID | c.TICK_FLAG_ASK,
            volume_real=0.0,
        )  # fmt: skip

    @_api
    def symbol_select(self, symbol: str, enable: bool = True, /) -> bool:
        if not isinstance(symbol, str):
            raise TypeError("symbol_select(): argument 1 must be str")
        if symbol not in self._specs:
            self._error = (c.RES_E_NOT_FOUND, "Terminal: Not found")
            return False
        if not enable and (
            any(p.symbol == symbol for p in self._positions.values())
            or any(o["symbol"] == symbol for o in self._orders.values())
        ):
            self._error = (c.RES_E_FAIL, "Terminal: Call failed")
            return False
        if self._visible[symbol] != bool(enable):
            self._visible[symbol] = bool(enable)
            self._store.save_symbol(symbol, bool(enable))
        return True

    def _day_stats(self, name: str) -> tuple[float, float, float, float]:
        """(today's open, yesterday's close, high, low of completed hours) in server time."""
        server = self._server_s()
        day = server // 86_400
        hour = (server % 86_400) // 3600
        key = (name, day, hour)
        hit = self._day_cache.get(key)
        if hit is not None:
            return hit
        start_utc = day * 86_400 - self._offset
        samples = [self._quote_at(name, start_utc + h * 3600).bid for h in range(hour + 1)]
        prev_close = self._quote_at(name, start_utc - 1).bid
        stats = (samples[0], prev_close, max(samples), min(samples))
        if len(self._day_cache) > 1000:
            self._day_cache.clear()
        self._day_cache[key] = stats
        return stats

    def _symbol_info(self, name: str) -> StructSeq:
        spec = self._specs[name]
        visible = self._visible[name]
        q = self._quote(name) if visible else Quote(0.0, 0.0)
        day_open, prev_close, high, low = self._day_stats(name) if visible else (0.0,) * 4
        tick_value = self._to_usd(spec.point * spec.contract_size, spec.currency_profit)
        spread = spec.spread_points if not visible else round((q.ask - q.bid) / spec.point)
        change = round((q.bid - prev_close) / prev_close * 100, 4) if prev_close else 0.0
        return build(
            SymbolInfo, custom=False, chart_mode=c.SYMBOL_CHART_MODE_BID, select=visible,
            visible=visible, session_deals=0, session_buy_orders=0, session_sell_orders=0,
            volume=0, volumehigh=0, volumelow=0, time=self._server_s() if visible else 0,
            digits=spec.digits, spread=spread, spread_float=True, ticks_bookdepth=0,
            trade_calc_mode=spec.calc_mode, trade_mode=c.SYMBOL_TRADE_MODE_FULL, start_time=0,
            expiration_time=0, trade_stops_level=spec.stops_level,
            trade_freeze_level=spec.freeze_level, trade_exemode=c.SYMBOL_TRADE_EXECUTION_MARKET,
            swap_mode=c.SYMBOL_SWAP_MODE_POINTS, swap_rollover3days=c.DAY_OF_WEEK_WEDNESDAY,
            margin_hedged_use_leg=False, expiration_mode=15, filling_mode=spec.filling_mode,
            order_mode=127, order_gtc_mode=c.SYMBOL_ORDERS_GTC, option_mode=0, option_right=0,
            bid=q.bid, bidhigh=max(high, q.bid), bidlow=min(low, q.bid) if visible else 0.0,
            ask=q.ask, askhigh=max(high, q.bid) + (q.ask - q.bid),
            asklow=(min(low, q.bid) + (q.ask - q.bid)) if visible else 0.0, last=0.0,
            lasthigh=0.0, lastlow=0.0, volume_real=0.0, volumehigh_real=0.0, volumelow_real=0.0,
            option_strike=0.0, point=spec.point, trade_tick_value=tick_value,
            trade_tick_value_profit=tick_value, trade_tick_value_loss=tick_value,
            trade_tick_size=spec.point, trade_contract_size=float(spec.contract_size),
            trade_accrued_interest=0.0, trade_face_value=0.0, trade_liquidity_rate=0.0,
            volume_min=spec.volume_min, volume_max=spec.volume_max,
            volume_step=spec.volume_step, volume_limit=0.0, swap_long=spec.swap_long,
            swap_short=spec.swap_short, margin_initial=0.0, margin_maintenance=0.0,
            session_volume=0.0, session_turnover=0.0, session_interest=0.0,
            session_buy_orders_volume=0.0, session_sell_orders_volume=0.0,
            session_open=day_open, session_close=prev_close, session_aw=0.0,
            session_price_settlement=0.0, session_price_limit_min=0.0,
            session_price_limit_max=0.0, margin_hedged=float(spec.contract_size) / 2,
            price_change=change, price_volatility=0.0, price_theoretical=0.0,
            price_greeks_delta=0.0, price_greeks_theta=0.0, price_greeks_gamma=0.0,
            price_greeks_vega=0.0, price_greeks_rho=0.0, price_greeks_omega=0.0,
            price_sensitivity=0.0, basis="", category="", currency_base=spec.currency_base,
            currency_profit=spec.currency_profit, currency_margin=spec.currency_margin, bank="",
            description=spec.description, exchange="", formula="", isin="", name=name, page="",
            path=spec.path.replace(spec.name, name),
        )  # fmt: skip

    # ------------------------------------------------------------------ positions and orders
    def _position_struct(self, p: PaperPosition) -> StructSeq:
        px = self._pos_close_price(p)
        return build(
            TradePosition, ticket=p.ticket, time=p.time, time_msc=p.time_msc,
            time_update=p.time_update, time_update_msc=p.time_update_msc, type=p.type,
            magic=p.magic, identifier=p.identifier, reason=p.reason, volume=p.volume,
            price_open=p.price_open, sl=p.sl, tp=p.tp, price_current=px, swap=p.swap,
            profit=self._profit(p.symbol, p.type, p.volume, p.price_open, px), symbol=p.symbol,
            comment=p.comment, external_id=p.external_id,
        )  # fmt: skip

    def _order_struct(self, o: dict[str, Any]) -> StructSeq:
        q = self._quote(o["symbol"])
        values = dict(o)
        values["price_current"] = q.ask if o["type"] % 2 == 0 else q.bid
        return build(TradeOrder, **values)

    @staticmethod
    def _selector(symbol: Any, group: Any, ticket: Any) -> tuple[str, Any]:
        for key, value, kind in (("ticket", ticket, int), ("symbol", symbol, str),
                                 ("group", group, str)):  # fmt: skip
            if value is _UNSET:
                continue
            if value is None or not isinstance(value, kind) or isinstance(value, bool):
                raise TypeError(
                    f"argument '{key}' must be {kind.__name__}, not {type(value).__name__}"
                )
        if ticket is not _UNSET:
            return "ticket", ticket
        if symbol is not _UNSET:
            return "symbol", symbol
        if group is not _UNSET:
            return "group", group
        return "all", None

    @_api
    def positions_total(self) -> int:
        return len(self._positions)

    @_api
    def positions_get(
        self, *, symbol: str = _UNSET, group: str = _UNSET, ticket: int = _UNSET
    ) -> tuple[StructSeq, ...]:
        how, value = self._selector(symbol, group, ticket)
        items = list(self._positions.values())
        if how == "ticket":
            items = [p for p in items if p.ticket == value]
        elif how == "symbol":
            items = [p for p in items if p.symbol == value]
        elif how == "group":
            items = [p for p in items if group_matches(value, p.symbol)]
        return tuple(self._position_struct(p) for p in items)

    @_api
    def orders_total(self) -> int:
        return len(self._orders)

    @_api
    def orders_get(
        self, *, symbol: str = _UNSET, group: str = _UNSET, ticket: int = _UNSET
    ) -> tuple[StructSeq, ...]:
        how, value = self._selector(symbol, group, ticket)
        items = list(self._orders.values())
        if how == "ticket":
            items = [o for o in items if o["ticket"] == value]
        elif how == "symbol":
            items = [o for o in items if o["symbol"] == value]
        elif how == "group":
            items = [o for o in items if group_matches(value, o["symbol"])]
        return tuple(self._order_struct(o) for o in items)

    # ------------------------------------------------------------------ history
    def _date(self, value: Any) -> int | None:
        if isinstance(value, datetime):
            return int(value.timestamp())
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
        return None

    def _range(self, date_from: Any, date_to: Any) -> tuple[int, int] | None:
        lo, hi = self._date(date_from), self._date(date_to)
        if lo is None or hi is None:
            self._error = (c.RES_E_INVALID_PARAMS, "Invalid arguments")
            return None
        return lo, hi

    def _history(
        self,
        book: History,
        ticket_column: str,
        date_from: Any,
        date_to: Any,
        group: Any,
        ticket: Any,
        position: Any,
    ) -> tuple[StructSeq, ...] | None:
        """One history read from the store: by time range (with a group), by ticket, or by
        position — only the rows asked for are read."""
        if date_from is not _UNSET or date_to is not _UNSET:
            rng = self._range(date_from, date_to)
            if rng is None:
                return None
            if group is not _UNSET and group is not None and not isinstance(group, str):
                raise TypeError("argument 'group' must be str")
            found = book.between(*rng)
            if group is not _UNSET and group is not None:
                verdict: dict[str, bool] = {}
                for d in found:
                    if d.symbol not in verdict:
                        verdict[d.symbol] = group_matches(group, d.symbol)
                return tuple(d for d in found if verdict[d.symbol])
            return tuple(found)
        if ticket is not _UNSET:
            if not isinstance(ticket, int):
                raise TypeError("argument 'ticket' must be int")
            return tuple(book.where(ticket_column, ticket))
        if position is not _UNSET:
            if not isinstance(position, int):
                raise TypeError("argument 'position' must be int")
            return tuple(book.where("position_id", position))
        self._error = (c.RES_E_INVALID_PARAMS, "Invalid arguments")
        return None

    @_api
    def history_deals_get(
        self,
        date_from: Any = _UNSET,
        date_to: Any = _UNSET,
        *,
        group: str = _UNSET,
        ticket: int = _UNSET,
        position: int = _UNSET,
    ) -> tuple[StructSeq, ...] | None:
        """Deals in [date_from, date_to] (server-time seconds or datetime), or by order
        `ticket=` (the deal's `order`), or by `position=`."""
        return self._history(self._deal_book, "order", date_from, date_to, group, ticket, position)

    @_api
    def history_deals_total(self, date_from: Any, date_to: Any) -> int | None:
        rng = self._range(date_from, date_to)
        if rng is None:
            return None
        return self._deal_book.count_between(*rng)

    @_api
    def history_orders_get(
        self,
        date_from: Any = _UNSET,
        date_to: Any = _UNSET,
        *,
        group: str = _UNSET,
        ticket: int = _UNSET,
        position: int = _UNSET,
    ) -> tuple[StructSeq, ...] | None:
        return self._history(
            self._order_book, "ticket", date_from, date_to, group, ticket, position
        )

    @_api
    def history_orders_total(self, date_from: Any, date_to: Any) -> int | None:
        rng = self._range(date_from, date_to)
        if rng is None:
            return None
        return self._order_book.count_between(*rng)

    # ------------------------------------------------------------------ calculations
    @_api
    def order_calc_margin(
        self, action: int, symbol: str, volume: float, price: float, /
    ) -> float | None:
        if not self._calc_args_ok(action, symbol, volume, price):
            return None
        return round(self._lot_margin(symbol, price) * volume, 2)

    @_api
    def order_calc_profit(
        self, action: int, symbol: str, volume: float, price_open: float, price_close: float, /
    ) -> float | None:
        if not self._calc_args_ok(action, symbol, volume, price_open, price_close):
            return None
        return self._profit(symbol, action, volume, price_open, price_close)

    def _calc_args_ok(self, action: Any, symbol: Any, *floats: Any) -> bool:
        if not isinstance(action, int) or action not in (c.ORDER_TYPE_BUY, c.ORDER_TYPE_SELL):
            self._error = (c.RES_E_INVALID_PARAMS, "Invalid arguments")
            return False
        if not all(isinstance(f, float) for f in floats):
            self._error = (c.RES_E_INVALID_PARAMS, "Invalid arguments")
            return False
        if symbol not in self._specs:
            self._error = (c.RES_E_NOT_FOUND, "Terminal: Not found")
            return False
        return True

    # ------------------------------------------------------------------ trading
    def _parse_request(self, request: Any, kwargs: Mapping[str, Any]) -> dict[str, Any] | None:
        if request is not None and kwargs:
            self._error = (c.RES_E_INVALID_PARAMS, "Invalid arguments")
            return None
        raw = request if request is not None else kwargs
        if not isinstance(raw, Mapping):
            self._error = (c.RES_E_INVALID_PARAMS, "Invalid arguments")
            return None
        req: dict[str, Any] = {}
        for key in _REQUEST_FIELDS:
            value = raw.get(key)
            if key in _FLOAT_FIELDS:
                if value is None:
                    value = 0.0
                elif not isinstance(value, float):
                    self._error = (c.RES_E_INVALID_PARAMS, f'Invalid "{key}" argument')
                    return None
            elif key in _INT_FIELDS:
                if value is None:
                    value = 0
                elif not isinstance(value, int):
                    self._error = (c.RES_E_INVALID_PARAMS, f'Invalid "{key}" argument')
                    return None
                value = int(value)
            else:  # symbol, comment
                if value is None:
                    value = ""
                elif not isinstance(value, str) or (key == "comment" and len(value) > COMMENT_MAX):
                    self._error = (c.RES_E_INVALID_PARAMS, f'Invalid "{key}" argument')
                    return None
            req[key] = value
        return req

    def order_send(
        self, request: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> StructSeq | None:
        """Send a trade request (a dict, or keyword arguments — not both)."""
        with self._lock:
            self._error = _OK
            if not self._initialized:
                self._error = _NO_IPC
                return None
            req = self._parse_request(request, kwargs)
            if req is None:
                return None
            with self._store.tx():
                self._begin_call()
                return self._execute(req, check_only=False)

    def order_check(
        self, request: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> StructSeq | None:
        """Check a request without sending it: retcode 0 ('Done') when it would pass."""
        with self._lock:
            self._error = _OK
            if not self._initialized:
                self._error = _NO_IPC
                return None
            req = self._parse_request(request, kwargs)
            if req is None:
                return None
            with self._store.tx():
                self._begin_call()
                return self._execute(req, check_only=True)

    def _execute(self, req: dict[str, Any], *, check_only: bool) -> StructSeq:
        self._request_id += 1
        request = build(TradeRequest, **req)
        name = req["symbol"]
        q = self._quote(name) if name in self._specs and self._visible[name] else Quote(0.0, 0.0)
        try:
            plan = self._plan(req)
        except Reject as rej:
            if check_only:
                return self._check_result(rej.retcode, rej.comment, request, None)
            return build(
                OrderSendResult, retcode=rej.retcode, deal=0, order=0, volume=req["volume"],
                price=0.0, bid=q.bid, ask=q.ask, comment=rej.comment,
                request_id=self._request_id, retcode_external=0, request=request,
            )  # fmt: skip
        if check_only:
            return self._check_result(0, "Done", request, plan.get("margin_extra"))
        retcode, deal, order, price, volume = plan["run"]()
        q = self._quote(name) if name in self._specs else Quote(0.0, 0.0)
        return build(
            OrderSendResult, retcode=retcode, deal=deal, order=order, volume=volume, price=price,
            bid=q.bid, ask=q.ask, comment="Request executed", request_id=self._request_id,
            retcode_external=0, request=request,
        )  # fmt: skip

    def _check_result(
        self, retcode: int, comment: str, request: StructSeq, extra: tuple[str, int, float] | None
    ) -> StructSeq:
        profit, swap = self._floating()
        balance = float(self._acct["balance"])
        equity = round(balance + profit + swap, 2)
        margin = self._margin(extra)
        return build(
            OrderCheckResult, retcode=retcode, balance=balance, equity=equity,
            profit=round(profit + swap, 2), margin=margin, margin_free=round(equity - margin, 2),
            margin_level=round(equity / margin * 100, 2) if margin else 0.0, comment=comment,
            request=request,
        )  # fmt: skip

    # ------------------------------------------------------------------ bars
    # The argument rules of the real package's copy_rates_*: positional arguments; an unknown
    # symbol → None with (-1, 'Terminal: Call failed'); a timeframe that is no TIMEFRAME_*
    # value, a count below 1 or a negative start → None with (-2, 'Terminal: Invalid params');
    # arguments of the wrong type → (-2, 'Invalid arguments'); a range whose end is before its
    # start, or history that does not reach back there → an empty array. At most `maxbars`.

    def _rates_args_ok(self, symbol: Any, timeframe: Any, *ints: Any) -> bool:
        if not isinstance(symbol, str) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in (timeframe, *ints)
        ):
            self._error = (c.RES_E_INVALID_PARAMS, "Invalid arguments")
            return False
        if symbol not in self._specs:
            self._error = (c.RES_E_FAIL, "Terminal: Call failed")
            return False
        if not known_timeframe(timeframe) or any(v < 0 for v in ints):
            self._error = (c.RES_E_INVALID_PARAMS, "Terminal: Invalid params")
            return False
        return True

    @_api
    def copy_rates_from_pos(
        self, symbol: str, timeframe: int, start_pos: int, count: int, /
    ) -> Any:
        """`count` bars ending `start_pos` bars before the current one, oldest first."""
        if not self._rates_args_ok(symbol, timeframe, start_pos, count):
            return None
        if count < 1:
            self._error = (c.RES_E_INVALID_PARAMS, "Terminal: Invalid params")
            return None
        now = self._server_s()
        starts = self._bar_history.starts_from_pos(
            symbol, timeframe, now, start_pos, min(count, MAX_BARS)
        )
        return self._rates(symbol, timeframe, starts)

    @_api
    def copy_rates_from(self, symbol: str, timeframe: int, date_from: Any, count: int, /) -> Any:
        """`count` bars whose open time is at or before `date_from`, oldest first."""
        ref = self._date(date_from)
        if ref is None:
            self._error = (c.RES_E_INVALID_PARAMS, "Invalid arguments")
            return None
        if not self._rates_args_ok(symbol, timeframe, count):
            return None
        if count < 1:
            self._error = (c.RES_E_INVALID_PARAMS, "Terminal: Invalid params")
            return None
        now = self._server_s()
        lo = ref - HISTORY_DAYS * 86_400
        limit = min(count, MAX_BARS)
        starts = self._bar_history.starts_in_range(symbol, timeframe, now, lo, ref, limit)
        return self._rates(symbol, timeframe, starts)

    @_api
    def copy_rates_range(self, symbol: str, timeframe: int, date_from: Any, date_to: Any, /) -> Any:
        """The bars whose open time is in [date_from, date_to], oldest first."""
        lo, hi = self._date(date_from), self._date(date_to)
        if lo is None or hi is None:
            self._error = (c.RES_E_INVALID_PARAMS, "Invalid arguments")
            return None
        if not self._rates_args_ok(symbol, timeframe):
            return None
        now = self._server_s()
        starts = self._bar_history.starts_in_range(symbol, timeframe, now, lo, hi)
        return self._rates(symbol, timeframe, starts)

    @functools.cached_property
    def _bar_history(self) -> BarHistory:
        return BarHistory(self._specs, self._prices, self._offset)

    def _rates(self, name: str, timeframe: int, starts: list[int]) -> Any:
        pinned = self._pinned.get(name)
        close = pinned.bid if pinned is not None else self._quote_at(name, self._now).bid
        rows = self._bar_history.rows(name, timeframe, starts, now=self._server_s(), close=close)
        return as_array(rows, self._specs[name].spread_points)

    # ------------------------------------------------------------------ market depth
    # Like many retail brokers' servers, the paper terminal offers no order book: a
    # subscription is refused with an error, as the real API refuses one for a symbol
    # without depth, so the code above it learns to say "no depth here".
    @_api
    def market_book_add(self, symbol: str, /) -> bool:
        if symbol not in self._specs:
            self._error = (c.RES_E_NOT_FOUND, "Terminal: Not found")
            return False
        self._error = (c.RES_E_FAIL, "Market depth is not available for this symbol")
        return False

    @_api
    def market_book_get(self, symbol: str, /) -> tuple[StructSeq, ...] | None:
        self._error = (c.RES_E_FAIL, "Market depth is not subscribed")
        return None

    @_api
    def market_book_release(self, symbol: str, /) -> bool:
        self._error = (c.RES_E_FAIL, "Market depth is not subscribed")
        return False


__all__ = ["PaperTerminal", "group_matches"]
