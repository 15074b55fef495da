"""Serving the gateway inside our event loop: `uvicorn.Server(config).serve()` as a task, its
signal handlers off (the process — `tradechat run` or `tradechat api` — owns SIGINT/SIGTERM and
stops the gateway with everything else).

`build_gateway(app)` assembles the gateway from the composition root's parts (the broker, the
trading service and proposals, the conversation's audit trail, the report service, the deal
watcher); `GatewayServer.start()` refuses a bind that would expose tokens (a non-loopback host
without TLS, unless listed in `allow_plain_http_on`) and returns once the socket listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import uvicorn

from bot.api.app import Gateway, create_app
from bot.api.auth import RateLimit, TokenRegistry
from bot.api.jobs import JobRunner
from bot.api.ws import Hub
from bot.build import App
from bot.settings import ConfigError, bind_problem
from broker.remote.signing import Verifier
from store.idempotency import IdempotencyStore
from store.jobs import JobStore

log = logging.getLogger("tradechat.api")


def _version() -> str:
    try:
        return version("tradechat")
    except PackageNotFoundError:
        return "unknown"


def build_gateway(
    app: App, *, environ: Mapping[str, str] | None = None, deals_by_scheduler: bool = False
) -> Gateway:
    """The gateway over `app`'s parts. `deals_by_scheduler`: the scheduler's deals job runs
    the deal watcher (and tells the gateway's listener); otherwise the WebSocket feeder looks
    for new deals itself while someone listens to trades (without pushing them to chats)."""
    api = app.settings.api
    env = os.environ if environ is None else environ
    tokens = TokenRegistry.from_settings(api, env)
    if not tokens.principals:
        log.warning("the gateway has no enabled token: every request but /health gets 401")
    limit = RateLimit(api.requests_per_minute, api.burst)
    pushes = app.pushes

    async def poll_deals() -> object:
        return await pushes.new_deals(fan_out=False)

    hub = Hub(
        app.broker,
        tokens,
        limit,
        queue_size=api.ws_queue_size,
        ping_timeout_s=api.ws_ping_timeout_s,
        tick_interval_s=api.ws_tick_interval_s,
        account_interval_s=api.ws_account_interval_s,
        max_clients=api.ws_max_clients,
        poll_deals=None if deals_by_scheduler else poll_deals,
        trail=app.conversation.trail,
    )
    pushes.deal_listeners.append(hub.new_deals)
    return Gateway(
        broker=app.broker,
        trading=app.trading,
        proposals=app.proposals,
        trail=app.conversation.trail,
        tokens=tokens,
        limit=limit,
        keys=IdempotencyStore(app.db),
        jobs=JobRunner(JobStore(app.db), app.reports, keep_days=api.jobs_keep_days),
        hub=hub,
        version=_version(),
        magic=app.settings.broker.magic,
        deviation=app.settings.broker.deviation_points,
        market=app.conversation.parts.market,
        user_clock=app.reports.user_clock(),
        # the remote broker's endpoints (bot/api/broker_routes.py): who signs with what
        signing_secrets={
            e.name: env[e.signing_secret_env]
            for e in api.tokens
            if e.signing_secret_env and env.get(e.signing_secret_env)
        },
        verifier=Verifier(api.signature_max_age_s),
    )


class _InOurLoop(uvicorn.Server):
    """uvicorn without its signal handlers: our process owns the signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class GatewayServer:
    def __init__(self, gateway: Gateway, app: App) -> None:
        self.gateway = gateway
        self.settings = app.settings.api
        self.db = app.db
        self._server: _InOurLoop | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        """The port it listens on (the configured one, or the one the OS chose for 0)."""
        if self._server is not None and self._server.servers:
            sockets = self._server.servers[0].sockets
            if sockets:
                return int(sockets[0].getsockname()[1])
        return self.settings.listen_port

    def config(self) -> uvicorn.Config:
        s = self.settings
        extra: dict[str, Any] = {}
        if s.ssl_certfile and s.ssl_keyfile:
            extra.update(ssl_certfile=s.ssl_certfile, ssl_keyfile=s.ssl_keyfile)
        return uvicorn.Config(
            create_app(self.gateway),
            host=s.listen_host,
            port=s.listen_port,
            log_config=None,  # our logging (bot/logs.py), with its secret redaction
            # uvicorn's info lines name WebSocket paths with their ?token=…: warnings only;
            # every request and connection is in the audit log instead, by the token's name
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="websockets-sansio",  # the websockets library's current (non-legacy) core
            ws_ping_interval=max(1.0, s.ws_ping_timeout_s / 2),
            ws_ping_timeout=s.ws_ping_timeout_s,
            server_header=False,
            **extra,
        )

    async def start(self) -> None:
        problem = bind_problem(self.settings)
        if problem:
            raise ConfigError(problem)
        await self.gateway.jobs.open()
        self._server = _InOurLoop(self.config())
        self._task = asyncio.create_task(self._server.serve(), name="gateway")
        while not self._server.started:
            if self._task.done():  # the bind failed (port taken …): say why, once
                exc = self._task.exception()
                raise ConfigError(
                    f"the gateway could not listen on {self.settings.listen_host}:"
                    f"{self.settings.listen_port}: {exc or 'uvicorn stopped'}"
                )
            await asyncio.sleep(0.01)
        scheme = "https" if self.settings.ssl_certfile else "http"
        log.info(
            "gateway listening on %s://%s:%d (tokens: %s)",
            scheme,
            self.settings.listen_host,
            self.port,
            ", ".join(self.gateway.tokens.names) or "none",
        )

    async def stop(self) -> None:
        await self.gateway.hub.close()
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, SystemExit):
                await self._task
        await self.gateway.jobs.close()


async def start_gateway(app: App, *, deals_by_scheduler: bool = False) -> GatewayServer:
    """Build and start the gateway over `app`; the caller stops it (`await server.stop()`)."""
    server = GatewayServer(build_gateway(app, deals_by_scheduler=deals_by_scheduler), app)
    await server.start()
    return server
