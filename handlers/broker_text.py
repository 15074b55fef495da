"""The broker's notes in words: every sentence the broker has for a person, in Chinese and English.

The broker reports facts (`broker.models.Note`: a key and its facts — symbols, tickets, lots,
prices with their digits, retcodes, nested notes); this module is where they become text, for
the user's answer and for the audit log. `note_text(note, lang)` words one note; a key without
an entry here is a programming error (KeyError), never a half-worded answer.

Notes come from order results (`TradeResult.note`), broker errors (`BrokerError.note`, e.g.
"lookup_failed" {what, reason}, "unknown_symbol" {symbol, close}), the terminal's health
(`Health.note`: "connected", "terminal_lost" …) and the checks shared with the planner
(`VolumeCheck.note`, `broker.validation.Refusal.note`). MT5 retcodes and `last_error()` codes
are explained from the tables in `handlers/i18n/` ("mt5_retcode_<code>",
"mt5_last_error_<code>"), as are the words added here; the order-result sentences below predate
that section and stay where they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from broker.models import Note
from broker.symbols import fmt_volume
from handlers.i18n import STRINGS
from handlers.messages import Lang

Facts = dict[str, Any]
Words = tuple[str, str]  # (Chinese, English), as in handlers/i18n/

_SIDE_ZH = {"buy": "买入", "sell": "卖出"}
_EPS = 1e-9


def note_text(note: Note, lang: Lang | str) -> str:
    """`note` in `lang` ("zh" or "en")."""
    zh, en = words(note)
    return zh if lang == "zh" else en


def words(note: Note) -> Words:
    """(Chinese, English) for `note`."""
    return _TEXTS[note.key](note.facts)


def _say(key: str, /, **values: object) -> Words:
    """i18n entry `key` in both languages; a `Words` value is put in its matching language."""
    zh, en = STRINGS[key]
    return (
        zh.format(**{k: v[0] if isinstance(v, tuple) else v for k, v in values.items()}),
        en.format(**{k: v[1] if isinstance(v, tuple) else v for k, v in values.items()}),
    )


def _kind_zh(side: str, kind: str) -> str:
    return STRINGS[f"pending_kind_{side}_{kind}"][0]


def _px(f: Facts, key: str = "price") -> str:
    return f"{float(f[key]):.{int(f['digits'])}f}"


def _stop(f: Facts, key: str) -> str | None:
    """A SL/TP level in the symbol's digits; None when there is none (0.0)."""
    return _px(f, key) if f[key] else None


# ---------------------------------------------------------------- done


def _opened(f: Facts) -> Words:
    side, sym, p, ticket = f["side"], f["symbol"], _px(f), f["ticket"]
    filled = fmt_volume(f["volume"])
    partial_en = f" (only {filled} of {fmt_volume(f['requested'])} filled)" if f["partial"] else ""
    partial_zh = f"（仅成交 {filled} 手）" if f["partial"] else ""
    past_en = "Bought" if side == "buy" else "Sold"
    return (
        f"已{_SIDE_ZH[side]} {sym} {filled} 手，成交价 {p}{partial_zh}（持仓 #{ticket}）",
        f"{past_en} {filled} {sym} at {p}{partial_en} (position #{ticket})",
    )


def _placed(f: Facts) -> Words:
    side, kind, sym, lots, p = f["side"], f["kind"], f["symbol"], fmt_volume(f["volume"]), _px(f)
    return (
        f"已挂单：{_kind_zh(side, kind)} {sym} {lots} 手 @ {p}（订单 #{f['ticket']}）",
        f"Placed {side} {kind} {lots} {sym} at {p} (order #{f['ticket']})",
    )


def _closed(f: Facts) -> Words:
    ticket, sym, lots, p, rest = (
        f["ticket"],
        f["symbol"],
        fmt_volume(f["volume"]),
        _px(f),
        f["rest"],
    )
    rest_en = f"; {fmt_volume(rest)} lots remain open" if rest > _EPS else ""
    rest_zh = f"，剩余 {fmt_volume(rest)} 手" if rest > _EPS else ""
    return (
        f"已平仓 #{ticket}（{sym}）{lots} 手，成交价 {p}{rest_zh}",
        f"Closed {lots} lots of position #{ticket} ({sym}) at {p}{rest_en}",
    )


def _position_modified(f: Facts) -> Words:
    sl, tp = _stop(f, "sl"), _stop(f, "tp")
    return (
        f"持仓 #{f['ticket']}（{f['symbol']}）已修改：止损 {sl or '无'}，止盈 {tp or '无'}",
        f"Position #{f['ticket']} ({f['symbol']}): SL {sl or 'none'}, TP {tp or 'none'}",
    )


