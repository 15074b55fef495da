"""Trade intents → plans: the exact broker symbol, tickets and volumes, the current price, an
estimated margin. A plan is what the preview shows and what ✅ executes — nothing is decided
after the user has seen it except the safety re-checks (risk and price drift).

Rules:
- volumes are rounded DOWN to the symbol's step (`broker.symbols.normalize_volume`);
- a close with a volume and no ticket takes positions oldest first, the last one partially;
- a close/modify without a selector acts on every matching position (INTENTS.md ruling);
- `earliest` / `latest` take `count` positions (one when no count);
- a price without an order kind becomes a limit or a stop order depending on which side of
  the market it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

from broker.base import Broker
from broker.models import (
    MarketView,
    Note,
    PendingKind,
    PendingOrder,
    Position,
    Quote,
    Side,
    SymbolSpec,
)
from broker.symbols import normalize_volume
from handlers.broker_text import words
from handlers.format import lots as fmt_lots
from handlers.format import price as fmt_price
from handlers.format import signed, table
from handlers.i18n import t
from handlers.messages import Lang
from nlp.intent import Intent

if TYPE_CHECKING:  # handlers.trailing builds on this module
    from handlers.trailing import TrailingPlanner

PlanAction = Literal["open", "close", "modify", "cancel"]
# "trail": a trailing stop kept by the bot (handlers/trailing.py), set or removed at ✅
LegAction = Literal["open", "pending", "close", "modify", "modify_order", "cancel", "trail"]


@dataclass(slots=True)
class Check:
    """One risk check's result; `key` is an i18n key, `values` its parameters."""

    key: str
    ok: bool
    values: dict[str, str] = field(default_factory=dict)

    def line(self, lang: Lang) -> str:
        return t(lang, self.key, **self.values)


@dataclass(slots=True)
class Leg:
    action: LegAction
    symbol: str
    broker_symbol: str
    side: Side | None = None  # direction of the order / of the position acted on
    volume: float = 0.0  # lots to send (open, pending, close)
    price: float | None = None  # pending entry price; open price of the position/order
    kind: PendingKind | None = None
    sl: float | None = None  # new values; for modify None keeps, 0.0 removes
    tp: float | None = None
    ticket: int | None = None
    total_volume: float | None = None  # the whole position or order (close, modify legs)
    old_sl: float | None = None
    old_tp: float | None = None
    pnl: float | None = None  # floating profit + swap at preview (close, modify legs)
    ref_price: float | None = None  # market price this leg executes at (drift check)
    point: float = 0.0
    digits: int = 5
    stops_level: int = 0  # minimal SL/TP distance in points (preview check)
    # "trail" legs (handlers/trailing.py): distance, step and activation in pips (distance 0
    # removes the ticket's trailing stop; its step then holds the distance it trailed at)
    trail_pips: float | None = None
    trail_step_pips: float | None = None
    trail_activation_pips: float | None = None
    pip: float = 0.0  # the pip size the distances are in


@dataclass(slots=True)
class Plan:
    action: PlanAction
    legs: list[Leg]
    intent: Intent  # the request this plan carries out; a fresh preview is rebuilt from it
    symbol: str | None = None  # canonical, when the plan is about one symbol
    bid: float | None = None
    ask: float | None = None
    digits: int = 5
    margin: float | None = None
    currency: str = ""
    checks: list[Check] = field(default_factory=list)
    # The terminal's state the plan was built from (one `Broker.market_view` hop), so the risk
    # gate does not fetch account and positions again. Never stored: a confirmation re-reads.
    view: MarketView | None = field(default=None, repr=False, compare=False)
    # What the plan was built from when it is no intent: a hedge suggestion's exact closes
    # ("123x0.01+124x0.01", handlers/hedge_actions.py); a fresh preview is rebuilt from it.
    origin: str | None = None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def total_volume(self) -> float:
        return round(sum(leg.volume for leg in self.legs), 8)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored with the confirmation and written to the audit log; the
        intent as the contract's JSON (absent keys omitted)."""
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "view"}
        d["legs"] = [asdict(leg) for leg in self.legs]
        d["checks"] = [asdict(c) for c in self.checks]
        d["intent"] = self.intent.model_dump(mode="json", exclude_none=True)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Plan:
        """The inverse of `to_dict`: the stored intent is validated into an `Intent` again."""
        legs = [Leg(**leg) for leg in d.get("legs", [])]
        checks = [Check(**c) for c in d.get("checks", [])]
        intent = Intent.model_validate(d["intent"])
        rest = {k: v for k, v in d.items() if k not in ("legs", "checks", "intent", "view")}
        return cls(legs=legs, checks=checks, intent=intent, **rest)


