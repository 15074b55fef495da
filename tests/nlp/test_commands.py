"""The readers of short texts that are not trading requests (nlp/commands.py): reply codes,
bare confirmations, numbered replies, /readonly, /lang, subscriptions and the answers to a
follow-up question — in Chinese and English, full-width, with stray spaces and in any case."""

from __future__ import annotations

import pytest

from nlp.aliases import SymbolAliases
from nlp.commands import (
    BareReply,
    CodeReply,
    LangCommand,
    ReadOnlyCommand,
    SubscriptionCommand,
    TargetAnswer,
    is_bare_confirmation,
    is_slash_command,
    read_bare_reply,
    read_code_reply,
    read_command,
    read_lang_command,
    read_numbered_reply,
    read_readonly_command,
    read_side,
    read_subscription_command,
    read_symbol,
    read_target,
    read_ticket,
    read_volume,
    written_lang,
)

# --------------------------------------------------------------------------- reply codes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("确认 7F3K", CodeReply(True, "7F3K")),
        ("确认7F3K", CodeReply(True, "7F3K")),
        ("取消 7F3K", CodeReply(False, "7F3K")),
        ("confirm 7f3k", CodeReply(True, "7F3K")),
        ("CANCEL 7F3K", CodeReply(False, "7F3K")),
        ("Confirm   7F3K  ", CodeReply(True, "7F3K")),
        ("  确认\u30007F3K", CodeReply(True, "7F3K")),  # ideographic space
        ("确认　７Ｆ３Ｋ", CodeReply(True, "7F3K")),  # full-width code
        ("ｃｏｎｆｉｒｍ ７ｆ３ｋ", CodeReply(True, "7F3K")),
    ],
)
def test_reply_codes_are_read_with_their_verb(text: str, expected: CodeReply) -> None:
    assert read_code_reply(text) == expected


@pytest.mark.parametrize(
    "text",
    ["确认", "confirm", "确认 7F3", "确认 7F3KX", "确认订单 7F3K", "7F3K", "confirmed 7F3K", ""],
)
def test_texts_without_a_four_character_code_are_not_code_replies(text: str) -> None:
    assert read_code_reply(text) is None


def test_a_code_reply_only_has_the_shape_of_a_code() -> None:
    # whether "1234" is one of ours is the confirmation store's call (store.looks_like_code)
    assert read_code_reply("确认 1234") == CodeReply(True, "1234")


@pytest.mark.parametrize(
    "text",
    ["确认", "取消", "确定", "好", "是", "yes", "no", "ok", "y", "n", "confirm", "cancel",
     "OK", "Yes!", "确认！", "好。", " ok ", "ＯＫ", "ｙｅｓ", "确认!!"],
)  # fmt: skip
def test_bare_confirmations_in_both_languages(text: str) -> None:
    assert is_bare_confirmation(text)
    assert isinstance(read_bare_reply(text), BareReply)


@pytest.mark.parametrize(
    "text", ["确认 7F3K", "好的黄金", "yes please buy", "okay", "是的吗", "买", ""]
)
def test_other_texts_are_not_bare_confirmations(text: str) -> None:
    assert not is_bare_confirmation(text)
    assert read_bare_reply(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", 1), ("2", 2), (" 3 ", 3), ("[1]", 1), ("１", 1), ("［２］", 2), ("12", 12)],
)
def test_numbered_replies_give_the_button_number(text: str, expected: int) -> None:
    assert read_numbered_reply(text) == expected


@pytest.mark.parametrize("text", ["123", "1 手", "第1个", "one", ""])
def test_other_texts_are_not_numbered_replies(text: str) -> None:
    assert read_numbered_reply(text) is None


# --------------------------------------------------------------------------- chat commands


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/readonly", "show"),
        ("/readonly on", "on"),
        ("/readonly off", "off"),
        ("/READONLY ON", "on"),
        ("/readonly   off  ", "off"),
        ("／ｒｅａｄｏｎｌｙ　ｏｎ", "on"),
        ("/readonly maybe", "usage"),
        ("/readonly on now", "usage"),
    ],
)
def test_readonly_command(text: str, expected: str) -> None:
    assert read_readonly_command(text) == ReadOnlyCommand(expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/lang zh", "zh"),
        ("/lang en", "en"),
        ("/LANG EN", "en"),
        ("/lang  zh ", "zh"),
        ("／ｌａｎｇ　ｅｎ", "en"),
        ("/lang", None),
        ("/lang fr", None),
        ("/lang 中文", None),
    ],
)
def test_lang_command(text: str, expected: str | None) -> None:
    assert read_lang_command(text) == LangCommand(expected)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["readonly on", "lang en", "/positions", "只读", "切换语言", ""])
