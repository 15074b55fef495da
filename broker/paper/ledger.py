"""The paper account's books: positions, pending orders, deals and history orders, money.

`PaperLedger` holds the account state and writes every change through to SQLite (`store.py`):
quotes from the simulated price paths, profit and margin in account currency (USD), the deal
and history-order books (read from SQLite on demand, never all held in memory), and the fills that open, add to, reduce or reverse positions. The
lazy events (`triggers.py`), the trade server's rules (`orders.py`), the simulation controls
(`controls.py`) and the MetaTrader5 API surface (`terminal.py`) build on it, in that order.
"""

from __future__ import annotations

import threading
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from broker.paper.constants import MT5Constants as c
from broker.paper.prices import PricePath
from broker.paper.specs import SPECS, Spec
from broker.paper.store import (
    History,
    Store,
    deal_table,
    history_order_table,
    order_table,
    position_table,
    symbol_table,
)
from broker.paper.structs import StructSeq, TradeDeal, TradeOrder, build

EPS = 1e-9
ORDER_TICKET_START = 10_000_001
DEAL_TICKET_START = 7_000_001


@dataclass(slots=True)
class PaperPosition:
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
class Quote:
    bid: float
    ask: float


class PaperLedger(c):
    """The account's state and books; see the module docstring."""

    MARGIN_SO_CALL = 50.0
    MARGIN_SO_SO = 30.0

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
        self._lock = threading.RLock()  # the API, the controls and the events share this state
        self._clock: Callable[[], float] = clock or _time.time
        self._offset = int(server_utc_offset_hours) * 3600
        self._seed = seed
        self._suffix = suffix
        self._path = path
        # simulated market conditions (set by the controls, obeyed by the trade server)
        self._connected = True
        self._algo_trading = True
        self._pinned: dict[str, Quote] = {}
        self._closed_markets: set[str] = set()
        self._specs: dict[str, Spec] = {s.name + suffix: s for s in SPECS}
        self._prices = {name: PricePath(s, seed) for name, s in self._specs.items()}
        self._canon = {s.name: name for name, s in self._specs.items()}
        self._now = 0.0
        self._quotes: dict[str, Quote] = {}
        self._memo: dict[str, Any] = {}  # per-call cache of derived figures; cleared on change
        self._day_cache: dict[tuple[str, int, int], tuple[float, float, float, float]] = {}

        self._store = Store(path)
        self._positions: dict[int, PaperPosition] = {}
        self._stop_watch: set[int] = set()  # positions with SL or TP
        self._orders: dict[int, dict[str, Any]] = {}
        # the history lives in the store only: opening an account with a million deals reads
        # none of them, and each history call reads just the rows it asks for
        self._deal_book = History(self._store, deal_table, TradeDeal, "time", "time_msc")
        self._order_book = History(
            self._store, history_order_table, TradeOrder, "time_setup", "time_setup_msc"
        )
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
            pos = PaperPosition(**row)
            self._positions[pos.ticket] = pos
            if pos.sl or pos.tp:
                self._stop_watch.add(pos.ticket)
        for row in self._store.load_rows(order_table, order_by="time_setup_msc"):
            self._orders[row["ticket"]] = row

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

    def _spec(self, name: str) -> Spec:
        return self._specs[name]

    def _quote(self, name: str) -> Quote:
        q = self._quotes.get(name)
        if q is not None:
            return q
        pinned = self._pinned.get(name)
        q = pinned if pinned is not None else self._quote_at(name, self._now)
        self._quotes[name] = q
        return q

    def _quote_at(self, name: str, utc: float) -> Quote:
        spec = self._specs[name]
        point = spec.point
        # a closed market's price stands still at its close (no bars, no moves on weekends)
        utc = spec.last_open(utc + self._offset) - self._offset
        mid = self._prices[name].mid(utc)
        bid = round(mid - spec.spread_points * point / 2, spec.digits)
        return Quote(bid, round(bid + spec.spread_points * point, spec.digits))

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
        hit: tuple[float, float] | None = self._memo.get("floating")
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

    def _pos_close_price(self, p: PaperPosition) -> float:
        q = self._quote(p.symbol)
        return q.bid if p.type == c.POSITION_TYPE_BUY else q.ask

    def _pos_profit(self, p: PaperPosition) -> float:
        return self._profit(p.symbol, p.type, p.volume, p.price_open, self._pos_close_price(p))

    def _equity(self) -> float:
        profit, swap = self._floating()
        return round(float(self._acct["balance"]) + profit + swap, 2)

    # ------------------------------------------------------------------ tickets and records
    def _next(self, key: str) -> int:
        value = int(self._acct[key])
        self._acct[key] = value + 1
        return value

    def _save_account(self) -> None:
        self._store.save_account(self._acct)

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
        self._store.insert(deal_table, [values])
        self._acct["balance"] = round(
            self._acct["balance"] + values["profit"] + values["commission"] + values["swap"]
            + values["fee"], 2
        )  # fmt: skip
        return deal

    def _add_history_order(self, order: dict[str, Any]) -> StructSeq:
        struct = build(TradeOrder, **order)
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

    def _save_position(self, p: PaperPosition) -> None:
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
        pos = PaperPosition(ticket, now_s, now_ms, now_s, now_ms, ptype, magic, ticket, reason,
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
        pos: PaperPosition,
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
        if remaining <= EPS:
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
        if volume <= current.volume + EPS:
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

    def _netting_position(self, name: str) -> PaperPosition | None:
        for p in self._positions.values():
            if p.symbol == name:
                return p
        return None

    def _free_margin_after(self, name: str, side: int, volume: float) -> float:
        return self._equity() - self._margin((name, side, volume))
