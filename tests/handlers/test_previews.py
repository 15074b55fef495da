"""Previews name everything they touch: every ticket with its symbol, side, volume, entry price
and floating P&L (pending orders: their price), totals per symbol, in both languages, each line
about a ticket within a phone's 32 monospace columns; and the renderer never parts a ticket
from the lines under it when a long preview is split into messages."""

from __future__ import annotations

import re

from bot.platforms.render import render, split_message
from broker.models import Position
from handlers.format import width
from handlers.messages import Outgoing, PlatformCaps
from handlers.plan_text import TICKET_WIDTH
from tests.conftest import TRADER, ChatWorld

TICKET = re.compile(r"^#(\d+) (\S+) ")


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


def ticket_blocks(text: str) -> dict[int, list[str]]:
    """Each ticket's head line and the indented lines under it."""
    blocks: dict[int, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        m = TICKET.match(line)
        if m:
            current = blocks[int(m.group(1))] = [line]
        elif current is not None and line.startswith("  "):
            current.append(line)
        else:
            current = None
    return blocks


async def open_book(world: ChatWorld) -> list[Position]:
    for symbol, side, lots in (
        ("XAUUSD", "buy", 0.01),
        ("EURUSD", "sell", 0.1),
        ("XAUUSD", "sell", 0.02),
    ):
        assert (await world.broker.open_market(symbol, side, lots)).ok  # type: ignore[arg-type]
        world.clock.advance(5)
    return await world.broker.positions()


async def test_close_all_names_symbol_side_volume_entry_and_pnl_of_every_ticket(
    world: ChatWorld,
) -> None:
    positions = await open_book(world)
    preview = only(await world.say("全部平仓"))
    blocks = ticket_blocks(preview.text)
    assert sorted(blocks) == sorted(p.ticket for p in positions)
    for p in positions:
        head, held = blocks[p.ticket]
        assert head == f"#{p.ticket} {p.symbol} {'买' if p.side == 'buy' else '卖'} {p.volume:g} 手"
        assert held.startswith(
            f"  开仓价 {p.price_open:.{2 if p.symbol == 'XAUUSD' else 5}f} 浮动 "
        )
        assert f"{p.profit + p.swap:+,.2f}" in held
    assert preview.text.splitlines()[0] == "📝 平仓 XAUUSD、EURUSD（3 单，0.13 手）"


async def test_close_all_totals_each_symbol_and_the_whole(world: ChatWorld) -> None:
    positions = await open_book(world)
    text = only(await world.say("全部平仓")).text
    lines = text.splitlines()
    gold = next(line for line in lines if line.startswith("XAUUSD "))
    gold_pnl = sum(p.profit + p.swap for p in positions if p.symbol == "XAUUSD")
    assert gold.split() == ["XAUUSD", "2", "0.03", f"{gold_pnl:+,.2f}"]
    euro = next(line for line in lines if line.startswith("EURUSD "))
    assert euro.split()[:3] == ["EURUSD", "1", "0.1"]
    total = sum(p.profit + p.swap for p in positions)
    assert f"合计 3 单 0.13 手 浮动 {total:+,.2f}" in lines


async def test_english_close_all_preview_names_every_ticket(world: ChatWorld) -> None:
    positions = await open_book(world)
    text = only(await world.say("close all")).text
    assert text.splitlines()[0] == "📝 Close XAUUSD, EURUSD (3 positions, 0.13 lots)"
    blocks = ticket_blocks(text)
    for p in positions:
        head, held = blocks[p.ticket]
        assert head == f"#{p.ticket} {p.symbol} {p.side} {p.volume:g} lots"
        assert held.startswith("  open ")
        assert " P&L " in held
    assert any(line.startswith("Total 3, 0.13 lots, P&L ") for line in text.splitlines())


async def test_one_position_close_says_the_count_in_the_singular(world: ChatWorld) -> None:
    r = await world.broker.open_market("EURUSD", "sell", 0.1)
    text = only(await world.say(f"close ticket {r.ticket}")).text
    assert text.splitlines()[0] == "📝 Close EURUSD (1 position, 0.1 lots)"
    assert "Total" not in text  # one ticket: its own lines say it all


async def test_partial_close_says_what_is_closed_and_what_stays(world: ChatWorld) -> None:
    a = await world.broker.open_market("XAUUSD", "buy", 0.01)
    world.clock.advance(5)
    b = await world.broker.open_market("XAUUSD", "buy", 0.03)
    blocks = ticket_blocks(only(await world.say("平仓0.02手黄金")).text)
    assert blocks[a.ticket][0] == f"#{a.ticket} XAUUSD 买 0.01 手"
    head, partial, held = blocks[b.ticket]
    assert head == f"#{b.ticket} XAUUSD 买 0.01/0.03 手"
    assert partial == "  部分平仓：平 0.01，留 0.02 手"
    assert held.startswith("  开仓价 ")


async def test_modify_preview_names_each_position_and_its_stops(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2700.0, 2700.2)
    a = await world.broker.open_market("XAUUSD", "buy", 0.01)
    b = await world.broker.open_market("XAUUSD", "buy", 0.02)
    text = only(await world.say("黄金止损改到2600")).text
    blocks = ticket_blocks(text)
    for r, lots in ((a, "0.01"), (b, "0.02")):
        head, held, sl, tp = blocks[r.ticket]
        assert head == f"#{r.ticket} XAUUSD 买 {lots} 手"
        assert held.startswith("  开仓价 2700.20 浮动 ")
        assert sl == "  止损 无 → 2600.00"
        assert tp == "  止盈 无 → 无"
    assert text.splitlines()[0] == "📝 修改止损/止盈（2 单）：XAUUSD"
    assert any(line.startswith("合计 2 单 0.03 手 浮动 ") for line in text.splitlines())


async def test_cancel_preview_names_each_order_with_its_kind_volume_and_price(
    world: ChatWorld,
) -> None:
    e = await world.broker.place_pending("EURUSD", "buy", "limit", 0.1, 1.0)
    x = await world.broker.place_pending("XAUUSD", "sell", "limit", 0.01, 9000.0)
    text = only(await world.say("撤销所有挂单")).text
    assert text.splitlines()[0] == "📝 撤销挂单（2 个）：EURUSD、XAUUSD，0.11 手"
    blocks = ticket_blocks(text)
    assert blocks[e.ticket] == [f"#{e.ticket} EURUSD 买限价 0.1 手", "  挂单价 1.00000"]
    assert blocks[x.ticket] == [f"#{x.ticket} XAUUSD 卖限价 0.01 手", "  挂单价 9000.00"]
    assert "合计 2 个 0.11 手" in text


async def test_more_than_three_symbols_are_counted_in_the_head_and_named_below(
    world: ChatWorld,
) -> None:
    for symbol in ("XAUUSD", "EURUSD", "GBPUSD", "USDJPY"):
        assert (await world.broker.open_market(symbol, "buy", 0.01)).ok
    text = only(await world.say("全部平仓")).text
    assert text.splitlines()[0] == "📝 平仓 4 个品种（4 单，0.04 手）"
    for symbol in ("XAUUSD", "EURUSD", "GBPUSD", "USDJPY"):
        assert any(line.startswith(symbol + " ") for line in text.splitlines())


async def test_every_ticket_line_fits_a_phone_in_both_languages(world: ChatWorld) -> None:
    for symbol, side, lots in (
        ("BTCUSD", "sell", 0.25),
        ("XAUUSD", "buy", 0.15),
        ("USDJPY", "sell", 1.0),
    ):
        assert (await world.broker.open_market(symbol, side, lots)).ok  # type: ignore[arg-type]
    world.terminal.set_price("BTCUSD", 81234.56)  # floating P&L in the thousands
    world.terminal.set_price("XAUUSD", 2650.0)
    for text in ("全部平仓", "close all", "平仓0.05手黄金"):
        preview = only(await world.say(text, TRADER)).text
        for lines in ticket_blocks(preview).values():
            for line in lines:
                assert width(line) <= TICKET_WIDTH, line


# --------------------------------------------------------------------------- the renderer


def test_a_split_never_parts_a_ticket_from_its_details() -> None:
    tickets = [
        f"#{10_000_000 + i} XAUUSD 买 0.01 手\n  开仓价 2775.96 浮动 +0.01" for i in range(400)
    ]
    text = "📝 平仓 XAUUSD（400 单，4 手）\n" + "\n".join(tickets)
    for unit, limit in (("chars", 4096), ("bytes", 2048)):
        chunks = split_message(text, limit, unit)  # type: ignore[arg-type]
        assert len(chunks) > 1
        assert "\n".join(chunks) == text
        for chunk in chunks:
            assert not chunk.startswith("  "), chunk[:60]  # no chunk begins with details


def test_a_block_longer_than_the_limit_is_still_split_within_it() -> None:
    text = "#1 XAUUSD\n" + "\n".join(f"  detail {i}" for i in range(100))
    chunks = split_message(text, 64)
    assert all(len(c) <= 64 for c in chunks)
    assert "\n".join(chunks) == text


def test_preview_on_an_app_without_buttons_ends_with_the_reply_codes() -> None:
    from handlers.messages import Button

    caps = PlatformCaps(buttons="command", max_text=300, image_mode="base64", push="always")
    body = "\n".join(f"#{i} EURUSD 卖 0.1 手\n  开仓价 1.10000 浮动 -1.00" for i in range(20))
    out = Outgoing(
        body,
        buttons=[
            Button("c:x:y", "✅ 确认", reply_code="确认 7F3K"),
            Button("c:x:n", "❌ 取消", reply_code="取消 7F3K"),
        ],
        kind="preview",
    )
    r = render(out, caps)
    assert r.texts[-1].splitlines()[-1] == "回复「确认 7F3K」✅ 确认 /「取消 7F3K」❌ 取消"
    assert all(len(t) <= 300 for t in r.texts)
    assert all(not t.startswith("  ") for t in r.texts)
