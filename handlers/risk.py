"""Risk limits, checked on every path: when the preview is built and again at ✅ just before
anything is sent. Each check yields a `Check` with a line for the preview.

- read-only mode blocks every trade (open, close, modify, cancel);
- allowed symbols, lots per order, total lots per symbol, open positions, the daily loss and
  free margin apply to new exposure (market and pending opens);
- the daily loss (realised + floating since the trading day began, kept up to date by
  handlers/day_pnl.py) blocks new opens but never closes; when it cannot be told, opens are
  blocked (fail safe);
- SL/TP and pending prices must sit on the right side of the market and outside the symbol's
  stops level (the same rule the broker adapter applies before sending), so a bad stop shows
  in the preview instead of as a refusal after ✅.

The gate reads the account and positions the plan was built from (`Plan.view`, one terminal
hop for the whole preview) and reads them itself only for a plan without one (at ✅ the plan
comes back from the store, and the re-check must see the account as it is now). The gate only
reads the account; it is not atomic with the send by itself. At ✅ the caller
(handlers/confirm.py) runs the re-check and the send under the account's one lock
(handlers/exposure.py), so what a check reads cannot change under it because of another
confirmation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from broker.base import Broker
from broker.models import Account, Position, Quote
from broker.validation import (
    Refusal,
    StopsRef,
    pending_price_refusal,
    stops_reference,
    stops_refusal,
)
from handlers.broker_text import words
from handlers.config import RiskLimits
from handlers.format import lots as fmt_lots
from handlers.format import money, signed
from handlers.plans import Check, Leg, Plan
from store.prefs import PrefsStore


class DayPnl(Protocol):
    """The trading day's P&L so far (handlers/day_pnl.py: `DayPnlTracker`), given the positions
    and the account the caller already read."""

    async def __call__(
        self, *, positions: Sequence[Position] | None = ..., account: Account | None = ...
    ) -> float: ...


ReadOnly = Callable[[], Awaitable[bool]]


class ReadOnlySwitch:
    """The global read-only switch: the settings' start value, or an admin's `/readonly on|off`
    persisted in the prefs (see store/prefs.py for which wins). Read once, then cached; the
    risk gate calls it (it is a `ReadOnly`) and the conversation sets it."""

    def __init__(self, prefs: PrefsStore, settings_value: bool) -> None:
        self.prefs = prefs
        self.settings_value = settings_value
        self._value: bool | None = None

    async def __call__(self) -> bool:
        if self._value is None:
            self._value = await self.prefs.read_only(self.settings_value)
        return self._value

    async def set(self, value: bool, *, by: str = "") -> None:
        await self.prefs.set_read_only(value, settings_value=self.settings_value, by=by)
        self._value = value


class RiskGate:
    def __init__(
        self,
        broker: Broker,
        limits: RiskLimits,
        *,
        read_only: ReadOnly,
        day_pnl: DayPnl | None,
    ) -> None:
        self.broker = broker
        self.limits = limits
        self.read_only = read_only
        self.day_pnl = day_pnl

    async def check(self, plan: Plan) -> list[Check]:
        checks: list[Check] = []
        ro = await self.read_only()
        checks.append(Check("risk_read_only_fail" if ro else "risk_read_only_ok", not ro))
        checks.extend(await self._stops(plan))
        if plan.action != "open":
            return checks
        lim = self.limits
        leg = plan.legs[0]
        symbol = leg.symbol
        if lim.allowed_symbols:
            allowed = symbol in lim.allowed_symbols
            checks.append(
                Check(
                    "risk_symbol_ok" if allowed else "risk_symbol_fail", allowed, {"symbol": symbol}
                )
            )
        vol_ok = leg.volume <= lim.max_lots_per_order + 1e-9
        checks.append(
            Check(
                "risk_lots_ok" if vol_ok else "risk_lots_fail",
                vol_ok,
                {"lots": fmt_lots(leg.volume), "max": fmt_lots(lim.max_lots_per_order)},
            )
        )
        view = plan.view
        positions = list(view.positions) if view is not None else await self.broker.positions()
        account = view.account if view is not None else None
        if account is None and leg.action == "open" and plan.margin is not None:
            # read once for both: the margin check and the daily loss's "was anything booked"
            account = await self.broker.account()
        total = round(sum(p.volume for p in positions if p.symbol == symbol) + leg.volume, 8)
        tot_ok = total <= lim.max_total_lots_per_symbol + 1e-9
        checks.append(
            Check(
                "risk_symbol_total_ok" if tot_ok else "risk_symbol_total_fail",
                tot_ok,
                {
                    "symbol": symbol,
                    "total": fmt_lots(total),
                    "max": fmt_lots(lim.max_total_lots_per_symbol),
                },
            )
        )
        n = len(positions) + 1
        n_ok = n <= lim.max_open_positions
        checks.append(
            Check(
                "risk_positions_ok" if n_ok else "risk_positions_fail",
                n_ok,
                {"n": str(n), "max": str(lim.max_open_positions)},
            )
        )
        if lim.max_daily_loss > 0:
            checks.append(await self._daily(lim.max_daily_loss, positions, account))
        if leg.action == "open" and plan.margin is not None:
            acct = account if account is not None else await self.broker.account()
            m_ok = plan.margin <= acct.margin_free + 1e-9
            checks.append(
                Check(
                    "risk_margin_ok" if m_ok else "risk_margin_fail",
                    m_ok,
                    {"free": money(acct.margin_free), "need": money(plan.margin)},
                )
            )
        return checks

    async def _stops(self, plan: Plan) -> list[Check]:
        """One line when every stop and order price is valid, else one line per problem."""
        # the moment the plan was priced at, when it carries it; read afresh otherwise
        quotes: dict[str, Quote] = dict(plan.view.quotes) if plan.view is not None else {}
        failed: list[Check] = []
        checked = False
        for leg in plan.legs:
            if leg.action not in ("open", "pending", "modify", "modify_order"):
                continue
            if not (leg.sl or leg.tp or leg.action == "pending"):
                continue
            if leg.symbol not in quotes:
                quotes[leg.symbol] = await self.broker.quote(leg.symbol)
            checked = True
            refusal = _leg_refusal(leg, quotes[leg.symbol])
            if refusal is None:
                continue
            zh, en = words(refusal.note)
            values = {"zh": zh, "en": en}
            if leg.ticket is not None and len(plan.legs) > 1:
                failed.append(
                    Check("risk_stops_ticket_fail", False, values | {"ticket": str(leg.ticket)})
                )
            else:
                failed.append(Check("risk_stops_fail", False, values))
        if failed:
            return failed
        return [Check("risk_stops_ok", True)] if checked else []

    async def _daily(
        self, max_loss: float, positions: Sequence[Position], account: Account | None
    ) -> Check:
        if self.day_pnl is None:
            return Check("risk_daily_unknown", False)
        try:
            pnl = await self.day_pnl(positions=positions, account=account)
        except Exception:  # a broken report must block opens, not crash the preview
            return Check("risk_daily_unknown", False)
        ok = pnl > -max_loss
        return Check(
            "risk_daily_ok" if ok else "risk_daily_fail",
            ok,
            {"pnl": signed(pnl), "max": money(max_loss)},
        )


def _leg_refusal(leg: Leg, q: Quote) -> Refusal | None:
    side = leg.side or "buy"
    if leg.action == "pending" and leg.kind is not None and leg.price is not None:
        bad_price = pending_price_refusal(
            leg.symbol, side, leg.kind, leg.price,
            bid=q.bid, ask=q.ask, point=leg.point, digits=leg.digits, stops_level=leg.stops_level,
        )  # fmt: skip
        if bad_price is not None:
            return bad_price
    ref_kind: StopsRef
    if leg.action in ("pending", "modify_order") and leg.price is not None:
        ref, ref_kind = leg.price, "order_price"
    else:
        ref, ref_kind = stops_reference(side, q.bid, q.ask)
    return stops_refusal(
        leg.symbol, side, ref, leg.sl, leg.tp,
        point=leg.point, digits=leg.digits, stops_level=leg.stops_level,
        ref_kind=ref_kind,
    )  # fmt: skip
