"""Broker errors: each carries a message for a person in English and Chinese.

Only `TemporaryBrokerError` is worth retrying; everything else is told to the user.
"""

from __future__ import annotations


class BrokerError(Exception):
    def __init__(self, message: str, message_zh: str | None = None, code: int | None = None):
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh or message
        self.code = code

    def text(self, lang: str) -> str:
        return self.message_zh if lang == "zh" else self.message


class TemporaryBrokerError(BrokerError):
    """Terminal away, no connection, timeout: retry with back-off."""


class SymbolNotFound(BrokerError):
    pass


class InvalidOrder(BrokerError):
    """Bad volume, stops, price, unknown ticket …: never retried."""


class InsufficientFunds(BrokerError):
    pass


class MarketClosed(BrokerError):
    pass


class BrokerSetupError(Exception):
    """The configured terminal API cannot be loaded (package missing, module not importable).

    Raised while the app is being built, before any broker exists; the message says what to
    install or change."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
