"""Small things a trader notices, on the paper terminal through the conversation: a language
chosen with /lang wins over the script of the message; the help's examples work as typed
whatever the paper price; a refused preview's ⛔ header counts the failed checks and only they
follow it; every preview and the side question say in one line what follows and for how
long."""

from __future__ import annotations

import pytest

from broker.errors import TemporaryBrokerError
from broker.models import Note
from handlers.help import example_prices
from handlers.messages import Outgoing
from tests.conftest import TRADER, ChatWorld


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


# ---- /lang -------------------------------------------------------------------------------------


async def test_lang_en_answers_chinese_messages_in_english(world: ChatWorld) -> None:
    assert "余额" in only(await world.say("余额")).text  # no choice yet: the message's script
    only(await world.say("/lang en"))
    answer = only(await world.say("余额"))
    assert answer.lang == "en"
    assert "Balance" in answer.text
    assert "余额" not in answer.text
    # and the other way round
    only(await world.say("/lang zh"))
    assert "余额" in only(await world.say("balance")).text


async def test_the_chosen_language_outlives_a_restart(world: ChatWorld) -> None:
    only(await world.say("/lang en"))
    world.conv = await world.make()
    assert only(await world.say("持仓")).lang == "en"


# ---- the help's examples -------------------------------------------------------------------------


def _examples(help_text: str) -> list[str]:
    """The trading examples: the lines between the 💹 heading and the next heading."""
    lines = help_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("💹"))
    out: list[str] = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        out.extend(part.strip() for part in line.split("·"))
    return out


@pytest.mark.parametrize("days", [0, 7, 21, 42])
@pytest.mark.parametrize(
    ("ask", "pending", "sell_sl", "buy", "gold_sl"),
    [
        ("帮助", "挂单买入欧美0.1手", "卖出0.1手欧美 止损", "买入0.01手黄金", "黄金多单止损改到"),
        ("help", "buy EURUSD 0.1 at", "sell 0.1 EURUSD sl", "buy 0.01 gold", "move gold buy sl"),
    ],
)
async def test_the_help_examples_with_prices_work_on_the_paper_terminal(
    world: ChatWorld, days: int, ask: str, pending: str, sell_sl: str, buy: str, gold_sl: str
) -> None:
    world.clock.advance(days * 86_400)  # other days, other prices (all Wednesdays)
    examples = _examples(only(await world.say(ask)).text)
    for start in (pending, sell_sl):
        [example] = [e for e in examples if start in e]
        preview = only(await world.say(example))
        assert preview.buttons, (example, preview.text)  # every check passed
    # the stop-loss change needs a buy on gold to act on
    opened = only(await world.say(buy))
    only(await world.press(opened.buttons[0].id))
    [example] = [e for e in examples if e.startswith(gold_sl)]
    preview = only(await world.say(example))
    assert preview.buttons, (example, preview.text)


async def test_the_help_shows_a_placeholder_when_the_terminal_is_away() -> None:
    class Away:
        async def quote(self, symbol: str) -> object:
            raise TemporaryBrokerError(Note("not_connected"), -10004)

    prices = await example_prices(Away(), "en")  # type: ignore[arg-type]
    assert prices == {"eur_limit": "<price>", "eur_sl": "<price>", "gold_sl": "<price>"}


# ---- previews ------------------------------------------------------------------------------------


async def test_a_refused_preview_lists_only_the_failed_checks_under_its_header(
    world: ChatWorld,
) -> None:
    preview = only(await world.say("买入2手黄金"))  # over the 1-lot limit per order
    assert not preview.buttons
    lines = preview.text.splitlines()
    head = lines.index("⛔ 不能执行：1 项检查未通过")
    assert lines[head + 1].startswith("❌")
    assert "单笔" in lines[head + 1]
    assert all(not line.startswith("✅") for line in lines[head + 1 : -1])
    assert lines[-1].startswith("✅ 其余 ")
    assert lines[-1].endswith(" 项检查通过")


async def test_a_preview_ends_with_what_confirming_does_and_how_long_it_may(
    world: ChatWorld,
) -> None:
    preview = only(await world.say("买入0.01手黄金"))
    assert (
        preview.text.splitlines()[-1]
        == "⏳ 按 ✅ 即市价买入 0.01 手 XAUUSD；60 秒内有效，过期作废。"
    )
    en = only(await world.say("sell 0.02 gold"))
    assert en.text.splitlines()[-1] == (
        "⏳ ✅ will sell 0.02 lots XAUUSD at market; valid for 60 s, then it expires."
    )
    only(await world.press(preview.buttons[0].id))
    close = only(await world.say("平仓黄金"))
    assert (
        close.text.splitlines()[-1] == "⏳ 按 ✅ 即平仓 1 单，共 0.01 手；60 秒内有效，过期作废。"
    )


async def test_the_side_question_says_what_follows_and_how_long_it_waits(
    world: ChatWorld,
) -> None:
    q = only(await world.say("下单0.01手黄金", TRADER))
    assert q.text == "买还是卖 XAUUSD 0.01 手？选好后先给你看预览，按 ✅ 才下单；5 分钟内回答有效。"
    assert len(q.text.splitlines()) == 1
    en = only(await world.say("buy gold"))  # a side is there: the volume is asked instead
    assert en.text == "How many lots?"
    q = only(await world.say("open 0.01 gold"))
    assert q.text.startswith("Buy or sell 0.01 lots XAUUSD? You get a preview first")
