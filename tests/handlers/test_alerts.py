"""Price alerts: set in chat, refused with a reason, listed and removed with /alerts, pushed
exactly once when the market reaches them — also across a restart and with two checkers."""

from __future__ import annotations

import asyncio

import pytest

from broker.mt5 import MT5Broker
from broker.paper import PaperTerminal
from handlers.alerts import AlertConfig, Owner, PriceAlerts
from handlers.messages import Incoming, Outgoing
from handlers.pushes import PushConfig, Pushes
from handlers.report_service import ReportConfig, ReportService
from scheduler import ReportScheduler, SchedulerConfig
from store.alerts import AlertStore
from store.audit import AuditLog
from store.db import Database, sqlite_url
from store.snapshots import SnapshotStore
from store.subscriptions import SubscriptionStore
from tests.conftest import STRANGER, TRADER, VIEWER, ChatWorld, make_test_conversation
from tests.fakes.report_fixtures import RecordingPusher, no_sleep


def only_text(outs: list[Outgoing]) -> str:
    assert len(outs) == 1
    return str(outs[0].text)


def _pushes(world: ChatWorld, db: Database, broker: MT5Broker, pusher: RecordingPusher) -> Pushes:
    reports = ReportService(
        broker, db, ReportConfig(timezone="server", server_utc_offset_hours=2, charts=False)
    )
    return Pushes(
        reports, SubscriptionStore(db), SnapshotStore(db), broker, pusher, AuditLog(db),
        PushConfig(), clock=world.clock.now, sleep=no_sleep,
    )  # fmt: skip


def _alerts(world: ChatWorld, db: Database, broker: MT5Broker) -> PriceAlerts:
    return PriceAlerts(broker, AlertStore(db), AlertConfig(), world.clock.now)


async def test_an_alert_is_set_with_its_direction_from_the_market(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.00)
    up = only_text(await world.say("黄金到2700提醒我"))
    assert up.startswith("⏰ 提醒 #1 已设置：XAUUSD 涨到 2700.00 时通知你（现价 2650.00）")
    down = only_text(await world.say("/alert XAUUSD 2600"))
    assert "提醒 #2" in down
    assert "跌到 2600.00" in down
    listing = only_text(await world.say("/alerts"))
    assert "1. XAUUSD 涨到 2700.00" in listing
    assert "2. XAUUSD 跌到 2600.00" in listing
    assert "（2/20）" in listing


async def test_the_market_reaching_the_price_pushes_once_then_the_alert_is_gone(
    world: ChatWorld,
) -> None:
    world.terminal.set_price("XAUUSD", 2650.00)
    only_text(await world.say("alert me when gold hits 2700"))
    pusher = RecordingPusher()
    pushes = _pushes(world, world.db, world.broker, pusher)
    alerts = _alerts(world, world.db, world.broker)
    assert await alerts.check(pushes.deliver) == 0  # not there yet
    world.terminal.set_price("XAUUSD", 2701.30)
    assert await alerts.check(pushes.deliver) == 1
    assert await alerts.check(pushes.deliver) == 0  # gone: never twice
    assert len(pusher.sent) == 1
    platform, chat, out = pusher.sent[0]
    assert (platform, chat) == ("telegram", TRADER)
    text = str(getattr(out, "text", ""))
    assert text.startswith("🔔 Price alert: XAUUSD rises to 2700.00 (now 2701.30")
    assert "你还没有价格提醒" in only_text(await world.say("/alerts"))


async def test_two_checkers_at_once_push_one_alert_once(world: ChatWorld) -> None:
    world.terminal.set_price("EURUSD", 1.0850)
    only_text(await world.say("提醒我欧美跌破1.08"))
    world.terminal.set_price("EURUSD", 1.0790)
    pusher = RecordingPusher()
    a = _alerts(world, world.db, world.broker)
    b = _alerts(world, world.db, world.broker)
    pushes = _pushes(world, world.db, world.broker, pusher)
    fired = await asyncio.gather(a.check(pushes.deliver), b.check(pushes.deliver))
    assert sorted(fired) == [0, 1]
    assert len(pusher.sent) == 1


async def test_alerts_survive_a_restart_and_fire_once_from_the_new_process(
    world: ChatWorld,
) -> None:
    world.terminal.set_price("XAUUSD", 2650.00)
    only_text(await world.say("黄金到2700提醒我"))
    # the first process checks once (nothing crossed) and stops
    first = _pushes(world, world.db, world.broker, RecordingPusher())
    assert await _alerts(world, world.db, world.broker).check(first.deliver) == 0
    await world.db.close()
    # a new process: new database objects, a new terminal and broker over the same files
    clock = world.clock
    db = await Database.open(sqlite_url(world.db_path))
    terminal = PaperTerminal(None, seed=7, clock=clock.ts)
    broker = MT5Broker(terminal, server_utc_offset_hours=2, clock=clock.ts)
    await broker.connect()
    try:
        conv = await make_test_conversation(broker, db, clock)
        listed = await conv.handle(
            Incoming(platform="telegram", chat_id=TRADER, user_id=TRADER, text="/alerts")
        )
        assert "1. XAUUSD 涨到 2700.00" in only_text(listed)
        terminal.set_price("XAUUSD", 2702.00)
        pusher = RecordingPusher()
        pushes = _pushes(world, db, broker, pusher)
        alerts = _alerts(world, db, broker)
        assert await alerts.check(pushes.deliver) == 1
        assert await alerts.check(pushes.deliver) == 0
        assert len(pusher.sent) == 1
        assert (await AlertStore(db).active()) == []
    finally:
        await broker.close()
        await db.close()


