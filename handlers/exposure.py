"""One account's trades, one at a time: the re-check of the risk limits at ✅ and the order
send run under the account's one lock, so confirmations made at the same moment are checked
against each other instead of each against the account as it was before either.

Without it two previews that each fit (two 0.6-lot EURUSD orders under
`max_total_lots_per_symbol = 1.0`) pressed at once both pass the re-check — each reads the
positions before the other's order exists — and both are sent. Under the lock the second
re-check runs after the first order is in the terminal and sees its position.

Why a lock and not a reservation. The alternative is to record the plan's exposure atomically
with the claim (pending → executing) and count the reservations of other executing
confirmations in every check. That holds across processes, but it doubles the bookkeeping
(a reservation released on every outcome, and kept while an outcome is unknown) and still
needs its own serialisation of "read the reservations, add mine". In one process the lock is
simpler and sufficient: every mouth — the chat today, the REST gateway and the MCP server
later — gets the one `AccountGuard` the composition root builds (bot/build.py) for its one
broker account, through `handlers.conversation.build_conversation(guard=...)`.

A second process trading the same account would need the serialisation to live where both
see it: a lock in the shared database held across the check and the send (PostgreSQL
`pg_advisory_xact_lock(<account login>)`, or SQLite `BEGIN IMMEDIATE` on a row per account),
or the reservation scheme above written in the claim's transaction.

What takes the lock: plans that add exposure (market and pending opens, `Plan.action ==
"open"`), the only ones the limits apply to. Closes, modifications and cancellations never wait
for it: they are never blocked by the limits, and what they do can only make a concurrent
open's check stricter than needed (it counted the position being closed), never looser. The
lock is fair (asyncio locks serve waiters in order), so confirmations execute in the order they
were pressed. A confirmation that waited is already claimed (nobody can press it twice), and its
price drift is checked after the wait, so a long wait gives a fresh preview, not a stale fill.

What the lock does not see: an order whose outcome is unknown (a lost reply, a deadline) and
that is not yet in the terminal's positions is not counted by the next re-check; the
reservation scheme would count it.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager, nullcontext

from handlers.plans import Plan


class AccountGuard:
    """The lock of one trading account, shared by everything in the process that trades on it.
    Enter `for_plan(plan)` around the re-check and the send of a confirmed plan."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    @staticmethod
    def adds_exposure(plan: Plan) -> bool:
        """Whether the risk limits apply to `plan`: only opens (market and pending) add
        positions or lots."""
        return plan.action == "open"

    def for_plan(self, plan: Plan) -> AbstractAsyncContextManager[None]:
        """The account lock for a plan that adds exposure; nothing to wait for otherwise."""
        if self.adds_exposure(plan):
            return self._lock
        return nullcontext()

    @property
    def busy(self) -> bool:
        """Some opening plan is being checked or sent right now."""
        return self._lock.locked()
