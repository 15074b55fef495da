"""Broker errors: an error class (what to do about it) and a `Note` (what happened, as a key and
its facts — never a sentence). `handlers/broker_text.py` words the note for people;
`str(exc)` is a compact line for the operator's log (`lookup_failed(what=read_account, …)`).

Only `TemporaryBrokerError` is worth retrying; everything else is told to the user.
"""

from __future__ import annotations

from broker.models import Note


class BrokerError(Exception):
    def __init__(self, note: Note, code: int | None = None) -> None:
        super().__init__(note)
        self.note = note
        self.code = code  # the MT5 retcode or last_error() code behind it, when there is one

    def __str__(self) -> str:
        line = log_line(self.note)
        return line if self.code is None else f"{line} [code {self.code}]"


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

    Raised while the app is being built, before any broker exists; the message, for the
    operator starting the app (not a chat user), says what to install or change."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def log_line(note: Note) -> str:
    """`note` as one line for a log: its key, then its facts (nested notes the same way)."""
    if not note.facts:
        return note.key
    facts = ", ".join(f"{k}={_fact(v)}" for k, v in note.facts.items())
    return f"{note.key}({facts})"


def _fact(value: object) -> str:
    return log_line(value) if isinstance(value, Note) else repr(value)