def test_other_texts_are_neither_readonly_nor_lang(text: str) -> None:
    assert read_readonly_command(text) is None
    assert read_lang_command(text) is None


def test_slash_commands_are_told_apart_from_words() -> None:
    assert is_slash_command("/lang en")
    assert is_slash_command("／lang en")
    assert is_slash_command(" /pnl")
    assert not is_slash_command("lang en")
    assert not is_slash_command("买入 1/2 手")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("本月盈亏", "zh"),
        ("buy 0.01 黄金", "zh"),  # any Chinese character makes it Chinese
        ("close my oldest gold trade", "en"),
        ("ＢＵＹ ＧＯＬＤ", None),  # full-width letters: typed on a Chinese keyboard
        ("/balance", "en"),
        ("0.02", None),
        ("👍", None),
        ("", None),
    ],
)
def test_the_language_a_message_is_written_in(text: str, expected: str | None) -> None:
    assert written_lang(text) == expected


# --------------------------------------------------------------------------- subscriptions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("订阅日报", ("subscribe", "daily")),
        ("订阅 周报", ("subscribe", "weekly")),
        ("订阅月报", ("subscribe", "monthly")),
        ("订阅对冲汇报", ("subscribe", "hedge")),
        ("订阅对冲EA分品种汇报", ("subscribe", "hedge")),
        ("订阅提醒", ("subscribe", "alerts")),
        ("订阅成交推送", ("subscribe", "deals")),
        ("取消订阅月报", ("unsubscribe", "monthly")),
        ("退订日报", ("unsubscribe", "daily")),
        ("取消订阅全部", ("unsubscribe", "all")),
        ("我的订阅", ("list", None)),
        ("/subscribe daily", ("subscribe", "daily")),
        ("/subscribe@TradeChatBot weekly", ("subscribe", "weekly")),
        ("/unsubscribe monthly", ("unsubscribe", "monthly")),
        ("/unsubscribe all", ("unsubscribe", "all")),
        ("/subscriptions", ("list", None)),
        ("/subscribe", ("subscribe", None)),
        ("/subscribe yearly", ("subscribe", None)),
        ("subscribe to alerts", ("subscribe", "alerts")),
    ],
)
def test_subscription_commands_are_recognised(text: str, expected: tuple[str, str | None]) -> None:
    assert read_subscription_command(text) == expected


@pytest.mark.parametrize(
    "text", ["日报", "本月报告", "订阅号是什么", "buy gold 0.1", "/positions", ""]
)
def test_other_messages_are_not_subscription_commands(text: str) -> None:
    assert read_subscription_command(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("订阅　日报", ("subscribe", "daily")),  # ideographic space
        ("／ｓｕｂｓｃｒｉｂｅ　ｄａｉｌｙ", ("subscribe", "daily")),
        ("/SUBSCRIBE Weekly", ("subscribe", "weekly")),
        ("Subscribe to the monthly report", ("subscribe", "monthly")),
        ("unsubscribe deals", ("unsubscribe", "deals")),
        ("/subscribe 日报", ("subscribe", "daily")),
        ("订阅", ("subscribe", None)),
        ("取消订阅", ("unsubscribe", None)),
        ("My Subscriptions", ("list", None)),
        ("订阅日报报告", ("subscribe", "daily")),
    ],
)
def test_subscription_commands_in_any_width_and_case(
    text: str, expected: tuple[str, str | None]
) -> None:
    assert read_subscription_command(text) == expected


def test_a_subscription_command_is_an_action_and_a_kind() -> None:
    command = read_subscription_command("取消订阅月报")
    assert command == SubscriptionCommand("unsubscribe", "monthly")
    assert command is not None
    assert (command.action, command.kind) == ("unsubscribe", "monthly")


# --------------------------------------------------------------------------- all commands


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("确认 7F3K", CodeReply(True, "7F3K")),
        ("ok", BareReply("ok")),
        ("确认", BareReply("确认")),
        ("/readonly on", ReadOnlyCommand("on")),
        ("/lang en", LangCommand("en")),
        ("订阅日报", SubscriptionCommand("subscribe", "daily")),
        ("/subscriptions", SubscriptionCommand("list")),
        ("买入0.01手黄金", None),
        ("本月盈亏", None),
        ("/positions", None),
        ("0.02", None),
    ],
)
def test_read_command_gives_the_first_command_a_text_is(text: str, expected: object) -> None:
    assert read_command(text) == expected


