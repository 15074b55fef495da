"""The paper trade server's rules: what `order_send` accepts, and what each action does.

`TradeServer._plan(request)` validates a parsed request exactly as a trade server does (the
same retcodes: invalid volume, stops, price, filling, no money, market closed …) and returns a
plan whose `run()` applies it to the ledger; `order_check` stops after the validation.
"""

from __future__ import annotations

from typing import Any

from broker.paper import constants as _consts
from broker.paper.constants import MT5Constants as c
from broker.paper.ledger import EPS, PaperPosition, Quote
from broker.paper.specs import Spec
from broker.paper.store import order_table
from broker.paper.triggers import PaperTriggers


class Reject(Exception):
    """A trade request the server refuses with `retcode`."""

    def __init__(self, retcode: int, comment: str | None = None) -> None:
        super().__init__(retcode)
        self.retcode = retcode
        self.comment = comment or _consts.RETCODE_COMMENTS.get(retcode, "Request rejected")


class TradeServer(PaperTriggers):
    def _tradable(self, name: str) -> Spec:
        if name not in self._specs:
            raise Reject(c.TRADE_RETCODE_INVALID)
        if not self._connected:
            raise Reject(c.TRADE_RETCODE_CONNECTION)
        if not self._algo_trading:
            raise Reject(c.TRADE_RETCODE_CLIENT_DISABLES_AT)
        if not self._visible[name]:
            raise Reject(c.TRADE_RETCODE_PRICE_OFF)
        if name in self._closed_markets:
            raise Reject(c.TRADE_RETCODE_MARKET_CLOSED)
        return self._specs[name]

    @staticmethod
    def _check_volume(spec: Spec, volume: float) -> None:
        if volume < spec.volume_min - EPS or volume > spec.volume_max + EPS:
            raise Reject(c.TRADE_RETCODE_INVALID_VOLUME)
        steps = volume / spec.volume_step
        if abs(steps - round(steps)) > 1e-6:
            raise Reject(c.TRADE_RETCODE_INVALID_VOLUME)

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
        raise Reject(c.TRADE_RETCODE_INVALID_FILL)

    def _check_stops(self, spec: Spec, side: int, ref: float, sl: float, tp: float) -> None:
        """SL/TP for a buy (side 0) or sell measured from `ref` (the price it closes at)."""
        gap = spec.stops_level * spec.point - EPS
        for value in (sl, tp):
            if value < 0 or (value and not self._normalized(spec, value)):
                raise Reject(c.TRADE_RETCODE_INVALID_STOPS)
        buy = side == c.ORDER_TYPE_BUY
        if sl and not (
            (ref - sl) > 0 and (ref - sl) >= gap if buy else (sl - ref) > 0 and (sl - ref) >= gap
        ):
            raise Reject(c.TRADE_RETCODE_INVALID_STOPS)
        if tp and not (
            (tp - ref) > 0 and (tp - ref) >= gap if buy else (ref - tp) > 0 and (ref - tp) >= gap
        ):
            raise Reject(c.TRADE_RETCODE_INVALID_STOPS)

    def _find_position(self, ticket: int) -> PaperPosition:
        p = self._positions.get(ticket)
        if p is None:
            if self._deal_book.exists("position_id", ticket):
                raise Reject(c.TRADE_RETCODE_POSITION_CLOSED)
            raise Reject(c.TRADE_RETCODE_INVALID, "Invalid request")
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
        raise Reject(c.TRADE_RETCODE_INVALID)

    def _plan_deal(self, req: dict[str, Any]) -> dict[str, Any]:
        name, otype, volume = req["symbol"], req["type"], req["volume"]
        if req["position"] and not name and req["position"] in self._positions:
            name = req["symbol"] = self._positions[req["position"]].symbol
        spec = self._tradable(name)
        if otype not in (c.ORDER_TYPE_BUY, c.ORDER_TYPE_SELL):
            raise Reject(c.TRADE_RETCODE_INVALID_ORDER)
        self._check_volume(spec, volume)
        self._check_filling(spec, req["type_filling"], pending=False)
        q = self._quote(name)
        fill = q.ask if otype == c.ORDER_TYPE_BUY else q.bid
        closing: PaperPosition | None = None
        if req["position"]:
            closing = self._find_position(req["position"])
            if closing.symbol != name or closing.type == otype:
                raise Reject(c.TRADE_RETCODE_INVALID)
            if volume > closing.volume + EPS:
                raise Reject(c.TRADE_RETCODE_INVALID_CLOSE_VOLUME)
        if req["price"] and abs(req["price"] - fill) > req["deviation"] * spec.point + EPS:
            raise Reject(c.TRADE_RETCODE_REQUOTE)
        extra: tuple[str, int, float] | None = None
        netting_pos = None if self._acct["hedging"] else self._netting_position(name)
        reduces = closing is not None or (netting_pos is not None and netting_pos.type != otype)
        if not reduces or (netting_pos is not None and volume > netting_pos.volume + EPS):
            if req["sl"] or req["tp"]:
                self._check_stops(spec, otype, q.bid if otype == 0 else q.ask, req["sl"], req["tp"])
            extra = (name, otype, volume)
            if self._free_margin_after(name, otype, volume) < 0:
                raise Reject(c.TRADE_RETCODE_NO_MONEY)

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

    def _check_pending_price(self, spec: Spec, otype: int, price: float, q: Quote) -> None:
        if price <= 0 or not self._normalized(spec, price):
            raise Reject(c.TRADE_RETCODE_INVALID_PRICE)
        gap = spec.stops_level * spec.point - EPS
        ok = {
            c.ORDER_TYPE_BUY_LIMIT: q.ask - price > 0 and q.ask - price >= gap,
            c.ORDER_TYPE_BUY_STOP: price - q.ask > 0 and price - q.ask >= gap,
            c.ORDER_TYPE_SELL_LIMIT: price - q.bid > 0 and price - q.bid >= gap,
            c.ORDER_TYPE_SELL_STOP: q.bid - price > 0 and q.bid - price >= gap,
        }[otype]
        if not ok:
            raise Reject(c.TRADE_RETCODE_INVALID_PRICE)

    def _check_expiration(self, type_time: int, expiration: int) -> None:
        if type_time not in (c.ORDER_TIME_GTC, c.ORDER_TIME_DAY, c.ORDER_TIME_SPECIFIED,
                             c.ORDER_TIME_SPECIFIED_DAY):  # fmt: skip
            raise Reject(c.TRADE_RETCODE_INVALID_EXPIRATION)
        if type_time in (c.ORDER_TIME_SPECIFIED, c.ORDER_TIME_SPECIFIED_DAY) and (
            expiration <= self._server_s()
        ):
            raise Reject(c.TRADE_RETCODE_INVALID_EXPIRATION)

    def _plan_pending(self, req: dict[str, Any]) -> dict[str, Any]:
        name, otype, volume, price = req["symbol"], req["type"], req["volume"], req["price"]
        spec = self._tradable(name)
        if otype not in (c.ORDER_TYPE_BUY_LIMIT, c.ORDER_TYPE_SELL_LIMIT, c.ORDER_TYPE_BUY_STOP,
                         c.ORDER_TYPE_SELL_STOP):  # fmt: skip
            raise Reject(c.TRADE_RETCODE_INVALID_ORDER)
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
            raise Reject(c.TRADE_RETCODE_INVALID)
        p = self._find_position(req["position"])
        if req["symbol"] and req["symbol"] != p.symbol:
            raise Reject(c.TRADE_RETCODE_INVALID)
        spec = self._tradable(p.symbol)
        sl, tp = req["sl"], req["tp"]
        if abs(sl - p.sl) < EPS and abs(tp - p.tp) < EPS:
            raise Reject(c.TRADE_RETCODE_NO_CHANGES)
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
            raise Reject(c.TRADE_RETCODE_INVALID)
        spec = self._tradable(o["symbol"])
        price = req["price"]
        changed = (
            abs(price - o["price_open"]) > EPS or abs(req["sl"] - o["sl"]) > EPS
            or abs(req["tp"] - o["tp"]) > EPS or req["type_time"] != o["type_time"]
            or req["expiration"] != o["time_expiration"]
        )  # fmt: skip
        if not changed:
            raise Reject(c.TRADE_RETCODE_NO_CHANGES)
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
            raise Reject(c.TRADE_RETCODE_INVALID)
        self._tradable(o["symbol"])

        def run() -> tuple[int, int, int, float, float]:
            self._finish_order(o["ticket"], c.ORDER_STATE_CANCELED)
            return c.TRADE_RETCODE_DONE, 0, o["ticket"], 0.0, o["volume_current"]

        return {"run": run}

    def _plan_close_by(self, req: dict[str, Any]) -> dict[str, Any]:
        if not self._acct["hedging"] or not req["position"] or not req["position_by"]:
            raise Reject(c.TRADE_RETCODE_INVALID)
        p = self._find_position(req["position"])
        by = self._find_position(req["position_by"])
        if p.symbol != by.symbol or p.type == by.type or p.ticket == by.ticket:
            raise Reject(c.TRADE_RETCODE_INVALID)
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
