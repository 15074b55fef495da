"""Why a position closed, in the new-deal notice: from the deal's reason as the paper terminal
books it (stop loss, take profit, stop-out, this bot's own close) and from the other reasons
MetaTrader 5 knows (an EA with its magic, by hand on desktop, mobile or web)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from broker.models import Deal
from handlers.messages import Outgoing
from handlers.pushes import (
    DEAL_REASON_CLIENT,
    DEAL_REASON_EXPERT,
    DEAL_REASON_MOBILE,
    DEAL_REASON_WEB,
    close_reason,
    deals_text,
)
from tests.conftest import CONV_MAGIC, ChatWorld
from tests.fakes.report_fixtures import deal, utc


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


async def closing_deal(w: ChatWorld) -> Deal:
    now = w.clock.now()
    deals = await w.broker.deals(now - timedelta(days=1), now + timedelta(days=1))
    closing = [d for d in deals if d.entry == "out"]
    assert closing, deals
    return closing[-1]


async def buy_gold(w: ChatWorld, text: str) -> None:
    w.terminal.set_price("XAUUSD", 2650.00, 2650.15)
    p = only(await w.say(text))
    assert p.buttons, p.text
    only(await w.press(p.buttons[0].id, message_id=text))


@pytest.mark.parametrize(
    ("text", "bid", "zh", "en"),
    [
        ("buy 0.01 gold sl 2640", 2639.00, "止损触发", "stop loss hit"),
        ("buy 0.01 gold tp 2660", 2661.00, "止盈触发", "take profit hit"),
    ],
)
async def test_a_stop_or_target_hit_says_so(
    world: ChatWorld, text: str, bid: float, zh: str, en: str
) -> None:
    await buy_gold(world, text)
    world.terminal.set_price("XAUUSD", bid, bid + 0.15)
    d = await closing_deal(world)
    assert close_reason(d, "zh", CONV_MAGIC) == zh
    line = deals_text([d], "en", own_magic=CONV_MAGIC).split("\n")[1]
    assert line.endswith(f" · {en}")


async def test_a_stop_out_says_so(world: ChatWorld) -> None:
    await buy_gold(world, "buy 1 gold")
    world.terminal.set_price("XAUUSD", 2550.00, 2550.15)  # 100 × 100 = 10 000 lost: stop-out
    d = await closing_deal(world)
    assert close_reason(d, "zh") == "保证金不足被强平"


async def test_a_close_by_this_bot_says_so(world: ChatWorld) -> None:
    await buy_gold(world, "buy 0.01 gold")
    (pos,) = await world.broker.positions()
    p = only(await world.say(f"平仓 #{pos.ticket}"))
    only(await world.press(p.buttons[0].id, message_id="close"))
    d = await closing_deal(world)
    assert d.comment.startswith("tc:")
    assert close_reason(d, "zh", CONV_MAGIC) == "本机器人平仓"
    assert close_reason(d, "en", CONV_MAGIC) == "closed by this bot"


def _closing(reason: int, magic: int = 0, comment: str = "") -> Deal:
    d = deal(utc(2025, 3, 11, 10), "sell", "out", "XAUUSD", 0.1, 2920, profit=10.0, magic=magic)
    return replace(d, reason=reason, comment=comment)


def test_an_ea_close_names_its_magic_and_our_magic_is_this_bot() -> None:
    assert close_reason(_closing(DEAL_REASON_EXPERT, 1001), "zh", CONV_MAGIC) == (
        "EA 平仓（magic 1001）"
    )
    assert close_reason(_closing(DEAL_REASON_EXPERT, 1001), "en") == (
        "closed by the EA (magic 1001)"
    )
    assert close_reason(_closing(DEAL_REASON_EXPERT, CONV_MAGIC), "en", CONV_MAGIC) == (
        "closed by this bot"
    )


@pytest.mark.parametrize(
    ("reason", "en"),
    [
        (DEAL_REASON_CLIENT, "closed by hand (desktop)"),
        (DEAL_REASON_MOBILE, "closed by hand (mobile)"),
        (DEAL_REASON_WEB, "closed by hand (web)"),
    ],
)
def test_a_close_by_hand_names_where(reason: int, en: str) -> None:
    assert close_reason(_closing(reason), "en") == en


def test_an_opening_deal_has_no_close_reason() -> None:
    opening = replace(
        deal(utc(2025, 3, 11, 9), "buy", "in", "XAUUSD", 0.1, 2900), reason=DEAL_REASON_EXPERT
    )
    assert deals_text([opening], "en").split("\n")[1] == "  XAUUSD buy 0.10 open @ 2900"
