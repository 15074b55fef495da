"""Recovery: a trade that a crash (kill -9) interrupted during `order_send` is settled at the
next start by looking its order up in the terminal, and its owner is told the outcome, once.

Attacks against the real stack: `MT5Broker` over the paper terminal with the `Recorder` at the
API boundary. The crash is `Killed` (a BaseException: no `except Exception` of ours runs, as
after kill -9) raised by `order_send` after — or instead of — the terminal executing. The
restart is a new broker, conversation and reconciler on the same SQLite file and paper
terminal. The chat app is `ChatApp`, a `Pusher` at the platform boundary."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest

from broker.models import Note
from broker.mt5 import MT5Broker
from broker.mt5.supervisor import Supervisor
from handlers.conversation import Conversation
from handlers.execute import order_comment
from handlers.messages import Incoming, Outgoing, TemporaryPlatformError
from handlers.pushes import PushConfig, Pushes
from handlers.recovery import SETTLE_S, Reconciler, build_reconciler
from store.audit import AuditLog
from store.confirmations import Confirmation, ConfirmationStore
from store.db import Database, sqlite_url
from store.snapshots import SnapshotStore
from store.subscriptions import SubscriptionStore
from tests.conftest import CONV_MAGIC, TRADER, TRADER2, ChatWorld, make_test_conversation
from tests.fakes.mt5_fakes import Recorder


class Killed(BaseException):
    """kill -9 at this point: nothing of ours runs after it (no `except Exception` catches a
    BaseException), so the confirmation stays as the crash left it."""


class CrashDuringSend:
    """`order_send` that kills the process after the terminal executed the request
    (`reached=True`) or before the request reached it (`reached=False`)."""

    def __init__(self, *, reached: bool) -> None:
        self.reached = reached
        self.calls = 0

    def __call__(self, real: Any, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.reached:
            real(*args, **kwargs)
        raise Killed


class ChatApp:
    """The chat platforms behind the `Pusher` port: records every message pushed; `failures`
    are raised first, one per push (an exception class is raised as it is, e.g. `Killed`)."""

    def __init__(self, failures: list[BaseException] | None = None) -> None:
        self.failures = list(failures or [])
        self.sent: list[tuple[str, str, Outgoing]] = []

    async def push(self, platform: str, chat_id: str, out: Outgoing) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((platform, chat_id, out))

    def texts(self) -> list[str]:
        return [out.text for _p, _c, out in self.sent]


@dataclass
class Process:
    """One run of the program: its broker (a new connection to the same paper terminal), its
    database engine (the same file), its conversation and its reconciler."""

    api: Recorder
    broker: MT5Broker
    db: Database
    conv: Conversation
    reconciler: Reconciler
    store: ConfirmationStore


@dataclass
class Machine:
    """The machine the processes run on: the paper terminal and the database file stay,
    processes come and go. `app` is the chat app every process pushes through."""

    world: ChatWorld
    stack: AsyncExitStack
    app: ChatApp = field(default_factory=ChatApp)
    seq: int = 0

    def clock_sleep(self) -> Callable[[float], Any]:
        """The reconciler's sleep: time passes on the shared clock, nobody waits."""

        async def sleep(seconds: float) -> None:
            self.world.clock.advance(seconds)
            await asyncio.sleep(0)

        return sleep

    async def start(self, app: ChatApp | None = None) -> Process:
        w = self.world
        api = Recorder(w.terminal)
        broker = MT5Broker(api, magic=CONV_MAGIC, server_utc_offset_hours=2, clock=w.clock.ts)
        await broker.connect()
        self.stack.push_async_callback(broker.close)
        db = await Database.open(sqlite_url(w.db_path))
        self.stack.push_async_callback(db.close)
        conv = await make_test_conversation(broker, db, w.clock)
        rec = build_reconciler(conv, app or self.app, sleep=self.clock_sleep())
        self.stack.push_async_callback(rec.stop)
        return Process(api, broker, db, conv, rec, ConfirmationStore(db))

    async def say(self, p: Process, text: str, user: str = TRADER) -> list[Outgoing]:
        self.seq += 1
        return await p.conv.handle(
            Incoming("telegram", user, user, text=text, message_id=str(self.seq))
        )

    async def press(self, p: Process, button: str, user: str = TRADER) -> list[Outgoing]:
        self.seq += 1
        return await p.conv.handle(
            Incoming("telegram", user, user, button_id=button, message_id=str(self.seq))
        )

    async def killed_confirming(
        self, p: Process, text: str, *, reached: bool, user: str = TRADER
    ) -> str:
        """Preview `text`, press ✅, and die inside `order_send`; the confirmation's id."""
        [preview] = await self.say(p, text, user)
        assert preview.buttons, preview.text
        p.api.hooks["order_send"] = CrashDuringSend(reached=reached)
        with pytest.raises(Killed):
            await self.press(p, preview.buttons[0].id, user)
        return preview.buttons[0].id.split(":")[1]


