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
Results carry a `Note` (a key and facts), never sentences: `handlers/broker_text.py` words them.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from broker.errors import BrokerError, TemporaryBrokerError
from broker.models import Note, PendingKind, Side, TradeResult
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
    failure_state,
)
from broker.mt5.session import TerminalSession
from broker.symbols import normalize_volume
from broker.validation import StopsRef, pending_price_refusal, stops_refusal

log = logging.getLogger(__name__)


def may_have_executed(reason: Note) -> Note:
    """`reason`, plus: the request may have reached the server — check before resending."""
    return Note("may_have_executed", {"reason": reason})


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

    def __init__(self, retcode: int, key: str, /, **facts: Any) -> None:
        super().__init__(key)
        self.retcode = retcode
        self.note = Note(key, facts)

    @classmethod
    def of(cls, retcode: int, note: Note) -> Refusal:
        """A refusal found by a shared check (volume, stops, pending price)."""
        return cls(retcode, note.key, **note.facts)

    def result(self) -> TradeResult:
        return TradeResult("refused", self.retcode, self.note)


class OrderFailed(Exception):
    """An order that was sent (or tried to be) and did not succeed."""

    def __init__(self, result: TradeResult) -> None:
        super().__init__(result.note.key)
        self.result = result


@dataclass(frozen=True, slots=True)
class Target:
    """The symbol an operation trades, as the terminal knows it."""

    info: Any
    name: str  # broker name
    canon: str  # canonical name
    digits: int

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


