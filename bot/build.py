"""The composition root: every part of the process is built here, typed, in one place, and
passed down explicitly (no module-level singletons):

    settings → database (+ audit log) → broker (+ its account guard) → parser → reports
             → conversation → recovery
             → pushes (the fan-out) → scheduler → supervisor → platforms

`build_app` builds everything but the platforms (they need the running conversation, and each
command wants different ones): `tradechat run` adds every configured platform
(`make_platforms`), `tradechat chat` only the console; `tradechat report` and `parse` take the
few parts they need from `build_report_parts` and `make_parser`. `close_app` undoes
`build_app` in reverse.

The broker: `[broker] kind` picks the object with the MetaTrader5 API: "paper" (the embedded
paper terminal), "mt5" (the module named by `api_module`, normally `MetaTrader5`, Windows only)
or "mt5linux" (an `mt5linux.MetaTrader5(host, port)` client). No `if paper:` exists anywhere
else.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from bot.platforms import factories
from bot.platforms.base import Fanout, Platform, PlatformParts
from bot.settings import ConfigError, Settings, listener_problems, remote_problems, secret
from broker.base import Broker, ManagedBroker
from broker.errors import BrokerSetupError, TemporaryBrokerError
from broker.mt5 import MT5Broker
from broker.mt5.loader import load_api_module, mt5linux_connector
from broker.mt5.supervisor import Supervisor
from broker.paper import PaperTerminal
from broker.remote import RemoteBroker
from broker.remote.client import tls_context
from handlers.alerts import AlertConfig, PriceAlerts
from handlers.auth import UserRule
from handlers.config import (
    ConversationConfig,
    RiskLimits,
    TradeManagement,
    TradingConfig,
    TrailingConfig,
)
from handlers.conversation import Conversation, LogReader, build_conversation
from handlers.day_pnl import DayPnlTracker
from handlers.exposure import AccountGuard
from handlers.market import MarketConfig, MarketData
from handlers.messages import Pusher
from handlers.outbox import OutboxCourier, OutboxPusher
from handlers.proposals import Proposals
from handlers.pushes import Pushes
from handlers.recovery import Reconciler, build_reconciler
from handlers.report_service import ReportConfig, ReportService
from handlers.risk import DayPnl
from handlers.subscriptions import Audience, Member, NotificationPolicy
from handlers.trading_service import TradingService
from handlers.trailing import TrailingKeeper
from nlp.parser import IntentParser
from nlp.rules import RuleParser
from reports.hedge import HedgeRules
from scheduler import IntervalJob, ReportScheduler, SchedulerConfig
from store.alerts import AlertStore
from store.audit import AuditLog
from store.db import Database
from store.idempotency import IdempotencyStore
from store.outbox import OutboxStore
from store.prefs import PrefsStore
from store.proposals import ProposalStore
from store.snapshots import SnapshotStore
from store.subscriptions import KINDS, SubscriptionStore
from store.trailing import TrailingStore

log = logging.getLogger("tradechat")

EngineName = Literal["auto", "rules", "llm"]
# How often `tradechat run` looks for previews another process queued (handlers/outbox.py):
# an assistant's proposal reaches the chat within this many seconds.
OUTBOX_EVERY_S = 2.0
CONSOLE_USER = UserRule(platform="console", user_id="local", role="admin", name="local")

T = TypeVar("T")


@dataclass
class App:
    """Everything one process runs on, typed; built by `build_app`."""

    settings: Settings
    db: Database
    audit: AuditLog
    broker: ManagedBroker
    # The broker account's one trade lock: every mouth that confirms trades (chat, gateway,
    # MCP) must use this one, so their confirmations are checked against each other.
    guard: AccountGuard
    parser: IntentParser
    reports: ReportService
    conversation: Conversation
    fanout: Fanout
    pushes: Pushes
    scheduler: ReportScheduler
    supervisor: Supervisor
    # settles trades a crash left `executing`: started by `run` once the platforms are up,
    # and again by the terminal's return (through `pushes.terminal_up`)
    reconciler: Reconciler
    # trading for programs and orders they propose for a ✅ in chat (the gateway, MCP): the
    # conversation's own confirmation flow underneath (make_program_trading)
    trading: TradingService
    proposals: Proposals
    platforms: list[Platform] = field(default_factory=list)


def setup_logging(settings: Settings, command: str = "run", *, console: bool = True) -> None:
    """Logs to `<data_dir>/logs/` with rotation and to the console, with every secret the
    settings name redacted. One file per command: on Windows a file another process holds open
    cannot be rotated."""
    from bot.logs import log_file_path, secret_env_names, secret_values
    from bot.logs import setup_logging as configure

    a = settings.app
    name = "tradechat.log" if command == "run" else f"{command}.log"
    configure(
        level=a.log_level,
        log_file=log_file_path(a.data_dir, name),
        max_bytes=a.log_max_bytes,
        backup_count=a.log_backup_count,
        json_lines=a.log_json,
        secrets=secret_values(secret_env_names(settings)),
        console=console,
    )


# ---- the whole process ------------------------------------------------------------------------


async def open_database(settings: Settings) -> Database:
    """The database (`[database] url`, default a SQLite file under `[app] data_dir`)."""
    return await Database.open(settings.database_url)


async def build_app(settings: Settings) -> App:
    """Everything but the platforms, in dependency order; the broker is connected (or left to
    the supervisor when the terminal is not there yet). Used by `run`, `chat` and the tests."""
    settings.app.data_dir.mkdir(parents=True, exist_ok=True)
    db = await open_database(settings)
    audit = AuditLog(db)
    # a new paper account seeds its demo history here (seconds): off the event loop
    broker = await asyncio.to_thread(make_broker, settings)
    try:
        await broker.connect()
    except TemporaryBrokerError as exc:
        # the supervisor keeps trying; trading stays blocked until the terminal answers
        log.warning("trading terminal not reachable yet: %s", exc)
    guard = AccountGuard()  # one broker account, one lock (handlers/exposure.py)
    parser = make_parser(settings)
    reports = make_report_service(settings, broker, db)
    # the daily-loss limit's running figure: one per account, fed by the deal watcher below
    day_pnl = DayPnlTracker(reports)
    fanout = Fanout()
    # one audience for the pushes and for /subscriptions; defaults only on running platforms
    audience = make_audience(settings, db, running=fanout.platforms.__contains__)
    price_alerts = make_price_alerts(settings, broker, db, reports)
    conversation = make_conversation(
        settings,
        broker,
        parser,
        db,
        reports,
        audit=audit,
        guard=guard,
        audience=audience,
        logs=log_reader(settings),
        price_alerts=price_alerts,
        day_pnl=day_pnl,
    )
    reconciler = build_reconciler(conversation, fanout)
    pushes = make_pushes(
        settings,
        reports,
        db,
        broker,
        fanout,
        audit,
        audience=audience,
        on_terminal_up=reconciler.terminal_up,
    )
    if pushes.trailing is not None:  # read-only stops the trailing job's moves too
        pushes.trailing.paused = conversation.read_only
    pushes.on_deals = day_pnl.feed
    scheduler = make_scheduler(settings, pushes, price_alerts=price_alerts)
    supervisor = Supervisor(
        broker,
        interval_s=supervisor_interval(settings),
        on_disconnect=pushes.terminal_down,
        on_reconnect=pushes.terminal_up,
    )
    trading, proposals = make_program_trading(settings, conversation, fanout, db)
    # previews that `tradechat mcp` (no chats of its own) queued: delivered from here
    courier = OutboxCourier(OutboxStore(db), fanout, clock=conversation.clock)
    scheduler.interval_jobs.append(
        IntervalJob(courier.deliver_due, OUTBOX_EVERY_S, "outbox", "deliver queued previews")
    )
    return App(
        settings=settings,
        db=db,
        audit=audit,
        broker=broker,
        guard=guard,
        parser=parser,
        reports=reports,
        conversation=conversation,
        fanout=fanout,
        pushes=pushes,
        scheduler=scheduler,
        supervisor=supervisor,
        reconciler=reconciler,
        trading=trading,
        proposals=proposals,
    )


def queue_previews(app: App, source: str) -> None:
    """For a process that runs no chat (`tradechat api` alone, `tradechat mcp`): programs'
    proposals are queued in the outbox, and the `tradechat run` on the same database delivers
    them (handlers/outbox.py); the owner's ✅ then reaches that process."""
    app.proposals.pusher = OutboxPusher(
        OutboxStore(app.db), source=source, clock=app.conversation.clock
    )


