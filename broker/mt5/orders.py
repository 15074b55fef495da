"""`OrderDesk`: builds order requests, checks them, and sends them by one submit path.

Runs on the worker thread (through `MT5Broker`), on top of the `TerminalSession`. Each
operation is one job there — symbol → fresh tick → checks → order_send → retries — so nothing
interleaves with it. Rules (see the `MT5Broker` docstring for why):
- requests are plain dicts with Python `float` prices/volumes and `int` everything else;
  `type_filling` comes from the symbol's `filling_mode` bit mask; `type_time` is GTC;
  comments are printable ASCII cut to 29 characters;
- closing sends `TRADE_ACTION_DEAL` with the opposite type and `position=<ticket>`;
- volumes are rounded down to the step; SL/TP and pending prices are checked before sending;
- requotes (10004), price changes (10020) and "no prices" (10021) on a deal are retried with a
  fresh tick up to `requote_retries` times.

An operation that does not succeed raises `OrderFailed` carrying its `TradeResult` (a refusal
found before sending raises `Refusal`); `MT5Broker` turns both into the returned result.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from broker.errors import BrokerError, TemporaryBrokerError
from broker.models import PendingKind, Side, TradeResult
from broker.mt5.constants import (
    COMMENT_MAX,
    ORDER_FILLING_FOK,
    ORDER_FILLING_IOC,
    ORDER_FILLING_RETURN,
    ORDER_TIME_GTC,
    ORDER_TIME_SPECIFIED,
    ORDER_TIME_SPECIFIED_DAY,
    ORDER_TYPE_BUY,
    ORDER_TYPE_SELL,
    PENDING_ORDER_TYPE,
    PENDING_TYPES,
    SYMBOL_FILLING_FOK,
    SYMBOL_FILLING_IOC,
    SYMBOL_TRADE_MODE_CLOSEONLY,
    SYMBOL_TRADE_MODE_DISABLED,
    SYMBOL_TRADE_MODE_LONGONLY,
    SYMBOL_TRADE_MODE_SHORTONLY,
    TRADE_ACTION_DEAL,
    TRADE_ACTION_MODIFY,
    TRADE_ACTION_PENDING,
    TRADE_ACTION_REMOVE,
    TRADE_ACTION_SLTP,
    field,
)
from broker.mt5.retcodes import (
    CONNECTION_LOST,
    OUTCOME_UNKNOWN,
    RETRY_WITH_FRESH_PRICE,
    SUCCESS,
    explain_last_error,
    explain_retcode,
    failure_state,
)
from broker.mt5.session import TerminalSession
from broker.symbols import fmt_volume, normalize_volume
from broker.validation import KIND_ZH, pending_price_refusal, stops_refusal

log = logging.getLogger(__name__)

_SIDE_ZH = {"buy": "买入", "sell": "卖出"}
MAY_HAVE_EXECUTED_EN = "; the order may or may not have been executed — check positions and orders"
MAY_HAVE_EXECUTED_ZH = "；订单可能已执行也可能未执行，请查看持仓和挂单"


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


class Refusal(Exception):
    """A trade refused before anything was sent."""

    def __init__(self, retcode: int, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.retcode = retcode
        self.message = message
        self.message_zh = message_zh

    def result(self) -> TradeResult:
        return TradeResult("refused", self.retcode, self.message, self.message_zh)


class OrderFailed(Exception):
    """An order that was sent (or tried to be) and did not succeed."""

    def __init__(self, result: TradeResult) -> None:
        super().__init__(result.message)
        self.result = result


@dataclass(frozen=True, slots=True)
class Target:
    """The symbol an operation trades, as the terminal knows it."""

    info: Any
    name: str  # broker name
    canon: str  # canonical name
    digits: int

    def fmt(self, price: float) -> str:
        return f"{price:.{self.digits}f}"

    def rounded(self, price: float | None) -> float:
        """A price rounded to the symbol's digits; 0.0 (none) for None/0."""
        return round(float(price), self.digits) if price else 0.0

    def filling(self) -> int:
        return filling_from_mask(int(field(self.info, "filling_mode", 0)))


@dataclass(frozen=True, slots=True)
class Reprice:
    """How a deal is re-priced after a requote: the side decides bid or ask."""

    target: Target
    side: Side


