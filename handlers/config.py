"""Plain configuration of the conversation (built from Settings by bot/conversation_factory.py;
`handlers/` never imports bot.settings)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from handlers.auth import UserRule
from handlers.messages import Lang


@dataclass(frozen=True, slots=True)
class RiskLimits:
    max_lots_per_order: float = 1.0
    max_total_lots_per_symbol: float = 5.0
    max_open_positions: int = 50
    allowed_symbols: frozenset[str] = frozenset()  # empty = every symbol
    max_daily_loss: float = 500.0  # 0 = no limit
    read_only: bool = False  # the start value; admins toggle it from chat


@dataclass(frozen=True, slots=True)
class TradingConfig:
    confirm_ttl_s: float = 60.0
    use_default_volume: bool = False
    default_volume: float = 0.01
    max_price_drift_points: int = 50
    magic: int = 20260001  # put on the bot's own orders


# Pip sizes by canonical symbol ([trade.pip_size]); symbols not listed go by the rules of their
# class in handlers/pips.py (FX 0.0001, JPY-quoted pairs 0.01 …).
DEFAULT_PIP_SIZES: Mapping[str, float] = {
    "XAUUSD": 0.1,
    "XAGUSD": 0.001,
    "USOIL": 0.01,
    "BTCUSD": 1.0,
    "ETHUSD": 1.0,
    "US30": 1.0,
    "NAS100": 1.0,
    "SPX500": 1.0,
}


@dataclass(frozen=True, slots=True)
class TradeManagement:
    """[trade]: break-even, pip shifts and risk sizing."""

    breakeven_buffer_pips: float = 0.0  # break-even SL = entry ± this many pips (buy +, sell −)
    max_risk_percent: float = 5.0  # the largest "risk N%" an order may be sized for
    pip_sizes: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_PIP_SIZES))


@dataclass(frozen=True, slots=True)
class TrailingConfig:
    """[trailing] (handlers/trailing.py)."""

    step_pips: float = 1.0  # the stop moves only when it gains at least this much
    activation_pips: float | None = None  # profit before the stop follows; None: at once
    interval_s: float = 5.0  # seconds between ticks of the trailing job
    # what a pip is per symbol ([trade.pip_size]), the same table break-even and shifts use
    pip_sizes: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_PIP_SIZES))


@dataclass(frozen=True, slots=True)
class ConversationConfig:
    users: tuple[UserRule, ...] = ()
    messages_per_minute: int | None = 20  # None = no rate limit
    # (platform, user) pairs never rate-limited: the local console user
    rate_exempt: frozenset[tuple[str, str]] = frozenset()
    default_lang: Lang = "zh"
    trading: TradingConfig = field(default_factory=TradingConfig)
    risk: RiskLimits = field(default_factory=RiskLimits)
    trailing: TrailingConfig = field(default_factory=TrailingConfig)
    trade: TradeManagement = field(default_factory=TradeManagement)
    # An unknown user gets one short refusal per this many seconds; the rest is only logged.
    refusal_interval_s: float = 3600.0
    # A follow-up question ("多少手？") waits this long for its answer.
    slot_ttl_s: float = 300.0
    # In group chats, messages that are not a request (unknown intent) are answered only
    # when the bot is @-mentioned, so a group's small talk does not get "I didn't understand".
    quiet_in_groups: bool = True
    # Groups where account data (balance, positions, P&L, orders, reports, previews) may be
    # answered, as "platform:group id"; elsewhere a listed user's account answer goes to their
    # private chat (handlers/rooms.py). Empty: no group is a trading room.
    trading_rooms: frozenset[str] = frozenset()