def make_program_trading(
    settings: Settings, conversation: Conversation, pusher: Pusher, db: Database
) -> tuple[TradingService, Proposals]:
    """The trading service for programs and their chat proposals, over the conversation's
    own confirmation flow, audit trail and access list (no second brain)."""
    flow = conversation.flow
    trading = TradingService(
        flow,
        conversation.trail,
        IdempotencyStore(db),
        clock=conversation.clock,
        use_default_volume=False,  # a program says its volume; a default is a guessed trade
    )
    proposals = Proposals(
        flow=flow,
        trading=trading,
        store=ProposalStore(db),
        pusher=pusher,
        acl=conversation.acl,
        prefs=conversation.prefs,
        trail=conversation.trail,
        default_lang=settings.app.language,
        chat_of=private_chat,
        clock=conversation.clock,
    )
    return trading, proposals


def platform_parts(
    app: App, *, console: bool | None = None, request_stop: Callable[[], None] = lambda: None
) -> PlatformParts:
    """What every platform factory gets: the conversation, the allow-list of [[users]], the
    audit log (for what adapters refuse themselves) and the database (replay protection)."""
    listed = {(u.platform, str(u.id)) for u in app.settings.users}
    return PlatformParts(
        handle=app.conversation.handle,
        listed=lambda platform, user_id: (platform, user_id) in listed,
        request_stop=request_stop,
        console=console,
        audit=app.audit.record,
        db=app.db,
    )


