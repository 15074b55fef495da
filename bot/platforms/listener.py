"""The one way a platform listens for its app (QQ's reverse WebSocket, WeCom's callback):
an aiohttp web application served on a host and port, with the port it really got (port 0
in tests asks the OS for a free one). Owns `aiohttp.web` with the platforms that route on it."""

from __future__ import annotations

from aiohttp import web


async def serve(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Start `app` on `host:port`; the runner (to `cleanup()` on stop) and the bound port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = getattr(site, "_server", None)
    sockets = getattr(server, "sockets", None) or []
    return runner, (sockets[0].getsockname()[1] if sockets else port)