@dataclass(frozen=True, slots=True)
class Problem:
    """The request cannot become a plan; the user is told why (no preview)."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: Lang) -> str:
        values = dict(self.values)
        en = values.pop("reason_en", None)
        if lang == "en" and en is not None:
            values["reason"] = en
        return t(lang, self.key, **values)


# --- helpers ---------------------------------------------------------------------------------


def _volume_problem(refusal: Note) -> Problem:
    """The volume check's refusal, worded, as the answer (no preview)."""
    zh, en = words(refusal)
    return Problem("volume_invalid", {"reason": zh, "reason_en": en})


def market_price(q: Quote, side: Side, closing: bool = False) -> float:
    """Buying pays the ask, selling gets the bid; closing a buy sells (bid) and vice versa."""
    buying = (side == "buy") != closing
    return q.ask if buying else q.bid


def estimate_margin(spec: SymbolSpec, volume: float, at_price: float, leverage: int) -> float:
    """Notional in account currency / leverage. tick_value/tick_size is the account-currency
    value of a 1.0 price move for one lot, so this works for any quote currency."""
    if spec.tick_size <= 0 or leverage <= 0:
        return 0.0
    notional = at_price * volume * spec.tick_value / spec.tick_size
    return round(notional / leverage, 2)


def pending_kind(side: Side, at: float, q: Quote) -> PendingKind:
    if side == "buy":
        return "limit" if at < q.ask else "stop"
    return "limit" if at > q.bid else "stop"


def _pending_kind_of(order_type: str | None, side: Side, at: float, q: Quote) -> PendingKind:
    """The order kind said ("limit"/"stop"), else the one the price's side of the market gives."""
    if order_type == "limit":
        return "limit"
    if order_type == "stop":
        return "stop"
    return pending_kind(side, at, q)


def select_positions(positions: list[Position], intent: Intent) -> list[Position]:
    """Apply side/selector/count; the result is sorted oldest first."""
    ps = sorted(positions, key=lambda p: (p.time, p.ticket))
    if intent.side is not None:
        ps = [p for p in ps if p.side == intent.side]
    sel = intent.selector
    if sel == "profitable":
        ps = [p for p in ps if p.profit + p.swap > 0]
    elif sel == "losing":
        ps = [p for p in ps if p.profit + p.swap < 0]
    if sel == "earliest":
        ps = ps[: intent.count or 1]
    elif sel == "latest":
        ps = ps[-(intent.count or 1) :]
    elif intent.count:
        ps = ps[: intent.count]
    return ps


def select_orders(orders: list[PendingOrder], intent: Intent) -> list[PendingOrder]:
    # contract v2: a side on cancel narrows it ("撤销黄金买单" never touches sell orders)
    os_ = sorted(
        (o for o in orders if intent.side is None or o.side == intent.side),
        key=lambda o: (o.time, o.ticket),
    )
    if intent.selector == "earliest":
        os_ = os_[:1]
    elif intent.selector == "latest":
        os_ = os_[-1:]
    return os_


# --- builders --------------------------------------------------------------------------------


