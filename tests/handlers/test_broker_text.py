"""handlers/broker_text.py: the broker's notes (facts) in words, in both languages."""

from __future__ import annotations

from broker.models import Note
from handlers.broker_text import note_text, words


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


def test_worded_note_passes_a_shared_checks_text_through() -> None:
    note = Note("worded", {"en": "Volume 80 is above the maximum 50", "zh": "超过最大手数 50"})
    assert words(note) == ("超过最大手数 50", "Volume 80 is above the maximum 50")
