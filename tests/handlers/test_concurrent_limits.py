"""Risk limits under concurrency: ✅ pressed on several previews at the same moment.

Each preview fits the limits alone; together they do not. The re-check at ✅ and the order
send run under the account's one lock (handlers/exposure.py), so the second re-check sees the
first order's position: one executes, the other is refused with the limit named. Every test
runs several rounds on the real stack (MT5Broker over the paper terminal, SQLite) and counts
the `order_send` calls at the terminal's API boundary (the Recorder)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path

from handlers.config import RiskLimits
from handlers.conversation import Conversation, build_conversation
from handlers.exposure import AccountGuard
from handlers.messages import Incoming, Outgoing
from handlers.plans import Plan
from handlers.report_service import ReportConfig, ReportService
from nlp.intent import Intent
from nlp.parser import IntentParser
from nlp.rules import RuleParser
from tests.conftest import TRADER, TRADER2, ChatWorld, conv_config

ROUNDS = 5
GROUP = "-100777"


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


async def with_limits(w: ChatWorld, **limits: object) -> None:
    config = conv_config(
        risk=RiskLimits(**limits),  # type: ignore[arg-type]
        trading_rooms=frozenset({f"telegram:{GROUP}"}),
    )
    w.conv = await w.make(config)


def button(p: Outgoing) -> str:
    assert p.buttons, p.text
    return p.buttons[0].id


def press(
    conv: Conversation, button_id: str, user: str, chat: str, *, group: bool = False
) -> Awaitable[list[Outgoing]]:
    return conv.handle(
        Incoming(
            platform="telegram",
            chat_id=chat,
            user_id=user,
            button_id=button_id,
            is_group=group,
            message_id=f"preview-{chat}",
        )
    )


async def close_everything(w: ChatWorld) -> None:
    """Back to a flat account between rounds (the closes go through the broker directly)."""
    for p in await w.broker.positions():
        await w.broker.close_position(p.ticket)
    assert await w.broker.positions() == []


async def race(w: ChatWorld, presses: list[Awaitable[list[Outgoing]]]) -> tuple[int, list[str]]:
    """Fire every press at once; the number of orders sent and every answer's text."""
    before = len(w.orders_sent())
    answers = await asyncio.gather(*presses)
    return len(w.orders_sent()) - before, [only(a).text for a in answers]


def filled(texts: list[str]) -> list[str]:
    return [x for x in texts if "已成交" in x or "Filled" in x]


async def test_two_lots_previews_confirmed_at_once_never_exceed_the_symbol_total(
    world: ChatWorld,
) -> None:
    await with_limits(world, max_lots_per_order=1.0, max_total_lots_per_symbol=1.0)
    for _ in range(ROUNDS):
        a = button(only(await world.say("买0.6手欧美", TRADER)))
        b = button(only(await world.say("买0.6手欧美", TRADER2)))
        sent, texts = await race(
            world,
            [
                press(world.conv, a, TRADER, TRADER),
                press(world.conv, b, TRADER2, TRADER2),
            ],
        )
        assert sent == 1
        assert len(filled(texts)) == 1, texts
        [refused] = [x for x in texts if x not in filled(texts)]
        assert "确认时风控检查未通过，未执行" in refused
        assert "EURUSD 总手数将达 1.2，超过上限 1" in refused
        positions = await world.broker.positions(symbol="EURUSD")
        assert round(sum(p.volume for p in positions), 8) == 0.6
        await close_everything(world)


async def test_max_open_positions_holds_when_two_previews_are_confirmed_at_once(
    world: ChatWorld,
) -> None:
    await with_limits(world, max_open_positions=1)
    for _ in range(ROUNDS):
        a = button(only(await world.say("buy 0.01 gold", TRADER)))
        b = button(only(await world.say("buy 0.01 eurusd", TRADER2)))
        sent, texts = await race(
            world,
            [
                press(world.conv, a, TRADER, TRADER),
                press(world.conv, b, TRADER2, TRADER2),
            ],
        )
        assert sent == 1
        assert len(filled(texts)) == 1, texts
        [refused] = [x for x in texts if x not in filled(texts)]
        assert "Risk checks failed at confirmation; nothing was sent" in refused
        assert "Open positions would be 2, above 1" in refused
        assert len(await world.broker.positions()) == 1
        await close_everything(world)


async def test_one_trader_confirming_in_a_private_chat_and_a_group_at_once_gets_one_order(
    world: ChatWorld,
) -> None:
    await with_limits(world, max_open_positions=1)
    for _ in range(ROUNDS):
        private = button(only(await world.say("买0.01手黄金", TRADER)))
        in_group = button(only(await world.say("买0.01手黄金", TRADER, chat=GROUP, group=True)))
        sent, texts = await race(
            world,
            [
                press(world.conv, private, TRADER, TRADER),
                press(world.conv, in_group, TRADER, GROUP, group=True),
            ],
        )
        assert sent == 1
        assert len(filled(texts)) == 1, texts
        assert any("持仓数将达 2，超过上限 1" in x for x in texts), texts
        assert len(await world.broker.positions()) == 1
        await close_everything(world)


