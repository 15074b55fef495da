"""Partial closes by fraction ("平一半", "平三分之一", "close half", "平掉30%"): each ticket's
volume × fraction rounded DOWN to its lot step, a ticket whose share rounds below the minimum
named in the preview (never skipped silently), the remainder shown, and one request per leg
sent once — whatever the presses."""

from __future__ import annotations

import asyncio
import math

from broker.models import Side
from handlers.messages import Outgoing
from tests.conftest import ChatWorld


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


def floor_to(volume: float, step: float) -> float:
    """The test's own rounding down to a lot step (not the project's)."""
    return round(math.floor(volume / step + 1e-9) * step, 8)


async def hold(world: ChatWorld, symbol: str, side: Side, *lots: float) -> list[int]:
    """Open positions directly on the broker; the requests they took are forgotten, so
    `world.orders_sent()` holds only what the conversation sends."""
    tickets = []
    for v in lots:
        r = await world.broker.open_market(symbol, side, v)
        assert r.ok, r.note
        assert r.ticket is not None
        tickets.append(r.ticket)
        world.clock.advance(5)
    world.api.requests.clear()
    return tickets


async def test_half_of_each_gold_ticket_rounds_down_and_names_the_one_too_small(
    world: ChatWorld,
) -> None:
    big, small = await hold(world, "XAUUSD", "buy", 0.05, 0.01)
    preview = only(await world.say("黄金平一半"))
    assert preview.buttons, preview.text
    text = preview.text
    assert "每单平 50%（按手数步长向下取整）" in text
    share = floor_to(0.05 * 0.5, 0.01)  # 0.025 → 0.02
    assert share == 0.02
    assert f"#{big} XAUUSD 买 0.02/0.05 手" in text
    assert "部分平仓：平 0.02，留 0.03 手" in text
    assert f"⚠️ #{small} XAUUSD 买 0.01 手 不动：这一份 0.005 手不足最小手数 0.01" in text
    done = only(await world.press(preview.buttons[0].id))
    assert done.text.startswith("✅"), done.text
    [request] = world.orders_sent()
    assert request["position"] == big
    assert request["volume"] == share
    assert request["type"] == world.terminal.ORDER_TYPE_SELL
    held = {p.ticket: p.volume for p in await world.broker.positions()}
    assert held == {big: 0.03, small: 0.01}


async def test_a_third_on_a_tenth_lot_step_symbol(world: ChatWorld) -> None:
    [ticket] = await hold(world, "NAS100", "sell", 0.5)
    preview = only(await world.say("纳指平三分之一"))
    assert preview.buttons, preview.text
    share = floor_to(0.5 / 3, 0.1)  # 0.1666… → 0.1 on a 0.1 step
    assert share == 0.1
    assert f"#{ticket} NAS100 卖 0.1/0.5 手" in preview.text
    assert "留 0.4 手" in preview.text
    only(await world.press(preview.buttons[0].id))
    [request] = world.orders_sent()
    assert (request["position"], request["volume"]) == (ticket, share)
    assert request["type"] == world.terminal.ORDER_TYPE_BUY


async def test_thirty_percent_in_english_and_the_remainder(world: ChatWorld) -> None:
    [ticket] = await hold(world, "EURUSD", "buy", 0.35)
    preview = only(await world.say("close 30% of eurusd"))
    assert preview.buttons, preview.text
    share = floor_to(0.35 * 0.3, 0.01)  # 0.105 → 0.1
    assert f"#{ticket} EURUSD buy 0.1/0.35\n" in preview.text
    assert "partial: close 0.1, keep 0.25" in preview.text
    assert "30% of each position (rounded down to the lot step)" in preview.text
    only(await world.press(preview.buttons[0].id))
    [request] = world.orders_sent()
    assert request["volume"] == share
    [left] = await world.broker.positions()
    assert left.volume == round(0.35 - share, 2)


async def test_when_every_share_is_too_small_no_preview_names_each(world: ChatWorld) -> None:
    a, b = await hold(world, "XAUUSD", "buy", 0.01, 0.01)
    answer = only(await world.say("黄金平一半"))
    assert not answer.buttons
    assert "符合条件的 2 单都做不了" in answer.text
    assert f"#{a} XAUUSD 买 0.01 手 不动" in answer.text
    assert f"#{b} XAUUSD 买 0.01 手 不动" in answer.text
    assert world.orders_sent() == []


async def test_a_double_press_on_a_partial_close_sends_one_request(world: ChatWorld) -> None:
    [ticket] = await hold(world, "XAUUSD", "buy", 0.04)
    preview = only(await world.say("黄金平一半"))
    yes = preview.buttons[0].id
    await asyncio.gather(
        world.press(yes, message_id="a"), world.press(yes, message_id="b"), world.press(yes)
    )
    [request] = world.orders_sent()
    assert (request["position"], request["volume"]) == (ticket, 0.02)
    [left] = await world.broker.positions()
    assert left.volume == 0.02


async def test_out_of_range_fractions_get_a_clear_answer(world: ChatWorld) -> None:
    await hold(world, "XAUUSD", "buy", 0.04)
    over = only(await world.say("平掉150%"))
    assert over.text.startswith("读到了平掉 150%，但平仓比例要在 0% 和 100% 之间")
    zero = only(await world.say("平掉0%"))
    assert zero.text.startswith("读到了平掉 0%")
    en = only(await world.say("close 150% of gold"))
    assert en.text.startswith("I read 150%, but a part to close is between 0% and 100%")
    assert world.orders_sent() == []
