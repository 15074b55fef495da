"""Builds the one `MT5Broker` from settings: the only place that knows which terminal it is.

`[broker] kind` picks the object with the MetaTrader5 API: "paper" (the embedded paper terminal),
"mt5" (the module named by `api_module`, normally `MetaTrader5`, Windows only) or "mt5linux"
(an `mt5linux.MetaTrader5(host, port)` client). No `if paper:` exists anywhere else.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

from bot.settings import ConfigError, Settings, secret
from broker.mt5 import MT5Broker


def make_broker(settings: Settings, *, clock: Callable[[], float] | None = None) -> MT5Broker:
    """The broker for `settings` (not yet connected: `await broker.connect()`).

    Raises `ConfigError` with a plain message when the configured API cannot be loaded."""
    b = settings.broker
    api: Any = None
    api_factory: Callable[[], Any] | None = None
    offset = b.server_utc_offset_hours
    login, password, server, path = b.login, None, b.server, b.terminal_path
    if b.kind == "paper":
        api = _paper_terminal(settings)
        if offset is None:
            offset = b.paper.server_utc_offset_hours
        login, server, path = 0, "", ""
    elif b.kind == "mt5":
        api = _import_mt5(b.api_module)
    elif b.kind == "mt5linux":
        api_factory = _mt5linux_factory(b.host, b.port)
    else:  # pragma: no cover - the settings model allows only the three kinds
        raise ConfigError(f'[broker] kind = "{b.kind}" is not one of "paper", "mt5", "mt5linux"')
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
    )


def _paper_terminal(settings: Settings) -> Any:
    from broker.paper import open_paper_terminal

    p = settings.broker.paper
    data_dir = settings.app.data_dir
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"[app] data_dir = {str(data_dir)!r} cannot be created: {exc}") from None
    kwargs: dict[str, Any] = {
        "seed": p.seed,
        "balance": p.balance,
        "leverage": p.leverage,
        "hedging": p.hedging,
        "server_utc_offset_hours": p.server_utc_offset_hours,
        "demo_history_days": p.demo_history_days,
    }
    return open_paper_terminal(data_dir / "paper.sqlite", **kwargs)


def _import_mt5(module_name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        if module_name == "MetaTrader5":
            where = (
                "install it with: pip install MetaTrader5"
                if sys.platform == "win32"
                else "it is only available on Windows"
            )
            raise ConfigError(
                f'[broker] kind = "mt5" needs the MetaTrader5 package, but {where}. '
                'On Linux or macOS use kind = "mt5linux" with an mt5linux server next to a '
                'terminal under Wine, or kind = "paper" to try the bot without a terminal.'
            ) from None
        raise ConfigError(
            f'[broker] api_module = "{module_name}" cannot be imported ({exc}). '
            'It must name a module with the MetaTrader5 API (normally "MetaTrader5").'
        ) from None


def _mt5linux_factory(host: str, port: int) -> Callable[[], Any]:
    try:
        module = importlib.import_module("mt5linux")
    except ImportError:
        raise ConfigError(
            '[broker] kind = "mt5linux" needs the mt5linux package: pip install mt5linux '
            "(and an mt5linux server running next to the terminal: "
            "python -m mt5linux <path to python.exe under Wine>)."
        ) from None
    client_cls = module.MetaTrader5

    def connect() -> Any:
        # A new client per (re)connection: an rpyc connection does not survive its server.
        return client_cls(host=host, port=port)

    return connect
