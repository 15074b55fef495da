"""/logs: the end of the bot's log, for admins, in private chats only."""

from __future__ import annotations

from handlers.conversation import build_conversation
from nlp.parser import IntentParser
from nlp.rules import RuleParser
from tests.conftest import ADMIN, TRADER, ChatWorld, conv_config


def _with_log(world: ChatWorld, lines: list[str]) -> list[int]:
    asked: list[int] = []

    async def logs(n: int) -> list[str]:
        asked.append(n)
        return lines[-n:]

    world.conv = build_conversation(
        broker=world.broker,
        parser=IntentParser(RuleParser()),
        db=world.db,
        config=conv_config(),
        clock=world.clock.now,
        logs=logs,
    )
    return asked


async def test_an_admin_gets_the_last_log_lines_in_a_private_chat(world: ChatWorld) -> None:
    asked = _with_log(world, [f"line {i}" for i in range(50)])
    [out] = await world.say("/logs 3", user=ADMIN)
    assert asked == [3]
    assert out.text.splitlines() == ["📜 日志最后 3 行：", "line 47", "line 48", "line 49"]


async def test_logs_are_refused_to_a_trader_and_in_a_group(world: ChatWorld) -> None:
    asked = _with_log(world, ["secret-free but private"])
    [trader] = await world.say("/logs", user=TRADER)
    assert "管理员" in trader.text or "admin" in trader.text.lower()
    [group] = await world.say("/logs", user=ADMIN, chat="g1", group=True)
    assert "私聊" in group.text
    assert asked == []


async def test_an_empty_log_says_so(world: ChatWorld) -> None:
    _with_log(world, [])
    [out] = await world.say("/logs", user=ADMIN)
    assert out.text == "日志里还没有内容。"
