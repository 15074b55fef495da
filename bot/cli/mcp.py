"""`tradechat mcp [--http]`: the MCP server alone (docs/mcp.md).

stdio (the default) is what a desktop assistant starts as a subprocess: MCP frames on stdout,
logs on stderr and in `<data_dir>/logs/mcp.log`. No chat platform runs here — `tradechat run`
holds them — so proposals' previews are queued for the running bot to deliver (the outbox),
and the owner's ✅ reaches that bot. `--http` serves streamable HTTP on `[mcp] listen_host:
listen_port` behind the gateway's tokens, also without chats.
"""

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

log = logging.getLogger("tradechat.mcp")


async def run_mcp(settings: Settings, *, http: bool, settings_file: Path | None = None) -> int:
    setup_logging(settings, "mcp")
    log.info("%s", where_line(settings, settings_file))
    try:
        app = await build_app(settings)
    except (MigrationError, OSError) as exc:
        log.error("cannot start: %s", exc)
        close_logging()
        return 2
    from bot.build import queue_previews
    from bot.mcp import _version, mcp_service, stdio_caller

    queue_previews(app, "mcp")
    service = mcp_service(app, queued=True)
    app.supervisor.start()
    try:
        if http:
            return await _serve_http(app.settings, service)
        caller = stdio_caller(settings)
        if caller.principal.owner is None:
            log.warning("no [mcp] owner and no admin in [[users]]: the read tools only")
        from bot.mcp.server import build_server

        await build_server(service, stdio_caller=caller, version=_version()).run_stdio_async()
        return 0
    except ConfigError as exc:
        log.error("cannot start the MCP server: %s", exc)
        return 2
    finally:
        await service.jobs.close()
        await close_app(app)
        log.info("MCP server stopped")
        close_logging()


async def _serve_http(settings: Settings, service: object) -> int:
    from bot.mcp import _version, http_tokens
    from bot.mcp.http import build_http, http_bind_settings
    from bot.mcp.service import McpService

    assert isinstance(service, McpService)  # noqa: S101 - run_mcp passes it
    tokens, limit = http_tokens(settings)
    bind = http_bind_settings(settings.mcp, settings.api)
    server = build_http(service, tokens, limit, bind, version=_version())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await server.start()
    try:
        await stop.wait()
    finally:
        await server.stop()
    return 0
