"""Trade intents → plans: the exact broker symbol, tickets and volumes, the current price, an
estimated margin. A plan is what the preview shows and what ✅ executes — nothing is decided
after the user has seen it except the safety re-checks (risk and price drift).

Everything a plan needs from the terminal comes from ONE `Broker.market_view` worker job
(account, positions, the symbols' specs and ticks, orders when needed), kept on `Plan.view`.

Rules:
- volumes are rounded DOWN to the symbol's step (`broker.symbols.normalize_volume`);
- a close with a volume and no ticket takes positions oldest first, the last one partially;
- a close by `fraction` takes that share of each ticket, rounded down to its step; a ticket
  whose share is below the minimum is named as skipped (`Plan.skipped`), never dropped
  silently (handlers/plan_manage.py);
- break-even puts the SL at the entry ± `[trade] breakeven_buffer_pips`, refused on a position
  the market has not passed that level for; `sl_shift_pips`/`tp_shift_pips` move the current
  level by the symbol's pip (handlers/pips.py) and the preview shows the absolute price;
- `risk_percent` sizes an open from equity and the SL distance (handlers/sizing.py);
- a close by volume or a modify on positions held both ways, with no side or ticket, is a
  `SideQuestion`: the conversation asks "多单还是空单？" instead of guessing;
- a close/modify without a selector acts on every matching position (INTENTS.md ruling);
- `earliest` / `latest` take `count` positions (one when no count);
- a price without an order kind becomes a limit or a stop order depending on which side of
  the market it is.
"""

from __future__ import annotations

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
from handlers.config import TradeManagement
from handlers.format import lots as fmt_lots
from handlers.i18n import t
from handlers.messages import Lang
from handlers.pips import pip_size
from handlers.plan_manage import (
    Refused,
    conflicting_levels,
    fraction_share,
    has_stop_work,
    new_stops,
)
from handlers.plan_select import select_orders, select_positions
from handlers.sizing import SizingRefusal, risk_volume
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
    # the pip size the distances of a trail leg, a break-even buffer or a shift in pips
    # were computed with
    pip: float = 0.0


@dataclass(slots=True)
class Skip:
    """A position the request matched but this plan leaves alone, and why (an i18n key of
    handlers/i18n/management.py): the preview names it, nothing is skipped silently."""

    ticket: int
    symbol: str
    side: Side
    volume: float
    key: str
    values: dict[str, str] = field(default_factory=dict)


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
    skipped: list[Skip] = field(default_factory=list)
    # a volume sized from a risk in percent: {"percent", "money", "share", "distance", "equity"}
    sizing: dict[str, float] | None = None
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
        d["skipped"] = [asdict(s) for s in self.skipped]
        d["intent"] = self.intent.model_dump(mode="json", exclude_none=True)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Plan:
        """The inverse of `to_dict`: the stored intent is validated into an `Intent` again."""
        legs = [Leg(**leg) for leg in d.get("legs", [])]
        checks = [Check(**c) for c in d.get("checks", [])]
        skipped = [Skip(**s) for s in d.get("skipped", [])]
        intent = Intent.model_validate(d["intent"])
        own = ("legs", "checks", "skipped", "intent", "view")
        rest = {k: v for k, v in d.items() if k not in own}
        return cls(legs=legs, checks=checks, skipped=skipped, intent=intent, **rest)


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


@dataclass(frozen=True, slots=True)
class NothingToDo(Problem):
    """Every position the request matched is refused (each share below the lot step, each in
    loss for a break-even …): the answer names every one of them and why."""

    skipped: tuple[Skip, ...] = ()

    def text(self, lang: Lang) -> str:
        return "\n".join([t(lang, self.key, **self.values), *skip_lines(lang, self.skipped)])


@dataclass(frozen=True, slots=True)
class SideQuestion(Problem):
    """The request fits positions on both sides (a hedged book) and the side decides what it
    does: the conversation asks "多单还是空单？" with buttons and the answer continues the
    request with its `side` (handlers/slots.py). Shown as a plain answer where nobody can ask
    (a fresh preview after a price drift)."""

    def text(self, lang: Lang) -> str:
        values = dict(self.values)
        symbols = list(values.pop("symbols", []))
        values["symbol"] = t(lang, "pv_symbol_sep").join(symbols)
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


def _held_both_ways(held: list[Position]) -> bool:
    return len({p.side for p in held}) > 1


