"""Result types shaped like the MetaTrader5 package's struct sequences.

A struct sequence is a tuple with attribute access, ``_asdict()`` and the ``n_fields`` family,
but — unlike a namedtuple — no ``_fields``, ``_replace`` or ``_make``. Code that works with
these works with the real module.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar


class StructSeq(tuple[Any, ...]):
    """Base of every result type; concrete types are made by `struct_type`."""

    __slots__ = ()
    n_fields: ClassVar[int] = 0
    n_sequence_fields: ClassVar[int] = 0
    n_unnamed_fields: ClassVar[int] = 0
    _names: ClassVar[tuple[str, ...]] = ()

    def __new__(cls, values: Iterable[Any]) -> StructSeq:
        seq = tuple(values)
        if len(seq) != cls.n_fields:
            raise TypeError(
                f"{cls.__name__}() takes a {cls.n_fields}-sequence ({len(seq)}-sequence given)"
            )
        return tuple.__new__(cls, seq)

    def _asdict(self) -> dict[str, Any]:
        return dict(zip(type(self)._names, self, strict=True))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in zip(type(self)._names, self, strict=True))
        return f"{type(self).__name__}({inner})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (tuple(self),))

    if TYPE_CHECKING:  # attribute access for the type checker; real access is via properties

        def __getattr__(self, name: str) -> Any: ...


def struct_type(name: str, fields: str | Iterable[str]) -> type[StructSeq]:
    """A new struct-sequence type with these field names (or one space-separated string)."""
    names = tuple(fields.split() if isinstance(fields, str) else fields)
    ns: dict[str, Any] = {
        "__slots__": (),
        "n_fields": len(names),
        "n_sequence_fields": len(names),
        "n_unnamed_fields": 0,
        "_names": names,
        "__module__": __name__,
    }
    for i, field in enumerate(names):
        ns[field] = property(operator.itemgetter(i), doc=field)
    return type(name, (StructSeq,), ns)


def build(cls: type[StructSeq], **values: Any) -> StructSeq:
    """Make a struct from keyword values; every field must be given."""
    return tuple.__new__(cls, [values[n] for n in cls._names])


def field_names(cls: type[StructSeq]) -> tuple[str, ...]:
    """The field names of a struct type (the real types expose them only via `_asdict`)."""
    return cls._names


TradeRequest = struct_type(
    "TradeRequest",
    "action magic order symbol volume price stoplimit sl tp deviation type type_filling "
    "type_time expiration comment position position_by",
)
OrderSendResult = struct_type(
    "OrderSendResult",
    "retcode deal order volume price bid ask comment request_id retcode_external request",
)
OrderCheckResult = struct_type(
    "OrderCheckResult",
    "retcode balance equity profit margin margin_free margin_level comment request",
)
TradePosition = struct_type(
    "TradePosition",
    "ticket time time_msc time_update time_update_msc type magic identifier reason volume "
    "price_open sl tp price_current swap profit symbol comment external_id",
)
TradeOrder = struct_type(
    "TradeOrder",
    "ticket time_setup time_setup_msc time_done time_done_msc time_expiration type type_time "
    "type_filling state magic position_id position_by_id reason volume_initial volume_current "
    "price_open sl tp price_current price_stoplimit symbol comment external_id",
)
TradeDeal = struct_type(
    "TradeDeal",
    "ticket order time time_msc type entry magic position_id reason volume price commission "
    "swap profit fee symbol comment external_id",
)
Tick = struct_type("Tick", "time bid ask last volume time_msc flags volume_real")
AccountInfo = struct_type(
    "AccountInfo",
    "login trade_mode leverage limit_orders margin_so_mode trade_allowed trade_expert "
    "margin_mode currency_digits fifo_close balance credit profit equity margin margin_free "
    "margin_level margin_so_call margin_so_so margin_initial margin_maintenance assets "
    "liabilities commission_blocked name server currency company",
)
TerminalInfo = struct_type(
    "TerminalInfo",
    "community_account community_connection connected dlls_allowed trade_allowed "
    "tradeapi_disabled email_enabled ftp_enabled notifications_enabled mqid build maxbars "
    "codepage ping_last community_balance retransmission company name language path "
    "data_path commondata_path",
)
SymbolInfo = struct_type(
    "SymbolInfo",
    "custom chart_mode select visible session_deals session_buy_orders session_sell_orders "
    "volume volumehigh volumelow time digits spread spread_float ticks_bookdepth "
    "trade_calc_mode trade_mode start_time expiration_time trade_stops_level "
    "trade_freeze_level trade_exemode swap_mode swap_rollover3days margin_hedged_use_leg "
    "expiration_mode filling_mode order_mode order_gtc_mode option_mode option_right bid "
    "bidhigh bidlow ask askhigh asklow last lasthigh lastlow volume_real volumehigh_real "
    "volumelow_real option_strike point trade_tick_value trade_tick_value_profit "
    "trade_tick_value_loss trade_tick_size trade_contract_size trade_accrued_interest "
    "trade_face_value trade_liquidity_rate volume_min volume_max volume_step volume_limit "
    "swap_long swap_short margin_initial margin_maintenance session_volume session_turnover "
    "session_interest session_buy_orders_volume session_sell_orders_volume session_open "
    "session_close session_aw session_price_settlement session_price_limit_min "
    "session_price_limit_max margin_hedged price_change price_volatility price_theoretical "
    "price_greeks_delta price_greeks_theta price_greeks_gamma price_greeks_vega "
    "price_greeks_rho price_greeks_omega price_sensitivity basis category currency_base "
    "currency_profit currency_margin bank description exchange formula isin name page "
    "path",
)
