"""The shared plumbing of bot/platforms/base.py on its own: per-chat order, bounded retries that
honour `retry_after` and never repeat a permanent refusal, deliveries that resume at the call
that failed, and the fan-out's one attempt. The app here is a small recording stand-in (the
real apps are exercised against their fake servers in the other tests of this folder)."""

from __future__ import annotations

import asyncio

import pytest

from bot.platforms.base import Fanout, Plumbing, once
from handlers.messages import (
    Incoming,
    Outgoing,
    PermanentPlatformError,
    PlatformCaps,
    TemporaryPlatformError,
)


class App:
    """A chat app that records each part it is sent; `fail[part]` lists the errors the next
    posts of that part raise."""

    name = "app"
    caps = PlatformCaps(buttons="none", max_text=100, image_mode="none", push="always")

    def __init__(self) -> None:
        self.parts: list[str] = []  # delivered
        self.calls: list[str] = []  # tried
        self.fail: dict[str, list[Exception]] = {}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, chat_id: str, out: Outgoing) -> None:
        for part in out.text.split("|"):
            await once(lambda part=part: self._post(f"{chat_id}:{part}"))  # type: ignore[misc]

    async def _post(self, part: str) -> None:
        self.calls.append(part)
        queued = self.fail.get(part)
        if queued:
            raise queued.pop(0)
        self.parts.append(part)