def _side_question(intent: Intent, held: list[Position]) -> SideQuestion:
    """ "XAUUSD 多单还是空单？" with what each side holds, so the answer is an informed one."""
    buys = [p for p in held if p.side == "buy"]
    sells = [p for p in held if p.side == "sell"]
    return SideQuestion(
        "tm_ask_held_side",
        {
            "symbols": list(dict.fromkeys(p.symbol for p in held)),
            "buys": len(buys),
            "buy_lots": fmt_lots(sum(p.volume for p in buys)),
            "sells": len(sells),
            "sell_lots": fmt_lots(sum(p.volume for p in sells)),
        },
    )


def _asks_side(intent: Intent, held: list[Position]) -> bool:
    """A close by volume or a modify on positions held both ways, with no side or ticket said:
    which side is meant decides the result (0.02 lots of which; an SL above or below the
    price), so it is asked, never guessed. A modify of everything said as such ("黄金全部止损
    改到2650", "全部保本") acts on both sides as asked: each leg is checked on its own."""
    if intent.side is not None or intent.ticket is not None or not _held_both_ways(held):
        return False
    if intent.intent == "close":
        return intent.volume is not None
    return intent.selector != "all"


class Planner:
    """Builds a plan from an intent and ONE `Broker.market_view` (account, positions, the
    symbols' specs and ticks, orders when needed): one worker hop per preview, and the plan
    carries the view for the risk gate."""

    def __init__(self, broker: Broker, manage: TradeManagement | None = None) -> None:
        self.broker = broker
        self.manage = manage if manage is not None else TradeManagement()
        self.trailing: TrailingPlanner | None = None  # set by build_conversation

    async def build(self, intent: Intent) -> Plan | Problem:
        if self.trailing is not None and self.trailing.wants(intent):
            return await self.trailing.build(intent)
        if intent.intent not in ("open", "close", "modify", "cancel"):
            raise ValueError(f"not a trade intent: {intent.intent}")
        view = await self._view(intent)
        built: Plan | Problem
        if intent.intent == "open":
            built = self.open(intent, view)
        elif intent.intent == "close":
            built = self.close(intent, view)
        elif intent.intent == "modify":
            built = self.modify(intent, view)
        else:
            built = self.cancel(intent, view)
        if isinstance(built, Plan):
            built.view = view
        return built

    async def _view(self, intent: Intent) -> MarketView:
        """What the plan needs, in one hop: the named symbol's spec and tick; for a request
        that names none (a ticket, "全部平仓"), those of every symbol held; pending orders
        for a cancel or a modify by ticket (the ticket may be an order's)."""
        symbols = (intent.symbol,) if intent.symbol is not None else ()
        orders = intent.intent == "cancel" or (
            intent.intent == "modify" and intent.ticket is not None
        )
        held = intent.intent != "open" and (intent.symbol is None or intent.ticket is not None)
        return await self.broker.market_view(symbols, orders=orders, held=held)

    # ---------------------------------------------------------------- open

    def open(self, intent: Intent, view: MarketView) -> Plan | Problem:
        symbol, side = intent.symbol, intent.side
        if symbol is None or side is None or (intent.volume is None and not intent.risk_percent):
            # the conversation asks for every missing slot before it plans
            raise ValueError("an open needs a symbol, a side and a volume or a risk")
        spec, q, acct = view.specs[symbol], view.quotes[symbol], view.account
        pending = intent.order_type in ("limit", "stop", "pending") or (
            intent.price is not None and intent.order_type != "market"
        )
        if pending and intent.price is None:
            return Problem("price_needed")
        at = intent.price if pending and intent.price is not None else market_price(q, side)
        sized = self._open_volume(intent, spec, side, at, view.account.equity)
        if isinstance(sized, Problem):
            return sized
        volume, sizing = sized
        leg = Leg(
            action="open",
            symbol=spec.symbol,
            broker_symbol=spec.broker_symbol,
            side=side,
            volume=volume,
            sl=intent.sl,
            tp=intent.tp,
            point=spec.point,
            digits=spec.digits,
            stops_level=spec.stops_level,
        )
        if pending:
            leg.action, leg.price = "pending", at
            leg.kind = _pending_kind_of(intent.order_type, side, at, q)
        else:
            leg.ref_price = at
        return Plan(
            action="open",
            legs=[leg],
            symbol=spec.symbol,
            bid=q.bid,
            ask=q.ask,
            digits=spec.digits,
            margin=estimate_margin(spec, volume, at, acct.leverage),
            currency=acct.currency,
            intent=intent,
            sizing=sizing,
        )

    def _open_volume(
        self, intent: Intent, spec: SymbolSpec, side: Side, at: float, equity: float
    ) -> tuple[float, dict[str, float] | None] | Problem:
        """The lots said, rounded down to the step; or those a risk in percent of equity
        gives between `at` and the SL (with the figures the preview shows)."""
        if intent.risk_percent is None:
            vc = normalize_volume(
                spec.symbol, intent.volume or 0.0, spec.volume_min, spec.volume_max,
                spec.volume_step,
            )  # fmt: skip
            return _volume_problem(vc.note) if vc.note is not None else (vc.volume, None)
        if intent.volume is not None:
            return Problem("tm_risk_and_volume")
        sized = risk_volume(
            spec,
            side=side,
            percent=intent.risk_percent,
            max_percent=self.manage.max_risk_percent,
            equity=equity,
            entry=at,
            sl=intent.sl,
        )
        if isinstance(sized, SizingRefusal):
            return Problem(sized.key, sized.values)
        figures = {
            "percent": intent.risk_percent,
            "money": sized.money,
            "share": sized.share,
            "distance": sized.distance,
            "equity": equity,
        }
        return sized.volume, figures

    # ---------------------------------------------------------------- close

    @staticmethod
    def _close_leg(p: Position, volume: float, view: MarketView) -> Leg:
        q = view.quotes[p.symbol]
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

    def close(self, intent: Intent, view: MarketView) -> Plan | Problem:
        if intent.fraction is not None and intent.volume is not None:
            return Problem("tm_fraction_and_volume")  # which one was meant is not guessed
        chosen = _targets(intent, view)
        if isinstance(chosen, Problem):
            return chosen
        if _asks_side(intent, chosen):
            return _side_question(intent, chosen)
        skipped: list[Skip] = []
        built: list[Leg] | Problem
        if intent.fraction is not None:
            built = self._fraction_legs(chosen, intent.fraction, view, skipped)
        elif intent.volume is not None:
            built = self._volume_legs(chosen, intent.volume, view)
        else:
            built = [self._close_leg(p, p.volume, view) for p in chosen]
        if isinstance(built, Problem):
            return built
        if not built:
            return _nothing_left(skipped)
        symbols = {leg.symbol for leg in built}
        one = next(iter(symbols)) if len(symbols) == 1 else None
        q1 = view.quotes.get(one) if one else None
        return Plan(
            action="close",
            legs=built,
            symbol=one,
            bid=q1.bid if q1 else None,
            ask=q1.ask if q1 else None,
            digits=q1.digits if q1 else 5,
            intent=intent,
            skipped=skipped,
        )

    def _fraction_legs(
        self, chosen: list[Position], fraction: float, view: MarketView, skipped: list[Skip]
    ) -> list[Leg]:
        """Each ticket's `fraction`, rounded down to its step; a share below the smallest
        volume is named as skipped."""
        legs: list[Leg] = []
        for p in chosen:
            share = fraction_share(p, view.specs[p.symbol], fraction)
            if isinstance(share, Refused):
                skipped.append(_skip(p, share))
            else:
                legs.append(self._close_leg(p, share, view))
        return legs

    def _volume_legs(
        self, chosen: list[Position], volume: float, view: MarketView
    ) -> list[Leg] | Problem:
        """`volume` lots taken oldest first, the last ticket partially."""
        have = round(sum(p.volume for p in chosen), 8)
        if volume > have + 1e-9:
            return Problem("volume_exceeds", {"want": fmt_lots(volume), "have": fmt_lots(have)})
        legs: list[Leg] = []
        remaining = volume
        for p in chosen:  # oldest first
            if remaining <= 1e-9:
                break
            spec = view.specs[p.symbol]
            vc = normalize_volume(
                spec.symbol, min(remaining, p.volume), spec.volume_min, spec.volume_max,
                spec.volume_step,
            )  # fmt: skip
            if vc.note is not None:
                return _volume_problem(vc.note)
            legs.append(self._close_leg(p, vc.volume, view))
            remaining = round(remaining - vc.volume, 8)
        return legs

    # ---------------------------------------------------------------- modify

    def modify(self, intent: Intent, view: MarketView) -> Plan | Problem:
        if not has_stop_work(intent):
            return Problem("modify_nothing")
        if conflicting_levels(intent):
            return Problem("tm_conflicting_levels")
        order = _order_by_ticket(intent, view)
        if order is not None:
            targets: list[Position | PendingOrder] = [order]
        else:
            chosen = _targets(intent, view)
            if isinstance(chosen, Problem):
                return chosen
            if _asks_side(intent, chosen):
                return _side_question(intent, chosen)
            targets = list(chosen)
        legs: list[Leg] = []
        skipped: list[Skip] = []
        for held in targets:
            leg = self._modify_leg(held, intent, view)
            if isinstance(leg, Refused):
                skipped.append(_skip(held, leg))
            else:
                legs.append(leg)
        if not legs:
            return _nothing_left(skipped)
        symbols = {leg.symbol for leg in legs}
        return Plan(
            action="modify",
            legs=legs,
            symbol=next(iter(symbols)) if len(symbols) == 1 else None,
            digits=legs[0].digits,
            intent=intent,
            skipped=skipped,
        )

    def _modify_leg(
        self, held: Position | PendingOrder, intent: Intent, view: MarketView
    ) -> Leg | Refused:
        spec = view.specs[held.symbol]
        pip = pip_size(spec, self.manage.pip_sizes)
        stops = new_stops(
            held,
            intent,
            quote=view.quotes[held.symbol],
            pip=pip,
            buffer_pips=self.manage.breakeven_buffer_pips,
            digits=spec.digits,
        )
        if isinstance(stops, Refused):
            return stops
        leg = Leg(
            action="modify",
            symbol=held.symbol,
            broker_symbol=held.broker_symbol,
            side=held.side,
            volume=0.0,
            ticket=held.ticket,
            total_volume=held.volume,  # named in the preview (with its P&L for a position)
            sl=stops.sl,
            tp=stops.tp,
            old_sl=held.sl,
            old_tp=held.tp,
            point=spec.point,
            digits=spec.digits,
            stops_level=spec.stops_level,
            pip=pip,
        )
        if isinstance(held, PendingOrder):
            leg.action, leg.price, leg.kind = "modify_order", held.price, held.kind
        else:
            leg.price, leg.pnl = held.price_open, round(held.profit + held.swap, 2)
        return leg

    # ---------------------------------------------------------------- cancel

    def cancel(self, intent: Intent, view: MarketView) -> Plan | Problem:
        orders = list(view.orders or ())
        if intent.ticket is not None:
            chosen = [o for o in orders if o.ticket == intent.ticket]
            if not chosen:
                return Problem("ticket_not_found", {"ticket": intent.ticket})
        else:
            mine = [
                o
                for o in orders
                if (intent.symbol is None or o.symbol == intent.symbol)
                and (intent.magic is None or o.magic == intent.magic)
            ]
            chosen = select_orders(mine, intent)
            if not chosen:
                return Problem("no_match_orders")
        legs: list[Leg] = []
        for o in chosen:
            spec = view.specs[o.symbol]
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