class Planner:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.trailing: TrailingPlanner | None = None  # set by build_conversation

    async def build(self, intent: Intent) -> Plan | Problem:
        if self.trailing is not None and self.trailing.wants(intent):
            return await self.trailing.build(intent)
        if intent.intent == "open":
            return await self.open(intent)
        if intent.intent == "close":
            return await self.close(intent)
        if intent.intent == "modify":
            return await self.modify(intent)
        if intent.intent == "cancel":
            return await self.cancel(intent)
        raise ValueError(f"not a trade intent: {intent.intent}")

    async def open(self, intent: Intent) -> Plan | Problem:
        symbol, side, volume = intent.symbol, intent.side, intent.volume
        if symbol is None or side is None or volume is None:
            # the conversation asks for every missing slot before it plans
            raise ValueError("an open needs a symbol, a side and a volume")
        spec = await self.broker.symbol_spec(symbol)
        q = await self.broker.quote(symbol)
        acct = await self.broker.account()
        vc = normalize_volume(
            spec.symbol, volume, spec.volume_min, spec.volume_max, spec.volume_step
        )
        if vc.note is not None:
            return _volume_problem(vc.note)
        pending = intent.order_type in ("limit", "stop", "pending") or (
            intent.price is not None and intent.order_type != "market"
        )
        if pending and intent.price is None:
            return Problem("price_needed")
        leg = Leg(
            action="open",
            symbol=spec.symbol,
            broker_symbol=spec.broker_symbol,
            side=side,
            volume=vc.volume,
            sl=intent.sl,
            tp=intent.tp,
            point=spec.point,
            digits=spec.digits,
            stops_level=spec.stops_level,
        )
        if pending and intent.price is not None:
            at = intent.price
            leg.action, leg.price = "pending", at
            leg.kind = _pending_kind_of(intent.order_type, side, at, q)
        else:
            at = leg.ref_price = market_price(q, side)
        return Plan(
            action="open",
            legs=[leg],
            symbol=spec.symbol,
            bid=q.bid,
            ask=q.ask,
            digits=spec.digits,
            margin=estimate_margin(spec, vc.volume, at, acct.leverage),
            currency=acct.currency,
            intent=intent,
        )

    async def _close_leg(self, p: Position, volume: float, quotes: dict[str, Quote]) -> Leg:
        q = quotes.get(p.symbol)
        if q is None:
            q = quotes[p.symbol] = await self.broker.quote(p.symbol)
        share = volume / p.volume if p.volume else 1.0
        return Leg(
            action="close",
            symbol=p.symbol,
            broker_symbol=p.broker_symbol,
            side=p.side,
            volume=volume,
            price=p.price_open,
            ticket=p.ticket,
            total_volume=p.volume,
            pnl=round((p.profit + p.swap) * share, 2),
            ref_price=market_price(q, p.side, closing=True),
            point=q.point,
            digits=q.digits,
        )

    async def close(self, intent: Intent) -> Plan | Problem:
        quotes: dict[str, Quote] = {}
        if intent.ticket is not None:
            found = [p for p in await self.broker.positions() if p.ticket == intent.ticket]
            if not found:
                return Problem("ticket_not_found", {"ticket": intent.ticket})
            chosen = found
        else:
            chosen = select_positions(
                await self.broker.positions(symbol=intent.symbol, magic=intent.magic), intent
            )
            if not chosen:
                return Problem("no_match_positions")
        legs: list[Leg] = []
        if intent.volume is None:
            for p in chosen:
                legs.append(await self._close_leg(p, p.volume, quotes))
        else:
            have = round(sum(p.volume for p in chosen), 8)
            if intent.volume > have + 1e-9:
                return Problem(
                    "volume_exceeds", {"want": fmt_lots(intent.volume), "have": fmt_lots(have)}
                )
            remaining = intent.volume
            for p in chosen:  # oldest first
                if remaining <= 1e-9:
                    break
                take = min(remaining, p.volume)
                spec = await self.broker.symbol_spec(p.symbol)
                vc = normalize_volume(
                    spec.symbol, take, spec.volume_min, spec.volume_max, spec.volume_step
                )
                if vc.note is not None:
                    return _volume_problem(vc.note)
                legs.append(await self._close_leg(p, vc.volume, quotes))
                remaining = round(remaining - vc.volume, 8)
        symbols = {leg.symbol for leg in legs}
        one = next(iter(symbols)) if len(symbols) == 1 else None
        q1 = quotes.get(one) if one else None
        return Plan(
            action="close",
            legs=legs,
            symbol=one,
            bid=q1.bid if q1 else None,
            ask=q1.ask if q1 else None,
            digits=q1.digits if q1 else 5,
            intent=intent,
        )

    async def modify(self, intent: Intent) -> Plan | Problem:
        if intent.sl is None and intent.tp is None:
            return Problem("modify_nothing")
        legs: list[Leg] = []
        if intent.ticket is not None:
            pos = [p for p in await self.broker.positions() if p.ticket == intent.ticket]
            if pos:
                targets = pos
            else:
                orders = [
                    o for o in await self.broker.pending_orders() if o.ticket == intent.ticket
                ]
                if not orders:
                    return Problem("ticket_not_found", {"ticket": intent.ticket})
                o = orders[0]
                spec = await self.broker.symbol_spec(o.symbol)
                legs.append(
                    Leg(
                        action="modify_order",
                        symbol=o.symbol,
                        broker_symbol=o.broker_symbol,
                        side=o.side,
                        volume=0.0,
                        price=o.price,
                        kind=o.kind,
                        ticket=o.ticket,
                        total_volume=o.volume,  # named in the preview; nothing is sent
                        sl=intent.sl,
                        tp=intent.tp,
                        old_sl=o.sl,
                        old_tp=o.tp,
                        point=spec.point,
                        digits=spec.digits,
                        stops_level=spec.stops_level,
                    )
                )
                targets = []
        else:
            targets = select_positions(
                await self.broker.positions(symbol=intent.symbol, magic=intent.magic), intent
            )
            if not targets:
                return Problem("no_match_positions")
        digits: dict[str, tuple[float, int, int]] = {}
        for p in targets:
            if p.symbol not in digits:
                spec = await self.broker.symbol_spec(p.symbol)
                digits[p.symbol] = (spec.point, spec.digits, spec.stops_level)
            point, dg, level = digits[p.symbol]
            legs.append(
                Leg(
                    action="modify",
                    symbol=p.symbol,
                    broker_symbol=p.broker_symbol,
                    side=p.side,
                    volume=0.0,
                    price=p.price_open,
                    ticket=p.ticket,
                    total_volume=p.volume,  # named in the preview with its P&L
                    pnl=round(p.profit + p.swap, 2),
                    sl=intent.sl,
                    tp=intent.tp,
                    old_sl=p.sl,
                    old_tp=p.tp,
                    point=point,
                    digits=dg,
                    stops_level=level,
                )
            )
        symbols = {leg.symbol for leg in legs}
        return Plan(
            action="modify",
            legs=legs,
            symbol=next(iter(symbols)) if len(symbols) == 1 else None,
            digits=legs[0].digits if legs else 5,
            intent=intent,
        )

    async def cancel(self, intent: Intent) -> Plan | Problem:
        orders = await self.broker.pending_orders(symbol=intent.symbol, magic=intent.magic)
        if intent.ticket is not None:
            chosen = [o for o in await self.broker.pending_orders() if o.ticket == intent.ticket]
            if not chosen:
                return Problem("ticket_not_found", {"ticket": intent.ticket})
        else:
            chosen = select_orders(orders, intent)
            if not chosen:
                return Problem("no_match_orders")
        legs: list[Leg] = []
        for o in chosen:
            spec = await self.broker.symbol_spec(o.symbol)
            legs.append(
                Leg(
                    action="cancel",
                    symbol=o.symbol,
                    broker_symbol=o.broker_symbol,
                    side=o.side,
                    volume=o.volume,
                    price=o.price,
                    kind=o.kind,
                    ticket=o.ticket,
                    point=spec.point,
                    digits=spec.digits,
                )
            )
        symbols = {leg.symbol for leg in legs}
        return Plan(
            action="cancel",
            legs=legs,
            symbol=next(iter(symbols)) if len(symbols) == 1 else None,
            digits=legs[0].digits,
            intent=intent,
        )