async def test_a_claim_left_by_a_stopped_process_is_never_sent_again(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.00)
    only_text(await world.say("黄金到2700提醒我"))
    store = AlertStore(world.db)
    (alert,) = await store.active()
    assert await store.claim(alert.id, world.clock.now())  # the process stopped here
    assert not await store.claim(alert.id, world.clock.now())
    world.terminal.set_price("XAUUSD", 2705.00)
    pusher = RecordingPusher()
    pushes = _pushes(world, world.db, world.broker, pusher)
    assert await _alerts(world, world.db, world.broker).check(pushes.deliver) == 0
    assert pusher.sent == []
    assert await store.active() == []


async def test_a_viewer_may_set_an_alert_and_an_unlisted_user_may_not(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.00)
    assert "提醒 #1 已设置" in only_text(await world.say("黄金到2700提醒我", user=VIEWER))
    refused = await world.say("黄金到2700提醒我", user=STRANGER)
    assert [o.text for o in refused] == ["抱歉，你没有使用权限。"]
    assert [a.user_id for a in await AlertStore(world.db).active()] == [VIEWER]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("黄金到-5提醒我", "提醒价格必须大于 0"),
        ("/alert XAUUSD 0", "提醒价格必须大于 0"),
        ("黄金到265000提醒我", "XAUUSD 现价 2650.00，265000.00 离现价超过 50%"),
        ("黄金到26提醒我", "XAUUSD 现价 2650.00，26.00 离现价超过 50%"),
        ("黄金到2650提醒我", "XAUUSD 现价已经是 2650.00，不用提醒了"),
        ("/alert ETHUSD 3000", "无法为 ETHUSD 设置提醒"),
    ],
)
async def test_bad_alerts_get_a_clear_answer(world: ChatWorld, text: str, expected: str) -> None:
    world.terminal.set_price("XAUUSD", 2650.00)
    assert expected in only_text(await world.say(text))
    assert await AlertStore(world.db).active() == []


async def test_alerts_del_removes_the_numbered_one_and_the_limit_holds(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.00)
    for level in (2700, 2710, 2720):
        only_text(await world.say(f"/alert XAUUSD {level}"))
    assert "已删除提醒 #2：XAUUSD 涨到 2710.00" in only_text(await world.say("/alerts del 2"))
    listing = only_text(await world.say("我的提醒"))
    assert "1. XAUUSD 涨到 2700.00" in listing
    assert "2. XAUUSD 涨到 2720.00" in listing
    assert "没有第 5 个提醒" in only_text(await world.say("删除提醒 5"))
    # someone else's list is their own
    assert "你还没有价格提醒" in only_text(await world.say("/alerts", user=VIEWER))
    small = PriceAlerts(
        world.broker, AlertStore(world.db), AlertConfig(per_user=2), world.clock.now
    )
    answer = await small.create(Owner("telegram", TRADER, TRADER, "en"), "XAUUSD", 2800.0)
    assert not answer.ok
    assert answer.reason == "limit"
    assert "You have 2 alerts (the limit)" in answer.text


async def test_the_scheduler_job_checks_the_alerts_through_the_pushes(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.00)
    only_text(await world.say("黄金到2600提醒我"))
    world.terminal.set_price("XAUUSD", 2599.00)
    pusher = RecordingPusher()
    pushes = _pushes(world, world.db, world.broker, pusher)
    sched = ReportScheduler(
        pushes,
        SchedulerConfig(price_alert_seconds=15),
        price_alerts=_alerts(world, world.db, world.broker),
    )
    sched.start()
    try:
        assert sched.scheduler is not None
        job = sched.scheduler.get_job("price_alerts")
        assert job is not None
        assert job.trigger.interval.total_seconds() == 15
        assert await sched.check_price_alerts() == 1
    finally:
        await sched.shutdown()
    assert "已跌到 2600.00" in str(getattr(pusher.sent[0][2], "text", ""))


async def test_the_list_has_a_delete_button_per_alert_and_only_the_owner_can_press_it(
    world: ChatWorld,
) -> None:
    world.terminal.set_price("XAUUSD", 2650.00)
    for level in (2700, 2710):
        only_text(await world.say(f"/alert XAUUSD {level}"))
    (listing,) = await world.say("/alerts")
    assert [b.label for b in listing.buttons] == ["🗑 删除 #1", "🗑 删除 #2"]
    assert [b.reply_code for b in listing.buttons] == ["/alerts del 1", "/alerts del 2"]
    second = listing.buttons[1].id
    # someone else pressing it (a forwarded message, a group) removes nothing of theirs
    (other,) = await world.press(second, user=VIEWER)
    assert other.text.startswith("这个提醒已经不在了")
    assert len(await AlertStore(world.db).active()) == 2
    (done,) = await world.press(second, message_id="list-1")
    assert done.edit_of == "list-1"
    assert done.text.startswith("🗑 已删除提醒 #2：XAUUSD 涨到 2710.00")
    assert "1. XAUUSD 涨到 2700.00" in done.text
    assert [b.label for b in done.buttons] == ["🗑 删除 #1"]
