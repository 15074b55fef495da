"""Break-even and moves in pips: the SL to the entry ± a buffer (buy +, sell −), refused on a
position in loss; "止损上移20点" moves the current level by the symbol's pip (0.0001 FX, 0.01
JPY pairs, 0.1 gold) and the preview always shows the absolute price it gives; each leg is
checked against the side and the stops level before ✅."""

from __future__ import annotations

from broker.models import Side
from handlers.config import TradeManagement
from handlers.messages import Outgoing
from handlers.plans import Planner, Problem
from nlp.intent import Intent
from tests.conftest import ChatWorld, conv_config


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


async def hold(
    world: ChatWorld,
    symbol: str,
    side: Side,
    *,
    sl: float | None = None,
    tp: float | None = None,
    lots: float = 0.1,
) -> int:
    r = await world.broker.open_market(symbol, side, lots, sl=sl, tp=tp)
    assert r.ok, r.note
    assert r.ticket is not None
    world.api.requests.clear()  # only what the conversation sends is looked at
    return r.ticket


async def confirm_one(world: ChatWorld, preview: Outgoing) -> dict[str, object]:
    assert preview.buttons, preview.text
    done = only(await world.press(preview.buttons[0].id))
    assert done.text.startswith("✅"), done.text
    [request] = world.orders_sent()
    assert request["action"] == world.terminal.TRADE_ACTION_SLTP
    return request


async def test_break_even_with_a_buffer_on_a_buy_is_entry_plus_the_buffer(
    world: ChatWorld,
) -> None:
    world.conv = await world.make(conv_config(trade=TradeManagement(breakeven_buffer_pips=2)))
    world.terminal.set_price("XAUUSD", 2650.0, 2650.2)
    ticket = await hold(world, "XAUUSD", "buy")  # entry at the ask, 2650.20
    world.terminal.set_price("XAUUSD", 2660.0, 2660.2)
    preview = only(await world.say("黄金保本"))
    level = round(2650.2 + 2 * 0.1, 2)  # gold's pip is 0.1
    assert f"止损 无 → {level:.2f}（保本：开仓价 2650.20 ± 2 点）" in preview.text
    request = await confirm_one(world, preview)
    assert request["position"] == ticket
    assert request["sl"] == level
    [p] = await world.broker.positions()
    assert p.sl == level


async def test_break_even_with_a_buffer_on_a_sell_is_entry_minus_the_buffer(
    world: ChatWorld,
) -> None:
    world.conv = await world.make(conv_config(trade=TradeManagement(breakeven_buffer_pips=3)))
    world.terminal.set_price("EURUSD", 1.08000, 1.08003)
    ticket = await hold(world, "EURUSD", "sell")  # entry at the bid, 1.08000
    world.terminal.set_price("EURUSD", 1.07500, 1.07503)
    preview = only(await world.say("move eurusd sl to break even"))
    level = round(1.08000 - 3 * 0.0001, 5)
    assert f"SL none → {level:.5f} (break-even: entry 1.08000 ± 3 pips)" in preview.text
    request = await confirm_one(world, preview)
    assert (request["position"], request["sl"]) == (ticket, level)


async def test_break_even_on_a_position_in_loss_is_refused_with_the_reason(
    world: ChatWorld,
) -> None:
    world.terminal.set_price("XAUUSD", 2650.0, 2650.2)
    ticket = await hold(world, "XAUUSD", "buy")
    world.terminal.set_price("XAUUSD", 2645.0, 2645.2)
    answer = only(await world.say("黄金保本"))
    assert not answer.buttons
    assert f"#{ticket} XAUUSD 买 0.1 手 不动：尚未盈利，保本止损 2650.20 会在买价 2645.00 之上" in (
        answer.text
    )
    assert world.orders_sent() == []


async def test_sl_up_20_pips_on_eurusd_is_two_thousandths(world: ChatWorld) -> None:
    world.terminal.set_price("EURUSD", 1.08000, 1.08003)
    ticket = await hold(world, "EURUSD", "buy", sl=1.07500)
    preview = only(await world.say("欧美止损上移20点"))
    new = round(1.07500 + 20 * 0.0001, 5)
    assert f"止损 1.07500 → {new:.5f}（+20 点 = 0.00200）" in preview.text
    request = await confirm_one(world, preview)
    assert (request["position"], request["sl"]) == (ticket, new)


