"""Events the paper account processes lazily, at the start of every API call.

Swaps at rollover (triple on Wednesday night), expiry of pending orders, pending orders that
the price reached, SL/TP hits and the stop-out are all worked out against the current price
when a call comes in, so simulated time (`clock`) may jump ahead and nothing runs in between.
"""

from __future__ import annotations

from broker.paper.constants import MT5Constants as c
from broker.paper.ledger import EPS, PaperLedger, PaperPosition
from broker.paper.store import order_table


class PaperTriggers(PaperLedger):
    def _begin_call(self) -> None:
        self._now = self._clock()
        self._quotes.clear()
        self._memo.clear()
        self._process()

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
            if otype == c.ORDER_TYPE_BUY_LIMIT and q.ask <= price + EPS:
                fill = min(price, q.ask)
            elif otype == c.ORDER_TYPE_BUY_STOP and q.ask >= price - EPS:
                fill = q.ask
            elif otype == c.ORDER_TYPE_SELL_LIMIT and q.bid >= price - EPS:
                fill = max(price, q.bid)
            elif otype == c.ORDER_TYPE_SELL_STOP and q.bid <= price + EPS:
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
            hit_sl = bool(p.sl) and (px <= p.sl + EPS if buy else px >= p.sl - EPS)
            hit_tp = bool(p.tp) and (px >= p.tp - EPS if buy else px <= p.tp + EPS)
            if not (hit_sl or hit_tp):
                continue
            spec = self._specs[p.symbol]
            level, tag = (p.sl, "sl") if hit_sl else (p.tp, "tp")
            comment = f"[{tag} {level:.{spec.digits}f}]"
            self._system_close(p, px, c.DEAL_REASON_SL if hit_sl else c.DEAL_REASON_TP, comment)

    def _system_close(self, p: PaperPosition, price: float, reason: int, comment: str) -> None:
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