def _order_modified(f: Facts) -> Words:
    p, sl, tp = _px(f), _stop(f, "sl"), _stop(f, "tp")
    return (
        f"挂单 #{f['ticket']}（{f['symbol']}）已修改：价格 {p}，止损 {sl or '无'}，止盈 {tp or '无'}",
        f"Order #{f['ticket']} ({f['symbol']}): price {p}, SL {sl or 'none'}, TP {tp or 'none'}",
    )


def _order_canceled(f: Facts) -> Words:
    return (
        f"挂单 #{f['ticket']}（{f['symbol']}）已撤销",
        f"Order #{f['ticket']} ({f['symbol']}) canceled",
    )


# ---------------------------------------------------------------- the operation that failed


def _failed(f: Facts) -> Words:
    what_zh, what_en = words(f["operation"])
    why_zh, why_en = words(f["reason"])
    return f"{what_zh}失败：{why_zh}", f"{what_en} failed: {why_en}"


def _op_open(f: Facts) -> Words:
    side, sym, lots = f["side"], f["symbol"], fmt_volume(f["volume"])
    return f"{_SIDE_ZH[side]} {sym} {lots} 手", f"{'Buy' if side == 'buy' else 'Sell'} {lots} {sym}"


def _op_pending(f: Facts) -> Words:
    side, kind, sym, lots, p = f["side"], f["kind"], f["symbol"], fmt_volume(f["volume"]), _px(f)
    return (
        f"{_kind_zh(side, kind)}挂单 {sym} {lots} 手 @ {p}",
        f"Place {side} {kind} {lots} {sym} at {p}",
    )


def _op_close(f: Facts) -> Words:
    ticket, sym, lots = f["ticket"], f["symbol"], fmt_volume(f["volume"])
    return f"平仓 #{ticket}（{sym}）{lots} 手", f"Close {lots} of position #{ticket} ({sym})"


def _op(zh: str, en: str) -> Callable[[Facts], Words]:
    def render(f: Facts) -> Words:
        return (
            f"{zh} #{f['ticket']}（{f['symbol']}）",
            f"{en} #{f['ticket']} ({f['symbol']})",
        )

    return render


# ---------------------------------------------------------------- why


def _retcode(f: Facts) -> Words:
    code, comment = int(f["code"]), str(f.get("comment", ""))
    zh, en = STRINGS.get(f"mt5_retcode_{code}") or _say(
        "mt5_retcode_unknown", code=code, extra=f": {comment}" if comment else ""
    )
    tries = f.get("tries")
    if tries:
        en += f" (tried {tries} times)"
        zh += f"（已重试 {tries} 次）"
    return zh, en


def _last_error(f: Facts) -> Words:
    """A `last_error()` code; the package's own text is added when it says something more
    (e.g. 'Invalid "comment" argument')."""
    code, text = int(f["code"]), str(f["text"] or "")
    known = STRINGS.get(f"mt5_last_error_{code}")
    if known is None:
        if text:
            return _say("mt5_last_error_unknown", code=code, text=text)
        return _say("mt5_last_error_unknown_bare", code=code)
    if text and text.lower() != known[1].lower() and code != 1:
        return _say("mt5_last_error_text", what=known, text=text)
    return known


def _may_have_executed(f: Facts) -> Words:
    zh, en = words(f["reason"])
    return (
        f"{zh}；订单可能已执行也可能未执行，请查看持仓和挂单",
        f"{en}; the order may or may not have been executed — check positions and orders",
    )


def _not_connected(f: Facts) -> Words:
    head = (
        "交易终端未连接，恢复连接前暂停交易",
        "The trading terminal is not connected; trading is paused until it is back",
    )
    reason = f.get("reason")
    return (
        head
        if reason is None
        else _say("broker_not_connected_why", head=head, reason=words(reason))
    )


# ---------------------------------------------------------------- the remote broker's link


def _gateway_unreachable(f: Facts) -> Words:
    return _say("rb_gateway_unreachable", url=f["url"], error=f["error"])


def _gateway_refused(f: Facts) -> Words:
    return _say("rb_gateway_refused", status=f["status"], code=f["code"], message=f["message"])


def _remote_terminal_away(f: Facts) -> Words:
    return _say("rb_remote_terminal_away", health=words(f["health"]))


# ---------------------------------------------------------------- refused before sending


def _symbol_rule(zh: str, en: str) -> Callable[[Facts], Words]:
    def render(f: Facts) -> Words:
        return zh.format(symbol=f["symbol"]), en.format(symbol=f["symbol"])

    return render


def _ticket_rule(zh: str, en: str) -> Callable[[Facts], Words]:
    def render(f: Facts) -> Words:
        return zh.format(ticket=f["ticket"]), en.format(ticket=f["ticket"])

    return render


