"""Trailing stops kept by the bot: "黄金移动止损30点", "trailing stop 20 pips on eurusd".

The path is the one every trade takes: the intent (`trailing_pips`, or `trailing_off` for
"取消黄金移动止损") becomes a plan whose legs have the action "trail" (`TrailingPlanner.build`,
called from `Planner.build`), the risk gate and ✅ follow as usual, and ✅ writes one row per
ticket (`TrailingPlanner.apply`, called by the executor; store/trailing.py). Nothing about a
trailing stop lives in memory only: `TrailingKeeper.tick` (a scheduler job) reads the rows on
every price interval, so a restart keeps trailing.

The rules of a move (`next_stop`), each with a test:
- buy: the stop follows bid − distance; sell: ask + distance;
- it only ever moves in the position's favour (up for a buy, down for a sell) and only when it
  moves by at least the step, so a trailing update never loosens a stop and a jittering price
  does not send a modify every tick;
- it starts at once, or once the position shows `activation_pips` of profit;
- it keeps the terminal's stops level (a stop closer to the price would be refused);
- the position gone (closed by its stop, by hand, by the EA) → the row is removed and the owner
  told once (`TrailingStore.remove` says which call removed it);
- a move the terminal refuses is retried on the next tick, never in a loop, and logged when a
  refusal streak starts (and at 10, 100 … in a row); nobody is pushed about it;
- while the bot is read-only (`/readonly on`) no stop is moved.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from broker.base import Broker
from broker.errors import BrokerError
from broker.models import Position, Quote, SymbolSpec
from handlers import pips
from handlers.config import DEFAULT_PIP_SIZES, TrailingConfig
from handlers.format import price as fmt_price
from handlers.format import signed
from handlers.i18n import t
from handlers.messages import Lang, Outgoing
from handlers.plan_select import select_positions
from handlers.plan_text import leg_label, opt_price
from handlers.plans import Leg, Plan, Problem
from nlp.intent import Intent
from store.confirmations import ConfirmationStore
from store.trailing import Trailing, TrailingStore

log = logging.getLogger(__name__)

_EPS = 1e-9


def pip_size(symbol: str, spec: SymbolSpec, table: Mapping[str, float] | None = None) -> float:
    """The price distance of one pip ("点") of `symbol`: `[trade.pip_size]` first, then the
    symbol's class (handlers/pips.py, the one place that says what "30点" means)."""
    return pips.pip_size(spec, DEFAULT_PIP_SIZES if table is None else table)


# ---------------------------------------------------------------------- the rule of one move


def _floor_to(x: float, point: float) -> float:
    return math.floor(x / point + _EPS) * point if point > 0 else x


def _ceil_to(x: float, point: float) -> float:
    return math.ceil(x / point - _EPS) * point if point > 0 else x


def next_stop(
    tr: Trailing,
    pos: Position,
    q: Quote,
    stops_level: int,
) -> float | None:
    """The stop `tr` moves `pos` to at quote `q`, or None when it stays: not activated yet, not
    better than the current stop by the step, or inside the stops level."""
    point = q.point
    min_gap = stops_level * point
    cur = pos.sl or None
    if pos.side == "buy":
        profit = q.bid - pos.price_open
        new = _floor_to(q.bid - tr.distance, point)  # rounded away from the price
        gap = q.bid - new
        gain = new - cur if cur is not None else math.inf
    else:
        profit = pos.price_open - q.ask
        new = _ceil_to(q.ask + tr.distance, point)
        gap = new - q.ask
        gain = cur - new if cur is not None else math.inf
    if tr.activation_pips is not None and profit < tr.activation_pips * tr.pip - _EPS:
        return None
    if gap < min_gap - _EPS or new <= 0:
        return None
    if gain <= _EPS or gain < tr.step - _EPS:
        return None  # never loosens, and not for less than the step
    return round(new, q.digits)


# ---------------------------------------------------------------------- planning


def _utcnow() -> datetime:
    return datetime.now(UTC)


def wants_trailing(intent: Intent) -> bool:
    """The intent sets or removes a trailing stop (the planner's dispatch asks)."""
    return intent.intent == "modify" and (
        intent.trailing_pips is not None or bool(intent.trailing_off)
    )


