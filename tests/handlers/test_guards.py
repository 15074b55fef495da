"""No traceback on any path: every way into the conversation — a typed request, a choice button
under a question, the typed answer to a question, a typed reply code, ✅ on a preview — meets
the same guard. While the trading terminal is away each gets a clear answer in the user's
language and an audit row, nothing is sent to the terminal, and the log holds one line about
it, never a traceback. When the terminal is back the same requests work again."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from broker.models import Note
from handlers.messages import Outgoing
from store.audit import AuditEntry
from tests.conftest import ChatWorld, conv_config
from tests.fakes.mt5_fakes import Outage

AWAY_ZH = "交易终端暂时连不上"
AWAY_EN = "The trading terminal is away right now"


@pytest.fixture
def outage(world: ChatWorld) -> Outage:
    return Outage(world.api)


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert "Traceback" not in caplog.text


async def audit_rows(world: ChatWorld, event: str) -> list[dict[str, Any]]:
    entries: list[AuditEntry] = await world.conv.audit.entries(limit=1000)
    return [json.loads(e.detail) for e in entries if e.event == event]


async def decisions(world: ChatWorld) -> list[str]:
    return [d["decision"] for d in await audit_rows(world, "decision")]


def code_of(preview: Outgoing) -> str:
    [button] = [b for b in preview.buttons if b.reply_code and b.reply_code.startswith("确认")]
    assert button.reply_code is not None
    return button.reply_code.split()[1]


@pytest.fixture(autouse=True)
def _capture_info_and_up(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


# --------------------------------------------------------------------------- choice buttons


async def test_side_button_while_the_terminal_is_away_gets_a_clear_answer_and_no_traceback(
    world: ChatWorld, outage: Outage, caplog: pytest.LogCaptureFixture
) -> None:
    question = only(await world.say("下单0.01手黄金"))
    buy = question.buttons[0]
    outage.begin()
    answer = only(await world.press(buy.id))
    assert answer.text.startswith("🔌 " + AWAY_ZH)
    assert "请稍后再试" in answer.text
    assert answer.kind == "error"
    assert world.orders_sent() == []
    no_traceback(caplog)
    assert "terminal_away" in caplog.text  # one line says what happened
    [row] = await audit_rows(world, "broker_error")
    assert row["temporary"] is True
    assert (await decisions(world))[-1] == "terminal_away"


async def test_side_button_in_english_gets_the_english_answer(
    world: ChatWorld, outage: Outage, caplog: pytest.LogCaptureFixture
) -> None:
    question = only(await world.say("open 0.01 gold"))
    assert question.buttons, question.text
    outage.begin()
    answer = only(await world.press(question.buttons[1].id))
    assert answer.text.startswith("🔌 " + AWAY_EN)
    assert "try again" in answer.text
    assert world.orders_sent() == []
    no_traceback(caplog)


async def test_side_button_works_once_the_terminal_is_back(
    world: ChatWorld, outage: Outage
) -> None:
    question = only(await world.say("下单0.01手黄金"))
    outage.begin()
    only(await world.press(question.buttons[0].id))
    await outage.end(world)
    # the question was answered (with an apology): asking again gives the preview
    again = only(await world.say("下单0.01手黄金"))
    preview = only(await world.press(again.buttons[0].id))
    assert "买入 XAUUSD 0.01 手" in preview.text
    assert preview.buttons


# --------------------------------------------------------------------------- typed answers


async def test_typed_answer_to_a_question_while_the_terminal_is_away(
    world: ChatWorld, outage: Outage, caplog: pytest.LogCaptureFixture
) -> None:
    assert only(await world.say("买黄金")).text == "多少手？"
    outage.begin()
    answer = only(await world.say("0.01"))
    assert answer.text.startswith("🔌 " + AWAY_ZH)
    assert world.orders_sent() == []
    no_traceback(caplog)
    assert (await decisions(world))[-1] == "terminal_away"


async def test_query_while_the_supervisor_knows_the_terminal_is_away(
    world: ChatWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world.broker.mark_disconnected(Note("connection_lost"))
    answer = only(await world.say("持仓"))
    assert answer.text.startswith("🔌 " + AWAY_ZH)
    assert "（与交易终端的连接已断开）" in answer.text  # the reason, worded
    no_traceback(caplog)


# --------------------------------------------------------------------------- confirmations


async def test_typed_reply_code_while_the_terminal_is_away_sends_nothing(
    world: ChatWorld, outage: Outage, caplog: pytest.LogCaptureFixture
) -> None:
    preview = only(await world.say("买入0.01手黄金", platform="qq"))
    code = code_of(preview)
    outage.begin()
    answer = only(await world.say(f"确认 {code}", platform="qq"))
    assert "未执行" in answer.text
    assert world.orders_sent() == []
    no_traceback(caplog)


async def test_confirm_button_while_the_terminal_is_away_sends_nothing(
    world: ChatWorld, outage: Outage, caplog: pytest.LogCaptureFixture
) -> None:
    preview = only(await world.say("买入0.01手黄金"))
    outage.begin()
    answer = only(await world.press(preview.buttons[0].id))
    assert "未执行" in answer.text
    assert world.orders_sent() == []
    no_traceback(caplog)


# --------------------------------------------------------------------------- the guard's reach


async def test_every_kind_of_entry_meets_the_same_answer(
    world: ChatWorld, outage: Outage, caplog: pytest.LogCaptureFixture
) -> None:
    """A request, a choice button and a typed answer, all while away: one wording for all."""
    side_question = only(await world.say("下单0.01手黄金"))  # on Telegram
    assert only(await world.say("买欧美", platform="qq")).text == "多少手？"
    outage.begin()
    answers = [
        only(await world.say("黄金现在多少", chat="another-chat")),
        only(await world.say("0.1", platform="qq")),  # answers "多少手？"
        only(await world.press(side_question.buttons[1].id)),
    ]
    heads = {a.text.split("（", 1)[0] for a in answers}
    assert heads == {"🔌 " + AWAY_ZH}
    assert world.orders_sent() == []
    no_traceback(caplog)
    assert len(await audit_rows(world, "broker_error")) == 3


async def test_a_bug_is_still_an_apology_with_its_traceback_logged(
    world: ChatWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """Only expected errors are told in words without a traceback; a programming error is
    apologised for and logged in full, so that it gets fixed."""

    class Broken:
        async def parse(self, text: str, context: Any = None) -> Any:
            raise RuntimeError("parser bug")

    world.conv = await world.make(conv_config())
    world.conv.parser = Broken()
    answer = only(await world.say("持仓"))
    assert answer.text.startswith("出错了")
    assert any(r.exc_info for r in caplog.records)
    assert (await decisions(world))[-1] == "error"