def make_platforms(
    app: App, *, console: bool | None = None, request_stop: Callable[[], None] = lambda: None
) -> list[Platform]:
    """Every registered platform that its settings switch on (bot/platforms/__init__.py),
    talking to `app.conversation`. `console`: see `PlatformParts.console`.

    Raises `ConfigError` (naming each key and environment variable) when a listener or
    connection would run without its secret: `listener_problems`, as `check-config` says."""
    problems = listener_problems(app.settings)
    if problems:
        raise ConfigError("\n".join(problems))
    parts = platform_parts(app, console=console, request_stop=request_stop)
    found = (create(parts, app.settings) for create in factories())
    return [p for p in found if p is not None]


async def close_app(app: App) -> None:
    """Undo `build_app`, last part first; one failing step does not keep the others open."""
    steps: list[Callable[[], Awaitable[None]]] = [
        app.reconciler.stop,
        app.supervisor.stop,
        app.scheduler.shutdown,
        app.broker.close,
        app.db.close,
    ]
    for step in steps:
        try:
            await step()
        except Exception:
            log.exception("error while stopping")


async def sync_robot_subscriptions(app: App) -> None:
    """Nobody chats from a WeCom group robot, so its subscriptions come from settings:
    `[wecom] robot_reports`, applied at every start (removed kinds are unsubscribed)."""
    # imported here: only a process that runs platforms loads aiohttp.web
    from bot.platforms.wecom import ROBOT_CHAT

    settings = app.settings
    wanted = set(settings.wecom.robot_reports) if "wecom" in app.fanout.platforms else set()
    if wanted and not secret(settings.wecom.robot_webhook_env):
        log.warning(
            "[wecom] robot_reports is set but %s holds no webhook URL",
            settings.wecom.robot_webhook_env,
        )
        wanted = set()
    store = SubscriptionStore(app.db)
    for kind in KINDS:
        if kind in wanted:
            await store.add("wecom", ROBOT_CHAT, kind, settings.app.language)
        else:
            await store.remove("wecom", ROBOT_CHAT, kind)


# ---- `tradechat report` -------------------------------------------------------------------