@pytest.fixture
async def machine(world: ChatWorld) -> AsyncIterator[Machine]:
    async with AsyncExitStack() as stack:
        yield Machine(world, stack)


async def recover(p: Process) -> None:
    """Start-up recovery, run to its end (the reconciler's own loop)."""
    await p.reconciler.start()


async def state_of(p: Process, cid: str) -> Confirmation:
    conf = await p.store.get(cid)
    assert conf is not None
    return conf


def tickets_of(conf: Confirmation) -> list[int]:
    return [leg["ticket"] for leg in conf.result["legs"] if leg["ok"]]


# --------------------------------------------------------------------------- one crash


async def test_kill_during_order_send_after_execution_is_done_with_its_ticket_and_told(
    machine: Machine,
) -> None:
    first = await machine.start()
    cid = await machine.killed_confirming(first, "buy 0.01 gold", reached=True)
    assert (await state_of(first, cid)).state == "executing"  # as the crash left it
    [pos] = await first.broker.positions()

    restarted = await machine.start()
    await recover(restarted)

    conf = await state_of(restarted, cid)
    assert conf.state == "done"
    assert tickets_of(conf) == [pos.ticket]
    [(platform, chat, told)] = machine.app.sent
    assert (platform, chat) == ("telegram", TRADER)  # the owner, in their chat
    assert f"#{pos.ticket}" in told.text
    assert "interrupted" in told.text  # in English: the preview was in English
    assert told.lang == "en"
    assert restarted.api.requests == []  # looked up, never sent again
    assert len(await restarted.broker.positions()) == 1


async def test_a_chinese_owner_is_told_in_chinese(machine: Machine) -> None:
    first = await machine.start()
    cid = await machine.killed_confirming(first, "买0.01手黄金", reached=True)
    restarted = await machine.start()
    await recover(restarted)
    conf = await state_of(restarted, cid)
    assert conf.state == "done"
    [told] = machine.app.texts()
    assert "程序中断" in told
    assert f"#{tickets_of(conf)[0]}" in told
    assert conf.code in told


async def test_a_send_that_never_reached_the_terminal_is_failed_and_told(
    machine: Machine,
) -> None:
    first = await machine.start()
    cid = await machine.killed_confirming(first, "buy 0.01 gold", reached=False)
    restarted = await machine.start()

    # right after the crash the request could still be on its way: nothing is decided yet
    report = await restarted.reconciler.reconcile()
    assert report.waiting == 1
    assert report.next_look_s is not None
    assert 0 < report.next_look_s <= SETTLE_S
    assert (await state_of(restarted, cid)).state == "executing"
    assert machine.app.sent == []

    await recover(restarted)  # its loop looks again once the claim is old enough
    assert (await state_of(restarted, cid)).state == "failed"
    [told] = machine.app.texts()
    assert "not found" in told
    assert "NOT be resent" in told
    assert await restarted.broker.positions() == []
    assert restarted.api.requests == []