# --- rendering -------------------------------------------------------------------------------
# A preview names everything it touches: each ticket with its symbol, side, volume, entry price
# and floating P&L, and the totals per symbol when it touches more than one ticket. Every line
# about a ticket fits a phone (`TICKET_WIDTH` display cells, CJK counting double): a ticket's
# head line starts with "#", its details follow on indented lines, and the platform renderer
# never splits a message between a head line and its indented lines (bot/platforms/render.py).

TICKET_WIDTH = 32  # monospace columns a phone shows on one line
MAX_NAMED_SYMBOLS = 3  # more symbols than this: the head line counts them, the totals name them


def _side(lang: Lang, side: Side | None) -> str:
    return t(lang, side) if side else ""


def opt_price(lang: Lang, v: float | None, digits: int) -> str:
    """A stop or limit price, or the word for "none" when it is unset or removed (0)."""
    return t(lang, "none_value") if not v else fmt_price(v, digits)


def _count(lang: Lang, n: int, what: str) -> str:
    """ "3 单" / "3 positions", "1 position" (English has a singular)."""
    return t(lang, f"pv_{what}_one" if n == 1 else f"pv_{what}_many", n=n)


def _symbols(lang: Lang, legs: list[Leg]) -> str:
    """The symbols a plan touches, in the order of its legs, for the head line."""
    names = list(dict.fromkeys(leg.symbol for leg in legs))
    if len(names) > MAX_NAMED_SYMBOLS:
        return t(lang, "pv_n_symbols", n=len(names))
    return t(lang, "pv_symbol_sep").join(names)