@dataclass
class ReportParts:
    """What the report command needs: no parser, conversation, scheduler or platforms. The
    broker is not connected yet (the command says why when it cannot be)."""

    db: Database
    broker: ManagedBroker
    reports: ReportService

    async def close(self) -> None:
        await self.broker.close()
        await self.db.close()


async def build_report_parts(settings: Settings) -> ReportParts:
    """Raises `ConfigError` when the broker cannot be built from the settings."""
    broker = await asyncio.to_thread(make_broker, settings)
    db = await open_database(settings)
    return ReportParts(db=db, broker=broker, reports=make_report_service(settings, broker, db))


# ---- the parser -------------------------------------------------------------------------------


def llm_configured(settings: Settings) -> bool:
    return bool(settings.llm.enabled and settings.llm.base_url and settings.llm.model)


def make_parser(settings: Settings, engine: EngineName | None = None) -> IntentParser:
    """Rules always, the LLM when enabled. `engine` overrides `[llm] engine` (the CLI's
    --engine). The openai package is imported only when an LLM is actually used, so rule-only
    start-up stays fast."""
    choice: EngineName = engine or settings.llm.engine
    aliases = dict(settings.symbols.aliases)
    rules = RuleParser(aliases)
    if choice == "rules" or not llm_configured(settings):
        return IntentParser(rules, None, "rules")
    from nlp.llm import LLMParser

    llm = LLMParser(
        base_url=settings.llm.base_url,
        model=settings.llm.model,
        # a local endpoint (Ollama, vLLM) needs no key; the client still wants a string
        api_key=secret(settings.llm.api_key_env) or "not-needed",
        timeout_s=settings.llm.timeout_s,
        aliases=aliases,
        response_format=settings.llm.response_format,
    )
    return IntentParser(
        rules,
        llm,
        choice,
        breaker_failures=settings.llm.breaker_failures,
        breaker_cooldown_s=settings.llm.breaker_cooldown_s,
    )


# ---- reports and the scheduler (the only place that reads [reports] and [alerts]) ------------


def report_config(settings: Settings) -> ReportConfig:
    r = settings.reports
    b = settings.broker
    offset = b.server_utc_offset_hours
    if offset is None and b.kind == "paper":
        offset = b.paper.server_utc_offset_hours
    return ReportConfig(
        timezone=r.timezone,
        server_utc_offset_hours=offset,
        day_starts_at=r.day_starts_at,
        charts=r.charts,
        hedge_rules=HedgeRules(margin_warn_level=settings.alerts.margin_level_below or 150.0),
        own_magic=b.magic,
    )


def scheduler_config(settings: Settings) -> SchedulerConfig:
    r = settings.reports
    a = settings.alerts
    return SchedulerConfig(
        daily_at=r.daily_at,
        weekly_day=r.weekly_day,
        weekly_at=r.weekly_at,
        monthly_at=r.monthly_at,
        charts=r.charts,
        catchup_grace_hours=float(r.catchup_grace_hours),
        # a run late by up to the catch-up grace still goes out (APScheduler's default is 1 s)
        misfire_grace_s=max(60, int(r.catchup_grace_hours * 3600)),
        snapshot_minutes=a.snapshot_minutes,
        margin_level_below=a.margin_level_below,
        drawdown_pct=a.drawdown_pct,
        push_new_deals=a.push_new_deals,
        deals_min_interval_s=a.deals_min_interval_s,
        price_alert_seconds=settings.price_alerts.check_seconds,
        trailing_interval_s=settings.trailing.interval_s,
    )


def make_report_service(
    settings: Settings,
    broker: ManagedBroker,
    db: Database,
    commentary: Callable[[str], Awaitable[str | None]] | None = None,
) -> ReportService:
    return ReportService(broker, db, report_config(settings), commentary=commentary)