def _close_ref(side: Side) -> StopsRef:
    # A buy closes at the bid, a sell at the ask: that is where its stops are measured from.
    return "bid" if side == "buy" else "ask"


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
        self, request: dict[str, Any], what: Note, reprice: Reprice | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Send `request`; (result, what was sent) when the server accepted it.

        With `reprice` (a deal), requotes and price changes are retried with a fresh tick.
        Anything else raises `OrderFailed` with a "failed" note naming the operation `what`."""
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
                log.info("%s: retcode %s, retrying with a fresh price", what.key, retcode)
                continue
            raise OrderFailed(self._failed(result, sent, what))
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(self, request: dict[str, Any], what: Note) -> Any:
        """One order_send; the answer, or `OrderFailed` when none came."""
        try:
            result = self.session.call("order_send", dict(request))
        except TemporaryBrokerError as exc:
            reason = may_have_executed(exc.note)
            raise OrderFailed(_failure(exc.code or -10002, what, reason, request)) from None
        if result is not None:
            return result
        code, text = self.session.last_error()
        reason = Note("last_error", {"code": code, "text": text})
        if code in CONNECTION_LOST:
            self.session.mark_disconnected(reason)
        if code in OUTCOME_UNKNOWN:
            reason = may_have_executed(reason)
        raise OrderFailed(_failure(code, what, reason, request))

    def _failed(self, result: Any, sent: dict[str, Any], what: Note) -> TradeResult:
        retcode = int(result.retcode)
        tries = self.requote_retries + 1 if retcode in RETRY_WITH_FRESH_PRICE else None
        reason = Note(
            "retcode",
            {"code": retcode, "comment": str(field(result, "comment", "")), "tries": tries},
        )
        return _failure(retcode, what, reason, sent)

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
                raise self.session.error("no_price", symbol=target.canon)
            raise Refusal(10021, "no_prices", symbol=target.canon)
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
            raise self.session.error("read_position", ticket=ticket)
        if rows:
            return rows[0]
        if self.session.call("orders_get", ticket=int(ticket)):
            raise Refusal(10036, "is_pending_order", ticket=ticket)
        raise Refusal(10036, "position_not_found", ticket=ticket)

    def _get_order(self, ticket: int) -> Any:
        rows = self.session.call("orders_get", ticket=int(ticket))
        if rows is None:
            raise self.session.error("read_order", ticket=ticket)
        if rows:
            return rows[0]
        raise Refusal(10013, "order_not_found", ticket=ticket)

    def _magic(self, magic: int) -> int:
        return int(magic) if magic else self.magic

    # ---------------------------------------------------------------- checks before sending

    @staticmethod
    def _check_trade_mode(target: Target, side: Side | None) -> None:
        mode = int(field(target.info, "trade_mode", 4))
        canon = target.canon
        if mode == SYMBOL_TRADE_MODE_DISABLED:
            raise Refusal(10017, "trade_disabled", symbol=canon)
        if side is None:
            return
        if mode == SYMBOL_TRADE_MODE_CLOSEONLY:
            raise Refusal(10044, "close_only", symbol=canon)
        if mode == SYMBOL_TRADE_MODE_LONGONLY and side == "sell":
            raise Refusal(10042, "long_only", symbol=canon)
        if mode == SYMBOL_TRADE_MODE_SHORTONLY and side == "buy":
            raise Refusal(10043, "short_only", symbol=canon)

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
        if check.note is not None:
            raise Refusal.of(10014, check.note)
        return check.volume

    @staticmethod
    def _check_stops(
        target: Target, side: Side, ref: float, sl: float, tp: float, ref_kind: StopsRef
    ) -> None:
        info = target.info
        refusal = stops_refusal(
            target.canon, side, ref, sl, tp,
            point=float(field(info, "point", 0.0)),
            digits=target.digits,
            stops_level=int(field(info, "trade_stops_level", 0)),
            ref_kind=ref_kind,
        )  # fmt: skip
        if refusal is not None:
            raise Refusal.of(*refusal)

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
            raise Refusal.of(*refusal)

    @staticmethod
    def _check_price(target: Target, price: float | None, px: float) -> None:
        if not px or not math.isfinite(px) or px <= 0:
            raise Refusal(10015, "invalid_price", symbol=target.canon, price=price)

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
        what = Note("op_open", {"side": side, "volume": vol, "symbol": target.canon})
        result, sent = self.submit(request, what, Reprice(target, side))
        retcode = int(result.retcode)
        order = int(field(result, "order", 0))
        deal = int(field(result, "deal", 0))
        price = float(field(result, "price", 0.0)) or float(sent["price"])
        filled = float(field(result, "volume", 0.0)) or vol
        ticket = self._position_of_order(order)
        facts = {
            "side": side,
            "symbol": target.canon,
            "volume": filled,
            "requested": vol,
            "partial": retcode == 10010,
            "price": price,
            "digits": target.digits,
            "ticket": ticket,
        }
        return TradeResult(
            "done",
            retcode,
            Note("opened", facts),
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
            raise Refusal(10035, "unknown_pending_type", side=side, kind=kind)
        target = self._target(symbol)
        self._check_trade_mode(target, side)
        vol = self._volume(target, volume)
        self._check_price(target, price, price if price and math.isfinite(price) else 0.0)
        px = round(float(price), target.digits)
        self._check_pending_price(target, side, kind, px, self._fresh_tick(target))
        sl_v, tp_v = target.rounded(sl), target.rounded(tp)
        self._check_stops(target, side, px, sl_v, tp_v, "order_price")
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
        facts: dict[str, Any] = {
            "side": side,
            "kind": kind,
            "volume": vol,
            "symbol": target.canon,
            "price": px,
            "digits": target.digits,
        }
        result, _sent = self.submit(request, Note("op_pending", facts))
        order = int(field(result, "order", 0))
        return TradeResult(
            "done",
            int(result.retcode),
            Note("placed", {**facts, "ticket": order}),
            ticket=order or None,
            order=order or None,
            price=float(px),
            volume=vol,
            request=dict(request),
        )

    def close_position(self, ticket: int, volume: float | None, comment: str) -> TradeResult:
        pos = self._get_position(ticket)
        target = self._target(str(pos.symbol))
        self._check_trade_mode(target, None)
        held = float(pos.volume)
        vol = held if volume is None else self._volume(target, volume)
        if vol > held + 1e-9:
            raise Refusal(
                10038, "close_exceeds", ticket=ticket, symbol=target.canon, volume=vol, held=held
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
        what = Note("op_close", {"ticket": ticket, "symbol": target.canon, "volume": vol})
        result, sent = self.submit(request, what, Reprice(target, close_side))
        price = float(field(result, "price", 0.0)) or float(sent["price"])
        filled = float(field(result, "volume", 0.0)) or vol
        facts = {
            "ticket": ticket,
            "symbol": target.canon,
            "volume": filled,
            "rest": held - filled,
            "price": price,
            "digits": target.digits,
        }
        deal = int(field(result, "deal", 0))
        order = int(field(result, "order", 0))
        return TradeResult(
            "done",
            int(result.retcode),
            Note("closed", facts),
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
        self._check_trade_mode(target, None)
        cur_sl, cur_tp = float(field(pos, "sl", 0.0)), float(field(pos, "tp", 0.0))
        new_sl = _new_stop(cur_sl, sl, target.digits)
        new_tp = _new_stop(cur_tp, tp, target.digits)
        if new_sl == cur_sl and new_tp == cur_tp:
            raise Refusal(10025, "position_unchanged", ticket=ticket)
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
        names = {"ticket": ticket, "symbol": target.canon}
        result, _sent = self.submit(request, Note("op_modify_position", names))
        facts = {**names, "sl": new_sl, "tp": new_tp, "digits": target.digits}
        return TradeResult(
            "done",
            int(result.retcode),
            Note("position_modified", facts),
            ticket=int(ticket),
            order=int(field(result, "order", 0)) or None,
            request=dict(request),
        )

    def modify_order(
        self, ticket: int, price: float | None, sl: float | None, tp: float | None
    ) -> TradeResult:
        order = self._get_order(ticket)
        target = self._target(str(order.symbol))
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
            raise Refusal(10025, "order_unchanged", ticket=ticket)
        self._check_price(target, price, new_px)
        self._check_modified_order(target, order, new_px != cur[0], (new_px, new_sl, new_tp))
        request = _modify_request(order, ticket, new_px, new_sl, new_tp)
        names = {"ticket": ticket, "symbol": target.canon}
        result, _sent = self.submit(request, Note("op_modify_order", names))
        facts = {**names, "price": new_px, "sl": new_sl, "tp": new_tp, "digits": target.digits}
        return TradeResult(
            "done",
            int(result.retcode),
            Note("order_modified", facts),
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
        self._check_stops(target, side, new_px, new_sl, new_tp, "order_price")

    def cancel_order(self, ticket: int) -> TradeResult:
        order = self._get_order(ticket)
        names = {"ticket": ticket, "symbol": self.session.canonical(str(order.symbol))}
        request: dict[str, Any] = {"action": TRADE_ACTION_REMOVE, "order": int(ticket)}
        result, _sent = self.submit(request, Note("op_cancel", names))
        return TradeResult(
            "done",
            int(result.retcode),
            Note("order_canceled", names),
            ticket=int(ticket),
            order=int(ticket),
            request=dict(request),
        )


def _failure(code: int, what: Note, reason: Note, request: dict[str, Any]) -> TradeResult:
    """The result of an operation `what` that failed with `code` because of `reason`."""
    return TradeResult(
        failure_state(code),
        code,
        Note("failed", {"operation": what, "reason": reason}),
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