def _close_ref(side: Side) -> tuple[str, str]:
    # A buy closes at the bid, a sell at the ask: that is where its stops are measured from.
    return (
        ("the current bid", "当前 Bid 价") if side == "buy" else ("the current ask", "当前 Ask 价")
    )


def _entry_price(tick: Any, side: Side) -> float:
    return float(tick.ask if side == "buy" else tick.bid)


def _exit_price(tick: Any, side: Side) -> float:
    return float(tick.bid if side == "buy" else tick.ask)


class OrderDesk:
    def __init__(
        self, session: TerminalSession, *, deviation: int, requote_retries: int, magic: int
    ) -> None:
        self.session = session
        self.deviation = int(deviation)
        self.requote_retries = max(0, int(requote_retries))
        self.magic = int(magic)

    # ---------------------------------------------------------------- the one submit path

    def submit(
        self, request: dict[str, Any], what: tuple[str, str], reprice: Reprice | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Send `request`; (result, what was sent) when the server accepted it.

        With `reprice` (a deal), requotes and price changes are retried with a fresh tick.
        Anything else raises `OrderFailed`, its message prefixed with "<what> failed"."""
        sent = dict(request)
        tries = self.requote_retries + 1 if reprice is not None else 1
        for attempt in range(tries):
            if attempt and reprice is not None:
                tick = self._fresh_tick(reprice.target)
                sent = dict(sent, price=_entry_price(tick, reprice.side))
            result = self._send_once(sent, what)
            retcode = int(result.retcode)
            if retcode in SUCCESS:
                return result, sent
            if retcode in RETRY_WITH_FRESH_PRICE and attempt + 1 < tries:
                log.info("%s: retcode %s, retrying with a fresh price", what[0], retcode)
                continue
            raise OrderFailed(self._failed(result, sent, what))
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(self, request: dict[str, Any], what: tuple[str, str]) -> Any:
        """One order_send; the answer, or `OrderFailed` when none came."""
        try:
            result = self.session.call("order_send", dict(request))
        except TemporaryBrokerError as exc:
            raise OrderFailed(
                self._no_answer(
                    exc.code or -10002,
                    exc.message + MAY_HAVE_EXECUTED_EN,
                    exc.message_zh + MAY_HAVE_EXECUTED_ZH,
                    request,
                    what,
                )
            ) from None
        if result is not None:
            return result
        code, text = self.session.last_error()
        en, zh = explain_last_error((code, text))
        if code in CONNECTION_LOST:
            self.session.mark_disconnected(en, zh)
        if code in OUTCOME_UNKNOWN:
            en, zh = en + MAY_HAVE_EXECUTED_EN, zh + MAY_HAVE_EXECUTED_ZH
        raise OrderFailed(self._no_answer(code, en, zh, request, what))

    @staticmethod
    def _no_answer(
        code: int, en: str, zh: str, request: dict[str, Any], what: tuple[str, str]
    ) -> TradeResult:
        return TradeResult(
            failure_state(code),
            code,
            f"{what[0]} failed: {en}",
            f"{what[1]}失败：{zh}",
            request=dict(request),
        )

    def _failed(self, result: Any, sent: dict[str, Any], what: tuple[str, str]) -> TradeResult:
        retcode = int(result.retcode)
        en, zh = explain_retcode(retcode, str(field(result, "comment", "")))
        if retcode in RETRY_WITH_FRESH_PRICE:
            en += f" (tried {self.requote_retries + 1} times)"
            zh += f"（已重试 {self.requote_retries + 1} 次）"
        return TradeResult(
            failure_state(retcode),
            retcode,
            f"{what[0]} failed: {en}",
            f"{what[1]}失败：{zh}",
            request=dict(sent),
        )

    # ---------------------------------------------------------------- looking things up

    def _target(self, symbol: str) -> Target:
        info = self.session.info(symbol)
        name = str(info.name)
        return Target(info, name, self.session.canonical(name), int(field(info, "digits", 5)))

    def _fresh_tick(self, target: Target) -> Any:
        tick = self.session.tick(target.name)
        if tick is None or not field(tick, "bid", 0) or not field(tick, "ask", 0):
            code, _text = self.session.last_error()
            if tick is None and code in CONNECTION_LOST:
                raise self.session.error(
                    f"No price for {target.canon}", f"{target.canon} 无法取得报价"
                )
            raise Refusal(
                10021,
                f"There are no prices for {target.canon} right now (market closed?)",
                f"{target.canon} 当前没有报价（可能已休市）",
            )
        return tick

    def _position_of_order(self, order: int) -> int:
        """The position a market order opened or changed (`history_deals_get(ticket=order)`
        returns that order's deals); the order ticket itself when the history does not say."""
        if not order:
            return 0
        try:
            rows = self.session.call("history_deals_get", ticket=int(order))
        except BrokerError:
            return order
        if rows:
            return int(field(rows[0], "position_id", 0)) or order
        return order

    def _get_position(self, ticket: int) -> Any:
        rows = self.session.call("positions_get", ticket=int(ticket))
        if rows is None:
            raise self.session.error(
                f"Could not read position #{ticket}", f"无法读取持仓 #{ticket}"
            )
        if rows:
            return rows[0]
        if self.session.call("orders_get", ticket=int(ticket)):
            raise Refusal(
                10036,
                f"#{ticket} is a pending order, not a position: cancel it instead",
                f"#{ticket} 是挂单而不是持仓，请改为撤单",
            )
        raise Refusal(
            10036,
            f"Position #{ticket} was not found: it is already closed or the ticket is wrong",
            f"未找到持仓 #{ticket}：可能已平仓或单号有误",
        )

    def _get_order(self, ticket: int) -> Any:
        rows = self.session.call("orders_get", ticket=int(ticket))
        if rows is None:
            raise self.session.error(f"Could not read order #{ticket}", f"无法读取挂单 #{ticket}")
        if rows:
            return rows[0]
        raise Refusal(
            10013,
            f"Pending order #{ticket} was not found: it was filled, canceled or the ticket is wrong",
            f"未找到挂单 #{ticket}：可能已成交、已撤销或单号有误",
        )

    def _magic(self, magic: int) -> int:
        return int(magic) if magic else self.magic

    # ---------------------------------------------------------------- checks before sending

    @staticmethod
    def _check_trade_mode(target: Target, side: Side | None) -> None:
        mode = int(field(target.info, "trade_mode", 4))
        canon = target.canon
        if mode == SYMBOL_TRADE_MODE_DISABLED:
            raise Refusal(10017, f"Trading is disabled for {canon}", f"{canon} 已禁止交易")
        if side is None:
            return
        if mode == SYMBOL_TRADE_MODE_CLOSEONLY:
            raise Refusal(
                10044,
                f"Only closing positions is allowed for {canon}",
                f"{canon} 只允许平仓，不能开新仓",
            )
        if mode == SYMBOL_TRADE_MODE_LONGONLY and side == "sell":
            raise Refusal(10042, f"Only buying is allowed for {canon}", f"{canon} 只允许做多")
        if mode == SYMBOL_TRADE_MODE_SHORTONLY and side == "buy":
            raise Refusal(10043, f"Only selling is allowed for {canon}", f"{canon} 只允许做空")

    @staticmethod
    def _volume(target: Target, volume: float) -> float:
        info = target.info
        check = normalize_volume(
            target.canon,
            float(volume),
            float(field(info, "volume_min", 0.01)),
            float(field(info, "volume_max", 0.0)),
            float(field(info, "volume_step", 0.01)),
        )
        if not check.ok:
            raise Refusal(10014, check.message, check.message_zh)
        return check.volume

    @staticmethod
    def _check_stops(
        target: Target, side: Side, ref: float, sl: float, tp: float, ref_words: tuple[str, str]
    ) -> None:
        info = target.info
        refusal = stops_refusal(
            target.canon, side, ref, sl, tp,
            point=float(field(info, "point", 0.0)),
            digits=target.digits,
            stops_level=int(field(info, "trade_stops_level", 0)),
            ref_en=ref_words[0],
            ref_zh=ref_words[1],
        )  # fmt: skip
        if refusal is not None:
            raise Refusal(*refusal)

    @staticmethod
    def _check_pending_price(
        target: Target, side: Side, kind: PendingKind, price: float, tick: Any
    ) -> None:
        info = target.info
        refusal = pending_price_refusal(
            target.canon, side, kind, price,
            bid=float(tick.bid),
            ask=float(tick.ask),
            point=float(field(info, "point", 0.0)),
            digits=target.digits,
            stops_level=int(field(info, "trade_stops_level", 0)),
        )  # fmt: skip
        if refusal is not None:
            raise Refusal(*refusal)

    @staticmethod
    def _check_price(target: Target, price: float | None, px: float) -> None:
        if not px or not math.isfinite(px) or px <= 0:
            raise Refusal(
                10015,
                f"Invalid price {price} for {target.canon}",
                f"{target.canon} 价格 {price} 无效",
            )

    # ---------------------------------------------------------------- operations

    def open_market(
        self,
        symbol: str,
        side: Side,
        volume: float,
        sl: float | None,
        tp: float | None,
        magic: int,
        comment: str,
    ) -> TradeResult:
        target = self._target(symbol)
        self._check_trade_mode(target, side)
        vol = self._volume(target, volume)
        tick = self._fresh_tick(target)
        sl_v, tp_v = target.rounded(sl), target.rounded(tp)
        self._check_stops(target, side, _exit_price(tick, side), sl_v, tp_v, _close_ref(side))
        request: dict[str, Any] = {
            "action": TRADE_ACTION_DEAL,
            "symbol": target.name,
            "volume": float(vol),
            "type": ORDER_TYPE_BUY if side == "buy" else ORDER_TYPE_SELL,
            "price": _entry_price(tick, side),
        }
        _add_stops(request, sl_v, tp_v)
        request.update(
            deviation=self.deviation,
            magic=self._magic(magic),
            comment=clean_comment(comment),
            type_time=ORDER_TIME_GTC,
            type_filling=target.filling(),
        )
        canon = target.canon
        what = (
            f"{'Buy' if side == 'buy' else 'Sell'} {fmt_volume(vol)} {canon}",
            f"{_SIDE_ZH[side]} {canon} {fmt_volume(vol)} 手",
        )
        result, sent = self.submit(request, what, Reprice(target, side))
        retcode = int(result.retcode)
        order = int(field(result, "order", 0))
        deal = int(field(result, "deal", 0))
        price = float(field(result, "price", 0.0)) or float(sent["price"])
        filled = float(field(result, "volume", 0.0)) or vol
        ticket = self._position_of_order(order)
        p = target.fmt(price)
        partial = retcode == 10010
        partial_en = f" (only {fmt_volume(filled)} of {fmt_volume(vol)} filled)" if partial else ""
        partial_zh = f"（仅成交 {fmt_volume(filled)} 手）" if partial else ""
        past_en = "Bought" if side == "buy" else "Sold"
        return TradeResult(
            "done",
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

    def place_pending(
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
        order_type = PENDING_ORDER_TYPE.get((side, kind))
        if order_type is None:
            raise Refusal(
                10035, f"Unknown pending order type {side} {kind}", f"未知的挂单类型 {side} {kind}"
            )
        target = self._target(symbol)
        self._check_trade_mode(target, side)
        vol = self._volume(target, volume)
        self._check_price(target, price, price if price and math.isfinite(price) else 0.0)
        px = round(float(price), target.digits)
        self._check_pending_price(target, side, kind, px, self._fresh_tick(target))
        sl_v, tp_v = target.rounded(sl), target.rounded(tp)
        self._check_stops(target, side, px, sl_v, tp_v, ("the order price", "挂单价"))
        request: dict[str, Any] = {
            "action": TRADE_ACTION_PENDING,
            "symbol": target.name,
            "volume": float(vol),
            "type": order_type,
            "price": float(px),
        }
        _add_stops(request, sl_v, tp_v)
        request.update(
            magic=self._magic(magic),
            comment=clean_comment(comment),
            type_time=ORDER_TIME_GTC,
            type_filling=target.filling(),
        )
        canon, kind_en, kind_zh = target.canon, f"{side} {kind}", KIND_ZH[(side, kind)]
        p = target.fmt(px)
        what = (
            f"Place {kind_en} {fmt_volume(vol)} {canon} at {p}",
            f"{kind_zh}挂单 {canon} {fmt_volume(vol)} 手 @ {p}",
        )
        result, _sent = self.submit(request, what)
        order = int(field(result, "order", 0))
        return TradeResult(
            "done",
            int(result.retcode),
            f"Placed {kind_en} {fmt_volume(vol)} {canon} at {p} (order #{order})",
            f"已挂单：{kind_zh} {canon} {fmt_volume(vol)} 手 @ {p}（订单 #{order}）",
            ticket=order or None,
            order=order or None,
            price=float(px),
            volume=vol,
            request=dict(request),
        )

    def close_position(self, ticket: int, volume: float | None, comment: str) -> TradeResult:
        pos = self._get_position(ticket)
        target = self._target(str(pos.symbol))
        canon = target.canon
        self._check_trade_mode(target, None)
        held = float(pos.volume)
        vol = held if volume is None else self._volume(target, volume)
        if vol > held + 1e-9:
            raise Refusal(
                10038,
                f"Cannot close {fmt_volume(vol)} lots: position #{ticket} ({canon}) holds only {fmt_volume(held)}",
                f"持仓 #{ticket}（{canon}）只有 {fmt_volume(held)} 手，无法平仓 {fmt_volume(vol)} 手",
            )
        held_side: Side = "buy" if int(pos.type) == ORDER_TYPE_BUY else "sell"
        close_side: Side = "sell" if held_side == "buy" else "buy"
        tick = self._fresh_tick(target)
        request: dict[str, Any] = {
            "action": TRADE_ACTION_DEAL,
            "symbol": target.name,
            "volume": float(vol),
            "type": ORDER_TYPE_SELL if held_side == "buy" else ORDER_TYPE_BUY,
            "position": int(ticket),
            "price": _entry_price(tick, close_side),
            "deviation": self.deviation,
            "magic": int(field(pos, "magic", 0)),
            "comment": clean_comment(comment),
            "type_time": ORDER_TIME_GTC,
            "type_filling": target.filling(),
        }
        what = (
            f"Close {fmt_volume(vol)} of position #{ticket} ({canon})",
            f"平仓 #{ticket}（{canon}）{fmt_volume(vol)} 手",
        )
        result, sent = self.submit(request, what, Reprice(target, close_side))
        price = float(field(result, "price", 0.0)) or float(sent["price"])
        filled = float(field(result, "volume", 0.0)) or vol
        p = target.fmt(price)
        rest = held - filled
        rest_en = f"; {fmt_volume(rest)} lots remain open" if rest > 1e-9 else ""
        rest_zh = f"，剩余 {fmt_volume(rest)} 手" if rest > 1e-9 else ""
        deal = int(field(result, "deal", 0))
        order = int(field(result, "order", 0))
        return TradeResult(
            "done",
            int(result.retcode),
            f"Closed {fmt_volume(filled)} lots of position #{ticket} ({canon}) at {p}{rest_en}",
            f"已平仓 #{ticket}（{canon}）{fmt_volume(filled)} 手，成交价 {p}{rest_zh}",
            ticket=int(ticket),
            deal=deal or None,
            order=order or None,
            price=price,
            volume=filled,
            request=dict(sent),
        )

    def modify_position(self, ticket: int, sl: float | None, tp: float | None) -> TradeResult:
        pos = self._get_position(ticket)
        target = self._target(str(pos.symbol))
        canon = target.canon
        self._check_trade_mode(target, None)
        cur_sl, cur_tp = float(field(pos, "sl", 0.0)), float(field(pos, "tp", 0.0))
        new_sl = _new_stop(cur_sl, sl, target.digits)
        new_tp = _new_stop(cur_tp, tp, target.digits)
        if new_sl == cur_sl and new_tp == cur_tp:
            raise Refusal(
                10025,
                f"Nothing to change: position #{ticket} already has these SL/TP",
                f"持仓 #{ticket} 的止损/止盈已是这些数值，无需修改",
            )
        side: Side = "buy" if int(pos.type) == ORDER_TYPE_BUY else "sell"
        tick = self._fresh_tick(target)
        self._check_stops(
            target, side, _exit_price(tick, side),
            new_sl if new_sl != cur_sl else 0.0,
            new_tp if new_tp != cur_tp else 0.0,
            _close_ref(side),
        )  # fmt: skip
        request: dict[str, Any] = {
            "action": TRADE_ACTION_SLTP,
            "symbol": target.name,
            "position": int(ticket),
            "sl": float(new_sl),
            "tp": float(new_tp),
            "magic": int(field(pos, "magic", 0)),
        }
        what = (f"Modify position #{ticket} ({canon})", f"修改持仓 #{ticket}（{canon}）")
        result, _sent = self.submit(request, what)
        sl_s = target.fmt(new_sl) if new_sl else None
        tp_s = target.fmt(new_tp) if new_tp else None
        return TradeResult(
            "done",
            int(result.retcode),
            f"Position #{ticket} ({canon}): SL {sl_s or 'none'}, TP {tp_s or 'none'}",
            f"持仓 #{ticket}（{canon}）已修改：止损 {sl_s or '无'}，止盈 {tp_s or '无'}",
            ticket=int(ticket),
            order=int(field(result, "order", 0)) or None,
            request=dict(request),
        )

    def modify_order(
        self, ticket: int, price: float | None, sl: float | None, tp: float | None
    ) -> TradeResult:
        order = self._get_order(ticket)
        target = self._target(str(order.symbol))
        canon = target.canon
        self._check_trade_mode(target, None)
        cur = (
            float(field(order, "price_open", 0.0)),
            float(field(order, "sl", 0.0)),
            float(field(order, "tp", 0.0)),
        )
        new_px = cur[0] if price is None else round(float(price), target.digits)
        new_sl = _new_stop(cur[1], sl, target.digits)
        new_tp = _new_stop(cur[2], tp, target.digits)
        if (new_px, new_sl, new_tp) == cur:
            raise Refusal(
                10025,
                f"Nothing to change: order #{ticket} already has these values",
                f"挂单 #{ticket} 已是这些数值，无需修改",
            )
        self._check_price(target, price, new_px)
        self._check_modified_order(target, order, new_px != cur[0], (new_px, new_sl, new_tp))
        request = _modify_request(order, ticket, new_px, new_sl, new_tp)
        what = (f"Modify order #{ticket} ({canon})", f"修改挂单 #{ticket}（{canon}）")
        result, _sent = self.submit(request, what)
        p = target.fmt(new_px)
        sl_s = target.fmt(new_sl) if new_sl else None
        tp_s = target.fmt(new_tp) if new_tp else None
        return TradeResult(
            "done",
            int(result.retcode),
            f"Order #{ticket} ({canon}): price {p}, SL {sl_s or 'none'}, TP {tp_s or 'none'}",
            f"挂单 #{ticket}（{canon}）已修改：价格 {p}，止损 {sl_s or '无'}，止盈 {tp_s or '无'}",
            ticket=int(ticket),
            order=int(ticket),
            price=float(new_px),
            request=dict(request),
        )

    def _check_modified_order(
        self, target: Target, order: Any, moved: bool, values: tuple[float, float, float]
    ) -> None:
        kind = PENDING_TYPES.get(int(order.type))
        if kind is None:
            return
        side, pkind = kind
        new_px, new_sl, new_tp = values
        if moved and int(order.type) in PENDING_ORDER_TYPE.values():
            self._check_pending_price(target, side, pkind, new_px, self._fresh_tick(target))
        self._check_stops(target, side, new_px, new_sl, new_tp, ("the order price", "挂单价"))

    def cancel_order(self, ticket: int) -> TradeResult:
        order = self._get_order(ticket)
        canon = self.session.canonical(str(order.symbol))
        request: dict[str, Any] = {"action": TRADE_ACTION_REMOVE, "order": int(ticket)}
        what = (f"Cancel order #{ticket} ({canon})", f"撤销挂单 #{ticket}（{canon}）")
        result, _sent = self.submit(request, what)
        return TradeResult(
            "done",
            int(result.retcode),
            f"Order #{ticket} ({canon}) canceled",
            f"挂单 #{ticket}（{canon}）已撤销",
            ticket=int(ticket),
            order=int(ticket),
            request=dict(request),
        )


def _add_stops(request: dict[str, Any], sl: float, tp: float) -> None:
    if sl:
        request["sl"] = float(sl)
    if tp:
        request["tp"] = float(tp)


def _new_stop(current: float, wanted: float | None, digits: int) -> float:
    """None keeps the current SL/TP; 0.0 removes it."""
    return current if wanted is None else round(max(0.0, float(wanted)), digits)


def _modify_request(order: Any, ticket: int, price: float, sl: float, tp: float) -> dict[str, Any]:
    type_time = int(field(order, "type_time", ORDER_TIME_GTC))
    request: dict[str, Any] = {
        "action": TRADE_ACTION_MODIFY,
        "order": int(ticket),
        "price": float(price),
        "sl": float(sl),
        "tp": float(tp),
        "type_time": type_time,
    }
    if type_time in (ORDER_TIME_SPECIFIED, ORDER_TIME_SPECIFIED_DAY):
        request["expiration"] = int(field(order, "time_expiration", 0))
    return request
