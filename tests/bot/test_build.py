"""The composition root: building the app from settings, and what it derives from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.build import build_app, close_app, make_platforms, sync_robot_subscriptions
from bot.platforms.wecom import ROBOT_CHAT
from bot.settings import Settings
from store.subscriptions import SubscriptionStore
from tests.fakes.fake_wecom import AES_KEY, AGENT_ID, CORP_ID, SECRET, TOKEN


def _settings(tmp_path: Path, **wecom: object) -> Settings:
    return Settings(
        app={"data_dir": tmp_path},
        broker={"paper": {"demo_history_days": 0}},
        wecom={"enabled": True, "corp_id": CORP_ID, "agent_id": AGENT_ID, **wecom},
    )


@pytest.fixture
def wecom_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADECHAT_WECOM_SECRET", SECRET)
    monkeypatch.setenv("TRADECHAT_WECOM_TOKEN", TOKEN)
    monkeypatch.setenv("TRADECHAT_WECOM_AES_KEY", AES_KEY)
    monkeypatch.setenv("TRADECHAT_WECOM_ROBOT_WEBHOOK", "http://127.0.0.1:9/robot")


async def _robot_kinds(settings: Settings) -> list[str]:
    app = await build_app(settings)
    try:
        for p in make_platforms(app, console=False):
            app.fanout.add(p)  # not started: only its presence matters here
        await sync_robot_subscriptions(app)
        subs = await SubscriptionStore(app.db).list_for_chat("wecom", ROBOT_CHAT)
        return sorted(s.kind for s in subs)
    finally:
        await close_app(app)


async def test_group_robot_subscriptions_follow_settings_at_every_start(
    tmp_path: Path, wecom_env: None
) -> None:
    assert await _robot_kinds(_settings(tmp_path, robot_reports=["daily", "monthly"])) == [
        "daily",
        "monthly",
    ]
    # a later start with a shorter list unsubscribes what was dropped
    assert await _robot_kinds(_settings(tmp_path, robot_reports=["monthly"])) == ["monthly"]


async def test_group_robot_gets_nothing_without_its_webhook(
    tmp_path: Path, wecom_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRADECHAT_WECOM_ROBOT_WEBHOOK")
    assert await _robot_kinds(_settings(tmp_path, robot_reports=["daily"])) == []


async def test_build_app_shares_one_of_each_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.build import App

    monkeypatch.delenv("TRADECHAT_TELEGRAM_TOKEN", raising=False)
    settings = Settings(app={"data_dir": tmp_path}, broker={"paper": {"demo_history_days": 0}})
    app: App = await build_app(settings)
    try:
        # one broker, one database, one fan-out: every part gets the same ones
        assert app.conversation.broker is app.broker
        assert app.conversation.audit is app.audit
        assert app.audit.db is app.db
        assert app.conversation.reports is app.reports
        assert app.scheduler.pushes.pusher is app.fanout
        assert app.scheduler.pushes.broker is app.broker
        assert app.scheduler.pushes.audit is app.audit
        assert app.supervisor.broker is app.broker
        assert app.conversation.parser is app.parser
        # no chat app configured, no console asked for: no platform
        assert make_platforms(app, console=False) == []
        assert [p.name for p in make_platforms(app, console=True)] == ["console"]
    finally:
        await close_app(app)


def test_llm_settings_reach_the_parser_and_its_breaker(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.build import make_parser

    monkeypatch.setenv("TRADECHAT_LLM_API_KEY", "sk-test")
    settings = Settings(
        llm={
            "enabled": True,
            "base_url": "http://127.0.0.1:9/v1",
            "response_format": "json_object",
            "breaker_failures": 5,
            "breaker_cooldown_s": 12.5,
        }
    )
    parser = make_parser(settings)
    assert parser.llm is not None
    assert parser.llm.response_format == "json_object"
    assert parser.breaker.failures == 5
    assert parser.breaker.cooldown_s == 12.5


def test_rules_only_parser_has_no_llm_when_none_is_configured() -> None:
    from bot.build import make_parser

    parser = make_parser(Settings(llm={"enabled": False}))
    assert parser.llm is None


async def test_log_reader_reads_the_end_of_runs_log_file_and_nothing_when_absent(
    tmp_path: Path,
) -> None:
    from bot.build import log_reader

    settings = Settings(app={"data_dir": tmp_path})
    read = log_reader(settings)
    assert await read(5) == []
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "tradechat.log").write_text(
        "".join(f"l{i}\n" for i in range(10)), encoding="utf-8"
    )
    assert await read(2) == ["l8", "l9"]


async def test_the_conversation_and_the_scheduler_share_one_price_alert_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRADECHAT_TELEGRAM_TOKEN", raising=False)
    settings = Settings(
        app={"data_dir": tmp_path},
        broker={"paper": {"demo_history_days": 0}},
        price_alerts={"check_seconds": 30, "per_user": 5, "max_distance_pct": 20.0},
    )
    app = await build_app(settings)
    try:
        alerts = app.conversation.parts.price_alerts
        assert alerts is not None
        assert app.scheduler.price_alerts is alerts
        assert alerts.broker is app.broker
        assert alerts.store.db is app.db
        assert (alerts.config.per_user, alerts.config.max_distance_pct) == (5, 20.0)
        assert app.scheduler.config.price_alert_seconds == 30
    finally:
        await close_app(app)


async def test_trailing_stops_are_kept_on_the_apps_database_and_broker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRADECHAT_TELEGRAM_TOKEN", raising=False)
    settings = Settings(
        app={"data_dir": tmp_path},
        broker={"paper": {"demo_history_days": 0}},
        trailing={"step_pips": 2.5, "activation_pips": 0, "interval_s": 3},
    )
    app = await build_app(settings)
    try:
        planner = app.conversation.flow.planner.trailing
        assert planner is not None
        assert app.conversation.flow.executor.trailing is planner
        assert planner.config.step_pips == 2.5
        assert planner.config.activation_pips is None  # 0: the stop follows at once
        keeper = app.scheduler.pushes.trailing
        assert keeper is not None
        assert keeper.broker is app.broker
        assert keeper.store.db is app.db
        assert keeper.notify == app.scheduler.pushes.tell  # the owner is told through pushes
        assert keeper.paused == app.conversation.read_only  # read-only stops the moves
        assert app.scheduler.config.trailing_interval_s == 3
    finally:
        await close_app(app)
