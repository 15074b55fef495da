"""`PaperTerminal`: an object with the MetaTrader5 Python API, backed by SQLite.

The MT5 adapter talks to it exactly as to the real module: the same function names and
argument rules, struct-sequence results with the real field names, the real constants and
retcodes, server-time timestamps, a hedging account by default. Everything the account does
is written through to SQLite, so a new terminal on the same file resumes where the last one
stopped.

Events (pending-order fills, SL/TP, swaps at rollover, stop-out) are processed lazily at the
start of every API call against the current price, so time may be simulated with `clock`.
"""

from __future__ import annotations

import functools
import inspect
import math
import re
import threading
import time as _time
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from broker.paper import constants as _consts
from broker.paper.constants import MT5Constants as c
from broker.paper.prices import PricePath
from broker.paper.specs import SPECS, Spec
from broker.paper.store import (
    Store,
    deal_table,
    history_order_table,
    order_table,
    position_table,
    symbol_table,
)
from broker.paper.structs import (
    AccountInfo,
    OrderCheckResult,
    OrderSendResult,
    StructSeq,
    SymbolInfo,
    TerminalInfo,
    Tick,
    TradeDeal,
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
_EPS = 1e-9
COMMENT_MAX = 29
TERMINAL_BUILD = 4755
ORDER_TICKET_START = 10_000_001
DEAL_TICKET_START = 7_000_001

_FLOAT_FIELDS = ("volume", "price", "stoplimit", "sl", "tp")
_INT_FIELDS = (
    "action", "magic", "order", "deviation", "type", "type_filling", "type_time",
    "expiration", "position", "position_by",
)  # fmt: skip
_REQUEST_FIELDS = ("action", "magic", "order", "symbol", "volume", "price", "stoplimit", "sl",
                   "tp", "deviation", "type", "type_filling", "type_time", "expiration",
                   "comment", "position", "position_by")  # fmt: skip


class _Reject(Exception):
    """A trade request the server refuses with `retcode`."""

    def __init__(self, retcode: int, comment: str | None = None) -> None:
        super().__init__(retcode)
        self.retcode = retcode
        self.comment = comment or _consts.RETCODE_COMMENTS.get(retcode, "Request rejected")


@dataclass(slots=True)
class _Pos:
    ticket: int
    time: int
    time_msc: int
    time_update: int
    time_update_msc: int
    type: int
    magic: int
    identifier: int
    reason: int
    volume: float
    price_open: float
    sl: float
    tp: float
    swap: float
    symbol: str
    comment: str
    external_id: str = ""

    def row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(slots=True)
class _Quote:
    bid: float
    ask: float


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


@functools.lru_cache(maxsize=256)
def _group_regexes(group: str) -> tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]:
    inc: list[re.Pattern[str]] = []
    exc: list[re.Pattern[str]] = []
    for raw in group.split(","):
        part = raw.strip()
        if not part:
            continue
        target = exc if part.startswith("!") else inc
        body = part[1:] if part.startswith("!") else part
        target.append(re.compile(re.escape(body).replace(r"\*", ".*")))
    return tuple(inc), tuple(exc)


def group_matches(group: str, name: str) -> bool:
    """MT5 group mask: comma-separated, `*` wildcard, `!` excludes; case-sensitive."""
    inc, exc = _group_regexes(group)
    return any(p.fullmatch(name) for p in inc) and not any(p.fullmatch(name) for p in exc)