def _ticket_line(lang: Lang, leg: Leg, lots: str, key: str = "pv_ticket") -> str:
    return t(lang, key, ticket=leg.ticket, symbol=leg.symbol, side=_side(lang, leg.side), lots=lots)


def leg_label(lang: Lang, leg: Leg, lots: float | None = None) -> str:
    """A leg named as its preview names it — `#123 XAUUSD 买 0.05 手`, a pending order's
    `#124 EURUSD 买限价 0.10 手`, a new order's `买入 XAUUSD 0.01 手` — for the result that
    replaces the preview (handlers/execute.py). `lots`: what was done, when it differs."""
    vol = fmt_lots(_leg_lots(leg) if lots is None else lots)
    if leg.ticket is None:
        side = t(lang, "buy_long" if leg.side == "buy" else "sell_short")
        if leg.action == "pending":
            side = _order_kind(lang, leg)
        return t(lang, "pv_new_order", side=side, symbol=leg.symbol, lots=vol)
    if leg.action in ("modify_order", "cancel"):
        kind = _order_kind(lang, leg)
        return t(lang, "pv_order", ticket=leg.ticket, symbol=leg.symbol, kind=kind, lots=vol)
    return _ticket_line(lang, leg, vol)


def _held_line(lang: Lang, leg: Leg) -> str:
    """The entry price and floating P&L of the position a leg acts on."""
    return t(
        lang, "pv_entry_pnl", price=fmt_price(leg.price, leg.digits), pnl=signed(leg.pnl or 0.0)
    )


def _leg_lots(leg: Leg) -> float:
    """The lots a leg touches: what it closes or cancels, the whole position it modifies."""
    return leg.volume if leg.volume else leg.total_volume or 0.0


def _totals(plan: Plan, lang: Lang, *, count: str, with_pnl: bool) -> list[str]:
    """The totals of a plan over several legs, between blank lines: a small aligned table of
    tickets, lots and floating P&L per symbol when it touches several symbols, then the overall
    total. Nothing for a single leg (its ticket lines say it all)."""
    if len(plan.legs) < 2:
        return []
    groups: dict[str, list[Leg]] = {}
    for leg in plan.legs:
        groups.setdefault(leg.symbol, []).append(leg)
    lines = [""]
    if len(groups) > 1:
        header = [t(lang, "col_symbol"), t(lang, f"pv_col_{count}"), t(lang, "col_lots")]
        rows = [[symbol, str(len(legs)), _lots_of(legs)] for symbol, legs in groups.items()]
        if with_pnl:
            header.append(t(lang, "col_pnl"))
            for row, legs in zip(rows, groups.values(), strict=True):
                row.append(_pnl_of(legs))
        lines.append(table(rows, "lrrr", header=header))
    n, lots = len(plan.legs), _lots_of(plan.legs)
    if with_pnl:
        lines.append(t(lang, "pv_total_pnl", n=n, lots=lots, pnl=_pnl_of(plan.legs)))
    else:
        lines.append(t(lang, "pv_total", n=n, lots=lots))
    return [*lines, ""]


