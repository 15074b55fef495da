"""The embedded paper terminal: an object with the MetaTrader5 Python API.

    term = open_paper_terminal(Path("data/paper.sqlite"))
    term.initialize()
    term.order_send({"action": term.TRADE_ACTION_DEAL, "symbol": "EURUSD", ...})

`MT5Broker` runs against it unchanged; nothing outside the app factory knows it is paper.

Rooms, each building on the one before: `ledger.py` (the account's books: positions, orders,
deals, money, fills) → `triggers.py` (lazy events: swaps, expiry, pending fills, SL/TP,
stop-out) → `orders.py` (the trade server's rules) → `controls.py` (simulation controls) →
`terminal.py` (the MetaTrader5 API surface). `store.py` persists, `bars.py` samples bars,
`groups.py` matches group masks, `demo.py` seeds EA history.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from broker.paper.constants import MT5Constants
from broker.paper.specs import SPECS, Spec
from broker.paper.structs import StructSeq
from broker.paper.terminal import PaperTerminal, group_matches

__all__ = [
    "SPECS",
    "MT5Constants",
    "PaperTerminal",
    "Spec",
    "StructSeq",
    "group_matches",
    "open_paper_terminal",
]


def open_paper_terminal(
    path: Path,
    *,
    seed: int = 7,
    balance: float = 10_000.0,
    leverage: int = 100,
    hedging: bool = True,
    server_utc_offset_hours: int = 2,
    demo_history_days: int = 0,
    suffix: str = "",
) -> PaperTerminal:
    """The paper terminal stored at `path`; a new account gets `demo_history_days` of EA
    history (an existing account is resumed as it was, whatever the other arguments say).
    Opening is exclusive (`_first_open`): of processes starting at once on a new account, one
    creates and seeds it and the others resume it."""
    with _first_open(path):
        is_new = not path.exists()
        term = PaperTerminal(
            path,
            seed=seed,
            balance=balance,
            leverage=leverage,
            hedging=hedging,
            server_utc_offset_hours=server_utc_offset_hours,
            suffix=suffix,
        )
        if is_new and demo_history_days > 0:
            from broker.paper.demo import seed_demo_history

            seed_demo_history(term, days=demo_history_days, seed=seed)
    return term


@contextmanager
def _first_open(path: Path) -> Iterator[None]:
    """Held while an account file is opened (created, seeded): an exclusive transaction on a
    small SQLite file beside it, a lock between processes and threads on any OS. Without it,
    starts racing on a new account create its tables and first deals twice and fail."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = sqlite3.connect(path.with_name(path.name + ".lock"), timeout=120, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            lock.execute("COMMIT")
    finally:
        lock.close()
