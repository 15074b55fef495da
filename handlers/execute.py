"""Send a confirmed plan to the broker, exactly once.

Every order carries the comment ``tc:<first 16 chars of the confirmation id>.<leg>`` (≤ 29
characters, MT5's client-side limit), so after an error or a lost reply we can look for the
order in positions, pending orders and recent deals before saying anything — and we never send
it again blindly:

- the broker says what became of each order (`TradeResult.state`): ``done``; ``refused`` (the
  trade server or the broker's own check said no, so nothing happened) is a plain failure,
  told to the user in their language; refused with "not_connected" (the terminal away, nothing
  sent) stops the run there — when it is the first leg nothing happened at all
  (`ExecOutcome.away`) and the confirmation goes back to pending (handlers/confirm.py);
- ``unknown`` (a timeout, a lost reply), or an exception after the request may have left: we
  look the order up by its comment; found → it went through; not found → the outcome is
  ``unknown``, the remaining legs are not sent, and the user gets a "check again" button and
  reply code that repeat the lookup (handlers/confirm.py).

The same lookup (`Executor.find`) settles what a crash left ``executing``
(handlers/recovery.py); `Executor.in_flight` tells it which sends are still live.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from broker.base import Broker
from broker.errors import BrokerError
from broker.models import PendingOrder, Position, TradeResult
from handlers.broker_text import words
from handlers.format import lots as fmt_lots
from handlers.format import price as fmt_price
from handlers.i18n import t
from handlers.messages import Lang
from handlers.plan_text import leg_label, opt_price
from handlers.plans import Leg, Plan

if TYPE_CHECKING:
    from handlers.trailing import TrailingPlanner

log = logging.getLogger(__name__)

ExecState = Literal["done", "failed", "unknown"]
_T = TypeVar("_T")


def order_comment(cid: str, leg_index: int) -> str:
    return f"tc:{cid[:16]}.{leg_index}"


@dataclass(slots=True)
class LegOutcome:
    index: int
    action: str
    ok: bool
    uncertain: bool = False
    ticket: int | None = None
    price: float | None = None
    volume: float | None = None
    retcode: int | None = None
    message: str = ""
    message_zh: str = ""
    found_later: bool = False  # an uncertain send that the comment lookup found
    away: bool = False  # refused before sending: the terminal was not connected
    request: dict[str, object] = field(default_factory=dict)
    elapsed_ms: float = 0.0


@dataclass(slots=True)
class ExecOutcome:
    state: ExecState
    legs: list[LegOutcome]
    skipped: int = 0
    # Nothing reached the terminal: the first leg was refused because the terminal was away.
    # The confirmation goes back to pending (handlers/confirm.py) instead of being finished.
    away: bool = False

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class Executor:
    def __init__(self, broker: Broker, *, magic: int, clock: Callable[[], datetime]) -> None:
        self.broker = broker
        self.magic = magic
        self.clock = clock
        # Confirmations this process is executing right now (claim → result stored): the
        # reconciler (handlers/recovery.py) leaves them alone, so only rows that a crash or
        # an escaped error left behind are looked up and settled by it.
        self.in_flight: set[str] = set()
        # Called when an error escaped an execution and may have left its row `executing`
        # (the reconciler then looks it up); set by handlers/recovery.py.
        self.on_interrupted: Callable[[], object] | None = None
        # Trailing stops kept by the bot ("trail" legs write its rows); set by
        # build_conversation. Without it a "trail" leg is refused, never guessed at.
        self.trailing: TrailingPlanner | None = None

    @contextmanager
    def working_on(self, cid: str) -> Iterator[None]:
        self.in_flight.add(cid)
        try:
            yield
        except Exception:
            self.in_flight.discard(cid)
            if self.on_interrupted is not None:
                self.on_interrupted()
            raise
        finally:
            self.in_flight.discard(cid)

    def hold(self, cid: str, written: asyncio.Future[Any]) -> None:
        """Keep `cid` counted as in flight until its result is written (`written` resolves):
        the result is stored with the message's last rows, a moment after the send."""
        if written.done():
            return
        self.in_flight.add(cid)
        written.add_done_callback(lambda _: self.in_flight.discard(cid))

    async def run(self, plan: Plan, cid: str) -> ExecOutcome:
        outcomes: list[LegOutcome] = []
        for i, leg in enumerate(plan.legs):
            out = await self._leg(leg, i, cid)
            outcomes.append(out)
            if out.uncertain:
                return ExecOutcome("unknown", outcomes, skipped=len(plan.legs) - i - 1)
            if out.away:  # the next legs would be refused the same way: stop here
                state: ExecState = "done" if any(o.ok for o in outcomes) else "failed"
                return ExecOutcome(state, outcomes, skipped=len(plan.legs) - i - 1, away=i == 0)
        state = "done" if any(o.ok for o in outcomes) else "failed"
        return ExecOutcome(state, outcomes)

    async def _send(self, leg: Leg, comment: str) -> TradeResult:
        b = self.broker
        if leg.action == "open":
            return await b.open_market(
                leg.symbol,
                _need(leg.side, "side"),
                leg.volume,
                sl=leg.sl,
                tp=leg.tp,
                magic=self.magic,
                comment=comment,
            )
        if leg.action == "pending":
            return await b.place_pending(
                leg.symbol,
                _need(leg.side, "side"),
                _need(leg.kind, "kind"),
                leg.volume,
                _need(leg.price, "price"),
                sl=leg.sl,
                tp=leg.tp,
                magic=self.magic,
                comment=comment,
            )
        ticket = _need(leg.ticket, "ticket")
        if leg.action == "close":
            full = leg.total_volume is None or leg.volume >= leg.total_volume - 1e-9
            return await b.close_position(ticket, None if full else leg.volume, comment=comment)
        if leg.action == "modify":
            return await b.modify_position(ticket, sl=leg.sl, tp=leg.tp)
        if leg.action == "modify_order":
            return await b.modify_order(ticket, sl=leg.sl, tp=leg.tp)
        return await b.cancel_order(ticket)

    async def _trail_leg(self, leg: Leg, i: int, cid: str) -> LegOutcome:
        """A trailing stop set or removed: a row of the bot's own (and at most one SLTP)."""
        from handlers.trailing import trail_result_line

        t0 = time.perf_counter()
        if self.trailing is None:
            ok, key, sl = False, "tr_result_not_kept", None
        else:
            ok, key, sl = await self.trailing.apply(leg, cid)
        zh, en = (trail_result_line(leg, key, lang, sl) for lang in ("zh", "en"))
        ms = (time.perf_counter() - t0) * 1000
        return LegOutcome(
            i, leg.action, ok=ok, ticket=leg.ticket, message=en, message_zh=zh, elapsed_ms=ms
        )

    async def _leg(self, leg: Leg, i: int, cid: str) -> LegOutcome:
        if leg.action == "trail":
            return await self._trail_leg(leg, i, cid)
        comment = order_comment(cid, i)
        t0 = time.perf_counter()
        try:
            res = await self._send(leg, comment)
        except Exception as exc:  # the request may have left: look before saying anything
            log.warning("order send raised after the request may have left: %r", exc)
            if isinstance(exc, BrokerError):
                msg_zh, msg = words(exc.note)
            else:
                msg = msg_zh = str(exc) or type(exc).__name__
            return await self._verify(
                leg, i, comment, None, msg, msg_zh, (time.perf_counter() - t0) * 1000
            )
        ms = (time.perf_counter() - t0) * 1000
        zh, en = words(res.note)  # the broker gives facts; the audit and the answer get words
        if res.state == "done":
            return LegOutcome(
                i,
                leg.action,
                ok=True,
                ticket=res.ticket if res.ticket is not None else leg.ticket,
                price=res.price,
                volume=res.volume if res.volume is not None else leg.volume,
                retcode=res.retcode,
                message=en,
                message_zh=zh,
                request=dict(res.request),
                elapsed_ms=ms,
            )
        if res.state == "refused":
            return LegOutcome(
                i,
                leg.action,
                ok=False,
                away=res.note.key == "not_connected",
                retcode=res.retcode,
                message=en,
                message_zh=zh,
                request=dict(res.request),
                elapsed_ms=ms,
            )
        return await self._verify(leg, i, comment, res.retcode, en, zh, ms)

    async def _verify(
        self,
        leg: Leg,
        i: int,
        comment: str,
        retcode: int | None,
        message: str,
        message_zh: str,
        ms: float,
    ) -> LegOutcome:
        try:
            found = await self.find(leg, comment)
        except Exception as exc:
            log.warning("could not verify order %s: %r", comment, exc)
            found = None
        if found is not None:
            ticket, price, volume = found
            return LegOutcome(
                i,
                leg.action,
                ok=True,
                ticket=ticket,
                price=price,
                volume=volume,
                retcode=retcode,
                message=message,
                message_zh=message_zh,
                found_later=True,
                elapsed_ms=ms,
            )
        return LegOutcome(
            i,
            leg.action,
            ok=False,
            uncertain=True,
            retcode=retcode,
            message=message,
            message_zh=message_zh,
            elapsed_ms=ms,
        )

    async def find(
        self, leg: Leg, comment: str, *, since: datetime | None = None
    ) -> tuple[int | None, float | None, float | None] | None:
        """Did the order with this comment (or this modification/cancel) happen? The deal
        history is searched from `since` (default: two days back)."""
        if leg.action in ("open", "pending", "close"):
            return await self._find_sent(leg, comment, since)
        if leg.action in ("modify", "modify_order"):
            return await self._find_modified(leg)
        if leg.action == "trail":
            done = self.trailing is not None and await self.trailing.found(leg)
            return (leg.ticket, None, None) if done else None
        # cancel: gone from the pending list
        orders = await self.broker.pending_orders(symbol=leg.symbol)
        if all(o.ticket != leg.ticket for o in orders):
            return leg.ticket, None, None
        return None

    async def _find_sent(
        self, leg: Leg, comment: str, since: datetime | None
    ) -> tuple[int | None, float | None, float | None] | None:
        """An open/pending/close by its comment: in positions, pending orders, recent deals."""
        b = self.broker
        if leg.action in ("open", "pending"):
            for p in await b.positions(symbol=leg.symbol):
                if p.comment == comment:
                    return p.ticket, p.price_open, p.volume
        if leg.action == "pending":
            for o in await b.pending_orders(symbol=leg.symbol):
                if o.comment == comment:
                    return o.ticket, o.price, o.volume
        now = self.clock()
        start = (
            min(since, now - timedelta(days=2)) if since is not None else now - timedelta(days=2)
        )
        deals = await b.deals(start, now + timedelta(days=1), symbol=leg.symbol)
        for d in deals:
            if d.comment == comment:
                ticket = d.position_id if leg.action != "close" else leg.ticket
                return ticket, d.price, d.volume
        return None

    async def _find_modified(self, leg: Leg) -> tuple[int | None, None, None] | None:
        """A modification: the position/order now has the SL/TP the leg asked for."""
        b = self.broker
        held: Sequence[Position | PendingOrder] = (
            await b.positions(symbol=leg.symbol)
            if leg.action == "modify"
            else await b.pending_orders(symbol=leg.symbol)
        )
        for item in held:
            if item.ticket == leg.ticket:
                want_sl = item.sl if leg.sl is None else (leg.sl or None)
                want_tp = item.tp if leg.tp is None else (leg.tp or None)
                if item.sl == want_sl and item.tp == want_tp:
                    return item.ticket, None, None
        return None


