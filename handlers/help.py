"""The in-chat help. Its examples must work when typed as they stand, on the paper terminal
as on a live account: the prices in them (a pending order's entry, a stop loss) come from the
current quote, on the right side of the market and well outside any stops level. When the
terminal is away the prices are shown as a placeholder instead of a number that may be wrong.
"""

from __future__ import annotations

from broker.base import Broker
from broker.errors import BrokerError
from handlers.auth import Role, allows
from handlers.i18n import t
from handlers.messages import Lang

# How far from the market the examples' prices sit: a buy limit 0.5 % below, a sell's stop
# loss 0.5 % above, a gold buy's stop loss 3 % below (all far outside a stops level).
_LIMIT_BELOW = 0.995
_SL_ABOVE = 1.005
_GOLD_SL_BELOW = 0.97


async def example_prices(broker: Broker | None, lang: Lang) -> dict[str, str]:
    """The prices the trading examples show, from the current EURUSD and gold quotes."""
    placeholder = t(lang, "help_price_placeholder")
    prices = {"eur_limit": placeholder, "eur_sl": placeholder, "gold_sl": placeholder}
    if broker is None:
        return prices
    try:
        eur = await broker.quote("EURUSD")
        prices["eur_limit"] = f"{eur.bid * _LIMIT_BELOW:.4f}"
        prices["eur_sl"] = f"{eur.ask * _SL_ABOVE:.4f}"
        gold = await broker.quote("XAUUSD")
        prices["gold_sl"] = f"{gold.bid * _GOLD_SL_BELOW:.0f}"
    except BrokerError:
        pass  # the terminal is away: the placeholders stay
    return prices


async def help_text(
    lang: Lang, role: Role | None, *, broker: Broker | None = None, notify: str = ""
) -> str:
    """The help for `role`: queries, trading (traders), admin commands, then `notify` (what
    this user receives without asking and how to change it)."""
    parts = [t(lang, "help"), t(lang, "mk_help")]
    if allows(role, "trade"):
        parts.append(t(lang, "help_trade", **await example_prices(broker, lang)))
    if allows(role, "admin"):
        parts.append(t(lang, "help_admin"))
    if notify:
        parts.append(notify)
    parts.append(t(lang, "help_footer"))
    return "\n".join(parts)