def _invalid_price(f: Facts) -> Words:
    return f"{f['symbol']} 价格 {f['price']} 无效", f"Invalid price {f['price']} for {f['symbol']}"


def _unknown_pending_type(f: Facts) -> Words:
    return (
        f"未知的挂单类型 {f['side']} {f['kind']}",
        f"Unknown pending order type {f['side']} {f['kind']}",
    )


def _close_exceeds(f: Facts) -> Words:
    ticket, sym = f["ticket"], f["symbol"]
    lots, held = fmt_volume(f["volume"]), fmt_volume(f["held"])
    return (
        f"持仓 #{ticket}（{sym}）只有 {held} 手，无法平仓 {lots} 手",
        f"Cannot close {lots} lots: position #{ticket} ({sym}) holds only {held}",
    )


_TEXTS: dict[str, Callable[[Facts], Words]] = {
    "opened": _opened,
    "placed": _placed,
    "closed": _closed,
    "position_modified": _position_modified,
    "order_modified": _order_modified,
    "order_canceled": _order_canceled,
    "failed": _failed,
    "op_open": _op_open,
    "op_pending": _op_pending,
    "op_close": _op_close,
    "op_modify_position": _op("修改持仓", "Modify position"),
    "op_modify_order": _op("修改挂单", "Modify order"),
    "op_cancel": _op("撤销挂单", "Cancel order"),
    "retcode": _retcode,
    "last_error": _last_error,
    "may_have_executed": _may_have_executed,
    "not_connected": _not_connected,
    "gateway_unreachable": _gateway_unreachable,
    "gateway_refused": _gateway_refused,
    "remote_terminal_away": _remote_terminal_away,
    "trade_disabled": _symbol_rule("{symbol} 已禁止交易", "Trading is disabled for {symbol}"),
    "close_only": _symbol_rule(
        "{symbol} 只允许平仓，不能开新仓", "Only closing positions is allowed for {symbol}"
    ),
    "long_only": _symbol_rule("{symbol} 只允许做多", "Only buying is allowed for {symbol}"),
    "short_only": _symbol_rule("{symbol} 只允许做空", "Only selling is allowed for {symbol}"),
    "no_prices": _symbol_rule(
        "{symbol} 当前没有报价（可能已休市）",
        "There are no prices for {symbol} right now (market closed?)",
    ),
    "is_pending_order": _ticket_rule(
        "#{ticket} 是挂单而不是持仓，请改为撤单",
        "#{ticket} is a pending order, not a position: cancel it instead",
    ),
    "position_not_found": _ticket_rule(
        "未找到持仓 #{ticket}：可能已平仓或单号有误",
        "Position #{ticket} was not found: it is already closed or the ticket is wrong",
    ),
    "order_not_found": _ticket_rule(
        "未找到挂单 #{ticket}：可能已成交、已撤销或单号有误",
        "Pending order #{ticket} was not found: it was filled, canceled or the ticket is wrong",
    ),
    "position_unchanged": _ticket_rule(
        "持仓 #{ticket} 的止损/止盈已是这些数值，无需修改",
        "Nothing to change: position #{ticket} already has these SL/TP",
    ),
    "order_unchanged": _ticket_rule(
        "挂单 #{ticket} 已是这些数值，无需修改",
        "Nothing to change: order #{ticket} already has these values",
    ),
    "invalid_price": _invalid_price,
    "unknown_pending_type": _unknown_pending_type,
    "close_exceeds": _close_exceeds,
}


# ---------------------------------------------------------------- broker errors


def _entry(key: str) -> Callable[[Facts], Words]:
    """An i18n entry filled in with the note's facts as they are."""

    def render(f: Facts) -> Words:
        return _say(key, **f)

    return render


def _connection_lost(f: Facts) -> Words:
    if f.get("error"):
        return _say("broker_connection_lost_why", error=f["error"])
    return _say("broker_connection_lost")


def _lookup_failed(f: Facts) -> Words:
    return _say("broker_lookup_failed", what=words(f["what"]), reason=words(f["reason"]))


def _connect_failed(f: Facts) -> Words:
    return _say("broker_connect_failed", reason=words(f["reason"]))


def _both_joined(items: list[str]) -> Words:
    return "、".join(items), ", ".join(items)


def _unknown_symbol(f: Facts) -> Words:
    close = [str(name) for name in f["close"]]
    hint = _say("broker_unknown_symbol_hint", names=_both_joined(close)) if close else ("", "")
    return _say("broker_unknown_symbol", symbol=f["symbol"], hint=hint)