async def test_a_restart_after_recovery_tells_nobody_again(machine: Machine) -> None:
    first = await machine.start()
    await machine.killed_confirming(first, "buy 0.01 gold", reached=True)
    await recover(await machine.start())
    await recover(await machine.start())
    await recover(await machine.start())
    assert len(machine.app.sent) == 1


# --------------------------------------------------------------------------- crash loops


async def test_ten_crash_rounds_leave_nothing_executing_and_tell_each_owner_once(
    machine: Machine,
) -> None:
    """Each round a process confirms a trade and dies inside `order_send`; every other
    restart also dies before its recovery gets to run. Then one start that lives."""
    cids: list[str] = []
    reached: dict[str, bool] = {}
    for round_ in range(10):
        p = await machine.start()
        if round_ % 2 == 0:
            await recover(p)  # this start lives long enough to recover what came before
        user = TRADER if round_ % 3 else TRADER2
        went = round_ % 4 != 1  # some requests never reached the terminal
        cid = await machine.killed_confirming(p, "buy 0.01 gold", reached=went, user=user)
        cids.append(cid)
        reached[cid] = went
    last = await machine.start()
    await recover(last)

    assert await last.store.executing() == []
    pushes = [
        e
        for e in await AuditLog(last.db).entries(limit=10_000)
        if e.event == "push" and json.loads(e.detail).get("kind") == "recovery"
    ]
    positions = {pos.ticket for pos in await last.broker.positions()}
    assert len(positions) == sum(reached.values())
    for cid in cids:
        conf = await state_of(last, cid)
        assert conf.state == ("done" if reached[cid] else "failed"), cid
        if reached[cid]:
            assert tickets_of(conf)[0] in positions
        told = [e for e in pushes if json.loads(e.detail)["cid"] == cid]
        assert len(told) == 1, (cid, told)  # exactly once …
        assert told[0].chat_id == conf.chat_id == conf.user_id  # … in the owner's chat
    assert len(machine.app.sent) == 10
    owners = [(await state_of(last, cid)).chat_id for cid in cids]
    assert sorted(chat for _p, chat, _o in machine.app.sent) == sorted(owners)
    # not one request was sent again: one opening deal per request that reached the terminal
    deals = machine.world.terminal.history_deals_get(0, 2**31) or ()
    opened = [d for d in deals if d.type in (0, 1) and d.entry == 0]
    assert len(opened) == len(positions)


async def test_a_crash_between_settling_and_telling_tells_at_the_next_start(
    machine: Machine,
) -> None:
    first = await machine.start()
    cid = await machine.killed_confirming(first, "buy 0.01 gold", reached=True)
    dying = await machine.start(ChatApp(failures=[Killed()]))  # killed while telling
    with pytest.raises(Killed):
        await dying.reconciler.reconcile()
    conf = await state_of(dying, cid)
    assert conf.state == "done"  # settled, but its owner was not told yet

    await recover(await machine.start())
    await recover(await machine.start())
    [told] = machine.app.texts()
    assert f"#{tickets_of(conf)[0]}" in told


async def test_an_owner_whose_chat_is_away_is_told_when_it_answers(machine: Machine) -> None:
    first = await machine.start()
    cid = await machine.killed_confirming(first, "buy 0.01 gold", reached=True)
    flaky = ChatApp(failures=[TemporaryPlatformError("502"), LookupError("not running")])
    restarted = await machine.start(flaky)
    await recover(restarted)
    assert (await state_of(restarted, cid)).state == "done"
    assert len(flaky.sent) == 1


# --------------------------------------------------------------------------- live sends


