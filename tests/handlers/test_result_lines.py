"""The result that replaces a preview after ✅ names what it touched, line by line, as the
preview did: ticket, symbol, side, volume and price — for closes, partial closes, SL/TP
changes, cancelled orders, refusals and unknown outcomes, in Chinese and in English. Once the
chat app edits the preview into the result, these lines are all the chat keeps."""

from __future__ import annotations

import re
from typing import Any

from handlers.messages import Outgoing
from tests.conftest import ChatWorld


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


async def confirm(world: ChatWorld, text: str) -> str:
    preview = only(await world.say(text))
    assert preview.buttons, preview.text
    return only(await world.press(preview.buttons[0].id)).text


def line_of(text: str, ticket: int | None) -> str:
    [line] = [x for x in text.splitlines() if f"#{ticket} " in x]
    return line


PRICE = r"\d+\.\d+"


async def test_close_all_names_symbol_side_volume_and_price_per_ticket_zh(
    world: ChatWorld,
) -> None:
    gold = await world.broker.open_market("XAUUSD", "buy", 0.01)
    euro = await world.broker.open_market("EURUSD", "sell", 0.1)
    text = await confirm(world, "全部平仓")
    assert re.fullmatch(
        rf"✅ 已平仓 #{gold.ticket} XAUUSD 买 0\.01 手 @ {PRICE}", line_of(text, gold.ticket)
    )
    assert re.fullmatch(
        rf"✅ 已平仓 #{euro.ticket} EURUSD 卖 0\.1 手 @ {PRICE}", line_of(text, euro.ticket)
    )
    assert await world.broker.positions() == []


async def test_close_all_names_symbol_side_volume_and_price_per_ticket_en(
    world: ChatWorld,
) -> None:
    gold = await world.broker.open_market("XAUUSD", "sell", 0.02)
    euro = await world.broker.open_market("EURUSD", "buy", 0.1)
    text = await confirm(world, "close all")
    assert re.fullmatch(
        rf"✅ Closed #{gold.ticket} XAUUSD sell 0\.02 lots @ {PRICE}", line_of(text, gold.ticket)
    )
    assert re.fullmatch(
        rf"✅ Closed #{euro.ticket} EURUSD buy 0\.1 lots @ {PRICE}", line_of(text, euro.ticket)
    )


async def test_the_close_price_is_the_fill_not_the_entry(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2700.0, 2700.2)
    r = await world.broker.open_market("XAUUSD", "buy", 0.01)
    world.terminal.set_price("XAUUSD", 2710.0, 2710.2)
    text = await confirm(world, f"close ticket {r.ticket}")
    assert text == f"✅ Closed #{r.ticket} XAUUSD buy 0.01 lots @ 2710.00"


async def test_partial_close_names_the_lots_closed(world: ChatWorld) -> None:
    a = await world.broker.open_market("XAUUSD", "buy", 0.01)
    world.clock.advance(5)
    b = await world.broker.open_market("XAUUSD", "buy", 0.03)
    text = await confirm(world, "平仓0.02手黄金")
    assert re.fullmatch(
        rf"✅ 已平仓 #{a.ticket} XAUUSD 买 0\.01 手 @ {PRICE}", line_of(text, a.ticket)
    )
    assert re.fullmatch(
        rf"✅ 已平仓 #{b.ticket} XAUUSD 买 0\.01 手 @ {PRICE}", line_of(text, b.ticket)
    )
    [left] = await world.broker.positions()
    assert left.ticket == b.ticket
    assert abs(left.volume - 0.02) < 1e-9


async def test_modify_names_the_position_its_entry_and_the_new_stops(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2700.0, 2700.2)
    a = await world.broker.open_market("XAUUSD", "buy", 0.01)
    b = await world.broker.open_market("XAUUSD", "buy", 0.02)
    text = await confirm(world, "黄金止损改到2600")
    assert line_of(text, a.ticket) == (
        f"✅ 已修改 #{a.ticket} XAUUSD 买 0.01 手 开仓价 2700.20：止损 2600.00，止盈 无"
    )
    assert line_of(text, b.ticket) == (
        f"✅ 已修改 #{b.ticket} XAUUSD 买 0.02 手 开仓价 2700.20：止损 2600.00，止盈 无"
    )