def _need(value: _T | None, what: str) -> _T:
    """A field the planner always fills for this kind of leg."""
    if value is None:
        raise ValueError(f"plan leg without {what}")
    return value


def render_outcome(plan: Plan, outcome: ExecOutcome, lang: Lang, cid: str, code: str = "") -> str:
    """The result text, which replaces the preview: every line names the ticket, symbol, side,
    volume and price it is about, as the preview did. With the confirmation's reply `code`, an
    unknown outcome names the typed reply that checks it again ("查询 7F3K"); without, the
    id's first characters."""
    lines: list[str] = []
    for o in outcome.legs:
        leg = plan.legs[o.index]
        if o.ok:
            lines.append(ok_line(leg, o, lang))
            if o.found_later:
                lines.append(t(lang, "result_found_later", ticket=o.ticket))
            continue
        if o.uncertain and code:
            lines.append(t(lang, "result_unknown_recheck", check=t(lang, "code_check", code=code)))
        elif o.uncertain:
            lines.append(t(lang, "result_unknown", cid=cid[:8]))
        else:
            reason = o.message_zh if lang == "zh" else o.message
            lines.append(t(lang, "result_fail_leg", what=leg_what(leg, lang), reason=reason))
            continue
        lines.append(t(lang, "result_leg", what=leg_what(leg, lang)))
    if outcome.skipped:
        lines.append(t(lang, "result_skipped", n=outcome.skipped))
    return "\n".join(lines)


