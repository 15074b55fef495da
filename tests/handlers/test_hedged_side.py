"""A hedged book asks, never guesses: a close by volume or a modify (levels, break-even, pips)
on positions held both ways, with no side or ticket said, asks "多单还是空单？" with buttons,
and the answer continues the same request."""

from __future__ import annotations

from broker.models import Side
from handlers.messages import Outgoing
from tests.conftest import ChatWorld


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


async def book(world: ChatWorld, *legs: tuple[Side, float]) -> dict[Side, list[int]]:
    world.terminal.set_price("XAUUSD", 2650.0, 2650.2)
    tickets: dict[Side, list[int]] = {"buy": [], "sell": []}
    for side, lots in legs:
        r = await world.broker.open_market("XAUUSD", side, lots)
        assert r.ticket is not None
        tickets[side].append(r.ticket)
        world.clock.advance(5)
    world.api.requests.clear()
    return tickets


async def test_close_by_volume_on_a_hedged_book_asks_which_side(world: ChatWorld) -> None:
    tickets = await book(world, ("buy", 0.01), ("sell", 0.02), ("buy", 0.02))
    question = only(await world.say("平仓0.02手黄金"))
    assert question.text == (
        "XAUUSD 多空都有持仓（多 2 单 0.03 手，空 1 单 0.02 手）：多单还是空单？"
    )
    assert [(b.id, b.label) for b in question.buttons] == [
        ("q:side:buy", "多单"),
        ("q:side:sell", "空单"),
    ]
    assert world.orders_sent() == []
    preview = only(await world.press("q:side:buy"))
    assert preview.buttons, preview.text
    only(await world.press(preview.buttons[0].id))
    # the buys only, oldest first: 0.01 of the first, 0.01 of the second
    sent = [(r["position"], r["volume"]) for r in world.orders_sent()]
    assert sent == [(tickets["buy"][0], 0.01), (tickets["buy"][1], 0.01)]


async def test_the_typed_answer_continues_the_request_too(world: ChatWorld) -> None:
    tickets = await book(world, ("buy", 0.02), ("sell", 0.02))
    only(await world.say("平仓0.01手黄金"))
    preview = only(await world.say("空单"))
    assert f"#{tickets['sell'][0]} XAUUSD 卖 0.01/0.02 手" in preview.text
    assert str(tickets["buy"][0]) not in preview.text


async def test_a_modify_by_symbol_on_a_hedged_book_asks_and_then_plans_that_side(
    world: ChatWorld,
) -> None:
    tickets = await book(world, ("buy", 0.01), ("sell", 0.01), ("buy", 0.01), ("sell", 0.01))
    question = only(await world.say("move gold sl to 2600"))
    assert question.text.startswith("XAUUSD is held both ways (2 buy, 0.02 lots; 2 sell")
    assert question.text.endswith("the buys or the sells?")
    assert [b.label for b in question.buttons] == ["Buys", "Sells"]
    preview = only(await world.press("q:side:buy"))
    assert preview.buttons, preview.text  # 2600 is a valid SL for both buys
    for ticket in tickets["buy"]:
        assert f"#{ticket} " in preview.text
    for ticket in tickets["sell"]:
        assert f"#{ticket} " not in preview.text
    only(await world.press(preview.buttons[0].id))
    assert sorted(r["position"] for r in world.orders_sent()) == sorted(tickets["buy"])


async def test_break_even_and_pip_shifts_ask_on_a_hedged_book(world: ChatWorld) -> None:
    await book(world, ("buy", 0.01), ("sell", 0.01))
    for text in ("黄金保本", "黄金止损上移20点"):
        question = only(await world.say(text))
        assert question.text.endswith("多单还是空单？"), text
        assert len(question.buttons) == 2


async def test_no_question_when_the_side_or_ticket_is_said(world: ChatWorld) -> None:
    tickets = await book(world, ("buy", 0.02), ("sell", 0.02))
    preview = only(await world.say("平仓0.01手黄金空单"))
    assert preview.buttons, preview.text
    assert f"#{tickets['sell'][0]}" in preview.text
    by_ticket = only(await world.say(f"平仓0.01手 单号{tickets['buy'][0]}"))
    assert by_ticket.buttons, by_ticket.text


async def test_a_whole_close_on_a_hedged_book_does_not_ask(world: ChatWorld) -> None:
    await book(world, ("buy", 0.01), ("sell", 0.01))
    preview = only(await world.say("黄金全部平仓"))
    assert preview.buttons  # closing everything means both sides: nothing to choose