@dataclass(slots=True)
class TrailingPlanner:
    """Plans, executes and lists trailing stops for the conversation (one per conversation)."""

    broker: Broker
    store: TrailingStore
    confirmations: ConfirmationStore
    config: TrailingConfig = field(default_factory=TrailingConfig)
    clock: Callable[[], datetime] | None = None

    @staticmethod
    def wants(intent: Intent) -> bool:
        return wants_trailing(intent)

    async def _targets(self, intent: Intent) -> list[Position] | Problem:
        if intent.ticket is not None:
            found = [p for p in await self.broker.positions() if p.ticket == intent.ticket]
            return found or Problem("ticket_not_found", {"ticket": intent.ticket})
        chosen = select_positions(
            await self.broker.positions(symbol=intent.symbol, magic=intent.magic), intent
        )
        return chosen or Problem("no_match_positions")

    async def build(self, intent: Intent) -> Plan | Problem:
        targets = await self._targets(intent)
        if isinstance(targets, Problem):
            return targets
        if intent.trailing_off:
            return await self._removal(intent, targets)
        pips = intent.trailing_pips
        if pips is None or not math.isfinite(pips) or pips <= 0:
            return Problem("tr_bad_distance")
        legs: list[Leg] = []
        specs: dict[str, SymbolSpec] = {}
        quotes: dict[str, Quote] = {}
        for p in targets:
            if p.symbol not in specs:
                specs[p.symbol] = await self.broker.symbol_spec(p.symbol)
                quotes[p.symbol] = await self.broker.quote(p.symbol)
            spec, q = specs[p.symbol], quotes[p.symbol]
            pip = pip_size(p.symbol, spec, self.config.pip_sizes)
            inside = _inside_stops_level(pips * pip, spec)
            if inside is not None:
                return inside
            legs.append(self._leg(p, spec, q, pips, pip))
        return _plan(intent, legs, quotes)

    def _leg(self, p: Position, spec: SymbolSpec, q: Quote, pips: float, pip: float) -> Leg:
        c = self.config
        leg = _held_leg(p, spec)
        leg.trail_pips = pips
        leg.trail_step_pips = c.step_pips
        leg.trail_activation_pips = c.activation_pips
        leg.pip = pip
        # the stop the first move would set at the preview's prices (recomputed at ✅)
        leg.sl = next_stop(_row_of(leg, "", None), p, q, spec.stops_level)
        return leg

    async def _removal(self, intent: Intent, targets: list[Position]) -> Plan | Problem:
        rows = {r.ticket: r for r in await self.store.all()}
        trailed = [p for p in targets if p.ticket in rows]
        if not trailed:
            return Problem("tr_none_to_remove")
        legs: list[Leg] = []
        for p in trailed:
            spec = await self.broker.symbol_spec(p.symbol)
            leg = _held_leg(p, spec)
            leg.trail_pips = 0.0  # 0: stop trailing this ticket
            leg.trail_step_pips = rows[p.ticket].distance_pips  # what it trailed at, shown
            leg.pip = rows[p.ticket].pip
            legs.append(leg)
        return _plan(intent, legs, {})

    # ------------------------------------------------------------------ execution (✅)

    async def apply(self, leg: Leg, cid: str) -> tuple[bool, str, float | None]:
        """Carry out one confirmed "trail" leg: write (or remove) the ticket's row and, for a
        new trailing stop, make the first move at once when the price allows it — at most one
        SLTP request. Returns (done, the i18n key of what happened, the stop it has now)."""
        ticket = leg.ticket
        if ticket is None or leg.trail_pips is None:
            return False, "tr_result_bad_leg", None
        if leg.trail_pips <= 0:
            removed = await self.store.remove(ticket)
            key = "tr_result_removed" if removed else "tr_result_was_not_trailed"
            return True, key, leg.old_sl
        pos = [p for p in await self.broker.positions(symbol=leg.symbol) if p.ticket == ticket]
        if not pos:
            return False, "tr_result_position_gone", None
        conf = await self.confirmations.get(cid)
        owner = (conf.platform, conf.chat_id, conf.user_id, conf.lang) if conf else None
        row = _row_of(leg, cid, owner, self.clock)
        await self.store.put(row)
        return await self._first_move(row, pos[0])

    async def _first_move(self, row: Trailing, pos: Position) -> tuple[bool, str, float | None]:
        """The move ✅ makes at once; one the terminal refuses (or cannot be asked for now) is
        left to the keeper's next tick — the trailing stop is set either way."""
        new: float | None = None
        try:
            spec = await self.broker.symbol_spec(row.symbol)
            q = await self.broker.quote(row.symbol)
            new = next_stop(row, pos, q, spec.stops_level)
            if new is None:
                return True, "tr_result_set", pos.sl
            res = await self.broker.modify_position(row.ticket, sl=new)
        except BrokerError as exc:
            log.info("first move of the trailing stop of #%s left to the job: %s", row.ticket, exc)
            res = None
        if res is not None and res.state == "done" and new is not None:
            await self.store.moved(row.ticket, new)
            return True, "tr_result_set_moved", new
        await self.store.failed(row.ticket, 1)  # the keeper tries again on its next tick
        return True, "tr_result_set_move_later", pos.sl

    async def found(self, leg: Leg) -> bool:
        """Did this leg happen (recovery after a crash)? The ticket's row says it."""
        if leg.ticket is None:
            return False
        row = await self.store.get(leg.ticket)
        return row is None if not leg.trail_pips else row is not None

    async def pips_by_ticket(self) -> dict[int, float]:
        """The distance of every ticket the bot trails, for the positions answer."""
        return {r.ticket: r.distance_pips for r in await self.store.all()}


