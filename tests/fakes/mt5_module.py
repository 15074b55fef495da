"""An importable module with the MetaTrader5 API, for settings with `[broker] kind = "mt5"` and
`api_module = "tests.fakes.mt5_module"`: the app loads it like the real package (the remote-API
boundary), and a test controls the terminal behind it.

Every function is the paper terminal's (`use(terminal)`), until `away()`: from then on every
call fails like a terminal whose process is gone (a dropped connection), until `back()`.
Constants stay readable while away, as the real module's do."""

from __future__ import annotations

from typing import Any

_terminal: Any = None
_away = False


def use(terminal: Any) -> None:
    global _terminal, _away
    _terminal, _away = terminal, False


def away() -> None:
    global _away
    _away = True


def back() -> None:
    global _away
    _away = False


def __getattr__(name: str) -> Any:
    if name.startswith("__") or _terminal is None:
        raise AttributeError(name)
    attr = getattr(_terminal, name)
    if not callable(attr):
        return attr

    def call(*args: Any, **kwargs: Any) -> Any:
        if _away:
            raise ConnectionResetError(f"{name}: the terminal is not running")
        return attr(*args, **kwargs)

    return call