def make_pushes(
    settings: Settings,
    report_service: ReportService,
    db: Database,
    broker: ManagedBroker,
    pusher: Pusher,
    audit: AuditLog,
    *,
    clock: Callable[[], datetime] | None = None,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    on_terminal_up: Callable[[], Awaitable[object]] | None = None,
    audience: Audience | None = None,
) -> Pushes:
    """What goes out (reports, alerts, deal notices), delivered through `pusher` to
    `audience` (default: `make_audience`). `clock` / `sleep` for tests; `on_terminal_up`: what
    else the terminal's return starts."""
    return Pushes(
        report_service,
        SubscriptionStore(db),
        SnapshotStore(db),
        broker,
        pusher,
        audit,
        scheduler_config(settings).push_config(),
        clock=clock,
        sleep=sleep,
        on_terminal_up=on_terminal_up,
        audience=audience if audience is not None else make_audience(settings, db),
        trailing=TrailingKeeper(broker, TrailingStore(db), clock=time.monotonic),
    )


# The chat id that reaches a user privately, per platform (as each adapter in bot/platforms/
# spells its private chats): QQ's are "private:<qq>", the others' are the user id itself.
_PRIVATE_CHAT_PREFIX = {"qq": "private:"}


def private_chat(platform: str, user_id: str) -> str:
    return _PRIVATE_CHAT_PREFIX.get(platform, "") + user_id


def notification_policy(settings: Settings) -> NotificationPolicy:
    n = settings.notifications
    return NotificationPolicy(
        alerts_to_admins=n.alerts_to_admins,
        alerts_to_traders=n.alerts_to_traders,
        reports_default=n.reports_default,
        reports_by_platform={str(k): v for k, v in n.reports_by_platform.items()},
    )


def make_audience(
    settings: Settings, db: Database, *, running: Callable[[str], bool] | None = None
) -> Audience:
    """Who receives pushes: subscribers and, by `[notifications]`, every listed user (the
    console user included) in their private chat. `running(platform)`: leave out default
    recipients on platforms that are not up."""
    members = [
        Member(u.platform, u.user_id, u.role, private_chat(u.platform, u.user_id), u.lang)
        for u in conversation_config(settings).users
    ]
    return Audience(
        SubscriptionStore(db),
        notification_policy(settings),
        members,
        prefs=PrefsStore(db),
        default_lang=settings.app.language,
        running=running,
    )


def make_scheduler(
    settings: Settings,
    pushes: Pushes,
    *,
    clock: Callable[[], datetime] | None = None,
    price_alerts: PriceAlerts | None = None,
) -> ReportScheduler:
    """When things go out: APScheduler jobs that each call into `pushes` once (and the
    price-alert check into `price_alerts`)."""
    return ReportScheduler(
        pushes, scheduler_config(settings), clock=clock, price_alerts=price_alerts
    )


# ---- price alerts (the only reader of [price_alerts]) ----------------------------------------


def make_price_alerts(
    settings: Settings,
    broker: Broker,
    db: Database,
    reports: ReportService | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
) -> PriceAlerts:
    """The alerts the conversation sets and the scheduler checks, on one store."""
    p = settings.price_alerts
    return PriceAlerts(
        broker,
        AlertStore(db),
        AlertConfig(per_user=p.per_user, max_distance_pct=p.max_distance_pct),
        clock or (lambda: datetime.now(UTC)),
        user_clock=None if reports is None else reports.user_clock,
    )


# ---- the conversation (the only reader of [users] [limits] [trading] [risk] [groups]) ------------


def conversation_config(settings: Settings) -> ConversationConfig:
    users = [
        UserRule(platform=u.platform, user_id=str(u.id), role=u.role, name=u.name, lang=u.lang)
        for u in settings.users
        if not (u.platform == "console" and str(u.id) == CONSOLE_USER.user_id)
    ]
    # The local console user is always an admin: whoever has the terminal has the machine.
    users.append(CONSOLE_USER)
    tr, rk = settings.trading, settings.risk
    return ConversationConfig(
        users=tuple(users),
        messages_per_minute=settings.limits.messages_per_minute,
        rate_exempt=frozenset({(CONSOLE_USER.platform, CONSOLE_USER.user_id)}),
        default_lang=settings.app.language,
        trading=TradingConfig(
            confirm_ttl_s=float(tr.confirm_ttl_s),
            use_default_volume=tr.use_default_volume,
            default_volume=tr.default_volume,
            max_price_drift_points=tr.max_price_drift_points,
            magic=settings.broker.magic,
        ),
        risk=RiskLimits(
            max_lots_per_order=rk.max_lots_per_order,
            max_total_lots_per_symbol=rk.max_total_lots_per_symbol,
            max_open_positions=rk.max_open_positions,
            allowed_symbols=frozenset(rk.allowed_symbols),
            max_daily_loss=rk.max_daily_loss,
            read_only=rk.read_only,
        ),
        trade=TradeManagement(
            breakeven_buffer_pips=settings.trade.breakeven_buffer_pips,
            max_risk_percent=settings.trade.max_risk_percent,
            pip_sizes=dict(settings.trade.pip_size),
        ),
        trading_rooms=frozenset(settings.groups.trading_rooms),
        trailing=trailing_config(settings),
    )