def _targets(intent: Intent, view: MarketView) -> list[Position] | Problem:
    """The positions a close or modify acts on: the ticket's, or those of the symbol and magic
    through side/selector/count, oldest first."""
    if intent.ticket is not None:
        found = [p for p in view.positions if p.ticket == intent.ticket]
        return found or Problem("ticket_not_found", {"ticket": intent.ticket})
    held = [
        p
        for p in view.positions
        if (intent.symbol is None or p.symbol == intent.symbol)
        and (intent.magic is None or p.magic == intent.magic)
    ]
    chosen = select_positions(held, intent)
    return chosen or Problem("no_match_positions")


def _order_by_ticket(intent: Intent, view: MarketView) -> PendingOrder | None:
    """The pending order a modify by ticket names, when the ticket is no position's."""
    if intent.ticket is None or any(p.ticket == intent.ticket for p in view.positions):
        return None
    return next((o for o in view.orders or () if o.ticket == intent.ticket), None)


def _skip(held: Position | PendingOrder, why: Refused) -> Skip:
    values = {k: str(v) for k, v in why.values.items()}
    return Skip(held.ticket, held.symbol, held.side, held.volume, why.key, values)


def _nothing_left(skipped: list[Skip]) -> Problem:
    """Every matched position was refused: the answer names each and why."""
    return NothingToDo("tm_nothing_to_do", {"n": len(skipped)}, tuple(skipped))


def skip_lines(lang: Lang, skipped: list[Skip] | tuple[Skip, ...]) -> list[str]:
    """Each position a plan leaves alone, with why: "⚠️ #123 XAUUSD 买 0.01 手 不动：…"."""
    lines: list[str] = []
    for s in skipped:
        why = t(lang, s.key, **s.values)
        side = t(lang, s.side)
        lots = fmt_lots(s.volume)
        lines.append(
            t(lang, "tm_skip", ticket=s.ticket, symbol=s.symbol, side=side, lots=lots, why=why)
        )
    return lines