async def test_sl_down_30_pips_on_usdjpy_moves_by_a_hundredth_per_pip(world: ChatWorld) -> None:
    world.terminal.set_price("USDJPY", 150.000, 150.005)
    ticket = await hold(world, "USDJPY", "sell", sl=151.000)
    preview = only(await world.say("美日止损下移30点"))
    new = round(151.000 - 30 * 0.01, 3)
    assert new == 150.7
    assert f"止损 151.000 → {new:.3f}（-30 点 = 0.300）" in preview.text
    request = await confirm_one(world, preview)
    assert (request["position"], request["sl"]) == (ticket, new)


async def test_tp_down_30_pips_on_gold_moves_it_three_dollars(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.0, 2650.2)
    ticket = await hold(world, "XAUUSD", "buy", tp=2700.0)
    preview = only(await world.say("move gold tp down 30 pips"))
    new = round(2700.0 - 30 * 0.1, 2)
    assert f"TP 2700.00 → {new:.2f} (-30 pips = 3.00)" in preview.text
    request = await confirm_one(world, preview)
    assert (request["position"], request["tp"]) == (ticket, new)


async def test_a_shift_that_crosses_the_price_is_blocked_in_the_preview(world: ChatWorld) -> None:
    world.terminal.set_price("EURUSD", 1.08000, 1.08003)
    await hold(world, "EURUSD", "buy", sl=1.07500)
    preview = only(await world.say("欧美止损上移60点"))  # 1.08100: above the bid
    assert "止损 1.07500 → 1.08100（+60 点 = 0.00600）" in preview.text
    assert "必须低于当前 Bid 价 1.08000" in preview.text
    assert not preview.buttons
    assert world.orders_sent() == []


async def test_a_shift_of_a_position_without_that_stop_names_it(world: ChatWorld) -> None:
    ticket = await hold(world, "EURUSD", "buy")
    answer = only(await world.say("欧美止损上移20点"))
    assert not answer.buttons
    assert f"#{ticket} EURUSD 买 0.1 手 不动：没有止损可移动" in answer.text


async def test_a_negative_shift_says_what_was_read_and_asks_for_the_direction(
    world: ChatWorld,
) -> None:
    await hold(world, "XAUUSD", "buy", sl=2600.0)
    answer = only(await world.say("止损上移-5点"))
    assert answer.text.startswith("读到了把止损移动 -5 点：方向请用上/下说")
    # 移动止损 is what Chinese MT5 calls a trailing stop: its distance cannot be negative
    trailing = only(await world.say("移动止损-5点"))
    assert trailing.text.startswith("移动止损的距离要大于 0 点")
    en = only(await world.say("move sl up -5 pips"))
    assert en.text.startswith("I read a move of the SL by -5 pips")
    assert world.orders_sent() == []


async def test_break_even_inside_the_stops_level_is_blocked_before_confirming(
    world: ChatWorld,
) -> None:
    world.terminal.set_price("XAUUSD", 2650.0, 2650.2)
    await hold(world, "XAUUSD", "buy")  # entry 2650.20
    world.terminal.set_price("XAUUSD", 2650.4, 2650.6)  # 0.20 past the entry: gold needs 0.50
    preview = only(await world.say("黄金保本"))
    assert "止损 无 → 2650.20" in preview.text
    assert not preview.buttons
    assert "❌ XAUUSD 止损 2650.20 离当前 Bid 价 2650.40 太近，至少要 50 个点" in preview.text
    assert world.orders_sent() == []


async def test_two_ways_of_moving_one_level_are_refused_not_picked(world: ChatWorld) -> None:
    await hold(world, "XAUUSD", "buy", sl=2600.0)
    planner = Planner(world.broker)
    for intent in (
        Intent(intent="modify", symbol="XAUUSD", sl=2610.0, sl_shift_pips=20),
        Intent(intent="modify", symbol="XAUUSD", breakeven=True, sl_shift_pips=20),
        Intent(intent="modify", symbol="XAUUSD", tp=2800.0, tp_shift_pips=-5),
    ):
        built = await planner.build(intent)
        assert isinstance(built, Problem)
        assert built.key == "tm_conflicting_levels"
    both = await planner.build(Intent(intent="close", symbol="XAUUSD", volume=0.01, fraction=0.5))
    assert isinstance(both, Problem)
    assert both.text("zh").startswith("手数和比例只能给一个")