def trailing_config(settings: Settings) -> TrailingConfig:
    """[trailing]: trailing stops kept by the bot (handlers/trailing.py)."""
    tr = settings.trailing
    return TrailingConfig(
        step_pips=tr.step_pips,
        activation_pips=tr.activation_pips or None,
        interval_s=tr.interval_s,
        pip_sizes=dict(settings.trade.pip_size),
    )


def make_conversation(
    settings: Settings,
    broker: ManagedBroker,
    parser: IntentParser,
    db: Database,
    reports: ReportService | None,
    *,
    clock: Callable[[], datetime] | None = None,
    audit: AuditLog | None = None,
    guard: AccountGuard | None = None,
    audience: Audience | None = None,
    logs: LogReader | None = None,
    price_alerts: PriceAlerts | None = None,
    day_pnl: DayPnl | None = None,
) -> Conversation:
    extra = {} if clock is None else {"clock": clock}
    market = make_market(settings, broker, parser, reports)
    return build_conversation(
        broker=broker,
        parser=parser,
        db=db,
        config=conversation_config(settings),
        reports=reports,
        subscriptions=SubscriptionStore(db),
        symbol_aliases=dict(settings.symbols.aliases),
        audit=audit,
        guard=guard,
        audience=audience if audience is not None else make_audience(settings, db),
        logs=logs,
        price_alerts=price_alerts,
        market=market,
        day_pnl=day_pnl,
        **extra,
    )


# ---- market data (the only reader of [market]) -------------------------------------------------


def market_config(settings: Settings) -> MarketConfig:
    m = settings.market
    return MarketConfig(
        default_timeframe=m.default_timeframe,
        default_bars=m.chart_bars,
        levels_bars=m.levels_bars,
        max_bars=max(m.max_bars, m.chart_bars, m.levels_bars),
    )


def make_market(
    settings: Settings,
    broker: Broker,
    parser: IntentParser | None = None,
    reports: ReportService | None = None,
) -> MarketData:
    """Charts, indicators and key levels; the AI paragraph through the parser's LLM and its
    circuit breaker when one is in use and `[market] ai_commentary` is on."""
    commentary = None
    if settings.market.ai_commentary and parser is not None and parser.uses_llm and parser.llm:
        from nlp.llm import TextCompletion

        commentary = TextCompletion(parser.llm, parser.breaker)
    clock = reports.user_clock() if reports is not None else None
    return MarketData(broker, market_config(settings), commentary=commentary, clock=clock)


def log_reader(settings: Settings, file_name: str = "tradechat.log") -> LogReader:
    """/logs: the end of `run`'s log file (`<data_dir>/logs/`), read off the event loop."""
    from bot.logs import log_file_path, tail

    path = log_file_path(settings.app.data_dir, file_name)

    async def read(n: int) -> list[str]:
        try:
            return await asyncio.to_thread(tail, path, n)
        except FileNotFoundError:
            return []

    return read


# ---- the broker -------------------------------------------------------------------------------