async def test_a_pass_leaves_a_send_in_flight_alone(machine: Machine) -> None:
    """A pass while this process is still waiting for `order_send` (the terminal has not
    answered yet) neither settles nor tells: the press answers, once."""
    p = await machine.start()
    quote = await p.broker.quote("XAUUSD")
    machine.world.terminal.set_price("XAUUSD", quote.bid, quote.ask)  # no requote meanwhile
    [preview] = await machine.say(p, "buy 0.01 gold")
    entered, release = threading.Event(), threading.Event()

    def slow(real: Any, *args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(10)
        return real(*args, **kwargs)

    p.api.hooks["order_send"] = slow
    pressing = asyncio.create_task(machine.press(p, preview.buttons[0].id))
    assert await asyncio.to_thread(entered.wait, 10)
    machine.world.clock.advance(SETTLE_S * 10)  # however long it takes
    report = await p.reconciler.reconcile()
    assert report.settled == []
    assert report.waiting == 0
    release.set()
    [answer] = await pressing
    assert "Filled" in answer.text
    await recover(p)
    assert machine.app.sent == []
    assert len(p.api.requests) == 1


# --------------------------------------------------------------------------- terminal outage


async def test_recovery_waits_for_the_terminal_and_runs_when_it_comes_back(
    machine: Machine,
) -> None:
    first = await machine.start()
    cid = await machine.killed_confirming(first, "buy 0.01 gold", reached=True)
    restarted = await machine.start()
    terminal = machine.world.terminal
    terminal.set_connected(False)  # the terminal lost its server …
    restarted.broker.mark_disconnected(Note("stopped_answering"))  # … and the broker noticed

    report = await restarted.reconciler.reconcile()  # the start-up pass: terminal away
    assert report.waiting == 1
    assert (await state_of(restarted, cid)).state == "executing"
    assert machine.app.sent == []

    conv = restarted.conv
    assert conv.reports is not None
    pushes = Pushes(
        conv.reports,  # type: ignore[arg-type]
        SubscriptionStore(restarted.db),
        SnapshotStore(restarted.db),
        restarted.broker,
        machine.app,
        AuditLog(restarted.db),
        PushConfig(),
        on_terminal_up=restarted.reconciler.terminal_up,
    )

    async def outage_ends(_seconds: float) -> None:
        terminal.set_connected(True)

    supervisor = Supervisor(
        restarted.broker,
        sleep=outage_ends,
        on_disconnect=pushes.terminal_down,
        on_reconnect=pushes.terminal_up,
    )
    assert await supervisor.check() is False  # lost, then reconnected
    task = restarted.reconciler.start()
    await task

    assert (await state_of(restarted, cid)).state == "done"
    assert len(machine.app.sent) == 1


# --------------------------------------------------------------------------- several legs


async def test_a_close_of_several_positions_interrupted_midway_reports_each_leg(
    machine: Machine,
) -> None:
    p = await machine.start()
    a = await p.broker.open_market("XAUUSD", "buy", 0.01)
    b = await p.broker.open_market("XAUUSD", "buy", 0.01)
    [preview] = await machine.say(p, "close gold")
    assert preview.buttons, preview.text
    sends: list[int] = []

    def first_then_die(real: Any, *args: Any, **kwargs: Any) -> Any:
        sends.append(1)
        if len(sends) == 1:
            return real(*args, **kwargs)  # the first close went through
        raise Killed  # the second never reached the terminal

    p.api.hooks["order_send"] = first_then_die
    with pytest.raises(Killed):
        await machine.press(p, preview.buttons[0].id)
    cid = preview.buttons[0].id.split(":")[1]

    restarted = await machine.start()
    await recover(restarted)
    conf = await state_of(restarted, cid)
    assert conf.state == "done"
    [still_open] = await restarted.broker.positions()
    closed = ({a.ticket, b.ticket} - {still_open.ticket}).pop()
    assert tickets_of(conf) == [closed]
    [told] = machine.app.texts()
    assert f"#{closed}" in told
    assert f"#{still_open.ticket}: not found" in told


async def test_an_error_escaping_an_execution_starts_recovery_at_once(machine: Machine) -> None:
    """An error after the order left (a database write failing, say) leaves the row
    `executing` in a process that lives on: the executor starts the reconciler itself."""
    p = await machine.start()
    [preview] = await machine.say(p, "buy 0.01 gold")
    cid = preview.buttons[0].id.split(":")[1]
    status, _conf = await p.store.claim(
        cid, platform="telegram", chat_id=TRADER, user_id=TRADER, now=machine.world.clock.now()
    )
    assert status == "ok"
    executor = p.conv.flow.executor

    async def execute_then_fail() -> None:
        with executor.working_on(cid):
            await p.broker.open_market("XAUUSD", "buy", 0.01, comment=order_comment(cid, 0))
            raise RuntimeError("database is locked")

    with pytest.raises(RuntimeError):
        await execute_then_fail()
    assert p.reconciler.running
    await p.reconciler.wait()
    conf = await state_of(p, cid)
    assert conf.state == "done"
    [told] = machine.app.texts()
    assert f"#{tickets_of(conf)[0]}" in told


async def test_pressing_an_interrupted_confirmation_again_looks_it_up(machine: Machine) -> None:
    first = await machine.start()
    [preview] = await machine.say(first, "buy 0.01 gold")
    first.api.hooks["order_send"] = CrashDuringSend(reached=True)
    with pytest.raises(Killed):
        await machine.press(first, preview.buttons[0].id)
    restarted = await machine.start()  # its start-up pass has not run yet
    [again] = await machine.press(restarted, preview.buttons[0].id)
    assert "already handled" in again.text  # never a second order …
    assert restarted.reconciler.running  # … and the lookup has started
    await restarted.reconciler.wait()
    [told] = machine.app.texts()
    [pos] = await restarted.broker.positions()
    assert f"#{pos.ticket}" in told
    assert restarted.api.requests == []


# --------------------------------------------------------------------------- unknown outcomes


def connection_lost(*, reached: bool) -> Callable[..., Any]:
    """`order_send` whose connection drops after (or before) the terminal executed."""

    def send(real: Any, *args: Any, **kwargs: Any) -> Any:
        if reached:
            real(*args, **kwargs)
        raise ConnectionResetError("connection reset by peer")

    return send


async def unknown_then_terminal_back(machine: Machine, *, reached: bool) -> Confirmation:
    p = await machine.start()
    [preview] = await machine.say(p, "buy 0.01 gold")
    p.api.hooks["order_send"] = connection_lost(reached=reached)
    [answer] = await machine.press(p, preview.buttons[0].id)
    p.api.hooks.clear()
    conf = await state_of(p, preview.buttons[0].id.split(":")[1])
    assert conf.state == "unknown", answer.text
    assert not p.broker.connected  # the send lost the terminal

    async def no_wait(_seconds: float) -> None:
        return None

    supervisor = Supervisor(p.broker, sleep=no_wait, on_reconnect=p.reconciler.terminal_up)
    await supervisor.check()  # reconnects; on_reconnect starts the lookup
    assert p.reconciler.running
    await p.reconciler.wait()
    return await state_of(p, conf.id)


async def test_an_unknown_outcome_found_when_the_terminal_is_back_is_done_and_told(
    machine: Machine,
) -> None:
    conf = await unknown_then_terminal_back(machine, reached=True)
    assert conf.state == "done"
    [told] = machine.app.texts()
    assert "outcome was unknown" in told
    assert f"#{tickets_of(conf)[0]}" in told
    assert len(machine.world.terminal.positions_get() or ()) == 1  # one order, not resent
    await recover(await machine.start())
    assert len(machine.app.sent) == 1  # a later start does not tell it again


async def test_an_unknown_outcome_not_found_stays_unknown_and_nobody_is_told(
    machine: Machine,
) -> None:
    conf = await unknown_then_terminal_back(machine, reached=False)
    assert conf.state == "unknown"  # the owner still has the check-again button
    assert machine.app.sent == []
