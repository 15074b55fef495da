"""Loads the object with the MetaTrader5 API: the only module that imports MetaTrader5/mt5linux.

`load_api_module("MetaTrader5")` is the real package (Windows); any other importable module
with the same functions will do. `mt5linux_connector(host, port)` gives a function that builds
a fresh `mt5linux.MetaTrader5` client, called on every (re)connection. Both raise
`BrokerSetupError` with a plain message saying what to install when the package is missing.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

from broker.errors import BrokerSetupError


def load_api_module(name: str) -> Any:
    """The module called `name` (normally "MetaTrader5")."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        if name == "MetaTrader5":
            where = (
                "install it with: pip install MetaTrader5"
                if sys.platform == "win32"
                else "it is only available on Windows"
            )
            raise BrokerSetupError(
                f'[broker] kind = "mt5" needs the MetaTrader5 package, but {where}. '
                'On Linux or macOS use kind = "mt5linux" with an mt5linux server next to a '
                'terminal under Wine, or kind = "paper" to try the bot without a terminal.'
            ) from None
        raise BrokerSetupError(
            f'[broker] api_module = "{name}" cannot be imported ({exc}). '
            'It must name a module with the MetaTrader5 API (normally "MetaTrader5").'
        ) from None


def mt5linux_connector(host: str, port: int) -> Callable[[], Any]:
    """A function that builds an mt5linux client for the server at `host:port`."""
    try:
        import mt5linux
    except ImportError:
        raise BrokerSetupError(
            '[broker] kind = "mt5linux" needs the mt5linux package: pip install mt5linux '
            "(and an mt5linux server running next to the terminal: "
            "python -m mt5linux <path to python.exe under Wine>)."
        ) from None
    client_cls = mt5linux.MetaTrader5

    def connect() -> Any:
        # A new client per (re)connection: an rpyc connection does not survive its server.
        return client_cls(host=host, port=port)

    return connect
