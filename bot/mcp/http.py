"""The MCP server over streamable HTTP, with the gateway's tokens in front of the SDK.

Every request is checked before the SDK sees it, by the same `TokenRegistry` and `RateLimit`
the REST gateway uses (bot/api/auth.py): `Authorization: Bearer <token>` (or a JWT it
issued), the token's IP allow-list, and the per-token rate limit (429 + Retry-After). The
caller then rides on the request's ASGI state, where `CallerGate` (bot/mcp/server.py) reads
it. A bind that would send tokens in clear over a network is refused, as the gateway's is.

Served by uvicorn in our event loop without its signal handlers (our process owns them).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import uvicorn

from bot.api.auth import AuthError, RateLimit, TokenRegistry, retry_after_header
from bot.mcp.server import CALLER_STATE_KEY, build_server
from bot.mcp.service import Caller, McpService
from bot.settings import ApiSettings, ConfigError, McpSettings, bind_problem
from handlers.audit_trail import AuditTrail
from handlers.messages import Incoming

log = logging.getLogger("tradechat.mcp")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or []:
        if name.lower() == b"authorization":
            text = value.decode("latin-1").strip()
            kind, _, token = text.partition(" ")
            return token.strip() if kind.lower() == "bearer" and token.strip() else None
    return None


async def _refuse(send: Send, status: int, code: str, message: str, headers: list[Any]) -> None:
    body = json.dumps({"success": False, "error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


class TokenGate:
    """ASGI middleware: authenticates, limits and audits; passes the caller on."""

    def __init__(
        self, app: ASGIApp, tokens: TokenRegistry, limit: RateLimit, trail: AuditTrail
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.limit = limit
        self.trail = trail

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else None
        try:
            principal = self.tokens.authenticate(_bearer(scope), address)
        except AuthError as exc:
            await self._audit("mcp_refused", str(address), {"code": exc.code})
            extra = [(b"www-authenticate", b"Bearer")] if exc.status == 401 else []
            await _refuse(send, exc.status, exc.code, exc.message, extra)
            return
        wait = self.limit.take(principal.name)
        if wait > 0:
            await self._audit("mcp_refused", principal.name, {"code": "rate_limited"})
            header = [(b"retry-after", retry_after_header(wait).encode())]
            message = f"Too many requests for token {principal.name!r}; retry later."
            await _refuse(send, 429, "rate_limited", message, header)
            return
        scope.setdefault("state", {})[CALLER_STATE_KEY] = Caller(principal, principal.name)
        await self.app(scope, receive, send)

    async def _audit(self, event: str, who: str, detail: dict[str, Any]) -> None:
        inc = Incoming(platform="mcp", chat_id=who[:64], user_id=who[:64])
        await self.trail.about(event, inc, detail)


def http_bind_settings(mcp: McpSettings, api: ApiSettings) -> ApiSettings:
    """The gateway's bind rules, applied to the MCP listener's host and TLS files."""
    return api.model_copy(
        update={
            "listen_host": mcp.listen_host,
            "listen_port": mcp.listen_port,
            "ssl_certfile": mcp.ssl_certfile,
            "ssl_keyfile": mcp.ssl_keyfile,
            "allow_plain_http_on": mcp.allow_plain_http_on,
        }
    )


class _InOurLoop(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class McpHttpServer:
    def __init__(self, asgi: Any, session_run: Callable[[], Any], bind: ApiSettings) -> None:
        self.asgi = asgi
        self.session_run = session_run  # the SDK's session manager context (must be running)
        self.bind = bind
        self._server: _InOurLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._sessions: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    @property
    def port(self) -> int:
        if self._server is not None and self._server.servers:
            sockets = self._server.servers[0].sockets
            if sockets:
                return int(sockets[0].getsockname()[1])
        return self.bind.listen_port

    async def start(self) -> None:
        problem = bind_problem(self.bind)
        if problem:
            raise ConfigError(problem.replace("[api]", "[mcp]"))
        ready = asyncio.Event()
        self._sessions = asyncio.create_task(self._hold_sessions(ready), name="mcp-sessions")
        await ready.wait()
        b = self.bind
        extra: dict[str, Any] = {}
        if b.ssl_certfile and b.ssl_keyfile:
            extra.update(ssl_certfile=b.ssl_certfile, ssl_keyfile=b.ssl_keyfile)
        config = uvicorn.Config(
            self.asgi,
            host=b.listen_host,
            port=b.listen_port,
            log_config=None,
            access_log=False,
            lifespan="off",  # the session manager is entered above, not by Starlette
            server_header=False,
            **extra,
        )
        self._server = _InOurLoop(config)
        self._task = asyncio.create_task(self._server.serve(), name="mcp-http")
        while not self._server.started:
            if self._task.done():
                exc = self._task.exception()
                await self._end_sessions()
                raise ConfigError(
                    f"the MCP server could not listen on {b.listen_host}:{b.listen_port}: "
                    f"{exc or 'uvicorn stopped'}"
                )
            await asyncio.sleep(0.01)
        log.info("MCP (streamable HTTP) listening on %s:%d/mcp", b.listen_host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, SystemExit):
                await self._task
        await self._end_sessions()

    async def _hold_sessions(self, ready: asyncio.Event) -> None:
        """The SDK's session manager, entered and left in this one task (anyio's cancel
        scopes must be left in the task that entered them)."""
        async with self.session_run():
            ready.set()
            await self._stopping.wait()

    async def _end_sessions(self) -> None:
        self._stopping.set()
        if self._sessions is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._sessions


def build_http(
    service: McpService,
    tokens: TokenRegistry,
    limit: RateLimit,
    bind: ApiSettings,
    *,
    version: str = "",
) -> McpHttpServer:
    """The MCP server as an HTTP listener: the SDK's streamable-HTTP app at /mcp, behind the
    token gate. Its session manager runs while the listener does (`start` … `stop`)."""
    server = build_server(service, version=version)
    starlette = server.streamable_http_app(host=bind.listen_host)
    gate = TokenGate(starlette, tokens, limit, service.trail)
    return McpHttpServer(gate, server.session_manager.run, bind)
