"""The last answers to the account/positions/quote lookups, for when the terminal is busy.

While a trade call is stuck in the terminal, nothing else may call it (see `worker`), so a
balance question asked meanwhile is answered from the last answer to the same lookup, if it is younger
than `max_age_s`, and the answer says how old it is. Only callers that can *show* an older
answer opt in, with `accept_snapshots()`: the handlers' display queries do; the risk re-check
at ✅ and the order look-up after an unknown outcome do not, so a decision is never taken on
old figures (they get `TemporaryBrokerError` instead, as before).

The opt-in is a context variable, so it follows the asking task (and tasks it starts) and
never leaks into another user's request handled concurrently.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(slots=True)
class SnapshotUse:
    """What a block under `accept_snapshots()` was answered with: None = all fresh, else the
    age in seconds of the oldest snapshot answer used."""

    age_s: float | None = None

    def note(self, age_s: float) -> None:
        self.age_s = age_s if self.age_s is None else max(self.age_s, age_s)


_ACCEPTING: ContextVar[SnapshotUse | None] = ContextVar("mt5_snapshot_use", default=None)


@contextmanager
def accept_snapshots() -> Iterator[SnapshotUse]:
    """Within the block, lookups may be answered from a snapshot while the terminal is busy;
    the yielded record says whether one was, and how old it was."""
    use = SnapshotUse()
    token = _ACCEPTING.set(use)
    try:
        yield use
    finally:
        _ACCEPTING.reset(token)


def accepting() -> SnapshotUse | None:
    """The current task's opt-in record, or None when it needs fresh answers."""
    return _ACCEPTING.get()


class Snapshots:
    """Last answers by lookup key, stamped with `clock()`; thread-safe (written on the loop)."""

    def __init__(self, clock: Callable[[], float], max_age_s: float) -> None:
        self._clock = clock
        self.max_age_s = float(max_age_s)
        self._items: dict[Hashable, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def put(self, key: Hashable, value: object) -> None:
        with self._lock:
            self._items[key] = (self._clock(), value)

    def get(self, key: Hashable) -> tuple[object, float] | None:
        """(value, age in seconds) when there is one younger than `max_age_s`."""
        with self._lock:
            item = self._items.get(key)
        if item is None:
            return None
        age = max(0.0, self._clock() - item[0])
        return (item[1], age) if age <= self.max_age_s else None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
