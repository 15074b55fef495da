"""One-tap hedge suggestions: a suggestion of the hedging-EA summary that proposes closes
(`reports.hedge.HedgeAction`) becomes a button — or, on apps without buttons, a reply code
("执行建议 123x0.01+124x0.01") — that builds exactly that plan. The press is not the
confirmation: it gives the usual preview with the risk checks and ✅/❌ (handlers/confirm.py).

The button carries the closes themselves (`hs:123x0.01+124x0.01`, within the 64 bytes chat
apps allow), not a reference to a stored suggestion, so a push to many chats needs no
bookkeeping and a restart loses nothing. A suggestion gone stale — a ticket closed since, or
with less volume left than it names — is answered as such, never quietly replaced by
whatever the book holds now.
"""

from __future__ import annotations

from broker.base import Broker
from broker.models import Position, Quote
from broker.symbols import normalize_volume
from handlers.format import lots as fmt_lots
from handlers.i18n import t
from handlers.messages import Button, Lang
from handlers.plans import Leg, Plan, Problem, market_price
from nlp.commands import read_closes
from nlp.intent import Intent
from reports.hedge import HedgeAction, HedgeSummary

BUTTON_PREFIX = "hs:"
MAX_BUTTON_BYTES = 64  # Telegram's callback data limit, the strictest of our apps

Closes = tuple[tuple[int, float], ...]


def payload(action: HedgeAction) -> str:
    """ "123x0.01+124x0.01": the closes as the button and the reply code carry them."""
    return "+".join(f"{c.ticket}x{c.volume:g}" for c in action.closes)


def read_action_button(data: str) -> Closes | None:
    """The closes a hedge-suggestion button carries; None for any other button."""
    if not data.startswith(BUTTON_PREFIX):
        return None
    return read_closes(data[len(BUTTON_PREFIX) :])


def action_button(action: HedgeAction, lang: Lang) -> Button | None:
    """The one-tap button of a suggestion; None when its closes do not fit a callback."""
    data = BUTTON_PREFIX + payload(action)
    if not action.closes or len(data.encode()) > MAX_BUTTON_BYTES:
        return None
    what = t(lang, "tr_btn_sep").join(
        t(lang, "tr_btn_close", ticket=c.ticket, lots=fmt_lots(c.volume)) for c in action.closes
    )
    return Button(
        data,
        t(lang, "tr_btn_suggestion", symbol=action.symbol, what=what),
        reply_code=t(lang, "tr_code_suggestion", closes=payload(action)),
    )


def suggestion_buttons(summary: HedgeSummary, lang: Lang) -> list[Button]:
    """A button for every suggestion of `summary` that proposes closes, in their order."""
    buttons: list[Button] = []
    for s in summary.suggestions:
        b = action_button(s.action, lang) if s.action is not None else None
        if b is not None and all(b.id != seen.id for seen in buttons):
            buttons.append(b)
    return buttons


def _stale(tickets: list[int]) -> Problem:
    return Problem("tr_suggestion_stale", {"tickets": ", ".join(f"#{n}" for n in tickets)})


async def _leg(broker: Broker, p: Position, volume: float, quotes: dict[str, Quote]) -> Leg:
    q = quotes.get(p.symbol)
    if q is None:
        q = quotes[p.symbol] = await broker.quote(p.symbol)
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


async def plan_closes(broker: Broker, closes: Closes) -> Plan | Problem:
    """The close plan of exactly these (ticket, lots): each ticket must still be open with at
    least that volume (else the suggestion is stale), each volume a valid lot size."""
    held = {p.ticket: p for p in await broker.positions()}
    gone = [ticket for ticket, lots in closes if held.get(ticket) is None]
    short = [
        ticket for ticket, lots in closes if ticket in held and lots > held[ticket].volume + 1e-9
    ]
    if gone or short:
        return _stale(gone + short)
    legs: list[Leg] = []
    quotes: dict[str, Quote] = {}
    for ticket, lots in closes:
        p = held[ticket]
        spec = await broker.symbol_spec(p.symbol)
        vc = normalize_volume(spec.symbol, lots, spec.volume_min, spec.volume_max, spec.volume_step)
        if vc.note is not None or abs(vc.volume - lots) > 1e-9:
            return _stale([ticket])  # no lot size of this symbol: not a suggestion of ours
        legs.append(await _leg(broker, p, vc.volume, quotes))
    symbols = {leg.symbol for leg in legs}
    one = next(iter(symbols)) if len(symbols) == 1 else None
    q1 = quotes.get(one) if one else None
    return Plan(
        action="close",
        legs=legs,
        # the narrowest intent that names what it closes; the plan is rebuilt from `origin`
        intent=Intent(intent="close", ticket=closes[0][0]),
        symbol=one,
        bid=q1.bid if q1 else None,
        ask=q1.ask if q1 else None,
        digits=q1.digits if q1 else 5,
        origin="+".join(f"{ticket}x{lots:g}" for ticket, lots in closes),
    )
