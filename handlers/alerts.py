"""Price alerts: set from chat ("黄金到2700提醒我", /alert XAUUSD 2700), listed and removed with
/alerts, checked by the scheduler every `[price_alerts] check_seconds` and pushed once.

    alerts = PriceAlerts(broker, AlertStore(db), AlertConfig(...), clock)
    answer = await alerts.create(owner, "XAUUSD", 2700.0)    → AlertAnswer (text in owner.lang)
    text   = await alerts.list_text(owner)
    answer = await alerts.delete(owner, 2)                   → by its number in the list
    fired  = await alerts.check(pushes.deliver)              → the scheduler's one call

Rules:
- The direction is read from the market when the alert is made: a price above the current bid
  waits for the bid to rise to it, one below for the bid to fall to it. A price the market is
  already at is refused (it would fire at once), as are a price ≤ 0, a price further than
  `max_distance_pct` from the market (a typo: "27000" for gold) and a symbol the broker does not
  have; each gets a clear answer with the current price.
- The bid decides, for both directions: it is the price charts and quotes show.
- Each owner may have `per_user` live alerts.
- A check makes one quote request per symbol with live alerts, whatever their number.
- Firing is at most once, also across restarts and concurrent checkers: the row is claimed in
  the store (one conditional UPDATE) before the push is sent, and removed after it (see
  store/alerts.py). Delivery (retries, audit) is the pushes' `deliver`.
- Who may set alerts is the conversation's allow-list: any listed role (an alert trades
  nothing, so a viewer may set one); unlisted users never reach this module.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from broker.base import Broker
from broker.errors import BrokerError, SymbolNotFound
from broker.models import Quote
from handlers.broker_text import note_text
from handlers.format import UserClock, price
from handlers.i18n import t
from handlers.messages import Lang, Outgoing
from store.alerts import AlertStore, Direction, PriceAlert
from store.subscriptions import Subscription

log = logging.getLogger(__name__)

PUSH_KIND = "price_alert"  # the audit log's name for these pushes
MAX_BUTTONS = 20  # delete buttons under /alerts (the rest by /alerts del N)
_BUTTON_PREFIX = "alert:del:"
# The pushes' delivery: one message to one chat, retried and audited (Pushes.deliver).
Deliver = Callable[[Subscription, Outgoing, str], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class AlertConfig:
    per_user: int = 20  # live alerts per owner
    max_distance_pct: float = 50.0  # refuse a price further than this from the market


@dataclass(frozen=True, slots=True)
class Owner:
    """Who sets an alert and where its push goes."""

    platform: str
    user_id: str
    chat_id: str
    lang: Lang


@dataclass(frozen=True, slots=True)
class AlertAnswer:
    """What became of a request: `reason` names a refusal ("" when it worked) for callers
    other than the chat (the gateway); `text` says it to a person."""

    text: str
    ok: bool
    reason: str = ""
    alert: PriceAlert | None = None


def _lang(value: str) -> Lang:
    return "en" if value == "en" else "zh"


def _direction_word(lang: Lang, direction: Direction) -> str:
    return t(lang, "mk_alert_rises_to" if direction == "above" else "mk_alert_falls_to")


class PriceAlerts:
    def __init__(
        self,
        broker: Broker,
        store: AlertStore,
        config: AlertConfig,
        clock: Callable[[], datetime],
        user_clock: Callable[[], UserClock] | None = None,
    ) -> None:
        self.broker = broker
        self.store = store
        self.config = config
        self.clock = clock
        self._user_clock = user_clock or UserClock

    # ------------------------------------------------------------------ setting one

    def _refused(self, lang: Lang, reason: str, **values: object) -> AlertAnswer:
        return AlertAnswer(t(lang, f"mk_alert_{reason}", **values), ok=False, reason=reason)

    async def _quote(self, lang: Lang, symbol: str) -> Quote | AlertAnswer:
        try:
            return await self.broker.quote(symbol)
        except SymbolNotFound as exc:
            return self._refused(
                lang, "unknown_symbol", symbol=symbol, why=note_text(exc.note, lang)
            )

    async def create(self, owner: Owner, symbol: str, level: float) -> AlertAnswer:
        """Set an alert for `owner` when `symbol`'s bid reaches `level`."""
        lang = owner.lang
        if not math.isfinite(level) or level <= 0:
            return self._refused(lang, "not_positive")
        quote = await self._quote(lang, symbol)
        if isinstance(quote, AlertAnswer):
            return quote
        digits = quote.digits
        bid = round(quote.bid, digits)
        target = round(level, digits)
        now_text = price(bid, digits)
        if bid <= 0:
            return self._refused(lang, "no_quote", symbol=quote.symbol)
        if abs(target - bid) / bid * 100 > self.config.max_distance_pct:
            return self._refused(
                lang, "too_far", symbol=quote.symbol, price=price(target, digits), now=now_text,
                pct=f"{self.config.max_distance_pct:g}",
            )  # fmt: skip
        if target == bid:
            return self._refused(lang, "already_there", symbol=quote.symbol, now=now_text)
        direction: Direction = "above" if target > bid else "below"
        alert = await self.store.add(
            platform=owner.platform, user_id=owner.user_id, chat_id=owner.chat_id, lang=lang,
            symbol=quote.symbol, price=target, direction=direction, digits=digits,
            now=self.clock(), limit=self.config.per_user,
        )  # fmt: skip
        if alert is None:
            return self._refused(lang, "limit", n=self.config.per_user)
        mine = await self.store.of_user(owner.platform, owner.user_id)
        number = next((i for i, a in enumerate(mine, 1) if a.id == alert.id), len(mine))
        text = t(
            lang, "mk_alert_set", n=number, symbol=alert.symbol,
            direction=_direction_word(lang, direction), price=price(target, digits),
            now=now_text,
        )  # fmt: skip
        return AlertAnswer(text, ok=True, alert=alert)

    # ------------------------------------------------------------------ listing, removing

    async def of_owner(self, owner: Owner) -> list[PriceAlert]:
        return await self.store.of_user(owner.platform, owner.user_id)

    async def list_text(self, owner: Owner) -> str:
        return (await self.listing(owner))[0]

    async def listing(self, owner: Owner) -> tuple[str, list[PriceAlert]]:
        """The owner's alerts as text (numbered, oldest first) and as data."""
        mine = await self.of_owner(owner)
        return self._list_text(owner.lang, mine), mine

    def _list_text(self, lang: Lang, mine: list[PriceAlert]) -> str:
        if not mine:
            return t(lang, "mk_alerts_none")
        clock = self._user_clock()
        lines = [t(lang, "mk_alerts_title", n=len(mine), limit=self.config.per_user)]
        for i, a in enumerate(mine, 1):
            lines.append(
                t(
                    lang,
                    "mk_alerts_row",
                    n=i,
                    symbol=a.symbol,
                    direction=_direction_word(lang, a.direction),
                    price=price(a.price, a.digits),
                    since=clock.bare(a.created_at, "%m-%d %H:%M"),
                )
            )
        lines.append(t(lang, "mk_alerts_hint"))
        return "\n".join(lines)

    async def delete_by_id(self, owner: Owner, alert_id: int) -> AlertAnswer:
        """Remove the owner's alert `alert_id` (a delete button under /alerts)."""
        mine = await self.of_owner(owner)
        number = next((i for i, a in enumerate(mine, 1) if a.id == alert_id), None)
        if number is None:  # fired, removed, or someone else's
            return self._refused(owner.lang, "gone")
        return await self.delete(owner, number)

    async def delete(self, owner: Owner, number: int) -> AlertAnswer:
        """Remove the owner's alert number `number` (as /alerts lists them)."""
        lang = owner.lang
        mine = await self.of_owner(owner)
        if not 1 <= number <= len(mine):
            return self._refused(lang, "no_such", n=number, count=len(mine))
        alert = mine[number - 1]
        removed = await self.store.remove(alert.id, platform=owner.platform, user_id=owner.user_id)
        if not removed:  # it fired (or was removed elsewhere) in the meantime
            return self._refused(lang, "no_such", n=number, count=len(mine) - 1)
        text = t(
            lang, "mk_alert_deleted", n=number, symbol=alert.symbol,
            direction=_direction_word(lang, alert.direction), price=price(alert.price, alert.digits),
        )  # fmt: skip
        return AlertAnswer(text, ok=True, alert=alert)

    # ------------------------------------------------------------------ the scheduler's check

    async def check(self, deliver: Deliver) -> int:
        """Push every alert whose price the market has reached, once; returns how many fired.
        A symbol whose quote cannot be had now is checked again next time."""
        await self.store.clear_fired()
        by_symbol: dict[str, list[PriceAlert]] = defaultdict(list)
        for a in await self.store.active():
            by_symbol[a.symbol].append(a)
        fired = 0
        for symbol, alerts in by_symbol.items():
            try:
                quote = await self.broker.quote(symbol)
            except BrokerError as exc:
                log.warning("price alerts on %s not checked: %s", symbol, exc)
                continue
            for a in alerts:
                if a.crossed(quote.bid) and await self._fire(a, quote, deliver):
                    fired += 1
        return fired

    async def _fire(self, a: PriceAlert, quote: Quote, deliver: Deliver) -> bool:
        if not await self.store.claim(a.id, self.clock()):
            return False  # another checker has it
        lang = _lang(a.lang)
        text = t(
            lang, "mk_alert_fired", symbol=a.symbol, direction=_direction_word(lang, a.direction),
            price=price(a.price, a.digits), now=price(quote.bid, a.digits),
            at=self._user_clock().time(quote.time, lang),
        )  # fmt: skip
        out = Outgoing(text, lang=lang, kind="push")
        try:
            await deliver(Subscription(a.platform, a.chat_id, PUSH_KIND, lang), out, PUSH_KIND)
        except Exception:  # the claim stands: an alert is pushed at most once
            log.exception("price alert %s could not be pushed", a.id)
        await self.store.remove(a.id)
        return True


def alert_button(alert_id: int) -> str:
    """The callback id of the delete button of one alert."""
    return f"{_BUTTON_PREFIX}{alert_id}"


def read_alert_button(data: str) -> int | None:
    """`alert:del:<id>` → the alert id; None for any other button (button ids are ours, not
    user text, so they are read here, next to the code that makes them)."""
    if not data.startswith(_BUTTON_PREFIX):
        return None
    rest = data[len(_BUTTON_PREFIX) :]
    return int(rest) if rest.isdigit() else None