class Sleeps:
    """Records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waited: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waited.append(seconds)


async def _nothing(inc: Incoming) -> list[Outgoing]:
    return []


def temporary(retry_after: float | None = None) -> TemporaryPlatformError:
    return TemporaryPlatformError("busy", platform="app", retry_after=retry_after)


def permanent() -> PermanentPlatformError:
    return PermanentPlatformError("blocked", platform="app")


async def test_retry_honours_retry_after_and_backs_off_otherwise() -> None:
    app, sleeps = App(), Sleeps()
    plumbing = Plumbing("app", _nothing, attempts=4, backoff_s=0.5, sleep=sleeps)
    app.fail["c:hi"] = [temporary(retry_after=3), temporary(), temporary()]
    await plumbing.retrying(lambda: app.send("c", Outgoing("hi")))
    assert app.parts == ["c:hi"]
    assert sleeps.waited == [3, 1.0, 2.0]  # the app's 3 s, then 0.5 s · 2ⁿ


async def test_retry_gives_up_when_told_to_wait_longer_than_the_answer_is_worth() -> None:
    app, sleeps = App(), Sleeps()
    plumbing = Plumbing("app", _nothing, attempts=5, max_wait_s=60, sleep=sleeps)
    app.fail["c:hi"] = [temporary(retry_after=600)]
    with pytest.raises(TemporaryPlatformError):
        await plumbing.retrying(lambda: app.send("c", Outgoing("hi")))
    assert app.calls == ["c:hi"]
    assert sleeps.waited == []


async def test_retry_stops_at_a_permanent_refusal() -> None:
    app, sleeps = App(), Sleeps()
    plumbing = Plumbing("app", _nothing, attempts=5, sleep=sleeps)
    app.fail["c:hi"] = [permanent(), permanent()]
    with pytest.raises(PermanentPlatformError):
        await plumbing.retrying(lambda: app.send("c", Outgoing("hi")))
    assert app.calls == ["c:hi"]
    assert not await plumbing.reply(lambda: app.send("c", Outgoing("hi")), "c")
    assert app.calls == ["c:hi", "c:hi"]
    assert sleeps.waited == []


async def test_retry_gives_up_after_the_bounded_attempts() -> None:
    app = App()
    plumbing = Plumbing("app", _nothing, attempts=3, sleep=Sleeps())
    app.fail["c:hi"] = [temporary() for _ in range(5)]
    with pytest.raises(TemporaryPlatformError):
        await plumbing.retrying(lambda: app.send("c", Outgoing("hi")))
    assert len(app.calls) == 3


async def test_a_retried_delivery_resumes_at_the_part_that_failed() -> None:
    app = App()
    plumbing = Plumbing("app", _nothing, attempts=3, sleep=Sleeps())
    app.fail["c:two"] = [temporary()]
    await plumbing.retrying(lambda: app.send("c", Outgoing("one|two|three")))
    assert app.parts == ["c:one", "c:two", "c:three"]
    assert app.calls == ["c:one", "c:two", "c:two", "c:three"]  # "one" went out once


async def test_fanout_makes_one_attempt_and_a_second_push_of_the_same_message_resumes() -> None:
    app = App()
    fanout = Fanout()
    fanout.add(app)
    out = Outgoing("text|chart")
    app.fail["c:chart"] = [temporary(retry_after=2)]
    with pytest.raises(TemporaryPlatformError) as info:
        await fanout.push("app", "c", out)
    assert info.value.retry_after == 2
    assert app.parts == ["c:text"]
    await fanout.push("app", "c", out)  # what handlers/pushes.py does next
    assert app.parts == ["c:text", "c:chart"]
    # another message is another delivery: all of it is sent
    await fanout.push("app", "c", Outgoing("text|chart"))
    assert app.parts == ["c:text", "c:chart", "c:text", "c:chart"]


async def test_fanout_passes_a_permanent_refusal_on_after_one_attempt() -> None:
    app = App()
    fanout = Fanout()
    fanout.add(app)
    app.fail["c:hi"] = [permanent()]
    with pytest.raises(PermanentPlatformError):
        await fanout.push("app", "c", Outgoing("hi"))
    assert app.calls == ["c:hi"]


async def test_one_chat_in_order_other_chats_meanwhile() -> None:
    plumbing = Plumbing("app", _nothing)
    log: list[str] = []
    gate = asyncio.Event()

    async def slow_first() -> None:
        log.append("a1 start")
        await gate.wait()
        log.append("a1 done")

    async def record(name: str) -> None:
        log.append(name)
        if name == "b1":
            gate.set()  # chat b ran while chat a was still busy

    plumbing.submit("a", slow_first)
    plumbing.submit("a", lambda: record("a2"))
    plumbing.submit("b", lambda: record("b1"))
    await plumbing.idle()
    assert log.index("a1 done") < log.index("a2")
    assert log.index("b1") < log.index("a1 done")


async def test_a_handler_that_raises_gives_no_made_up_answer() -> None:
    async def broken(inc: Incoming) -> list[Outgoing]:
        raise RuntimeError("a bug")

    plumbing = Plumbing("app", broken)
    assert await plumbing.answer(Incoming(platform="app", chat_id="c", user_id="u")) == []


async def test_close_cancels_what_is_still_running() -> None:
    plumbing = Plumbing("app", _nothing)
    task = plumbing.spawn(asyncio.sleep(3600))
    await plumbing.close()
    assert task.cancelled()


async def test_a_chats_deliveries_go_out_in_order_without_holding_up_its_handling() -> None:
    plumbing = Plumbing("app", _nothing)
    log: list[str] = []
    gate = asyncio.Event()

    async def deliver(name: str, wait: bool = False) -> None:
        if wait:
            await gate.wait()
        log.append(name)

    async def handle_two_messages() -> None:
        for name in ("a1", "a2"):
            async with plumbing.in_order("a"):
                log.append(f"handled {name}")
                plumbing.queue("a", lambda name=name: deliver(name, wait=name == "a1"))

    await handle_two_messages()  # both handled while a1's delivery is still stuck
    assert log == ["handled a1", "handled a2"]
    plumbing.queue("b", lambda: deliver("b1"))  # another chat does not wait either
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert "b1" in log
    gate.set()
    await plumbing.idle()
    assert [x for x in log if x.startswith("a")] == ["a1", "a2"]


async def test_in_turn_hands_the_delivery_result_and_error_back_after_earlier_ones() -> None:
    plumbing = Plumbing("app", _nothing)
    order: list[str] = []
    gate = asyncio.Event()

    async def first() -> None:
        await gate.wait()
        order.append("first")

    async def failing() -> None:
        order.append("push")
        raise permanent()

    plumbing.queue("c", first)
    push = asyncio.ensure_future(plumbing.in_turn("c", failing))
    await asyncio.sleep(0)
    assert order == []  # the push waits for the reply queued before it
    gate.set()
    with pytest.raises(PermanentPlatformError):
        await push
    assert order == ["first", "push"]

    async def value() -> int:
        return 7

    assert await plumbing.in_turn("c", value) == 7


async def test_a_failed_delivery_does_not_stop_the_next_one_of_the_chat() -> None:
    plumbing = Plumbing("app", _nothing)
    done: list[str] = []

    async def broken() -> None:
        raise RuntimeError("a bug")

    async def fine() -> None:
        done.append("next")

    plumbing.queue("c", broken)
    plumbing.queue("c", fine)
    await plumbing.idle()
    assert done == ["next"]