async def test_many_presses_on_many_previews_open_only_what_the_limit_allows(
    world: ChatWorld,
) -> None:
    await with_limits(world, max_total_lots_per_symbol=1.0)
    for _ in range(ROUNDS):
        ids = [button(only(await world.say("买0.3手欧美", TRADER))) for _ in range(6)]
        # every preview pressed twice, all at once: still one order per preview at most
        before = len(world.orders_sent())
        await asyncio.gather(*(press(world.conv, cid, TRADER, TRADER) for cid in ids + ids))
        assert len(world.orders_sent()) - before == 3  # 3 × 0.3 = 0.9 ≤ 1.0 < 1.2
        positions = await world.broker.positions(symbol="EURUSD")
        assert round(sum(p.volume for p in positions), 8) == 0.9
        await close_everything(world)


async def test_two_mouths_sharing_the_account_guard_are_checked_against_each_other(
    world: ChatWorld,
) -> None:
    """The chat and another mouth (the REST gateway, MCP) each have their own conversation
    parts but the composition root gives them the one guard of the account."""
    guard = AccountGuard()
    config = conv_config(risk=RiskLimits(max_total_lots_per_symbol=1.0))

    def mouth() -> Conversation:
        reports = ReportService(
            world.broker,
            world.db,
            ReportConfig(timezone="server", server_utc_offset_hours=2, charts=False),
        )
        return build_conversation(
            broker=world.broker,
            parser=IntentParser(RuleParser()),
            db=world.db,
            config=config,
            reports=reports,
            clock=world.clock.now,
            guard=guard,
        )

    chat, gateway = mouth(), mouth()
    for _ in range(ROUNDS):
        world.conv = chat
        a = button(only(await world.say("buy 0.6 eurusd", TRADER)))
        world.conv = gateway
        b = button(only(await world.say("buy 0.6 eurusd", TRADER2)))
        sent, texts = await race(
            world,
            [
                press(chat, a, TRADER, TRADER),
                press(gateway, b, TRADER2, TRADER2),
            ],
        )
        assert sent == 1
        assert len(filled(texts)) == 1, texts
        assert any("EURUSD total would be 1.2 lots, above 1" in x for x in texts), texts
        await close_everything(world)


async def test_closing_is_never_blocked_by_the_limits_or_by_waiting_opens(
    world: ChatWorld,
) -> None:
    """At the position limit, closes confirmed at once with an open all go through: a close
    reduces exposure, so it needs neither the limits nor the lock."""
    await with_limits(world, max_open_positions=2)
    for _ in range(ROUNDS):
        first = await world.broker.open_market("XAUUSD", "buy", 0.01)
        second = await world.broker.open_market("EURUSD", "buy", 0.01)
        close_a = button(only(await world.say(f"平仓 {first.ticket}", TRADER)))
        close_b = button(only(await world.say(f"平仓 {second.ticket}", TRADER2)))
        sent, texts = await race(
            world,
            [
                press(world.conv, close_a, TRADER, TRADER),
                press(world.conv, close_b, TRADER2, TRADER2),
            ],
        )
        assert sent == 2
        assert all("已平仓" in x or "Closed" in x for x in texts), texts
        assert await world.broker.positions() == []


async def test_the_guard_is_held_only_by_plans_that_add_exposure(world: ChatWorld) -> None:
    await with_limits(world)
    guard = AccountGuard()
    opened = await world.broker.open_market("XAUUSD", "buy", 0.01)
    planner = world.conv.flow.planner
    open_plan = await planner.build(Intent(intent="open", symbol="EURUSD", side="buy", volume=0.1))
    close_plan = await planner.build(Intent(intent="close", ticket=opened.ticket))
    assert isinstance(open_plan, Plan)
    assert isinstance(close_plan, Plan)
    assert AccountGuard.adds_exposure(open_plan)
    assert not AccountGuard.adds_exposure(close_plan)
    async with guard.for_plan(open_plan):
        assert guard.busy
        # a close does not wait for the lock an open holds
        async with guard.for_plan(close_plan):
            assert guard.busy
    assert not guard.busy


async def test_the_composition_root_builds_one_guard_for_the_account(tmp_path: Path) -> None:
    from bot.build import build_app, close_app
    from bot.settings import Settings

    settings = Settings(app={"data_dir": tmp_path}, broker={"paper": {"demo_history_days": 0}})
    app = await build_app(settings)
    try:
        assert isinstance(app.guard, AccountGuard)
        # the chat's confirmations use the app's guard: the one other mouths are given
        assert app.conversation.flow.guard is app.guard
    finally:
        await close_app(app)
