"""EA baskets: everything of one magic (and symbol) closed or modified in one plan, never a
position of another EA or of the trader; and the per-EA view — its positions, their floating
P&L and what it realised today ("1001号EA持仓", "EA 1001 positions")."""

from __future__ import annotations

from datetime import timedelta

from broker.models import Side
from handlers.format import signed
from handlers.messages import Outgoing
from tests.conftest import ChatWorld


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


async def open_for(world: ChatWorld, magic: int, symbol: str, side: Side, lots: float) -> int:
    r = await world.broker.open_market(symbol, side, lots, magic=magic)
    assert r.ticket is not None, r.note
    world.clock.advance(5)
    return r.ticket


async def two_eas(world: ChatWorld) -> dict[str, int]:
    world.terminal.set_price("XAUUSD", 2650.0, 2650.2)
    tickets = {
        "ea_gold_1": await open_for(world, 1001, "XAUUSD", "buy", 0.01),
        "ea_gold_2": await open_for(world, 1001, "XAUUSD", "buy", 0.02),
        "ea_euro": await open_for(world, 1001, "EURUSD", "sell", 0.1),
        "other_gold": await open_for(world, 2002, "XAUUSD", "buy", 0.03),
    }
    world.api.requests.clear()
    return tickets


async def test_closing_one_eas_gold_is_one_plan_over_exactly_its_positions(
    world: ChatWorld,
) -> None:
    t = await two_eas(world)
    preview = only(await world.say("平掉1001号EA的黄金单"))
    assert preview.buttons, preview.text
    assert preview.text.splitlines()[0] == "📝 平仓 XAUUSD（2 单，0.03 手）"
    only(await world.press(preview.buttons[0].id))
    closed = sorted(r["position"] for r in world.orders_sent())
    assert closed == sorted([t["ea_gold_1"], t["ea_gold_2"]])
    left = {p.ticket for p in await world.broker.positions()}
    assert left == {t["ea_euro"], t["other_gold"]}


async def test_modifying_one_eas_basket_touches_nothing_else(world: ChatWorld) -> None:
    t = await two_eas(world)
    world.terminal.set_price("XAUUSD", 2660.0, 2660.2)
    preview = only(await world.say("1001号EA黄金保本"))
    assert preview.buttons, preview.text
    only(await world.press(preview.buttons[0].id))
    assert sorted(r["position"] for r in world.orders_sent()) == sorted(
        [t["ea_gold_1"], t["ea_gold_2"]]
    )
    assert {r["sl"] for r in world.orders_sent()} == {2650.2}  # each at its entry


async def test_the_per_ea_view_shows_positions_floating_and_todays_realised(
    world: ChatWorld,
) -> None:
    t = await two_eas(world)
    closed = await world.broker.close_position(t["ea_euro"])
    assert closed.ok
    held = await world.broker.positions(magic=1001)
    floating = sum(p.profit + p.swap for p in held)
    now = world.clock.now()
    deals = await world.broker.deals(now - timedelta(hours=1), now + timedelta(minutes=1))
    # what the EA's deals did to the balance today: the closed trade, and the opening
    # commissions of the positions it still holds (all its deals carry its magic here)
    realised = sum(d.net for d in deals if d.magic == 1001)
    view = only(await world.say("1001号EA持仓"))
    lines = view.text.splitlines()
    assert lines[0] == f"🤖 EA 1001：2 单持仓，浮动 {signed(floating)}"
    assert f"#{t['ea_gold_1']}" in view.text
    assert f"#{t['ea_gold_2']}" in view.text
    assert f"#{t['other_gold']}" not in view.text
    assert lines[-1] == f"今日已实现 {signed(realised)} USD（1 笔平仓）"
    en = only(await world.say("EA 1001 positions"))
    assert en.text.splitlines()[0].startswith("🤖 EA 1001: 2 open position(s), floating ")