def _lots_of(legs: list[Leg]) -> str:
    return fmt_lots(sum(_leg_lots(leg) for leg in legs))


def _pnl_of(legs: list[Leg]) -> str:
    return signed(sum(leg.pnl or 0.0 for leg in legs))


def _open_lines(plan: Plan, lang: Lang) -> list[str]:
    lines: list[str] = []
    leg = plan.legs[0]
    side = t(lang, "buy_long" if leg.side == "buy" else "sell_short")
    if leg.action == "pending":
        lines.append(
            t(
                lang,
                "preview_pending",
                side=side,
                kind=t(lang, leg.kind or "limit"),
                symbol=leg.symbol,
                lots=fmt_lots(leg.volume),
                price=fmt_price(leg.price, leg.digits),
            )
        )
    else:
        lines.append(
            t(lang, "preview_open", side=side, symbol=leg.symbol, lots=fmt_lots(leg.volume))
        )
    if leg.sl or leg.tp:
        lines.append(
            t(
                lang,
                "preview_sltp",
                sl=opt_price(lang, leg.sl, leg.digits),
                tp=opt_price(lang, leg.tp, leg.digits),
            )
        )
    return lines


def _close_leg_lines(lang: Lang, leg: Leg) -> list[str]:
    total = leg.total_volume
    if total is None or leg.volume >= total - 1e-9:
        return [_ticket_line(lang, leg, fmt_lots(leg.volume)), _held_line(lang, leg)]
    part = f"{fmt_lots(leg.volume)}/{fmt_lots(total)}"
    keep = fmt_lots(round(total - leg.volume, 8))
    return [
        _ticket_line(lang, leg, part, "pv_ticket_part"),
        t(lang, "pv_partial", lots=fmt_lots(leg.volume), keep=keep),
        _held_line(lang, leg),
    ]


def _close_lines(plan: Plan, lang: Lang) -> list[str]:
    head = t(
        lang,
        "pv_close",
        symbols=_symbols(lang, plan.legs),
        count=_count(lang, len(plan.legs), "positions"),
        lots=fmt_lots(plan.total_volume),
    )
    lines = [head, *_totals(plan, lang, count="positions", with_pnl=True)]
    for leg in plan.legs:
        lines.extend(_close_leg_lines(lang, leg))
    return [*lines, ""]


def _modify_leg_lines(lang: Lang, leg: Leg) -> list[str]:
    old_sl = opt_price(lang, leg.old_sl, leg.digits)
    old_tp = opt_price(lang, leg.old_tp, leg.digits)
    sl = opt_price(lang, leg.old_sl if leg.sl is None else leg.sl, leg.digits)
    tp = opt_price(lang, leg.old_tp if leg.tp is None else leg.tp, leg.digits)
    lots = fmt_lots(leg.total_volume or 0.0)
    if leg.action == "modify_order":  # a pending order: its price, no P&L yet
        head = t(
            lang,
            "pv_order",
            ticket=leg.ticket,
            symbol=leg.symbol,
            kind=_order_kind(lang, leg),
            lots=lots,
        )
        held = t(lang, "pv_order_price", price=fmt_price(leg.price, leg.digits))
    else:
        head, held = _ticket_line(lang, leg, lots), _held_line(lang, leg)
    return [
        head,
        held,
        t(lang, "pv_sl_change", old=old_sl, new=sl),
        t(lang, "pv_tp_change", old=old_tp, new=tp),
    ]


def _modify_lines(plan: Plan, lang: Lang) -> list[str]:
    head = t(lang, "pv_modify", n=len(plan.legs), symbols=_symbols(lang, plan.legs))
    with_pnl = all(leg.action == "modify" for leg in plan.legs)
    lines = [head, *_totals(plan, lang, count="positions", with_pnl=with_pnl)]
    for leg in plan.legs:
        lines.extend(_modify_leg_lines(lang, leg))
    return [*lines, ""]


def _order_kind(lang: Lang, leg: Leg) -> str:
    """ "买限价" / "buy limit": the side and kind of a pending order."""
    return t(lang, "pv_order_kind", side=_side(lang, leg.side), kind=t(lang, leg.kind or "limit"))


