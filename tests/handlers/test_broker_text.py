"""handlers/broker_text.py: the broker's notes (facts) in words, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from broker.errors import SymbolNotFound
from broker.models import Note
from broker.mt5.retcodes import LAST_ERRORS, RETCODES
from broker.validation import pending_price_refusal, stops_refusal
from handlers.broker_text import _TEXTS, note_text, words


def test_opened_note_is_worded_with_the_symbols_digits() -> None:
    note = Note(
        "opened",
        {"side": "sell", "symbol": "EURUSD", "volume": 0.1, "requested": 0.1, "partial": False,
         "price": 1.085, "digits": 5, "ticket": 42},
    )  # fmt: skip
    assert note_text(note, "en") == "Sold 0.1 EURUSD at 1.08500 (position #42)"
    assert note_text(note, "zh") == "已卖出 EURUSD 0.1 手，成交价 1.08500（持仓 #42）"


def test_partial_fill_says_how_much_was_filled() -> None:
    note = Note(
        "opened",
        {"side": "buy", "symbol": "XAUUSD", "volume": 0.02, "requested": 0.05, "partial": True,
         "price": 2650.1, "digits": 2, "ticket": 7},
    )  # fmt: skip
    assert "(only 0.02 of 0.05 filled)" in note_text(note, "en")
    assert "（仅成交 0.02 手）" in note_text(note, "zh")


def test_failed_note_names_the_operation_and_the_retcode() -> None:
    what = Note("op_close", {"ticket": 9, "symbol": "XAUUSD", "volume": 0.01})
    why = Note("retcode", {"code": 10004, "comment": "Requote", "tries": 4})
    zh, en = words(Note("failed", {"operation": what, "reason": why}))
    assert en == (
        "Close 0.01 of position #9 (XAUUSD) failed: "
        "Requote: the price moved before the order was filled (tried 4 times)"
    )
    assert zh == "平仓 #9（XAUUSD）0.01 手失败：重新报价：成交前价格已变动（已重试 4 次）"


def test_unknown_outcome_is_said_after_the_reason() -> None:
    reason = Note("last_error", {"code": -10005, "text": ""})
    zh, en = words(Note("may_have_executed", {"reason": reason}))
    assert en.endswith("; the order may or may not have been executed — check positions and orders")
    assert en.startswith("The terminal did not answer in time")
    assert zh.endswith("；订单可能已执行也可能未执行，请查看持仓和挂单")


def test_volume_check_refusal_is_worded_from_its_facts() -> None:
    # the shared volume check gives facts, no longer a text passed through ("worded")
    note = Note("volume_above_max", {"symbol": "XAUUSD", "volume": 80.0, "max": 50.0})
    assert words(note) == (
        "XAUUSD 单笔最大手数为 50，80 手无法下单",
        "Volume 80 is above the maximum 50 for XAUUSD",
    )


# ---------------------------------------------------------------- MT5 codes explained


def _explain_retcode(code: int, comment: str = "") -> tuple[str, str]:
    """(English, Chinese), as the tables in handlers/i18n/ word a trade-server retcode."""
    zh, en = words(Note("retcode", {"code": code, "comment": comment}))
    return en, zh


def _explain_last_error(code: int, text: str) -> tuple[str, str]:
    zh, en = words(Note("last_error", {"code": code, "text": text}))
    return en, zh


@pytest.mark.parametrize(
    "code",
    [
        *range(10004, 10047),
        -1,
        -2,
        -3,
        -4,
        -5,
        -6,
        -7,
        -8,
        -10000,
        -10001,
        -10002,
        -10003,
        -10004,
        -10005,
    ],
)
def test_every_listed_code_has_plain_english_and_chinese(code: int) -> None:
    if code in (10005, 10037):  # not used by MT5
        return
    table = RETCODES if code > 0 else LAST_ERRORS
    assert code in table
    en, zh = _explain_retcode(code) if code > 0 else _explain_last_error(code, "")
    assert en
    assert zh
    assert en != zh
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)


def test_unknown_retcode_quotes_the_server_comment() -> None:
    en, zh = _explain_retcode(12345, "Weird thing")
    assert "12345" in en
    assert "Weird thing" in en
    assert "12345" in zh


def test_last_error_text_from_the_package_is_kept() -> None:
    en, _ = _explain_last_error(-2, 'Invalid "comment" argument')
    assert 'Invalid "comment" argument' in en


# ---------------------------------------------------------------- broker errors and health


def test_lookup_failure_names_the_lookup_then_the_terminals_reason() -> None:
    reason = Note("last_error", {"code": -10004, "text": "No IPC connection"})
    zh, en = words(Note("lookup_failed", {"what": Note("read_account"), "reason": reason}))
    assert en == (
        "Could not read the account: No connection to the MT5 terminal "
        "(not running or not initialised) (No IPC connection)"
    )
    assert (
        zh == "无法读取账户信息：未连接到 MT5 交易终端（终端未运行或未初始化）（No IPC connection）"
    )


def test_unknown_symbol_suggests_close_names_in_each_language() -> None:
    exc = SymbolNotFound(Note("unknown_symbol", {"symbol": "EURUSDD", "close": ["EURUSD"]}), -4)
    assert note_text(exc.note, "en") == (
        "Unknown symbol EURUSDD: the terminal has no such symbol; did you mean EURUSD?"
    )
    assert (
        note_text(exc.note, "zh") == "未找到品种 EURUSDD：交易终端没有这个品种；是否要找 EURUSD？"
    )
    bare = Note("unknown_symbol", {"symbol": "NOPE", "close": []})
    assert note_text(bare, "en") == "Unknown symbol NOPE: the terminal has no such symbol"


def test_health_notes_name_the_server_and_the_ping() -> None:
    ok = Note("connected", {"server": "Demo-1", "ping_ms": 23.4})
    assert words(ok) == ("已连接 Demo-1，延迟 23 毫秒", "Connected to Demo-1, ping 23 ms")
    off = Note("autotrading_off", {"server": ""})
    assert note_text(off, "en").startswith("Connected to the trade server, but AutoTrading is off")


def test_terminal_lost_alert_adds_the_reason_unless_it_is_just_not_connected() -> None:
    reason = Note("not_on_server")
    zh, en = words(Note("terminal_lost", {"reason": reason}))
    assert en == (
        "The trading terminal is not connected; trading is paused until it is back; "
        "The terminal is running but not connected to the trade server; reconnecting"
    )
    assert (
        zh == "交易终端未连接，恢复连接前暂停交易：交易终端在运行，但未连接到交易服务器，正在重连"
    )
    assert note_text(Note("terminal_lost", {"reason": None}), "zh") == (
        "交易终端未连接，恢复连接前暂停交易，正在重连"
    )
    back = Note("terminal_back", {"health": Note("connected", {"server": "S", "ping_ms": 2.0})})
    assert note_text(back, "en") == (
        "The trading terminal is connected again; trading resumed. Connected to S, ping 2 ms"
    )


def test_not_connected_with_a_reason_says_it_in_brackets() -> None:
    note = Note("not_connected", {"reason": Note("stopped_answering")})
    assert words(note) == (
        "交易终端未连接，恢复连接前暂停交易（交易终端无响应）",
        "The trading terminal is not connected; trading is paused until it is back "
        "(The trading terminal stopped answering)",
    )


# ---------------------------------------------------------------- the shared price checks


def test_stop_on_the_wrong_side_is_worded_with_the_reference_price() -> None:
    refusal = stops_refusal(
        "XAUUSD", "buy", 2650.0, 2700.0, None,
        point=0.01, digits=2, stops_level=0, ref_kind="bid",
    )  # fmt: skip
    assert refusal is not None
    assert refusal.retcode == 10016
    assert words(refusal.note) == (
        "XAUUSD 多单的止损 2700.00 必须低于当前 Bid 价 2650.00",
        "SL 2700.00 must be below the current bid 2650.00 for a buy on XAUUSD",
    )


def test_stop_too_close_to_the_order_price_names_the_stops_level() -> None:
    refusal = stops_refusal(
        "XAUUSD", "sell", 2600.0, None, 2599.9,
        point=0.01, digits=2, stops_level=50, ref_kind="order_price",
    )  # fmt: skip
    assert refusal is not None
    assert words(refusal.note) == (
        "XAUUSD 止盈 2599.90 离挂单价 2600.00 太近，至少要 50 个点",
        "TP 2599.90 is too close to the order price 2600.00: XAUUSD needs at least 50 points",
    )


def test_pending_price_refusals_name_the_order_kind_and_the_quote() -> None:
    wrong = pending_price_refusal(
        "XAUUSD", "buy", "limit", 2700.0,
        bid=2650.0, ask=2650.15, point=0.01, digits=2, stops_level=0,
    )  # fmt: skip
    assert wrong is not None
    assert words(wrong.note) == (
        "XAUUSD 买入限价单的价格 2700.00 必须低于当前Ask 价 2650.15",
        "The price 2700.00 of a buy limit order must be below the current ask 2650.15 on XAUUSD",
    )
    close = pending_price_refusal(
        "XAUUSD", "sell", "stop", 2649.99,
        bid=2650.0, ask=2650.15, point=0.01, digits=2, stops_level=50,
    )  # fmt: skip
    assert close is not None
    assert words(close.note) == (
        "XAUUSD 挂单价 2649.99 离当前Bid 价 2650.00 太近，至少要 50 个点",
        "The price 2649.99 is too close to the current bid 2650.00: XAUUSD needs at least 50 points",
    )


def test_every_note_key_the_broker_writes_has_words() -> None:
    # Note("key", …), Refusal(code, "key", …) and session.error("key", …) in the broker's source
    broker = Path(__file__).resolve().parents[2] / "broker"
    pattern = re.compile(r'Note\(\s*"(\w+)"|Refusal\(\s*\d+,\s*"(\w+)"|\.error\(\s*"(\w+)"')
    keys = {
        next(g for g in m.groups() if g)
        for path in broker.rglob("*.py")
        for m in pattern.finditer(path.read_text(encoding="utf-8"))
    }
    assert len(keys) > 40
    assert sorted(keys - set(_TEXTS)) == []
