"""Settings → `Conversation`: the only place that turns [users], [limits], [trading] and [risk]
into the handlers' own plain config."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.settings import Settings
from handlers.auth import UserRule
from handlers.config import ConversationConfig, RiskLimits, TradingConfig
from handlers.conversation import Conversation, ParserLike, ReportsLike, build_conversation
from store.db import Database
from store.subscriptions import SubscriptionStore

CONSOLE_USER = UserRule(platform="console", user_id="local", role="admin", name="local")


def conversation_config(settings: Settings) -> ConversationConfig:
    users = [
        UserRule(platform=u.platform, user_id=str(u.id), role=u.role, name=u.name, lang=u.lang)
        for u in settings.users
        if not (u.platform == "console" and str(u.id) == CONSOLE_USER.user_id)
    ]
    # The local console user is always an admin: whoever has the terminal has the machine.
    users.append(CONSOLE_USER)
    tr, rk = settings.trading, settings.risk
    return ConversationConfig(
        users=tuple(users),
        messages_per_minute=settings.limits.messages_per_minute,
        rate_exempt=frozenset({(CONSOLE_USER.platform, CONSOLE_USER.user_id)}),
        default_lang=settings.app.language,
        trading=TradingConfig(
            confirm_ttl_s=float(tr.confirm_ttl_s),
            use_default_volume=tr.use_default_volume,
            default_volume=tr.default_volume,
            max_price_drift_points=tr.max_price_drift_points,
            magic=settings.broker.magic,
        ),
        risk=RiskLimits(
            max_lots_per_order=rk.max_lots_per_order,
            max_total_lots_per_symbol=rk.max_total_lots_per_symbol,
            max_open_positions=rk.max_open_positions,
            allowed_symbols=frozenset(rk.allowed_symbols),
            max_daily_loss=rk.max_daily_loss,
            read_only=rk.read_only,
        ),
    )


def make_conversation(
    settings: Settings,
    broker: Any,
    parser: ParserLike,
    db: Database,
    reports: ReportsLike | None,
    *,
    clock: Callable[[], datetime] | None = None,
) -> Conversation:
    kwargs: dict[str, Any] = {}
    if clock is not None:
        kwargs["clock"] = clock
    return build_conversation(
        broker=broker,
        parser=parser,
        db=db,
        config=conversation_config(settings),
        reports=reports,
        subscriptions=SubscriptionStore(db),
        symbol_aliases=dict(settings.symbols.aliases),
        **kwargs,
    )