class PaperTerminal(c):
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
        self._lock = threading.RLock()
        self._clock: Callable[[], float] = clock or _time.time
        self._offset = int(server_utc_offset_hours) * 3600
        self._seed = seed
        self._suffix = suffix
        self._path = path
        self._initialized = False
        self._error: tuple[int, str] = _OK
        self._request_id = 0
        self._connected = True
        self._algo_trading = True
        self._pinned: dict[str, _Quote] = {}
        self._closed_markets: set[str] = set()
        self._specs: dict[str, Spec] = {s.name + suffix: s for s in SPECS}
        self._prices = {name: PricePath(s, seed) for name, s in self._specs.items()}
        self._canon = {s.name: name for name, s in self._specs.items()}
        self._now = 0.0
        self._quotes: dict[str, _Quote] = {}
        self._memo: dict[str, Any] = {}  # per-call cache of derived figures; cleared on change
        self._day_cache: dict[tuple[str, int, int], tuple[float, float, float, float]] = {}

        self._store = Store(path)
        self._positions: dict[int, _Pos] = {}
        self._stop_watch: set[int] = set()  # positions with SL or TP
        self._orders: dict[int, dict[str, Any]] = {}
        self._deals: list[StructSeq] = []
        self._deal_times: list[int] = []
        self._deal_by_ticket: dict[int, StructSeq] = {}
        self._deals_by_order: dict[int, list[StructSeq]] = {}
        self._deals_by_position: dict[int, list[StructSeq]] = {}
        self._horders: list[StructSeq] = []
        self._horder_times: list[int] = []
        self._horder_by_ticket: dict[int, StructSeq] = {}
        self._horders_by_position: dict[int, list[StructSeq]] = {}
        self._visible: dict[str, bool] = {n: s.visible for n, s in self._specs.items()}
        self._load(balance=balance, leverage=leverage, hedging=hedging)

    # ------------------------------------------------------------------ state loading
    def _load(self, *, balance: float, leverage: int, hedging: bool) -> None:
        acct = self._store.load_account()
        self._now = self._clock()
        if acct is None:
            self._acct: dict[str, Any] = {
                "login": 88_000_000 + (self._seed % 1_000_000),
                "name": "TradeChat Paper",
                "currency": "USD",
                "leverage": int(leverage),
                "hedging": bool(hedging),
                "balance": 0.0,
                "next_order": ORDER_TICKET_START,
                "next_deal": DEAL_TICKET_START,
                "rollover_day": self._server_day(),
                "created": int(self._now),
            }
            with self._store.tx():
                self._store.save_account(self._acct)
                if balance:
                    self._balance_deal(float(balance), "Deposit")
            return
        self._acct = {k: v for k, v in acct.items() if k != "id"}
        for row in self._store.load_rows(symbol_table):
            if row["name"] in self._visible:
                self._visible[row["name"]] = bool(row["visible"])
        for row in self._store.load_rows(position_table, order_by="time_msc"):
            pos = _Pos(**row)
            self._positions[pos.ticket] = pos
            if pos.sl or pos.tp:
                self._stop_watch.add(pos.ticket)
        for row in self._store.load_rows(order_table, order_by="time_setup_msc"):
            self._orders[row["ticket"]] = row
        for tup in self._store.load_tuples(deal_table, "time_msc"):
            self._index_deal(TradeDeal(tup))
        for tup in self._store.load_tuples(history_order_table, "time_setup_msc"):
            self._index_horder(TradeOrder(tup))

    def close(self) -> None:
        """Release the database (the terminal can no longer be used)."""
        with self._lock:
            self._initialized = False
            self._store.close()

    # ------------------------------------------------------------------ time and prices
    def _server_s(self) -> int:
        return int(self._now + self._offset)

    def _server_ms(self) -> int:
        return round((self._now + self._offset) * 1000)

    def _server_day(self) -> int:
        return self._server_s() // 86_400

    def _begin_call(self) -> None:
        self._now = self._clock()
        self._quotes.clear()
        self._memo.clear()
        self._process()

    def _spec(self, name: str) -> Spec:
        return self._specs[name]

    def _quote(self, name: str) -> _Quote:
        q = self._quotes.get(name)
        if q is not None:
            return q
        pinned = self._pinned.get(name)
        q = pinned if pinned is not None else self._quote_at(name, self._now)
        self._quotes[name] = q
        return q

    def _quote_at(self, name: str, utc: float) -> _Quote:
        spec = self._specs[name]
        point = spec.point
        mid = self._prices[name].mid(utc)
        bid = round(mid - spec.spread_points * point / 2, spec.digits)
        return _Quote(bid, round(bid + spec.spread_points * point, spec.digits))

    def _mid(self, name: str) -> float:
        q = self._quote(name)
        return (q.bid + q.ask) / 2

    def _to_usd(self, amount: float, currency: str) -> float:
        if currency == "USD" or amount == 0:
            return amount
        direct = self._canon.get(currency + "USD")
        if direct is not None:
            return amount * self._mid(direct)
        inverse = self._canon.get("USD" + currency)
        if inverse is not None:
            return amount / self._mid(inverse)
        raise KeyError(f"no USD rate for {currency}")

    # ------------------------------------------------------------------ money
    def _profit(self, name: str, ptype: int, volume: float, open_: float, close: float) -> float:
        spec = self._specs[name]
        sign = 1.0 if ptype == c.POSITION_TYPE_BUY else -1.0
        raw = (close - open_) * sign * volume * spec.contract_size
        return round(self._to_usd(raw, spec.currency_profit), 2)

    def _lot_margin(self, name: str, price: float | None = None) -> float:
        """Margin of one lot in USD at `price` (default: current mid)."""
        spec = self._specs[name]
        px = self._mid(name) if price is None else price
        lev = float(self._acct["leverage"])
        if spec.calc_mode == c.SYMBOL_CALC_MODE_FOREX:
            units = spec.contract_size / lev  # in the base (margin) currency
            if spec.currency_profit == "USD":
                value = units * px  # EURUSD: the symbol's own price converts EUR to USD
            else:
                value = self._to_usd(units, spec.currency_margin)
        else:
            value = self._to_usd(spec.contract_size * px / lev, spec.currency_profit)
        return value * spec.margin_rate

    def _margin(self, extra: tuple[str, int, float] | None = None) -> float:
        """Account margin; hedged volume is charged once per pair (margin_hedged = 50 %)."""
        if extra is None:
            hit = self._memo.get("margin")
            if hit is None:
                hit = self._memo["margin"] = self._margin_of(None)
            return float(hit)
        return self._margin_of(extra)

    def _margin_of(self, extra: tuple[str, int, float] | None) -> float:
        books: dict[str, list[float]] = {}
        for p in self._positions.values():
            books.setdefault(p.symbol, [0.0, 0.0])[p.type] += p.volume
        if extra is not None:
            books.setdefault(extra[0], [0.0, 0.0])[extra[1]] += extra[2]
        total = 0.0
        for name, (buy, sell) in books.items():
            lots = max(buy, sell)  # |buy - sell| + min(buy, sell)
            if lots > 0:
                total += lots * self._lot_margin(name)
        return round(total, 2)

    def _floating(self) -> tuple[float, float]:
        hit = self._memo.get("floating")
        if hit is not None:
            return hit
        profit = 0.0
        swap = 0.0
        for p in self._positions.values():
            profit += self._pos_profit(p)
            swap += p.swap
        result = (round(profit, 2), round(swap, 2))
        self._memo["floating"] = result
        return result

    def _pos_close_price(self, p: _Pos) -> float:
        q = self._quote(p.symbol)
        return q.bid if p.type == c.POSITION_TYPE_BUY else q.ask

    def _pos_profit(self, p: _Pos) -> float:
        return self._profit(p.symbol, p.type, p.volume, p.price_open, self._pos_close_price(p))

    def _equity(self) -> float:
        profit, swap = self._floating()
        return round(self._acct["balance"] + profit + swap, 2)

    # ------------------------------------------------------------------ tickets and records
    def _next(self, key: str) -> int:
        value = int(self._acct[key])
        self._acct[key] = value + 1
        return value

    def _save_account(self) -> None:
        self._store.save_account(self._acct)

    def _index_deal(self, deal: StructSeq) -> None:
        t = deal.time
        if not self._deal_times or t >= self._deal_times[-1]:
            self._deals.append(deal)
            self._deal_times.append(t)
        else:
            i = bisect_right(self._deal_times, t)
            self._deals.insert(i, deal)
            self._deal_times.insert(i, t)
        self._deal_by_ticket[deal.ticket] = deal
        if deal.order:
            self._deals_by_order.setdefault(deal.order, []).append(deal)
        if deal.position_id:
            self._deals_by_position.setdefault(deal.position_id, []).append(deal)

    def _index_horder(self, order: StructSeq) -> None:
        t = order.time_setup
        if not self._horder_times or t >= self._horder_times[-1]:
            self._horders.append(order)
            self._horder_times.append(t)
        else:
            i = bisect_right(self._horder_times, t)
            self._horders.insert(i, order)
            insort(self._horder_times, t)
        self._horder_by_ticket[order.ticket] = order
        if order.position_id:
            self._horders_by_position.setdefault(order.position_id, []).append(order)

    def _add_deal(self, **fields: Any) -> StructSeq:
        now_s, now_ms = self._server_s(), self._server_ms()
        values: dict[str, Any] = {
            "ticket": self._next("next_deal"), "order": 0, "time": now_s, "time_msc": now_ms,
            "type": 0, "entry": 0, "magic": 0, "position_id": 0, "reason": c.DEAL_REASON_EXPERT,
            "volume": 0.0, "price": 0.0, "commission": 0.0, "swap": 0.0, "profit": 0.0,
            "fee": 0.0, "symbol": "", "comment": "", "external_id": "",
        }  # fmt: skip
        values.update(fields)
        deal = build(TradeDeal, **values)
        self._memo.clear()
        self._index_deal(deal)
        self._store.insert(deal_table, [values])
        self._acct["balance"] = round(
            self._acct["balance"] + values["profit"] + values["commission"] + values["swap"]
            + values["fee"], 2
        )  # fmt: skip
        return deal

    def _add_history_order(self, order: dict[str, Any]) -> StructSeq:
        struct = build(TradeOrder, **order)
        self._index_horder(struct)
        self._store.insert(history_order_table, [order])
        return struct

    def _market_order_record(
        self,
        ticket: int,
        name: str,
        otype: int,
        volume: float,
        price: float,
        *,
        magic: int,
        comment: str,
        position_id: int,
        reason: int,
        filling: int,
        sl: float = 0.0,
        tp: float = 0.0,
        position_by: int = 0,
    ) -> dict[str, Any]:
        now_s, now_ms = self._server_s(), self._server_ms()
        return {
            "ticket": ticket, "time_setup": now_s, "time_setup_msc": now_ms, "time_done": now_s,
            "time_done_msc": now_ms, "time_expiration": 0, "type": otype,
            "type_time": c.ORDER_TIME_GTC, "type_filling": filling,
            "state": c.ORDER_STATE_FILLED, "magic": magic, "position_id": position_id,
            "position_by_id": position_by, "reason": reason, "volume_initial": volume,
            "volume_current": 0.0, "price_open": price, "sl": sl, "tp": tp,
            "price_current": price, "price_stoplimit": 0.0, "symbol": name, "comment": comment,
            "external_id": "",
        }  # fmt: skip

    def _balance_deal(self, amount: float, comment: str) -> StructSeq:
        deal = self._add_deal(
            type=c.DEAL_TYPE_BALANCE,
            entry=c.DEAL_ENTRY_IN,
            reason=c.DEAL_REASON_CLIENT,
            profit=round(amount, 2),
            comment=comment,
        )
        self._save_account()
        return deal

    def _save_position(self, p: _Pos) -> None:
        self._memo.clear()
        self._store.upsert(position_table, p.row())
        if p.sl or p.tp:
            self._stop_watch.add(p.ticket)
        else:
            self._stop_watch.discard(p.ticket)

    # ------------------------------------------------------------------ position changes
    def _open_position(
        self,
        name: str,
        ptype: int,
        volume: float,
        price: float,
        *,
        ticket: int,
        magic: int,
        comment: str,
        reason: int,
        sl: float = 0.0,
        tp: float = 0.0,
    ) -> StructSeq:
        spec = self._specs[name]
        now_s, now_ms = self._server_s(), self._server_ms()
        pos = _Pos(ticket, now_s, now_ms, now_s, now_ms, ptype, magic, ticket, reason,
                   volume, price, sl, tp, 0.0, name, comment)  # fmt: skip
        self._positions[ticket] = pos
        self._save_position(pos)
        deal = self._add_deal(
            order=ticket, type=ptype, entry=c.DEAL_ENTRY_IN, magic=magic, position_id=ticket,
            reason=reason, volume=volume, price=price,
            commission=-round(spec.commission_per_lot * volume, 2), symbol=name, comment=comment,
        )  # fmt: skip
        self._save_account()
        return deal

    def _close_part(
        self,
        pos: _Pos,
        volume: float,
        price: float,
        *,
        order: int,
        reason: int,
        comment: str,
        magic: int | None = None,
        entry: int = c.DEAL_ENTRY_OUT,
    ) -> StructSeq:
        spec = self._specs[pos.symbol]
        volume = min(volume, pos.volume)
        share = volume / pos.volume
        swap = round(pos.swap * share, 2)
        profit = self._profit(pos.symbol, pos.type, volume, pos.price_open, price)
        deal = self._add_deal(
            order=order, type=1 - pos.type, entry=entry,
            magic=pos.magic if magic is None else magic, position_id=pos.identifier,
            reason=reason, volume=volume, price=price,
            commission=-round(spec.commission_per_lot * volume, 2), swap=swap, profit=profit,
            symbol=pos.symbol, comment=comment,
        )  # fmt: skip
        remaining = round(pos.volume - volume, 8)
        self._memo.clear()
        if remaining <= _EPS:
            del self._positions[pos.ticket]
            self._stop_watch.discard(pos.ticket)
            self._store.delete(position_table, pos.ticket)
        else:
            pos.volume = remaining
            pos.swap = round(pos.swap - swap, 2)
            pos.time_update, pos.time_update_msc = self._server_s(), self._server_ms()
            self._save_position(pos)
        self._save_account()
        return deal

    def _fill(
        self,
        name: str,
        otype: int,
        volume: float,
        price: float,
        *,
        order: int,
        magic: int,
        comment: str,
        reason: int,
        sl: float,
        tp: float,
        position: int = 0,
    ) -> StructSeq:
        """Execute a buy/sell of `volume` at `price`: open, close, add or reverse."""
        if position:
            return self._close_part(
                self._positions[position], volume, price, order=order, reason=reason,
                comment=comment, magic=magic,
            )  # fmt: skip
        if self._acct["hedging"]:
            return self._open_position(
                name, otype, volume, price, ticket=order, magic=magic, comment=comment,
                reason=reason, sl=sl, tp=tp,
            )  # fmt: skip
        current = self._netting_position(name)
        if current is None:
            return self._open_position(
                name, otype, volume, price, ticket=order, magic=magic, comment=comment,
                reason=reason, sl=sl, tp=tp,
            )  # fmt: skip
        spec = self._specs[name]
        if current.type == otype:
            total = round(current.volume + volume, 8)
            current.price_open = round(
                (current.price_open * current.volume + price * volume) / total, spec.digits + 3
            )
            current.volume = total
            current.sl = sl or current.sl
            current.tp = tp or current.tp
            current.time_update, current.time_update_msc = self._server_s(), self._server_ms()
            self._save_position(current)
            deal = self._add_deal(
                order=order, type=otype, entry=c.DEAL_ENTRY_IN, magic=magic,
                position_id=current.identifier, reason=reason, volume=volume, price=price,
                commission=-round(spec.commission_per_lot * volume, 2), symbol=name,
                comment=comment,
            )  # fmt: skip
            self._save_account()
            return deal
        if volume <= current.volume + _EPS:
            return self._close_part(
                current, volume, price, order=order, reason=reason, comment=comment, magic=magic
            )
        # reversal: one deal closes the position and opens the rest the other way
        rest = round(volume - current.volume, 8)
        profit = self._profit(name, current.type, current.volume, current.price_open, price)
        deal = self._add_deal(
            order=order, type=otype, entry=c.DEAL_ENTRY_INOUT, magic=magic,
            position_id=current.identifier, reason=reason, volume=volume, price=price,
            commission=-round(spec.commission_per_lot * volume, 2), swap=current.swap,
            profit=profit, symbol=name, comment=comment,
        )  # fmt: skip
        now_s, now_ms = self._server_s(), self._server_ms()
        current.type, current.volume, current.price_open, current.swap = otype, rest, price, 0.0
        current.sl, current.tp = sl, tp
        current.time_update, current.time_update_msc = now_s, now_ms
        self._save_position(current)
        self._save_account()
        return deal

    def _netting_position(self, name: str) -> _Pos | None:
        for p in self._positions.values():
            if p.symbol == name:
                return p
        return None

    # ------------------------------------------------------------------ lazy events
    def _process(self) -> None:
        self._rollover()
        if self._orders:
            self._expire_orders()
            self._trigger_pending()
        if self._stop_watch:
            self._trigger_stops()
        if self._positions:
            self._stop_out()

    def _rollover(self) -> None:
        today = self._server_day()
        day = int(self._acct["rollover_day"])
        if day >= today:
            return
        day = max(day, today - 3660)
        while day < today:
            weekday = (day + 3) % 7  # Monday = 0; 1970-01-01 was a Thursday
            if weekday < 5 and self._positions:
                mult = 3 if weekday == 2 else 1  # triple swap on Wednesday night
                midnight = (day + 1) * 86_400
                for p in self._positions.values():
                    if p.time >= midnight:
                        continue
                    spec = self._specs[p.symbol]
                    points = spec.swap_long if p.type == c.POSITION_TYPE_BUY else spec.swap_short
                    raw = points * spec.point * spec.contract_size * p.volume * mult
                    p.swap = round(p.swap + self._to_usd(raw, spec.currency_profit), 2)
                    self._save_position(p)
            day += 1
        self._acct["rollover_day"] = today
        self._save_account()

    def _expire_orders(self) -> None:
        now_s = self._server_s()
        for ticket, o in list(self._orders.items()):
            tt = o["type_time"]
            end = 0
            if tt == c.ORDER_TIME_DAY:
                end = (o["time_setup"] // 86_400 + 1) * 86_400
            elif tt == c.ORDER_TIME_SPECIFIED:
                end = o["time_expiration"]
            elif tt == c.ORDER_TIME_SPECIFIED_DAY:
                end = (o["time_expiration"] // 86_400 + 1) * 86_400
            if end and now_s >= end:
                self._finish_order(ticket, c.ORDER_STATE_EXPIRED)

    def _finish_order(self, ticket: int, state: int, position_id: int = 0) -> None:
        o = self._orders.pop(ticket)
        self._store.delete(order_table, ticket)
        o.update(
            state=state, time_done=self._server_s(), time_done_msc=self._server_ms(),
            position_id=position_id or o["position_id"],
            volume_current=0.0 if state == c.ORDER_STATE_FILLED else o["volume_current"],
        )  # fmt: skip
        o["price_current"] = o["price_open"]
        self._add_history_order(o)

    def _trigger_pending(self) -> None:
        for ticket, o in list(self._orders.items()):
            name = o["symbol"]
            if name in self._closed_markets:
                continue
            q = self._quote(name)
            otype, price = o["type"], o["price_open"]
            if otype == c.ORDER_TYPE_BUY_LIMIT and q.ask <= price + _EPS:
                fill = min(price, q.ask)
            elif otype == c.ORDER_TYPE_BUY_STOP and q.ask >= price - _EPS:
                fill = q.ask
            elif otype == c.ORDER_TYPE_SELL_LIMIT and q.bid >= price - _EPS:
                fill = max(price, q.bid)
            elif otype == c.ORDER_TYPE_SELL_STOP and q.bid <= price + _EPS:
                fill = q.bid
            else:
                continue
            side = otype % 2  # buy-side types are even
            volume = o["volume_current"]
            if self._free_margin_after(name, side, volume) < 0:
                self._finish_order(ticket, c.ORDER_STATE_REJECTED)
                continue
            deal = self._fill(
                name, side, volume, fill, order=ticket, magic=o["magic"], comment=o["comment"],
                reason=o["reason"], sl=o["sl"], tp=o["tp"],
            )  # fmt: skip
            self._finish_order(ticket, c.ORDER_STATE_FILLED, position_id=deal.position_id)

    def _trigger_stops(self) -> None:
        for ticket in sorted(self._stop_watch):
            p = self._positions.get(ticket)
            if p is None or p.symbol in self._closed_markets:
                continue
            px = self._pos_close_price(p)
            buy = p.type == c.POSITION_TYPE_BUY
            hit_sl = bool(p.sl) and (px <= p.sl + _EPS if buy else px >= p.sl - _EPS)
            hit_tp = bool(p.tp) and (px >= p.tp - _EPS if buy else px <= p.tp + _EPS)
            if not (hit_sl or hit_tp):
                continue
            spec = self._specs[p.symbol]
            level, tag = (p.sl, "sl") if hit_sl else (p.tp, "tp")
            comment = f"[{tag} {level:.{spec.digits}f}]"
            self._system_close(p, px, c.DEAL_REASON_SL if hit_sl else c.DEAL_REASON_TP, comment)

    def _system_close(self, p: _Pos, price: float, reason: int, comment: str) -> None:
        order = self._next("next_order")
        self._add_history_order(
            self._market_order_record(
                order, p.symbol, 1 - p.type, p.volume, price, magic=p.magic, comment=comment,
                position_id=p.identifier, reason=reason, filling=c.ORDER_FILLING_FOK,
            )
        )  # fmt: skip
        self._close_part(p, p.volume, price, order=order, reason=reason, comment=comment)

    def _stop_out(self) -> None:
        for _ in range(len(self._positions)):
            margin = self._margin()
            if margin <= 0:
                return
            equity = self._equity()
            level = equity / margin * 100
            if level >= self.MARGIN_SO_SO:
                return
            worst = min(self._positions.values(), key=self._pos_profit)
            self._system_close(
                worst, self._pos_close_price(worst), c.DEAL_REASON_SO, f"[so {level:.1f}%]"
            )

    MARGIN_SO_CALL = 50.0
    MARGIN_SO_SO = 30.0

    # ------------------------------------------------------------------ test hooks
    def set_price(self, symbol: str, bid: float, ask: float | None = None) -> None:
        """Pin the quote of `symbol` (until `release_price`); ask defaults to bid + spread."""
        with self._lock:
            self._quotes.pop(symbol, None)
            self._memo.clear()
            spec = self._specs[symbol]
            if ask is None:
                ask = bid + spec.spread_points * spec.point
            self._pinned[symbol] = _Quote(round(bid, spec.digits), round(ask, spec.digits))

    def release_price(self, symbol: str) -> None:
        with self._lock:
            self._quotes.pop(symbol, None)
            self._memo.clear()
            self._pinned.pop(symbol, None)

    def set_market_closed(self, symbol: str, closed: bool = True) -> None:
        """Trading requests on `symbol` get 10018 while closed (quotes keep coming)."""
        with self._lock:
            if closed:
                self._closed_markets.add(symbol)
            else:
                self._closed_markets.discard(symbol)

    def set_connected(self, connected: bool) -> None:
        """Simulate the terminal losing its trade server: trading gets 10031."""
        with self._lock:
            self._connected = connected

    def set_algo_trading(self, enabled: bool) -> None:
        """Simulate the Algo Trading button: trading gets 10027 when off."""
        with self._lock:
            self._algo_trading = enabled

    def deposit(self, amount: float, comment: str = "") -> int:
        """A balance operation (deposit > 0, withdrawal < 0); returns the deal ticket."""
        with self._lock, self._store.tx():
            self._now = self._clock()
            text = comment or ("Deposit" if amount >= 0 else "Withdrawal")
            return int(self._balance_deal(amount, text).ticket)

    def set_clock(self, clock: Callable[[], float]) -> None:
        """Replace the clock (UTC epoch seconds); used to simulate time."""
        with self._lock:
            self._clock = clock

    def has_trading_history(self) -> bool:
        """True once the account has traded (any deal other than balance/credit, any order)."""
        with self._lock:
            return bool(
                self._positions
                or self._orders
                or self._horders
                or any(d.type not in (c.DEAL_TYPE_BALANCE, c.DEAL_TYPE_CREDIT) for d in self._deals)
            )

    def reset_balance_history(self) -> float:
        """Forget the balance operations of an account that never traded (so that seeded
        history can start with its own deposit); returns the amount they added up to."""
        with self._lock, self._store.tx():
            if self.has_trading_history():
                raise ValueError("the paper account already has trading history")
            total = round(sum(float(d.profit) for d in self._deals), 2)
            self._deals.clear()
            self._deal_times.clear()
            self._deal_by_ticket.clear()
            self._store.clear_history()
            self._now = self._clock()
            self._acct["balance"] = 0.0
            self._acct["rollover_day"] = self._server_day()
            self._save_account()
            return total

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group many calls into one database transaction (seeding, benchmarks)."""
        with self._lock, self._store.tx():
            yield

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def suffix(self) -> str:
        return self._suffix

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
        return build(
            Tick, time=self._server_s(), bid=q.bid, ask=q.ask, last=0.0, volume=0,
            time_msc=self._server_ms(), flags=c.TICK_FLAG_BID | c.TICK_FLAG_ASK,
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
        q = self._quote(name) if visible else _Quote(0.0, 0.0)
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
    def _position_struct(self, p: _Pos) -> StructSeq:
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
        items: list[StructSeq],
        times: list[int],
        by_ticket: Callable[[int], list[StructSeq]],
        by_position: dict[int, list[StructSeq]],
        date_from: Any,
        date_to: Any,
        group: Any,
        ticket: Any,
        position: Any,
    ) -> tuple[StructSeq, ...] | None:
        if date_from is not _UNSET or date_to is not _UNSET:
            rng = self._range(date_from, date_to)
            if rng is None:
                return None
            lo, hi = bisect_left(times, rng[0]), bisect_right(times, rng[1])
            found = items[lo:hi]
            if group is not _UNSET and group is not None:
                if not isinstance(group, str):
                    raise TypeError("argument 'group' must be str")
                verdict: dict[str, bool] = {}
                for d in found:
                    if d.symbol not in verdict:
                        verdict[d.symbol] = group_matches(group, d.symbol)
                return tuple(d for d in found if verdict[d.symbol])
            return tuple(found)
        if ticket is not _UNSET:
            if not isinstance(ticket, int):
                raise TypeError("argument 'ticket' must be int")
            return tuple(by_ticket(ticket))
        if position is not _UNSET:
            if not isinstance(position, int):
                raise TypeError("argument 'position' must be int")
            return tuple(by_position.get(position, ()))
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
        return self._history(
            self._deals, self._deal_times, lambda t: self._deals_by_order.get(t, []),
            self._deals_by_position, date_from, date_to, group, ticket, position,
        )  # fmt: skip

    @_api
    def history_deals_total(self, date_from: Any, date_to: Any) -> int | None:
        rng = self._range(date_from, date_to)
        if rng is None:
            return None
        return bisect_right(self._deal_times, rng[1]) - bisect_left(self._deal_times, rng[0])

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
        def by_ticket(t: int) -> list[StructSeq]:
            hit = self._horder_by_ticket.get(t)
            return [hit] if hit is not None else []

        return self._history(
            self._horders, self._horder_times, by_ticket, self._horders_by_position,
            date_from, date_to, group, ticket, position,
        )  # fmt: skip

    @_api
    def history_orders_total(self, date_from: Any, date_to: Any) -> int | None:
        rng = self._range(date_from, date_to)
        if rng is None:
            return None
        return bisect_right(self._horder_times, rng[1]) - bisect_left(self._horder_times, rng[0])

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
        q = self._quote(name) if name in self._specs and self._visible[name] else _Quote(0.0, 0.0)
        try:
            plan = self._plan(req)
        except _Reject as rej:
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
        q = self._quote(name) if name in self._specs else _Quote(0.0, 0.0)
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

    def _free_margin_after(self, name: str, side: int, volume: float) -> float:
        return self._equity() - self._margin((name, side, volume))

    # validation helpers -----------------------------------------------------------------
    def _tradable(self, name: str) -> Spec:
        if name not in self._specs:
            raise _Reject(c.TRADE_RETCODE_INVALID)
        if not self._connected:
            raise _Reject(c.TRADE_RETCODE_CONNECTION)
        if not self._algo_trading:
            raise _Reject(c.TRADE_RETCODE_CLIENT_DISABLES_AT)
        if not self._visible[name]:
            raise _Reject(c.TRADE_RETCODE_PRICE_OFF)
        if name in self._closed_markets:
            raise _Reject(c.TRADE_RETCODE_MARKET_CLOSED)
        return self._specs[name]

    @staticmethod
    def _check_volume(spec: Spec, volume: float) -> None:
        if volume < spec.volume_min - _EPS or volume > spec.volume_max + _EPS:
            raise _Reject(c.TRADE_RETCODE_INVALID_VOLUME)
        steps = volume / spec.volume_step
        if abs(steps - round(steps)) > 1e-6:
            raise _Reject(c.TRADE_RETCODE_INVALID_VOLUME)

    @staticmethod
    def _normalized(spec: Spec, price: float) -> bool:
        ticks = price / spec.point
        return abs(ticks - round(ticks)) < 1e-4

    @staticmethod
    def _check_filling(spec: Spec, filling: int, *, pending: bool) -> None:
        if filling == c.ORDER_FILLING_FOK and spec.filling_mode & 1:
            return
        if filling == c.ORDER_FILLING_IOC and spec.filling_mode & 2:
            return
        if filling == c.ORDER_FILLING_RETURN and pending:
            return
        raise _Reject(c.TRADE_RETCODE_INVALID_FILL)

    def _check_stops(self, spec: Spec, side: int, ref: float, sl: float, tp: float) -> None:
        """SL/TP for a buy (side 0) or sell measured from `ref` (the price it closes at)."""
        gap = spec.stops_level * spec.point - _EPS
        for value in (sl, tp):
            if value < 0 or (value and not self._normalized(spec, value)):
                raise _Reject(c.TRADE_RETCODE_INVALID_STOPS)
        buy = side == c.ORDER_TYPE_BUY
        if sl and not (
            (ref - sl) > 0 and (ref - sl) >= gap if buy else (sl - ref) > 0 and (sl - ref) >= gap
        ):
            raise _Reject(c.TRADE_RETCODE_INVALID_STOPS)
        if tp and not (
            (tp - ref) > 0 and (tp - ref) >= gap if buy else (ref - tp) > 0 and (ref - tp) >= gap
        ):
            raise _Reject(c.TRADE_RETCODE_INVALID_STOPS)

    def _find_position(self, ticket: int) -> _Pos:
        p = self._positions.get(ticket)
        if p is None:
            if ticket in self._deals_by_position:
                raise _Reject(c.TRADE_RETCODE_POSITION_CLOSED)
            raise _Reject(c.TRADE_RETCODE_INVALID, "Invalid request")
        return p

    # the plan of each action ---------------------------------------------------------------
    def _plan(self, req: dict[str, Any]) -> dict[str, Any]:
        action = req["action"]
        if action == c.TRADE_ACTION_DEAL:
            return self._plan_deal(req)
        if action == c.TRADE_ACTION_PENDING:
            return self._plan_pending(req)
        if action == c.TRADE_ACTION_SLTP:
            return self._plan_sltp(req)
        if action == c.TRADE_ACTION_MODIFY:
            return self._plan_modify(req)
        if action == c.TRADE_ACTION_REMOVE:
            return self._plan_remove(req)
        if action == c.TRADE_ACTION_CLOSE_BY:
            return self._plan_close_by(req)
        raise _Reject(c.TRADE_RETCODE_INVALID)

    def _plan_deal(self, req: dict[str, Any]) -> dict[str, Any]:
        name, otype, volume = req["symbol"], req["type"], req["volume"]
        if req["position"] and not name and req["position"] in self._positions:
            name = req["symbol"] = self._positions[req["position"]].symbol
        spec = self._tradable(name)
        if otype not in (c.ORDER_TYPE_BUY, c.ORDER_TYPE_SELL):
            raise _Reject(c.TRADE_RETCODE_INVALID_ORDER)
        self._check_volume(spec, volume)
        self._check_filling(spec, req["type_filling"], pending=False)
        q = self._quote(name)
        fill = q.ask if otype == c.ORDER_TYPE_BUY else q.bid
        closing: _Pos | None = None
        if req["position"]:
            closing = self._find_position(req["position"])
            if closing.symbol != name or closing.type == otype:
                raise _Reject(c.TRADE_RETCODE_INVALID)
            if volume > closing.volume + _EPS:
                raise _Reject(c.TRADE_RETCODE_INVALID_CLOSE_VOLUME)
        if req["price"] and abs(req["price"] - fill) > req["deviation"] * spec.point + _EPS:
            raise _Reject(c.TRADE_RETCODE_REQUOTE)
        extra: tuple[str, int, float] | None = None
        netting_pos = None if self._acct["hedging"] else self._netting_position(name)
        reduces = closing is not None or (netting_pos is not None and netting_pos.type != otype)
        if not reduces or (netting_pos is not None and volume > netting_pos.volume + _EPS):
            if req["sl"] or req["tp"]:
                self._check_stops(spec, otype, q.bid if otype == 0 else q.ask, req["sl"], req["tp"])
            extra = (name, otype, volume)
            if self._free_margin_after(name, otype, volume) < 0:
                raise _Reject(c.TRADE_RETCODE_NO_MONEY)

        def run() -> tuple[int, int, int, float, float]:
            order = self._next("next_order")
            position_id = (
                closing.identifier
                if closing
                else (netting_pos.identifier if netting_pos else order)
            )
            self._add_history_order(
                self._market_order_record(
                    order, name, otype, volume, fill, magic=req["magic"], comment=req["comment"],
                    position_id=position_id, reason=c.ORDER_REASON_EXPERT,
                    filling=req["type_filling"], sl=req["sl"], tp=req["tp"],
                )
            )  # fmt: skip
            deal = self._fill(
                name, otype, volume, fill, order=order, magic=req["magic"],
                comment=req["comment"], reason=c.DEAL_REASON_EXPERT, sl=req["sl"], tp=req["tp"],
                position=closing.ticket if closing else 0,
            )  # fmt: skip
            return c.TRADE_RETCODE_DONE, int(deal.ticket), order, fill, volume

        return {"run": run, "margin_extra": extra}

    def _check_pending_price(self, spec: Spec, otype: int, price: float, q: _Quote) -> None:
        if price <= 0 or not self._normalized(spec, price):
            raise _Reject(c.TRADE_RETCODE_INVALID_PRICE)
        gap = spec.stops_level * spec.point - _EPS
        ok = {
            c.ORDER_TYPE_BUY_LIMIT: q.ask - price > 0 and q.ask - price >= gap,
            c.ORDER_TYPE_BUY_STOP: price - q.ask > 0 and price - q.ask >= gap,
            c.ORDER_TYPE_SELL_LIMIT: price - q.bid > 0 and price - q.bid >= gap,
            c.ORDER_TYPE_SELL_STOP: q.bid - price > 0 and q.bid - price >= gap,
        }[otype]
        if not ok:
            raise _Reject(c.TRADE_RETCODE_INVALID_PRICE)

    def _check_expiration(self, type_time: int, expiration: int) -> None:
        if type_time not in (c.ORDER_TIME_GTC, c.ORDER_TIME_DAY, c.ORDER_TIME_SPECIFIED,
                             c.ORDER_TIME_SPECIFIED_DAY):  # fmt: skip
            raise _Reject(c.TRADE_RETCODE_INVALID_EXPIRATION)
        if type_time in (c.ORDER_TIME_SPECIFIED, c.ORDER_TIME_SPECIFIED_DAY) and (
            expiration <= self._server_s()
        ):
            raise _Reject(c.TRADE_RETCODE_INVALID_EXPIRATION)

    def _plan_pending(self, req: dict[str, Any]) -> dict[str, Any]:
        name, otype, volume, price = req["symbol"], req["type"], req["volume"], req["price"]
        spec = self._tradable(name)
        if otype not in (c.ORDER_TYPE_BUY_LIMIT, c.ORDER_TYPE_SELL_LIMIT, c.ORDER_TYPE_BUY_STOP,
                         c.ORDER_TYPE_SELL_STOP):  # fmt: skip
            raise _Reject(c.TRADE_RETCODE_INVALID_ORDER)
        self._check_volume(spec, volume)
        self._check_filling(spec, req["type_filling"], pending=True)
        q = self._quote(name)
        self._check_pending_price(spec, otype, price, q)
        self._check_stops(spec, otype % 2, price, req["sl"], req["tp"])
        self._check_expiration(req["type_time"], req["expiration"])

        def run() -> tuple[int, int, int, float, float]:
            ticket = self._next("next_order")
            now_s, now_ms = self._server_s(), self._server_ms()
            order = {
                "ticket": ticket, "time_setup": now_s, "time_setup_msc": now_ms, "time_done": 0,
                "time_done_msc": 0, "time_expiration": req["expiration"], "type": otype,
                "type_time": req["type_time"], "type_filling": req["type_filling"],
                "state": c.ORDER_STATE_PLACED, "magic": req["magic"], "position_id": 0,
                "position_by_id": 0, "reason": c.ORDER_REASON_EXPERT, "volume_initial": volume,
                "volume_current": volume, "price_open": price, "sl": req["sl"], "tp": req["tp"],
                "price_current": price, "price_stoplimit": 0.0, "symbol": name,
                "comment": req["comment"], "external_id": "",
            }  # fmt: skip
            self._orders[ticket] = order
            self._store.upsert(order_table, order)
            self._save_account()
            return c.TRADE_RETCODE_PLACED, 0, ticket, price, volume

        return {"run": run}

    def _plan_sltp(self, req: dict[str, Any]) -> dict[str, Any]:
        if not req["position"]:
            raise _Reject(c.TRADE_RETCODE_INVALID)
        p = self._find_position(req["position"])
        if req["symbol"] and req["symbol"] != p.symbol:
            raise _Reject(c.TRADE_RETCODE_INVALID)
        spec = self._tradable(p.symbol)
        sl, tp = req["sl"], req["tp"]
        if abs(sl - p.sl) < _EPS and abs(tp - p.tp) < _EPS:
            raise _Reject(c.TRADE_RETCODE_NO_CHANGES)
        self._check_stops(spec, p.type, self._pos_close_price(p), sl, tp)

        def run() -> tuple[int, int, int, float, float]:
            p.sl, p.tp = sl, tp
            p.time_update, p.time_update_msc = self._server_s(), self._server_ms()
            self._save_position(p)
            return c.TRADE_RETCODE_DONE, 0, 0, 0.0, 0.0

        return {"run": run}

    def _plan_modify(self, req: dict[str, Any]) -> dict[str, Any]:
        o = self._orders.get(req["order"])
        if o is None:
            raise _Reject(c.TRADE_RETCODE_INVALID)
        spec = self._tradable(o["symbol"])
        price = req["price"]
        changed = (
            abs(price - o["price_open"]) > _EPS or abs(req["sl"] - o["sl"]) > _EPS
            or abs(req["tp"] - o["tp"]) > _EPS or req["type_time"] != o["type_time"]
            or req["expiration"] != o["time_expiration"]
        )  # fmt: skip
        if not changed:
            raise _Reject(c.TRADE_RETCODE_NO_CHANGES)
        self._check_pending_price(spec, o["type"], price, self._quote(o["symbol"]))
        self._check_stops(spec, o["type"] % 2, price, req["sl"], req["tp"])
        self._check_expiration(req["type_time"], req["expiration"])

        def run() -> tuple[int, int, int, float, float]:
            o.update(price_open=price, sl=req["sl"], tp=req["tp"], type_time=req["type_time"],
                     time_expiration=req["expiration"])  # fmt: skip
            self._store.upsert(order_table, o)
            return c.TRADE_RETCODE_DONE, 0, o["ticket"], price, o["volume_current"]

        return {"run": run}

    def _plan_remove(self, req: dict[str, Any]) -> dict[str, Any]:
        o = self._orders.get(req["order"])
        if o is None:
            raise _Reject(c.TRADE_RETCODE_INVALID)
        self._tradable(o["symbol"])

        def run() -> tuple[int, int, int, float, float]:
            self._finish_order(o["ticket"], c.ORDER_STATE_CANCELED)
            return c.TRADE_RETCODE_DONE, 0, o["ticket"], 0.0, o["volume_current"]

        return {"run": run}

    def _plan_close_by(self, req: dict[str, Any]) -> dict[str, Any]:
        if not self._acct["hedging"] or not req["position"] or not req["position_by"]:
            raise _Reject(c.TRADE_RETCODE_INVALID)
        p = self._find_position(req["position"])
        by = self._find_position(req["position_by"])
        if p.symbol != by.symbol or p.type == by.type or p.ticket == by.ticket:
            raise _Reject(c.TRADE_RETCODE_INVALID)
        self._tradable(p.symbol)

        def run() -> tuple[int, int, int, float, float]:
            volume = min(p.volume, by.volume)
            price = by.price_open
            order = self._next("next_order")
            comment = f"#{p.ticket} by #{by.ticket}"
            self._add_history_order(
                self._market_order_record(
                    order, p.symbol, c.ORDER_TYPE_CLOSE_BY, volume, price, magic=req["magic"],
                    comment=comment, position_id=p.identifier, reason=c.ORDER_REASON_EXPERT,
                    filling=c.ORDER_FILLING_FOK, position_by=by.identifier,
                )
            )  # fmt: skip
            deal = self._close_part(p, volume, price, order=order, reason=c.DEAL_REASON_EXPERT,
                                    comment=comment, entry=c.DEAL_ENTRY_OUT_BY)  # fmt: skip
            self._close_part(by, volume, price, order=order, reason=c.DEAL_REASON_EXPERT,
                             comment=comment, entry=c.DEAL_ENTRY_OUT_BY)  # fmt: skip
            return c.TRADE_RETCODE_DONE, int(deal.ticket), order, price, volume

        return {"run": run}

    # ------------------------------------------------------------------ bars
    @_api
    def copy_rates_from_pos(
        self, symbol: str, timeframe: int, start_pos: int, count: int, /
    ) -> Any:
        if symbol not in self._specs:
            self._error = (c.RES_E_NOT_FOUND, "Terminal: Not found")
            return None
        if (
            not all(isinstance(v, int) for v in (timeframe, start_pos, count))
            or count < 0
            or start_pos < 0
        ):
            self._error = (c.RES_E_INVALID_PARAMS, "Invalid arguments")
            return None
        starts = self._bar_starts(timeframe, start_pos, count)
        if starts is None:
            self._error = (c.RES_E_INVALID_PARAMS, "Invalid arguments")
            return None
        return self._rates(symbol, starts)

    @_api
    def copy_rates_from(self, symbol: str, timeframe: int, date_from: Any, count: int, /) -> Any:
        """`count` bars whose open time is at or before `date_from`, oldest first."""
        if symbol not in self._specs:
            self._error = (c.RES_E_NOT_FOUND, "Terminal: Not found")
            return None
        ref = self._date(date_from)
        if ref is None or not isinstance(count, int) or count < 0:
            self._error = (c.RES_E_INVALID_PARAMS, "Invalid arguments")
            return None
        all_starts = self._bar_starts(timeframe, 0, 1)
        if all_starts is None:
            self._error = (c.RES_E_INVALID_PARAMS, "Invalid arguments")
            return None
        cur = all_starts[-1]
        length = _consts.timeframe_seconds(timeframe) or 2_592_000
        back = max(0, math.ceil((cur - ref) / length)) if ref < cur else 0
        starts = self._bar_starts(timeframe, back, count + 1) or []
        return self._rates(symbol, [s for s in starts if s <= ref][-count:] if count else [])

    def _bar_starts(self, timeframe: int, start_pos: int, count: int) -> list[int] | None:
        now = self._server_s()
        length = _consts.timeframe_seconds(timeframe)
        if timeframe == c.TIMEFRAME_MN1:
            d = datetime.fromtimestamp(now, UTC)
            month_index = d.year * 12 + d.month - 1
            out = []
            for i in range(start_pos + count - 1, start_pos - 1, -1):
                m = month_index - i
                out.append(int(datetime(m // 12, m % 12 + 1, 1, tzinfo=UTC).timestamp()))
            return out
        if length is None:
            return None
        anchor = 3 * 86_400 if timeframe == c.TIMEFRAME_W1 else 0  # weeks start on Sunday
        current = (now - anchor) // length * length + anchor
        return [current - i * length for i in range(start_pos + count - 1, start_pos - 1, -1)]

    def _rates(self, name: str, starts: list[int]) -> Any:
        spec = self._specs[name]
        now = self._server_s()
        rows: list[tuple[int, float, float, float, float, int, int, int]] = []
        for i, start in enumerate(starts):
            if i + 1 < len(starts):
                end = starts[i + 1]
            elif len(starts) > 1:
                end = start + (starts[-1] - starts[-2])
            else:
                end = start + 60
            end = min(end, now)
            span = max(end - start, 1)
            samples = [
                self._quote_at(name, start + span * j / 8 - self._offset).bid for j in range(9)
            ]
            if end >= now and name in self._pinned:
                samples[-1] = self._pinned[name].bid
            seed = int(start // 60) * 2654435761 % 1000
            rows.append((start, samples[0], max(samples), min(samples), samples[-1],
                         max(1, span // 6 + seed), spec.spread_points, 0))  # fmt: skip
        try:
            import numpy as np
        except ImportError:  # pragma: no cover - numpy ships with matplotlib
            return tuple(rows)
        dtype = [("time", "<i8"), ("open", "<f8"), ("high", "<f8"), ("low", "<f8"),
                 ("close", "<f8"), ("tick_volume", "<u8"), ("spread", "<i4"),
                 ("real_volume", "<u8")]  # fmt: skip
        return np.array(rows, dtype=dtype)

    # ------------------------------------------------------------------ bulk helpers (bench/demo)
    def bulk_insert_deals(self, deals: list[dict[str, Any]]) -> None:
        """Append already-formed closed deals (fields of TradeDeal, tickets assigned here) and
        apply their net to the balance. For benchmarks and fixtures; not an MT5 function."""
        with self._lock, self._store.tx():
            rows = []
            for d in deals:
                values = dict(d)
                values["ticket"] = self._next("next_deal")
                rows.append(values)
                self._index_deal(build(TradeDeal, **values))
                self._acct["balance"] += (
                    values["profit"] + values["commission"] + values["swap"] + values["fee"]
                )
            self._acct["balance"] = round(self._acct["balance"], 2)
            self._store.insert(deal_table, rows)
            self._save_account()