def leg_what(leg: Leg, lang: Lang) -> str:
    """A leg that did not (or not surely) happen, named with the price it was about: the
    market price at preview for a new order, the entry for a position, the order's price."""
    at = _at(leg, lang)
    return leg_label(lang, leg) if not at else f"{leg_label(lang, leg)} {at}"


def _at(leg: Leg, lang: Lang) -> str:
    if leg.action == "open":
        if not leg.ref_price:
            return ""
        return t(lang, "result_at_market", price=fmt_price(leg.ref_price, leg.digits))
    if leg.action in ("close", "modify", "trail"):
        return t(lang, "result_at_open", price=fmt_price(leg.price, leg.digits))
    return t(lang, "result_at_order", price=fmt_price(leg.price, leg.digits))


def ok_line(leg: Leg, o: LegOutcome, lang: Lang) -> str:
    if leg.action == "trail":  # worded when it was carried out (handlers/trailing.py)
        return o.message_zh if lang == "zh" else o.message
    px = fmt_price(o.price, leg.digits) if o.price else "-"
    vol = fmt_lots(o.volume if o.volume is not None else leg.volume)
    side = t(lang, "buy_long" if leg.side == "buy" else "sell_short")
    if leg.action == "open":
        return t(
            lang,
            "result_ok_open",
            side=side,
            symbol=leg.symbol,
            lots=vol,
            price=px,
            ticket=o.ticket,
        )
    if leg.action == "pending":
        return t(
            lang,
            "result_ok_pending",
            side=side,
            kind=t(lang, leg.kind or "limit"),
            symbol=leg.symbol,
            lots=vol,
            price=fmt_price(leg.price, leg.digits),
            ticket=o.ticket,
        )
    if leg.action == "close":
        closed = o.volume if o.volume is not None else leg.volume
        return t(lang, "result_ok_close", what=leg_label(lang, leg, closed), price=px)
    if leg.action in ("modify", "modify_order"):
        sl = leg.old_sl if leg.sl is None else leg.sl
        tp = leg.old_tp if leg.tp is None else leg.tp
        return t(
            lang,
            "result_ok_modify",
            what=leg_label(lang, leg),
            at=_at(leg, lang),
            sl=opt_price(lang, sl, leg.digits),
            tp=opt_price(lang, tp, leg.digits),
        )
    return t(
        lang, "result_ok_cancel", what=leg_label(lang, leg), price=fmt_price(leg.price, leg.digits)
    )
