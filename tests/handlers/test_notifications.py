"""Pushes with a default audience: a fresh install whose settings list one admin warns that
admin about the margin level without any /subscribe; an explicit /unsubscribe is remembered and
wins; `[notifications]` says who else receives what; /subscriptions shows the state of a chat;
the first answer a listed user gets says in one line how to change it.

The app is built as `tradechat run` builds it (`bot.build.build_app`) on the paper terminal,
driven with its simulation controls. The chat platforms are fakes at the platform boundary
(`Platform.send`, one attempt), joined to the real fan-out as `tradechat run` joins the ones
that started."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.build import App, build_app, close_app, make_audience, private_chat
from bot.settings import Settings
from handlers.messages import Incoming, Outgoing, PlatformCaps
from handlers.subscriptions import Audience, Member, NotificationPolicy
from store.subscriptions import SubscriptionStore

ADMIN = "42"
WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=UTC).timestamp()  # markets open


class FakePlatform:
    """A chat app at the boundary: records every message it is asked to send."""

    caps = PlatformCaps(buttons="native", max_text=4096, image_mode="bytes", push="always")

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[tuple[str, Outgoing]] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, chat_id: str, out: Outgoing) -> None:
        self.sent.append((chat_id, out))


def _settings(tmp_path: Path, users: list[dict[str, Any]], **sections: Any) -> Settings:
    return Settings(
        app={"data_dir": tmp_path},
        broker={"paper": {"demo_history_days": 0}},
        users=users,
        **sections,
    )


@pytest.fixture
async def fresh(tmp_path: Path) -> AsyncIterator[tuple[App, FakePlatform]]:
    """A fresh install: settings list one admin on Telegram; nobody ever sent /subscribe."""
    app = await build_app(
        _settings(tmp_path, [{"platform": "telegram", "id": ADMIN, "role": "admin"}])
    )
    telegram = FakePlatform("telegram")
    app.fanout.add(telegram)  # type: ignore[arg-type]
    app.broker.api.set_clock(lambda: WEDNESDAY)
    try:
        yield app, telegram
    finally:
        await close_app(app)


def _buy_gold(app: App, lots: float) -> None:
    term = app.broker.api
    term.set_price("XAUUSD", 2650.0)
    info = term.symbol_info("XAUUSD")
    filling = term.ORDER_FILLING_FOK if info.filling_mode & 1 else term.ORDER_FILLING_IOC
    res = term.order_send(
        {
            "action": term.TRADE_ACTION_DEAL,
            "symbol": "XAUUSD",
            "volume": lots,
            "type": term.ORDER_TYPE_BUY,
            "type_filling": filling,
        }
    )
    assert res.retcode == term.TRADE_RETCODE_DONE, res


def _alerts(platform: FakePlatform) -> list[tuple[str, str]]:
    return [(chat, out.text) for chat, out in platform.sent if "150%" in out.text]


async def _say(app: App, text: str, user: str = ADMIN, **kw: Any) -> list[Outgoing]:
    inc = Incoming(platform="telegram", chat_id=kw.pop("chat", user), user_id=user, text=text, **kw)
    return await app.conversation.handle(inc)


async def test_fresh_install_warns_the_listed_admin_of_the_margin_level_without_subscribing(
    fresh: tuple[App, FakePlatform],
) -> None:
    app, telegram = fresh
    assert await SubscriptionStore(app.db).list_for_kind("alerts") == []  # nobody subscribed
    _buy_gold(app, 2.0)  # margin 5,300 on 10,000: a margin level near 190 %
    await app.pushes.snapshot()
    assert _alerts(telegram) == []
    app.broker.api.set_price("XAUUSD", 2630.0)  # -4,000: equity 6,000, level near 115 %
    await app.pushes.snapshot()
    [(chat, text)] = _alerts(telegram)
    assert chat == ADMIN  # the admin's private chat (Telegram: their user id)
    assert "保证金比例" in text
    assert "低于提醒线 150%" in text
    # the console user is an admin too, but no console runs here: nothing was tried there
    events = [e.event for e in await app.audit.entries()]
    assert "push_failed" not in events
    # the same fall is a drawdown of 40 % of the day's equity: that alert reached them too
    assert [chat for chat, _ in telegram.sent] == [ADMIN, ADMIN]
    assert "净值较今日开始下跌" in telegram.sent[1][1].text
    assert events.count("push") == 2


async def test_an_explicit_unsubscribe_of_alerts_is_remembered_and_beats_the_default(
    fresh: tuple[App, FakePlatform], tmp_path: Path
) -> None:
    app, telegram = fresh
    [shown] = await _say(app, "/subscriptions")
    assert "风险提醒：默认开启" in shown.text
    [out] = await _say(app, "/unsubscribe alerts")
    assert "已取消风险提醒" in out.text
    [shown] = await _say(app, "我的订阅")
    assert "🚫 风险提醒：已退订" in shown.text
    _buy_gold(app, 2.0)
    app.broker.api.set_price("XAUUSD", 2630.0)
    await app.pushes.snapshot()
    assert _alerts(telegram) == []
    # remembered in the database: a new process on it still leaves the admin alone
    second = await build_app(app.settings)
    try:
        recipients = await second.pushes.recipients("alerts")
        assert [(s.platform, s.chat_id) for s in recipients] == []
        # and /subscribe alerts turns them on again
        await second.conversation.handle(
            Incoming(platform="telegram", chat_id=ADMIN, user_id=ADMIN, text="订阅提醒")
        )
        second.fanout.add(FakePlatform("telegram"))  # type: ignore[arg-type]
        recipients = await second.pushes.recipients("alerts")
        assert [(s.platform, s.chat_id) for s in recipients] == [("telegram", ADMIN)]
    finally:
        await close_app(second)


async def test_the_console_user_gets_alerts_when_run_has_a_console(
    fresh: tuple[App, FakePlatform],
) -> None:
    app, telegram = fresh
    console = FakePlatform("console")
    app.fanout.add(console)  # type: ignore[arg-type]
    n = await app.pushes.alert("terminal_up", "alert_terminal_up")
    assert n == 2
    assert [chat for chat, _ in console.sent] == ["local"]
    assert [chat for chat, _ in telegram.sent] == [ADMIN]


async def test_the_first_answer_of_a_listed_user_says_how_to_change_their_notifications(
    fresh: tuple[App, FakePlatform],
) -> None:
    app, _ = fresh
    [first] = await _say(app, "余额")
    assert "余额" in first.text
    last_line = first.text.splitlines()[-1]
    assert last_line.startswith("🔔 风险提醒")
    assert "取消订阅提醒" in last_line
    [second] = await _say(app, "余额")
    assert "🔔" not in second.text  # once per user
    # a stranger is told nothing of the sort
    assert await _say(app, "hello", user="999") == [
        Outgoing("Sorry, you are not authorised.", lang="en", kind="error")
    ]


async def test_help_explains_what_this_user_receives(fresh: tuple[App, FakePlatform]) -> None:
    app, _ = fresh
    await _say(app, "余额")  # the first-message line is not what this test reads
    [helped] = await _say(app, "/help")
    assert "🔔 推送" in helped.text
    assert "风险提醒（保证金、回撤、终端断线）会默认私聊发给你" in helped.text


# ---- who receives what, by [notifications] -------------------------------------------------------


async def _audience(tmp_path: Path, users: list[dict[str, Any]], **notifications: Any) -> Audience:
    from store.db import Database

    settings = _settings(tmp_path, users, notifications=notifications)
    db = await Database.open(settings.database_url)
    return make_audience(settings, db)


USERS = [
    {"platform": "telegram", "id": "1", "role": "admin"},
    {"platform": "qq", "id": "1", "role": "admin"},
    {"platform": "telegram", "id": "2", "role": "trader"},
    {"platform": "qq", "id": "3", "role": "viewer"},
]


async def test_alerts_reach_admins_on_every_platform_they_are_listed_on(tmp_path: Path) -> None:
    aud = await _audience(tmp_path, USERS)
    try:
        got = {(s.platform, s.chat_id) for s in await aud.recipients("alerts")}
        # QQ's private chats are "private:<qq>"; the console user is an admin as well
        assert got == {("telegram", "1"), ("qq", "private:1"), ("console", "local")}
        assert await aud.recipients("daily") == []  # reports are opt-in by default
    finally:
        await aud.store.db.close()


async def test_alerts_to_traders_adds_the_traders(tmp_path: Path) -> None:
    aud = await _audience(tmp_path, USERS, alerts_to_traders=True)
    try:
        got = {(s.platform, s.chat_id) for s in await aud.recipients("alerts")}
        assert ("telegram", "2") in got
        assert ("qq", "private:3") not in got  # a viewer gets alerts only by subscribing
    finally:
        await aud.store.db.close()


async def test_reports_opt_out_per_platform_reach_every_listed_user_there(tmp_path: Path) -> None:
    aud = await _audience(tmp_path, USERS, reports_by_platform={"qq": "opt_out"})
    try:
        daily = {(s.platform, s.chat_id) for s in await aud.recipients("daily")}
        assert daily == {("qq", "private:1"), ("qq", "private:3")}
        await aud.store.refuse("qq", "private:3", "daily")
        daily = {(s.platform, s.chat_id) for s in await aud.recipients("daily")}
        assert daily == {("qq", "private:1")}
    finally:
        await aud.store.db.close()


async def test_alerts_to_admins_false_leaves_only_subscribers(tmp_path: Path) -> None:
    aud = await _audience(tmp_path, USERS, alerts_to_admins=False)
    try:
        assert await aud.recipients("alerts") == []
        await aud.store.add("telegram", "-100", "alerts", "en")  # a group subscribed
        [sub] = await aud.recipients("alerts")
        assert (sub.platform, sub.chat_id, sub.lang) == ("telegram", "-100", "en")
    finally:
        await aud.store.db.close()


async def test_default_recipients_are_left_out_on_platforms_that_are_not_running(
    tmp_path: Path,
) -> None:
    aud = await _audience(tmp_path, USERS)
    try:
        running = Audience(
            aud.store, aud.policy, aud.members, running=lambda platform: platform == "qq"
        )
        await aud.store.add("telegram", "-100", "alerts")
        got = {(s.platform, s.chat_id) for s in await running.recipients("alerts")}
        # explicit subscriptions are always tried (and audited when the platform is away)
        assert got == {("qq", "private:1"), ("telegram", "-100")}
    finally:
        await aud.store.db.close()


async def test_a_default_recipient_gets_the_language_they_chose(tmp_path: Path) -> None:
    from store.prefs import PrefsStore

    aud = await _audience(tmp_path, USERS)
    try:
        await PrefsStore(aud.store.db).set_user_lang("telegram", "1", "en")
        langs = {(s.platform, s.chat_id): s.lang for s in await aud.recipients("alerts")}
        assert langs[("telegram", "1")] == "en"
        assert langs[("qq", "private:1")] == "zh"  # [app] language
    finally:
        await aud.store.db.close()


def test_private_chats_are_spelled_as_each_platform_spells_them() -> None:
    assert private_chat("telegram", "42") == "42"
    assert private_chat("qq", "42") == "private:42"
    assert private_chat("wecom", "zhang") == "zhang"
    assert private_chat("console", "local") == "local"


def test_the_policy_gives_admins_alerts_and_opt_out_platforms_reports() -> None:
    policy = NotificationPolicy(reports_by_platform={"telegram": "opt_out"})
    assert policy.default_kinds("qq", "admin") == {"alerts"}
    assert policy.default_kinds("qq", "trader") == set()
    assert policy.default_kinds("telegram", "viewer") == {"daily", "weekly", "monthly", "hedge"}
    assert "alerts" in policy.default_kinds("telegram", "admin")
    assert Member("qq", "1", "admin", "private:1").chat_id == "private:1"


def test_settings_file_defaults_match_the_safe_defaults() -> None:
    from bot.settings import load_settings

    n = load_settings(Path(__file__).parents[2] / "settings.toml").notifications
    assert (n.alerts_to_admins, n.alerts_to_traders, n.reports_default) == (True, False, "opt_in")
    assert n.reports_by_platform == {}


async def test_a_process_that_pushes_nothing_to_the_console_does_not_promise_it(
    tmp_path: Path,
) -> None:
    # `tradechat chat`: the console answers, but no fan-out carries pushes to it
    app = await build_app(_settings(tmp_path, []))
    try:
        assert app.pushes.audience is app.conversation.audience  # one audience per process
        inc = Incoming(platform="console", chat_id="local", user_id="local", text="余额")
        [first] = await app.conversation.handle(inc)
        assert "🔔" not in first.text
        app.fanout.add(FakePlatform("console"))  # type: ignore[arg-type]  # `run` with a console
        [later] = await app.conversation.handle(inc)
        assert later.text.splitlines()[-1].startswith("🔔 风险提醒")
    finally:
        await close_app(app)
