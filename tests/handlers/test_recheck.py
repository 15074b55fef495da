"""Re-checkable outcomes: an "unknown outcome" answer keeps a "check again" button and a typed
reply code ("查询 7F3K" / "check 7F3K") that look the order up by its idempotency key — for
its owner only, never sending anything — and a check after the outcome is known says so.

The unknown outcome is made at the API boundary: `order_send` loses the connection after (or
instead of) the paper terminal executing, so the executor's own lookup cannot run."""

from __future__ import annotations

from typing import Any

from handlers.messages import Outgoing
from store.confirmations import Confirmation, ConfirmationStore
from tests.conftest import TRADER, TRADER2, VIEWER, ChatWorld


class LostConnection:
    """`order_send` whose connection drops: after the terminal executed (`reached`), or
    before the request reached it."""

    def __init__(self, *, reached: bool) -> None:
        self.reached = reached
        self.calls = 0

    def __call__(self, real: Any, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.reached:
            real(*args, **kwargs)
        raise ConnectionResetError("connection reset by peer")


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


async def unknown_outcome(
    w: ChatWorld, text: str = "buy 0.01 gold", *, reached: bool = True, chat: str | None = None
) -> tuple[Outgoing, Confirmation]:
    """Preview, ✅, and an answer whose outcome is unknown; the terminal is back afterwards."""
    preview = only(await w.say(text, chat=chat))
    assert preview.buttons, preview.text
    w.api.hooks["order_send"] = LostConnection(reached=reached)
    result = only(await w.press(preview.buttons[0].id, chat=chat))
    w.api.hooks.clear()
    assert await w.broker.reconnect()
    conf = await ConfirmationStore(w.db).get(preview.buttons[0].id.split(":")[1])
    assert conf is not None
    assert conf.state == "unknown", result.text
    return result, conf


async def state(w: ChatWorld, conf: Confirmation) -> str:
    now = await ConfirmationStore(w.db).get(conf.id)
    assert now is not None
    return now.state


# --------------------------------------------------------------------------- the answer


async def test_an_unknown_outcome_keeps_a_check_again_button_and_a_typed_code(
    world: ChatWorld,
) -> None:
    result, conf = await unknown_outcome(world)
    [button] = result.buttons  # the keyboard is not removed
    assert button.label == "🔄 Check again"
    assert button.reply_code == f"check {conf.code}"
    assert f"check {conf.code}" in result.text  # the code shown is one that works
    assert "NOT be resent" in result.text


async def test_the_chinese_answer_names_the_chinese_reply(world: ChatWorld) -> None:
    result, conf = await unknown_outcome(world, "买0.01手黄金")
    [button] = result.buttons
    assert button.label == "🔄 再次查询"
    assert button.reply_code == f"查询 {conf.code}"
    assert f"查询 {conf.code}" in result.text


# --------------------------------------------------------------------------- checking


async def test_the_check_again_button_finds_the_order(world: ChatWorld) -> None:
    result, conf = await unknown_outcome(world)
    answer = only(await world.press(result.buttons[0].id, message_id="result-1"))
    [pos] = await world.broker.positions()
    assert f"#{pos.ticket}" in answer.text
    assert "did go through" in answer.text
    assert answer.edit_of == "result-1"  # the unknown answer becomes the known one
    assert answer.buttons == []
    assert await state(world, conf) == "done"
    assert len(world.orders_sent()) == 1  # looked up, never sent again


async def test_a_typed_check_finds_the_order(world: ChatWorld) -> None:
    _result, conf = await unknown_outcome(world)
    answer = only(await world.say(f"check {conf.code.lower()}"))
    [pos] = await world.broker.positions()
    assert f"#{pos.ticket}" in answer.text
    assert await state(world, conf) == "done"
    assert len(world.orders_sent()) == 1


async def test_a_typed_chinese_check_with_full_width_code_finds_the_order(
    world: ChatWorld,
) -> None:
    _result, conf = await unknown_outcome(world, "买0.01手黄金")
    wide = "".join(chr(ord(c) + 0xFEE0) for c in conf.code)  # "７Ｆ３Ｋ" from a phone keyboard
    answer = only(await world.say(f"查询　{wide}"))
    assert "已核实" in answer.text
    assert await state(world, conf) == "done"


async def test_an_order_that_never_arrived_is_not_found_and_can_be_checked_again(
    world: ChatWorld,
) -> None:
    result, conf = await unknown_outcome(world, reached=False)
    answer = only(await world.press(result.buttons[0].id))
    assert "did not go through" in answer.text
    assert [b.reply_code for b in answer.buttons] == [f"check {conf.code}"]  # look again later
    assert await state(world, conf) == "unknown"
    assert await world.broker.positions() == []
    assert len(world.orders_sent()) == 1


# --------------------------------------------------------------------------- who and when


async def test_only_the_owner_may_check(world: ChatWorld) -> None:
    group = "-1001"
    result, conf = await unknown_outcome(world, chat=group)
    other = only(await world.press(result.buttons[0].id, user=TRADER2, chat=group))
    assert "别人" in other.text  # a press carries no words: the default language
    typed = only(await world.say(f"check {conf.code}", user=TRADER2, chat=group))
    assert "someone else" in typed.text
    viewer = only(await world.say(f"check {conf.code}", user=VIEWER, chat=group))
    assert "viewer" in viewer.text
    assert await state(world, conf) == "unknown"  # nobody else settled it
    mine = only(await world.say(f"check {conf.code}", user=TRADER, chat=group))
    assert "did go through" in mine.text


async def test_a_check_after_the_outcome_is_known_says_so(world: ChatWorld) -> None:
    result, conf = await unknown_outcome(world)
    only(await world.press(result.buttons[0].id))
    [pos] = await world.broker.positions()
    pressed = only(await world.press(result.buttons[0].id))
    assert "already handled (done)" in pressed.text
    typed = only(await world.say(f"check {conf.code}"))
    assert "already checked" in typed.text
    assert f"#{pos.ticket}" in typed.text
    assert len(world.orders_sent()) == 1


async def test_a_check_of_a_pending_preview_sends_nothing(world: ChatWorld) -> None:
    preview = only(await world.say("buy 0.01 gold"))
    code = (preview.buttons[0].reply_code or "").split()[1]
    answer = only(await world.say(f"check {code}"))
    assert "has not been confirmed" in answer.text
    assert world.orders_sent() == []
    conf = await ConfirmationStore(world.db).get(preview.buttons[0].id.split(":")[1])
    assert conf is not None
    assert conf.state == "pending"  # still the user's to confirm or cancel


async def test_a_wrong_code_says_so_and_a_word_is_not_a_code(world: ChatWorld) -> None:
    wrong = only(await world.say("check 7FAK"))
    assert "matches no order" in wrong.text
    quote = only(await world.say("check gold"))  # a request, not a code: the parser reads it
    assert "matches no order" not in quote.text
    assert world.orders_sent() == []


async def test_a_code_typed_by_another_user_in_their_own_chat_finds_nothing(
    world: ChatWorld,
) -> None:
    _result, conf = await unknown_outcome(world)
    answer = only(await world.say(f"check {conf.code}", user=TRADER2))  # their own chat
    assert "matches no order" in answer.text
    assert await state(world, conf) == "unknown"
    assert conf.user_id == TRADER