def make_broker(settings: Settings, *, clock: Callable[[], float] | None = None) -> ManagedBroker:
    """The broker for `settings` (not yet connected: `await broker.connect()`).

    Raises `ConfigError` with a plain message when the configured API cannot be loaded."""
    b = settings.broker
    if b.kind == "remote":
        return make_remote_broker(settings)
    api: Any = None
    api_factory: Callable[[], Any] | None = None
    offset = b.server_utc_offset_hours
    login, password, server, path = b.login, None, b.server, b.terminal_path
    if b.kind == "paper":
        api = make_paper_terminal(settings)
        if offset is None:
            offset = b.paper.server_utc_offset_hours
        login, server, path = 0, "", ""
    elif b.kind == "mt5":
        api = _load(lambda: load_api_module(b.api_module))
    elif b.kind == "mt5linux":
        api_factory = _load(lambda: mt5linux_connector(b.host, b.port))
    else:  # pragma: no cover - the settings model allows only the four kinds
        raise ConfigError(
            f'[broker] kind = "{b.kind}" is not one of "paper", "mt5", "mt5linux", "remote"'
        )
    if login:
        password = secret(b.password_env)
    return MT5Broker(
        api,
        login=login,
        password=password,
        server=server,
        terminal_path=path,
        timeout_ms=b.timeout_ms,
        deviation=b.deviation_points,
        requote_retries=b.requote_retries,
        magic=b.magic,
        symbol_map=dict(b.symbol_map),
        server_utc_offset_hours=offset,
        clock=clock,
        api_factory=api_factory,
        query_deadline_s=b.query_deadline_s,
        trade_deadline_s=b.trade_deadline_s,
        snapshot_wait_s=b.snapshot_wait_s,
        snapshot_max_age_s=b.snapshot_max_age_s,
    )


# ---- [broker] kind = "remote": the terminal behind another tradechat's gateway ---------------


def make_remote_broker(settings: Settings) -> RemoteBroker:
    """`RemoteBroker` over `[broker] url`; its token and signing secret from the environment.
    Raises `ConfigError` with every reason it cannot work (as `check-config` says them)."""
    from bot.remote_ticks import WebSocketTicks

    b = settings.broker
    problems = remote_problems(b)
    if problems:
        raise ConfigError("\n".join(problems))
    token = secret(b.token_env) or ""
    tls = tls_context(b.verify_tls, b.ca_file)
    ticks = WebSocketTicks(b.url, token, tls=tls, open_timeout_s=b.connect_timeout_s)
    return RemoteBroker(
        b.url,
        token,
        signing_secret=secret(b.signing_secret_env),
        verify_tls=b.verify_tls,
        ca_file=b.ca_file,
        connect_timeout_s=b.connect_timeout_s,
        query_deadline_s=b.query_deadline_s,
        trade_deadline_s=b.trade_deadline_s,
        trade_retries=b.trade_retries,
        ticks=ticks if b.ticks_over_ws else None,
    )


def supervisor_interval(settings: Settings) -> float:
    """How often the supervisor pings: a gateway across the network has its own heartbeat
    setting (a lost link should block trading within seconds); a local terminal every 30 s."""
    b = settings.broker
    return b.heartbeat_s if b.kind == "remote" else 30.0


def make_paper_terminal(
    settings: Settings, *, demo_history_days: int | None = None
) -> PaperTerminal:
    """The paper account under `[app] data_dir`; a new one gets `demo_history_days` (default:
    `[broker.paper] demo_history_days`) of EA history. Also `tradechat demo-history`'s."""
    from broker.paper import open_paper_terminal

    p = settings.broker.paper
    data_dir = settings.app.data_dir
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"[app] data_dir = {str(data_dir)!r} cannot be created: {exc}") from None
    days = p.demo_history_days if demo_history_days is None else demo_history_days
    return open_paper_terminal(
        paper_path(settings),
        seed=p.seed,
        balance=p.balance,
        leverage=p.leverage,
        hedging=p.hedging,
        server_utc_offset_hours=p.server_utc_offset_hours,
        demo_history_days=days,
    )


def paper_path(settings: Settings) -> Path:
    return settings.app.data_dir / "paper.sqlite"


def _load(build: Callable[[], T]) -> T:
    """Runs a `broker.mt5.loader` function, its setup error told as a configuration error."""
    try:
        return build()
    except BrokerSetupError as exc:
        raise ConfigError(exc.message) from None
