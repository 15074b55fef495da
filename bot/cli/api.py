"""`tradechat api`: the gateway alone (no chat platform, no scheduler): the broker, the
supervisor that watches the terminal, and the REST + WebSocket API on `[api] listen_host:
listen_port`. No chat platform runs here, so the previews of confirm = "chat" tokens are
queued in the database (the outbox) for a `tradechat run` on the same database to deliver;
its chats take the owner's ✅."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from bot.build import build_app, close_app, setup_logging
from bot.cli.startup import where_line
from bot.logs import close_logging
from bot.settings import ConfigError, Settings
from store.migrations import MigrationError

log = logging.getLogger("tradechat")


async def run_api(settings: Settings, *, settings_file: Path | None = None) -> int:
    setup_logging(settings, "api")
    log.info("%s", where_line(settings, settings_file))
    try:
        app = await build_app(settings)
    except (MigrationError, OSError) as exc:
        log.error("cannot start: %s", exc)
        close_logging()
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl+C is KeyboardInterrupt
            loop.add_signal_handler(sig, stop.set)
    from bot.api.server import start_gateway
    from bot.build import queue_previews

    queue_previews(app, "api")

    server = None
    try:
        server = await start_gateway(app)
        app.reconciler.start()
        app.supervisor.start()
        await stop.wait()
    except ConfigError as exc:
        log.error("cannot start the gateway: %s", exc)
        return 2
    finally:
        if server is not None:
            await server.stop()
        await close_app(app)
        log.info("gateway stopped")
        close_logging()
    return 0
