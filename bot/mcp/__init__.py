"""The MCP server for AI assistants (docs/mcp.md): read tools, and trade proposals that execute
only after the owner's ✅ in chat. Assembled here from the composition root's parts.

- `tradechat mcp` (stdio): started by a desktop assistant as a subprocess. It runs no chat
  platform (the bot's own process, `tradechat run`, holds them), so a proposal's preview goes
  through the outbox and the running bot delivers it (handlers/outbox.py); the ✅ reaches the
  running bot, which finds the confirmation in the same database.
- `tradechat mcp --http`: the same over streamable HTTP behind the gateway's tokens, alone.
- `[mcp] enabled = true`: HTTP served inside `tradechat run`, where previews go straight to
  the chats.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from bot.api.auth import Principal, RateLimit, TokenRegistry
from bot.api.jobs import JobRunner
from bot.build import App
from bot.mcp.service import Caller, McpService
from bot.settings import Settings
from nlp.aliases import SymbolAliases
from store.jobs import JobStore

if TYPE_CHECKING:  # the HTTP side loads uvicorn and the SDK only when it serves
    from bot.mcp.http import McpHttpServer


def _version() -> str:
    try:
        return version("tradechat")
    except PackageNotFoundError:
        return "unknown"


def stdio_owner(settings: Settings) -> tuple[str, str] | None:
    """`[mcp] owner`, else the first admin in `[[users]]`."""
    if settings.mcp.owner is not None:
        return settings.mcp.owner.platform, settings.mcp.owner.id
    admin = next((u for u in settings.users if u.role == "admin"), None)
    return None if admin is None else (admin.platform, admin.id)


def stdio_caller(settings: Settings) -> Caller:
    principal = Principal(
        name="stdio",
        scopes=frozenset(settings.mcp.stdio_scopes),
        confirm="chat",
        owner=stdio_owner(settings),
    )
    return Caller(principal, "stdio")


def mcp_service(app: App, *, queued: bool) -> McpService:
    aliases = SymbolAliases(app.settings.symbols.aliases)
    jobs = JobRunner(JobStore(app.db), app.reports, keep_days=app.settings.api.jobs_keep_days)
    return McpService(
        broker=app.broker,
        reports=app.reports,
        proposals=app.proposals,
        jobs=jobs,
        trail=app.conversation.trail,
        read_only=app.conversation.flow.risk.read_only,
        aliases=aliases,
        market=app.conversation.parts.market,
        queued_delivery=queued,
        clock=app.conversation.clock,
    )


def http_tokens(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> tuple[TokenRegistry, RateLimit]:
    api = settings.api
    tokens = TokenRegistry.from_settings(api, os.environ if environ is None else environ)
    return tokens, RateLimit(api.requests_per_minute, api.burst)


__all__ = [
    "Caller",
    "McpService",
    "_version",
    "http_tokens",
    "mcp_service",
    "start_mcp_http",
    "stdio_caller",
    "stdio_owner",
]


async def start_mcp_http(app: App) -> McpHttpServer | None:
    """The MCP server over HTTP inside `tradechat run`, when `[mcp] enabled = true`: its
    proposals reach the owners through the platforms this process runs."""
    if not app.settings.mcp.enabled:
        return None
    from bot.mcp.http import build_http, http_bind_settings

    tokens, limit = http_tokens(app.settings)
    bind = http_bind_settings(app.settings.mcp, app.settings.api)
    server = build_http(mcp_service(app, queued=False), tokens, limit, bind, version=_version())
    await server.start()
    return server