def _inside_stops_level(distance: float, spec: SymbolSpec) -> Problem | None:
    level = spec.stops_level * spec.point
    if distance < max(level, spec.point) - _EPS:
        pip = pip_size(spec.symbol, spec)
        return Problem(
            "tr_inside_stops_level",
            {
                "distance": fmt_price(distance, spec.digits),
                "level": fmt_price(level, spec.digits),
                "level_pips": f"{level / pip:g}" if pip else "?",
                "symbol": spec.symbol,
            },
        )
    return None


def _held_leg(p: Position, spec: SymbolSpec) -> Leg:
    return Leg(
        action="trail",
        symbol=p.symbol,
        broker_symbol=p.broker_symbol,
        side=p.side,
        price=p.price_open,
        ticket=p.ticket,
        total_volume=p.volume,
        old_sl=p.sl,
        old_tp=p.tp,
        pnl=round(p.profit + p.swap, 2),
        point=spec.point,
        digits=spec.digits,
        stops_level=spec.stops_level,
    )


def _plan(intent: Intent, legs: list[Leg], quotes: dict[str, Quote]) -> Plan:
    symbols = {leg.symbol for leg in legs}
    one = next(iter(symbols)) if len(symbols) == 1 else None
    q = quotes.get(one) if one else None
    return Plan(
        action="modify",
        legs=legs,
        intent=intent,
        symbol=one,
        bid=q.bid if q else None,
        ask=q.ask if q else None,
        digits=legs[0].digits if legs else 5,
    )


def _row_of(
    leg: Leg,
    cid: str,
    owner: tuple[str, str, str, str] | None,
    clock: Callable[[], datetime] | None = None,
) -> Trailing:
    platform, chat_id, user_id, lang = owner or ("", "", "", "zh")
    return Trailing(
        ticket=leg.ticket or 0,
        symbol=leg.symbol,
        side=leg.side or "buy",
        distance_pips=leg.trail_pips or 0.0,
        step_pips=leg.trail_step_pips or 0.0,
        activation_pips=leg.trail_activation_pips,
        pip=leg.pip,
        platform=platform,
        chat_id=chat_id,
        user_id=user_id,
        lang=lang,
        cid=cid,
        created_at=(clock or _utcnow)(),
    )


# ---------------------------------------------------------------------- the preview


def is_trail_plan(plan: Plan) -> bool:
    return bool(plan.legs) and all(leg.action == "trail" for leg in plan.legs)


def _pips(v: float | None) -> str:
    return f"{v or 0:g}"


def _trail_leg_lines(lang: Lang, leg: Leg) -> list[str]:
    head = leg_label(lang, leg, leg.total_volume or 0.0)
    held = t(
        lang, "pv_entry_pnl", price=fmt_price(leg.price, leg.digits), pnl=signed(leg.pnl or 0.0)
    )
    old = opt_price(lang, leg.old_sl, leg.digits)
    if not leg.trail_pips:
        return [head, held, t(lang, "tr_pv_remove", pips=_pips(leg.trail_step_pips), sl=old)]
    lines = [
        head,
        held,
        t(
            lang,
            "tr_pv_distance",
            pips=_pips(leg.trail_pips),
            distance=fmt_price(leg.trail_pips * leg.pip, leg.digits),
            pip=f"{leg.pip:g}",
            step=_pips(leg.trail_step_pips),
            step_price=fmt_price((leg.trail_step_pips or 0.0) * leg.pip, leg.digits),
        ),
    ]
    if leg.trail_activation_pips:
        lines.append(t(lang, "tr_pv_activation", pips=_pips(leg.trail_activation_pips)))
    if leg.sl:
        lines.append(t(lang, "tr_pv_moves_now", old=old, new=fmt_price(leg.sl, leg.digits)))
    else:
        lines.append(t(lang, "tr_pv_stays_now", old=old))
    return lines


def trail_lines(plan: Plan, lang: Lang) -> list[str]:
    """The body of a trailing plan's preview (`render_plan` calls it for "trail" legs)."""
    off = not plan.legs[0].trail_pips
    names = " / ".join(dict.fromkeys(leg.symbol for leg in plan.legs))
    key = "tr_pv_head_off" if off else "tr_pv_head"
    lines = [t(lang, key, n=len(plan.legs), symbols=names), ""]
    for leg in plan.legs:
        lines.extend(_trail_leg_lines(lang, leg))
    lines.append("")
    if not off:
        lines.append(t(lang, "tr_pv_rule"))
    return lines