async def test_modify_in_english(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2700.0, 2700.2)
    a = await world.broker.open_market("XAUUSD", "buy", 0.01)
    text = await confirm(world, "set gold stop loss to 2600")
    assert line_of(text, a.ticket) == (
        f"✅ Modified #{a.ticket} XAUUSD buy 0.01 lots open 2700.20: SL 2600.00, TP none"
    )


async def test_cancelled_orders_name_symbol_kind_volume_and_price(world: ChatWorld) -> None:
    e = await world.broker.place_pending("EURUSD", "buy", "limit", 0.1, 1.0)
    x = await world.broker.place_pending("XAUUSD", "sell", "limit", 0.01, 9000.0)
    text = await confirm(world, "撤销所有挂单")
    assert line_of(text, e.ticket) == f"✅ 已撤销 #{e.ticket} EURUSD 买限价 0.1 手 @ 1.00000"
    assert line_of(text, x.ticket) == f"✅ 已撤销 #{x.ticket} XAUUSD 卖限价 0.01 手 @ 9000.00"
    assert await world.broker.pending_orders() == []


async def test_cancelled_orders_in_english(world: ChatWorld) -> None:
    e = await world.broker.place_pending("EURUSD", "buy", "limit", 0.1, 1.0)
    text = await confirm(world, "cancel all pending orders")
    assert text == f"✅ Cancelled #{e.ticket} EURUSD buy limit 0.1 @ 1.00000"


async def test_a_refused_leg_names_what_was_not_executed(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2700.0, 2700.2)
    a = await world.broker.open_market("XAUUSD", "buy", 0.01)
    b = await world.broker.open_market("XAUUSD", "buy", 0.01)
    preview = only(await world.say("close gold"))
    await world.broker.close_position(a.ticket or 0)  # closed elsewhere meanwhile
    text = only(await world.press(preview.buttons[0].id)).text
    assert line_of(text, a.ticket).startswith(
        f"❌ Not executed: #{a.ticket} XAUUSD buy 0.01 lots open 2700.20 — "
    )
    assert re.fullmatch(
        rf"✅ Closed #{b.ticket} XAUUSD buy 0\.01 lots @ {PRICE}", line_of(text, b.ticket)
    )


async def test_a_refused_open_names_side_symbol_volume_and_the_market_price(
    world: ChatWorld,
) -> None:
    world.terminal.set_price("XAUUSD", 2700.0, 2700.2)
    preview = only(await world.say("买0.01手黄金"))
    world.terminal.set_market_closed("XAUUSD")
    text = only(await world.press(preview.buttons[0].id)).text
    assert text.startswith("❌ 未执行 买入 XAUUSD 0.01 手 市价约 2700.20：")
    assert "休市" in text or "市场" in text


async def test_a_refused_open_in_english(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2700.0, 2700.2)
    preview = only(await world.say("buy 0.01 gold"))
    world.terminal.set_market_closed("XAUUSD")
    text = only(await world.press(preview.buttons[0].id)).text
    assert text.startswith("❌ Not executed: Buy 0.01 lots XAUUSD market ~2700.20 — ")


async def test_an_unknown_outcome_names_the_order_it_is_about(world: ChatWorld) -> None:
    """The connection drops inside `order_send`: the answer says the outcome is unknown and,
    on the next line, which order that is."""
    world.terminal.set_price("XAUUSD", 2700.0, 2700.2)
    preview = only(await world.say("卖出0.02手黄金"))

    def lost(real: Any, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionResetError("connection reset by peer")

    world.api.hooks["order_send"] = lost
    text = only(await world.press(preview.buttons[0].id)).text
    world.api.hooks.clear()
    first, second = text.splitlines()
    assert first.startswith("⚠️ 订单已发出")
    assert second == "  卖出 XAUUSD 0.02 手 市价约 2700.00"