def _unknown_timeframe(f: Facts) -> Words:
    known = [str(tf) for tf in f["known"]]
    return _say("broker_unknown_timeframe", timeframe=f["timeframe"], known=_both_joined(known))


# ---------------------------------------------------------------- the terminal's health


def _server(f: Facts) -> str | Words:
    return str(f["server"]) or STRINGS["health_unnamed_server"]


def _health(key: str) -> Callable[[Facts], Words]:
    def render(f: Facts) -> Words:
        return _say(key, **{**f, "server": _server(f)})

    return render


def _terminal_lost(f: Facts) -> Words:
    head = words(Note("not_connected"))
    if f.get("reason") is None:
        return _say("health_terminal_lost", head=head)
    return _say("health_terminal_lost_why", head=head, reason=words(f["reason"]))


def _terminal_back(f: Facts) -> Words:
    return _say("health_terminal_back", health=words(f["health"]))


# ---------------------------------------------------------------- the shared checks


def _volume(key: str, *limits: str) -> Callable[[Facts], Words]:
    def render(f: Facts) -> Words:
        values = {name: fmt_volume(float(f[name])) for name in ("volume", *limits)}
        return _say(key, symbol=f.get("symbol", ""), **values)

    return render


def _stop_parts(f: Facts) -> dict[str, object]:
    digits = int(f["digits"])
    return {
        "symbol": f["symbol"],
        "label": STRINGS[f"stop_label_{str(f['label']).lower()}"],
        "value": f"{float(f['value']):.{digits}f}",
        "ref": STRINGS[f"stops_ref_{f['ref_kind']}"],
        "at": f"{float(f['ref']):.{digits}f}",
    }


def _stop_wrong_side(f: Facts) -> Words:
    return _say(
        "stop_wrong_side",
        **_stop_parts(f),
        position=STRINGS[f"stop_position_{f['side']}"],
        where=STRINGS["price_below" if f["below"] else "price_above"],
    )


def _stop_too_close(f: Facts) -> Words:
    return _say("stop_too_close", **_stop_parts(f), points=f["stops_level"])


def _pending_parts(f: Facts) -> dict[str, object]:
    digits = int(f["digits"])
    return {
        "symbol": f["symbol"],
        "price": f"{float(f['price']):.{digits}f}",
        "ref": STRINGS["pending_ref_ask" if f["side"] == "buy" else "pending_ref_bid"],
        "at": f"{float(f['ref']):.{digits}f}",
    }


def _pending_wrong_side(f: Facts) -> Words:
    return _say(
        "pending_wrong_side",
        **_pending_parts(f),
        kind=STRINGS[f"pending_kind_{f['side']}_{f['kind']}"],
        where=STRINGS["price_below" if f["below"] else "price_above"],
    )


def _pending_too_close(f: Facts) -> Words:
    return _say("pending_too_close", **_pending_parts(f), points=f["stops_level"])


# Which lookup failed ("lookup_failed" {what, reason}): i18n entries "lookup_<key>".
_LOOKUPS = (
    "read_symbols",
    "terminal_silent",
    "read_symbol",
    "select_symbol",
    "no_quote",
    "no_history",
    "read_account",
    "read_positions",
    "read_orders",
    "read_deals",
    "no_price",
    "read_position",
    "read_order",
)

_TEXTS.update(
    {
        "connection_lost": _connection_lost,
        "call_failed": _entry("broker_call_failed"),
        "lookup_failed": _lookup_failed,
        **{key: _entry(f"lookup_{key}") for key in _LOOKUPS},
        "connect_failed": _connect_failed,
        "unreachable": _entry("broker_unreachable"),
        "not_on_server": _entry("broker_not_on_server"),
        "stopped_answering": _entry("broker_stopped_answering"),
        "timeout": _entry("broker_timeout"),
        "call_stuck": _entry("broker_call_stuck"),
        "busy": _entry("broker_busy"),
        "unknown_symbol": _unknown_symbol,
        "quote_missing": _entry("broker_quote_missing"),
        "unknown_timeframe": _unknown_timeframe,
        "connected": _health("health_connected"),
        "autotrading_off": _health("health_autotrading_off"),
        "account_cannot_trade": _health("health_account_cannot_trade"),
        "terminal_lost": _terminal_lost,
        "terminal_back": _terminal_back,
        "volume_not_positive": _volume("volume_not_positive"),
        "volume_below_min": _volume("volume_below_min", "min"),
        "volume_above_max": _volume("volume_above_max", "max"),
        "stop_wrong_side": _stop_wrong_side,
        "stop_too_close": _stop_too_close,
        "pending_wrong_side": _pending_wrong_side,
        "pending_too_close": _pending_too_close,
    }
)