def trail_then(plan: Plan, lang: Lang) -> str:
    """What ✅ does, for the preview's last line."""
    off = not plan.legs[0].trail_pips
    return t(lang, "tr_then_off" if off else "tr_then_set", n=len(plan.legs))


def trail_result_line(leg: Leg, key: str, lang: Lang, sl: float | None = None) -> str:
    """One line of the result that replaces the preview."""
    return t(
        lang,
        key,
        what=leg_label(lang, leg, leg.total_volume or 0.0),
        pips=_pips(leg.trail_pips),
        sl=opt_price(lang, sl, leg.digits),
    )


# ---------------------------------------------------------------------- the job

Notify = Callable[[str, str, Outgoing], Awaitable[bool]]


class TrailingKeeper:
    """The scheduler's trailing job: one tick = one positions call, one quote per trailed
    symbol, and at most one SLTP request per trailed ticket."""

    def __init__(
        self,
        broker: Broker,
        store: TrailingStore,
        *,
        spec_ttl_s: float = 600.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.broker = broker
        self.store = store
        # how the owner is told that a trailing stop ended (set by handlers/pushes.py)
        self.notify: Notify | None = None
        # the read-only switch (bot/build.py): while on, no stop is moved (closed positions
        # still end their rows — that sends nothing to the terminal)
        self.paused: Callable[[], Awaitable[bool]] | None = None
        self._spec_ttl_s = spec_ttl_s
        self._clock = clock
        self._specs: dict[str, tuple[float, SymbolSpec]] = {}

    async def _spec(self, symbol: str) -> SymbolSpec:
        """Specs change rarely (a stops level widened for news): re-read every `spec_ttl_s`."""
        now = self._clock() if self._clock else 0.0
        hit = self._specs.get(symbol)
        if hit is not None and (self._clock is None or now - hit[0] < self._spec_ttl_s):
            return hit[1]
        spec = await self.broker.symbol_spec(symbol)
        self._specs[symbol] = (now, spec)
        return spec

    async def tick(self) -> int:
        """Move every trailed stop the price allows; returns how many moved. Broker trouble
        ends the tick quietly: the next one tries again."""
        rows = await self.store.all()
        if not rows:
            return 0
        try:
            positions = {p.ticket: p for p in await self.broker.positions()}
        except BrokerError as exc:
            log.info("trailing stops not checked: %s", exc)
            return 0
        live = [r for r in rows if r.ticket in positions]
        for r in rows:
            if r.ticket not in positions:
                await self._ended(r)
        if not live or (self.paused is not None and await self.paused()):
            return 0
        quotes: dict[str, Quote] = {}
        moved = 0
        for r in live:
            try:
                if r.symbol not in quotes:
                    quotes[r.symbol] = await self.broker.quote(r.symbol)
                spec = await self._spec(r.symbol)
            except BrokerError as exc:
                log.info("trailing stop of #%s not checked: %s", r.ticket, exc)
                continue
            moved += await self._move(r, positions[r.ticket], quotes[r.symbol], spec)
        return moved

    async def _move(self, r: Trailing, pos: Position, q: Quote, spec: SymbolSpec) -> int:
        new = next_stop(r, pos, q, spec.stops_level)
        if new is None:
            return 0
        try:
            res = await self.broker.modify_position(r.ticket, sl=new)
            state, why = res.state, res.note.key
        except BrokerError as exc:
            state, why = "unknown", exc.note.key
        if state == "done":
            await self.store.moved(r.ticket, new)
            return 1
        failures = r.failures + 1
        await self.store.failed(r.ticket, failures)
        if _worth_logging(failures):
            log.warning(
                "trailing stop of #%s: the terminal refused moving SL to %s (%s), %d time(s) "
                "in a row; trying again on the next tick",
                r.ticket,
                new,
                why,
                failures,
            )
        return 0

    async def _ended(self, r: Trailing) -> None:
        """The position is gone: stop trailing it, and tell the owner once."""
        if not await self.store.remove(r.ticket):
            return  # another tick (or a removal) got there first and told
        if self.notify is None or not r.platform:
            return
        lang: Lang = "en" if r.lang == "en" else "zh"
        text = t(
            lang, "tr_ended_closed", ticket=r.ticket, symbol=r.symbol, pips=_pips(r.distance_pips)
        )
        try:
            await self.notify(r.platform, r.chat_id, Outgoing(text, lang=lang, kind="push"))
        except Exception:  # a chat that cannot be reached never stops the job
            log.exception(
                "could not tell %s:%s that #%s stopped trailing", r.platform, r.chat_id, r.ticket
            )


def _worth_logging(failures: int) -> bool:
    """The first refusal of a streak, then the 10th, 100th …: a stop the market will not let
    move (closed session, frozen) is not a log line every few seconds."""
    return failures == 1 or math.log10(failures).is_integer()
