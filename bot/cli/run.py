"""`tradechat run`: every configured platform and the scheduler in one process. When stdin is
a terminal the console platform opens too, so it works with no tokens at all.

Before it runs, `bot/cli/__init__.py` has refused a missing settings file and what
`check-config` finds; here a database that cannot be migrated or reached is refused with one
line (exit 2), and the log says where the settings and the data folder are."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.build import (
    App,
    build_app,
    close_app,
    make_platforms,
    setup_logging,
    sync_robot_subscriptions,
)
from bot.cli.startup import where_line

if TYPE_CHECKING:
    from bot.api.server import GatewayServer
    from bot.mcp.http import McpHttpServer
from bot.logs import close_logging
from bot.platforms.base import Platform
from bot.settings import Settings
from store.migrations import MigrationError

log = logging.getLogger("tradechat")


async def run_app(settings: Settings, *, settings_file: Path | None = None) -> int:
    setup_logging(settings)
    log.info("%s", where_line(settings, settings_file))
    try:
        app = await build_app(settings)
    except (MigrationError, OSError) as exc:  # a database newer than this code, or unreachable
        log.error("cannot start: %s", exc)
        close_logging()
        return 2
    stop = asyncio.Event()
    _stop_on_signals(stop.set)
    started: list[Platform] = []
    gateway: GatewayServer | None = None
    assistants: McpHttpServer | None = None
    try:
        # inside the try: a refused listener (ConfigError) still closes what build_app opened
        app.platforms = make_platforms(app, request_stop=stop.set)
        started = await _start_platforms(app)
        # after the platforms: the owners of trades a crash interrupted are told the outcome
        app.reconciler.start()
        await sync_robot_subscriptions(app)
        app.scheduler.start()
        app.supervisor.start()
        gateway = await _start_gateway(app)
        if settings.mcp.enabled:  # MCP over HTTP, here; its proposals reach these chats
            from bot.mcp import start_mcp_http

            assistants = await start_mcp_http(app)
        names = ", ".join(p.name for p in started) or "none"
        log.info("tradechat running (broker: %s; platforms: %s)", settings.broker.kind, names)
        if not started and gateway is None and assistants is None:
            log.warning(
                "no chat platform is configured and stdin is not a terminal: nothing to do. "
                "Set a Telegram token (see README) or run `tradechat chat`."
            )
            return 1
        await stop.wait()
    finally:
        if assistants is not None:
            await assistants.stop()
        if gateway is not None:
            await gateway.stop()
        await _stop_platforms(started)
        await close_app(app)
        log.info("tradechat stopped")
        close_logging()
    return 0


async def _start_gateway(app: App) -> GatewayServer | None:
    """The REST + WebSocket gateway, when `[api] enabled = true` (bot/api/, docs/gateway.md);
    its proposals reach the owners through the platforms started above."""
    if not app.settings.api.enabled:
        return None
    from bot.api.server import start_gateway  # only a process that serves it loads FastAPI

    return await start_gateway(app, deals_by_scheduler=app.settings.alerts.push_new_deals)


def _stop_on_signals(stop: Callable[[], None]) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows
            loop.add_signal_handler(sig, stop)


async def _start_platforms(app: App) -> list[Platform]:
    """Start each platform; one that does not start is logged and the others go on. Started
    platforms join the fan-out, so pushes can reach them."""
    started: list[Platform] = []
    for p in app.platforms:
        try:
            await p.start()
        except Exception:
            log.exception("%s did not start; the other platforms go on", p.name)
            continue
        app.fanout.add(p)
        started.append(p)
        log.info("%s started", p.name)
    return started


async def _stop_platforms(started: list[Platform]) -> None:
    for p in reversed(started):
        try:
            await p.stop()
        except Exception:
            log.exception("error while stopping %s", p.name)