def _cancel_lines(plan: Plan, lang: Lang) -> list[str]:
    head = t(
        lang,
        "pv_cancel",
        n=len(plan.legs),
        symbols=_symbols(lang, plan.legs),
        lots=fmt_lots(plan.total_volume),
    )
    lines = [head, *_totals(plan, lang, count="orders", with_pnl=False)]
    for leg in plan.legs:
        lines.append(
            t(
                lang,
                "pv_order",
                ticket=leg.ticket,
                symbol=leg.symbol,
                kind=_order_kind(lang, leg),
                lots=fmt_lots(leg.volume),
            )
        )
        lines.append(t(lang, "pv_order_price", price=fmt_price(leg.price, leg.digits)))
    return [*lines, ""]


_ACTION_LINES: dict[PlanAction, Callable[[Plan, Lang], list[str]]] = {
    "open": _open_lines,
    "close": _close_lines,
    "modify": _modify_lines,
    "cancel": _cancel_lines,
}


def render_plan(plan: Plan, lang: Lang, ttl_s: float | None = None, code: str | None = None) -> str:
    """The preview text: what will be done to which tickets, the price, margin, and every
    check's line."""
    from handlers import trailing  # lazily: handlers.trailing builds on this module

    trail = trailing.is_trail_plan(plan)
    lines = trailing.trail_lines(plan, lang) if trail else _ACTION_LINES[plan.action](plan, lang)
    if plan.bid is not None and plan.ask is not None:
        lines.append(
            t(
                lang,
                "preview_price",
                bid=fmt_price(plan.bid, plan.digits),
                ask=fmt_price(plan.ask, plan.digits),
            )
        )
    if plan.margin is not None:
        lines.append(t(lang, "preview_margin", margin=f"{plan.margin:,.2f}", ccy=plan.currency))
    lines.extend(check_lines(plan.checks, lang))
    if plan.ok and ttl_s is not None and code is not None:
        what = trailing.trail_then(plan, lang) if trail else None
        lines.append(then_line(plan, lang, ttl_s) if what is None else _then(lang, what, ttl_s))
    return "\n".join(lines)


def check_lines(checks: list[Check], lang: Lang) -> list[str]:
    """Every check's line when all passed. When some failed, the ⛔ header counts them and
    only they follow it (a ⛔ above ✅ lines would say the wrong thing); the passed ones
    are one summary line."""
    failed = [c for c in checks if not c.ok]
    if not failed:
        return [c.line(lang) for c in checks]
    lines = [t(lang, "preview_blocked_n", n=len(failed))]
    lines.extend(c.line(lang) for c in failed)
    if len(checks) > len(failed):
        lines.append(t(lang, "preview_checks_passed", n=len(checks) - len(failed)))
    return lines


def then_line(plan: Plan, lang: Lang, ttl_s: float) -> str:
    """The preview's last line: what ✅ will do, and how long it may be pressed."""
    return t(lang, "preview_then", what=_what_happens(plan, lang), ttl=int(ttl_s))


def _then(lang: Lang, what: str, ttl_s: float) -> str:
    return t(lang, "preview_then", what=what, ttl=int(ttl_s))


def _what_happens(plan: Plan, lang: Lang) -> str:
    n = len(plan.legs)
    if plan.action != "open" or not plan.legs:
        if plan.action == "close":
            return t(lang, "then_close", n=n, lots=fmt_lots(plan.total_volume))
        return t(lang, f"then_{plan.action}", n=n)
    leg = plan.legs[0]
    side = t(lang, "buy_long" if leg.side == "buy" else "sell_short")
    side = side if lang == "zh" else side.lower()
    if leg.action == "pending":
        return t(
            lang,
            "then_pending",
            side=side,
            kind=t(lang, leg.kind or "limit"),
            symbol=leg.symbol,
            lots=fmt_lots(leg.volume),
            price=fmt_price(leg.price, leg.digits),
        )
    return t(lang, "then_open", side=side, symbol=leg.symbol, lots=fmt_lots(leg.volume))