# --------------------------------------------------------------------------- slot answers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.02", 0.02),
        ("0.02手", 0.02),
        ("0.02 手", 0.02),
        ("1 lot", 1.0),
        ("2 lots", 2.0),
        ("2 LOTS", 2.0),
        (".5", 0.5),
        ("０．０２", 0.02),  # full-width
        ("０.０２手", 0.02),
        ("两手", 2.0),
        ("一手", 1.0),
        ("零点五手", 0.5),
        ("0。5", 0.5),  # a Chinese full stop between digits
    ],
)
def test_volume_answers(text: str, expected: float) -> None:
    assert read_volume(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["0", "0手", "-1", "买", "0.02手黄金", "lots", "", "abc"])
def test_texts_that_are_not_a_volume(text: str) -> None:
    assert read_volume(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("买", "buy"),
        ("买入", "buy"),
        ("做多", "buy"),
        ("多单", "buy"),
        ("buy", "buy"),
        ("Long", "buy"),
        ("B", "buy"),
        ("ｂｕｙ", "buy"),
        ("买！", "buy"),
        ("卖", "sell"),
        ("卖出。", "sell"),
        ("做空", "sell"),
        ("买跌", "sell"),
        ("SELL", "sell"),
        ("short", "sell"),
        (" s ", "sell"),
    ],
)
def test_side_answers(text: str, expected: str) -> None:
    assert read_side(text) == expected


@pytest.mark.parametrize("text", ["买黄金", "buy gold", "maybe", "0.02", ""])
def test_texts_that_are_not_a_side(text: str) -> None:
    assert read_side(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("黄金", "XAUUSD"),
        ("gold", "XAUUSD"),
        ("GOLD", "XAUUSD"),
        ("黄金的", "XAUUSD"),
        ("欧美", "EURUSD"),
        ("eurusd", "EURUSD"),
        ("ＥＵＲＵＳＤ", "EURUSD"),
        (" 黄金 ", "XAUUSD"),
    ],
)
def test_symbol_answers(text: str, expected: str) -> None:
    assert read_symbol(text, SymbolAliases()) == expected


@pytest.mark.parametrize("text", ["黄金和欧美", "买入0.01手黄金", "hello", "", "0.02"])
def test_texts_that_are_not_one_symbol(text: str) -> None:
    assert read_symbol(text, SymbolAliases()) is None


def test_user_aliases_are_read_as_symbols() -> None:
    assert read_symbol("大金子", SymbolAliases({"大金子": "XAUUSD"})) == "XAUUSD"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("123456", 123456), ("#123456", 123456), ("＃１２３４５６", 123456), ("123", 123)],
)
def test_ticket_answers(text: str, expected: int) -> None:
    assert read_ticket(text) == expected


@pytest.mark.parametrize("text", ["12", "#12", "ticket 123456", "0.02", ""])
def test_texts_that_are_not_a_ticket(text: str) -> None:
    assert read_ticket(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("全部", TargetAnswer(selector="all")),
        ("所有", TargetAnswer(selector="all")),
        ("清仓", TargetAnswer(selector="all")),
        ("ALL", TargetAnswer(selector="all")),
        ("Everything", TargetAnswer(selector="all")),
        ("#123456", TargetAnswer(ticket=123456)),
        ("123456", TargetAnswer(ticket=123456)),
        ("黄金", TargetAnswer(symbol="XAUUSD")),
        ("gold", TargetAnswer(symbol="XAUUSD")),
    ],
)
def test_target_answers(text: str, expected: TargetAnswer) -> None:
    assert read_target(text, SymbolAliases()) == expected


@pytest.mark.parametrize("text", ["最早的", "12", "hello", ""])
def test_texts_that_are_not_a_target(text: str) -> None:
    assert read_target(text, SymbolAliases()) is None


@pytest.mark.parametrize(
    ("text", "lines"),
    [("/logs", 30), ("/logs 5", 5), ("／ｌｏｇｓ　７", 7), ("/logs 100000", 200), ("/logs x", 30)],
)
def test_logs_command_reads_its_line_count_within_bounds(text: str, lines: int) -> None:
    from nlp.commands import LogsCommand, read_command

    assert read_command(text) == LogsCommand(lines)


def test_a_word_starting_with_logs_is_not_the_logs_command() -> None:
    from nlp.commands import read_logs_command

    assert read_logs_command("/logsomething") is None
    assert read_logs_command("logs") is None
