"""The composition root: settings → database → broker → parser → reports → conversation →
platforms → scheduler, built once and passed down explicitly (no module-level singletons).

`tradechat run` starts every configured platform and the scheduler in one process; when stdin
is a terminal it also opens the console chat, so it works with no tokens at all."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.settings import Settings
from broker.errors import TemporaryBrokerError
from broker.supervisor import Supervisor
from handlers.messages import Incoming, Outgoing, PlatformCaps
from store.audit import AuditLog
from store.db import Database

log = logging.getLogger("tradechat")


class Platform(Protocol):
    name: str
    caps: PlatformCaps

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def send(self, chat_id: str, out: Outgoing) -> None: ...


class Fanout:
    """The one way a scheduled message reaches a chat: by platform name. A broken platform
    raises to the caller (the scheduler retries and audits); it never silences the others,
    because each push is its own call."""

    def __init__(self) -> None:
        self.platforms: dict[str, Platform] = {}

    def add(self, platform: Platform) -> None:
        self.platforms[platform.name] = platform

    async def push(self, platform: str, chat_id: str, out: Outgoing) -> None:
        target = self.platforms.get(platform)
        if target is None:
            raise LookupError(f"platform {platform!r} is not running")
        await target.send(chat_id, out)


@dataclass
class App:
    settings: Settings
    db: Database
    broker: Any
    conversation: Any
    reports: Any
    scheduler: Any
    supervisor: Supervisor
    fanout: Fanout
    audit: AuditLog
    platforms: list[Platform] = field(default_factory=list)


def setup_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.app.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs full request URLs, and Telegram's carry the bot token
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


async def build_app(settings: Settings) -> App:
    """Everything but the platforms, started: used by `run`, `chat` and the tests."""
    from bot.broker_factory import make_broker
    from bot.conversation_factory import make_conversation
    from bot.parser_factory import make_parser
    from bot.report_factory import make_report_service, make_scheduler

    settings.app.data_dir.mkdir(parents=True, exist_ok=True)
    db = await Database.open(settings.database_url)
    audit = AuditLog(db)
    # a new paper account seeds its demo history here (seconds): off the event loop
    broker = await asyncio.to_thread(make_broker, settings)
    try:
        await broker.connect()
    except TemporaryBrokerError as exc:
        # the supervisor keeps trying; trading stays blocked until the terminal answers
        log.warning("trading terminal not reachable yet: %s", exc)
    parser = make_parser(settings)
    reports = make_report_service(settings, broker, db)
    conversation = make_conversation(settings, broker, parser, db, reports)
    fanout = Fanout()
    scheduler = make_scheduler(settings, reports, db, broker, fanout, audit)
    supervisor = Supervisor(
        broker, on_disconnect=scheduler.on_terminal_down, on_reconnect=scheduler.on_terminal_up
    )
    return App(settings, db, broker, conversation, reports, scheduler, supervisor, fanout, audit)


def make_platforms(settings: Settings, app: App) -> list[Platform]:
    from bot.onebot import make_onebot
    from bot.telegram import make_telegram
    from bot.wecom import make_wecom

    handle = app.conversation.handle

    def listed(platform: str) -> Any:
        ids = {u.id for u in settings.users if u.platform == platform}
        return lambda user_id: str(user_id) in ids

    found: list[Platform | None] = [
        make_telegram(settings, handle, listed("telegram")),
        make_onebot(settings, handle, listed("qq")),
        make_wecom(settings, handle, listed("wecom")),
    ]
    return [p for p in found if p is not None]


async def close_app(app: App) -> None:
    for step in (app.supervisor.stop, app.scheduler.shutdown, app.broker.close, app.db.close):
        try:
            result = step()
            if asyncio.iscoroutine(result):
                await result
        except Exception:
            log.exception("error while stopping")


async def run_app(settings: Settings) -> int:
    setup_logging(settings)
    app = await build_app(settings)
    app.platforms = make_platforms(settings, app)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows
            loop.add_signal_handler(sig, stop.set)

    started: list[Platform] = []
    console_task: asyncio.Task[int] | None = None
    try:
        for p in app.platforms:
            try:
                await p.start()
            except Exception:
                log.exception("%s did not start; the other platforms go on", p.name)
                continue
            app.fanout.add(p)
            started.append(p)
            log.info("%s started", p.name)
        await sync_robot_subscriptions(settings, app)
        await _maybe_start(app.scheduler)
        app.supervisor.start()
        names = ", ".join(p.name for p in started) or "none"
        log.info("tradechat running (broker: %s; platforms: %s)", settings.broker.kind, names)
        if sys.stdin.isatty():
            from bot.console import console_loop

            console_task = asyncio.create_task(console_loop(app.conversation, settings))
            console_task.add_done_callback(lambda _t: stop.set())
        elif not started:
            log.warning(
                "no chat platform is configured and stdin is not a terminal: nothing to do. "
                "Set a Telegram token (see README) or run `tradechat chat`."
            )
            return 1
        await stop.wait()
    finally:
        if console_task is not None and not console_task.done():
            console_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await console_task
        for p in reversed(started):
            try:
                await p.stop()
            except Exception:
                log.exception("error while stopping %s", p.name)
        await close_app(app)
        log.info("tradechat stopped")
    return 0


async def sync_robot_subscriptions(settings: Settings, app: App) -> None:
    """Nobody chats from a WeCom group robot, so its subscriptions come from settings:
    `[wecom] robot_reports`, applied at every start (removed kinds are unsubscribed)."""
    from bot.settings import secret
    from bot.wecom import ROBOT_CHAT
    from store.subscriptions import KINDS, SubscriptionStore

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


async def _maybe_start(obj: Any) -> None:
    result = obj.start()
    if asyncio.iscoroutine(result):
        await result


async def handle_text(app: App, text: str, *, user: str = "local") -> list[Outgoing]:
    """Convenience for scripts and tests: one console message through the conversation."""
    out: list[Outgoing] = await app.conversation.handle(
        Incoming(platform="console", chat_id=user, user_id=user, text=text)
    )
    return out
