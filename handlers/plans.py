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

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from broker.base import Broker
from broker.models import (
    MarketView,
    Note,
    PendingKind,
    Position,
    Quote,
    Side,
    SymbolSpec,
)
from broker.symbols import normalize_volume
from handlers.broker_text import words
from handlers.format import lots as fmt_lots
from handlers.i18n import t
from handlers.messages import Lang
from handlers.plan_select import select_orders, select_positions
from nlp.intent import Intent

PlanAction = Literal["open", "close", "modify", "cancel"]
LegAction = Literal["open", "pending", "close", "modify", "modify_order", "cancel"]


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


# --- builders --------------------------------------------------------------------------------


class Planner:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker

    async def build(self, intent: Intent) -> Plan | Problem:
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
