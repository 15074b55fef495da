"""Recovery: confirmations that a crash (kill -9, power loss) or an escaped error left
``executing`` are settled by looking their orders up in the terminal, and their owners are told
the outcome, in their chat and language. No order is ever sent here.

When: once at start, after the platforms started so that the owner can be told
(`Reconciler.start`, from bot/cli/run.py); every time the terminal comes back after an
outage (`Reconciler.terminal_up`, which `handlers/pushes.py: Pushes.terminal_up` calls for the
broker supervisor); and when an error escaped an execution in this process
(`Executor.on_interrupted`). All only wake one background loop; passes never overlap.

One pass:
1. owners of rows settled earlier whose message did not go out (a crash between settling and
   telling, or their platform was away) are told now, and the row is marked told — so a crash
   loop tells each owner once, and a message lost to a crash is told at the next start;
2. every ``executing`` row this process is not executing itself (`Executor.in_flight`) has
   each leg looked up by its idempotency comment ``tc:<id>.<leg>`` in positions, pending
   orders and the recent deal history — `Executor.find`, the lookup an uncertain send uses:
   - every leg found → ``done`` with the ticket(s);
   - the claim is `settle_s` old or older → ``done`` with the tickets found and the other
     legs told as not executed, or ``failed`` when nothing was found (the request never
     reached the server, or the server refused it);
   - a younger claim with a leg not found waits: a request that left just before the crash
     can still be on its way, so a later pass looks again once the claim is `settle_s` old;
   - the terminal is away → the row waits for the terminal (looked at every `retry_s`).
   Settling is one ``UPDATE … WHERE state='executing'``: of two passes (or processes) only
   one settles a row, and only that one tells its owner;
3. rows of the last two days whose outcome is ``unknown`` (the connection went during the
   send) have their uncertain legs looked up the same way: all found → ``done`` and the owner
   told; otherwise they stay unknown and the owner keeps the "check again" button.

Telling is at least once: a crash after the chat app accepted the message and before the row
is marked told repeats that one message at the next start (the window of one database write).
One process per database: rows another live process is executing would look interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from broker.errors import BrokerError
from handlers.audit_trail import AuditTrail
from handlers.conversation import Conversation
from handlers.execute import ExecOutcome, ExecState, Executor, LegOutcome, ok_line, order_comment
from handlers.format import lots as fmt_lots
from handlers.i18n import t
from handlers.messages import Lang, Outgoing, Pusher
from handlers.plans import Leg, Plan
from store.confirmations import RECOVERY_KEY, Confirmation, ConfirmationStore

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[Any]]

SETTLE_S = 60.0  # a request older than this that is nowhere in the terminal never arrived
RETRY_S = 30.0  # the next look when the terminal was away or a chat could not be reached
TELL_ATTEMPTS = 5  # per row and process; the next start tries again
PASS_ATTEMPTS = 5  # failing passes in a row before the loop waits for the next wake-up
_HISTORY_SLACK = timedelta(hours=1)  # terminal and server clocks disagree by a little
UNKNOWN_LOOKBACK = timedelta(days=2)  # unknown outcomes this recent are looked up again


@dataclass(slots=True)
class PassReport:
    """What one pass did: rows settled (by id), owners told, rows left ``executing``, and
    seconds until another pass can change something (None: nothing left to look at)."""

    settled: list[str] = field(default_factory=list)
    told: int = 0
    waiting: int = 0
    next_look_s: float | None = None

    def look_again(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.next_look_s = seconds if self.next_look_s is None else min(self.next_look_s, seconds)


class Reconciler:
    def __init__(
        self,
        *,
        store: ConfirmationStore,
        executor: Executor,
        pusher: Pusher,
        audit: AuditTrail,
        clock: Callable[[], datetime],
        settle_s: float = SETTLE_S,
        retry_s: float = RETRY_S,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.store = store
        self.executor = executor
        self.pusher = pusher
        self.audit = audit
        self.clock = clock
        self.settle_s = settle_s
        self.retry_s = retry_s
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._tell_failures: dict[str, int] = {}

    # ------------------------------------------------------------------ the loop

    def start(self) -> asyncio.Task[None]:
        """Passes in the background until nothing is left to look at; a running loop is only
        woken for a pass now."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._loop(), name="recovery")
        else:
            self._wake.set()
        return self._task

    async def terminal_up(self, health: object = None) -> None:
        """For the broker supervisor (through `Pushes.terminal_up`): the terminal is back, so
        look up what waited for it."""
        self.start()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def wait(self) -> None:
        """Until the running loop (if any) has nothing left to look at."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        failures = 0
        while True:
            self._wake.clear()
            try:
                report = await self.reconcile()
            except Exception:  # the database busy or away: look again, a few times
                log.exception("recovery pass failed")
                failures += 1
                if failures >= PASS_ATTEMPTS:
                    return  # the next start, terminal_up or interrupted send tries again
                await self._pause(self.retry_s)
                continue
            failures = 0
            if report.next_look_s is None:
                return
            await self._pause(report.next_look_s)

    async def _pause(self, seconds: float) -> None:
        """`sleep(seconds)`, cut short by `start` (the terminal came back)."""
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for f in (sleeper, waker):
                f.cancel()

    # ------------------------------------------------------------------ one pass

    async def reconcile(self) -> PassReport:
        """One pass (see the module docstring); passes never overlap."""
        async with self._lock:
            report = PassReport()
            for conf in await self.store.untold_recoveries():
                await self._tell(conf, report)
            for conf in await self.store.executing():
                if conf.id not in self.executor.in_flight:
                    await self._settle(conf, report)
            since = self.clock() - UNKNOWN_LOOKBACK
            for conf in await self.store.unknown_since(since):
                await self._settle_unknown(conf, report)
            return report

    async def _settle(self, conf: Confirmation, report: PassReport) -> None:
        try:
            plan = Plan.from_dict(conf.plan)
        except Exception:  # a plan this code cannot read: it cannot be looked up either
            log.exception("confirmation %s has an unreadable plan", conf.id)
            await self._finish(conf, ExecOutcome("unknown", []), report)
            return
        # the deal history from before the claim: a process that stayed down for days still
        # finds a position that was opened and has been closed meanwhile
        since = datetime.fromtimestamp(conf.updated_at, UTC) - _HISTORY_SLACK
        try:
            hits = [
                await self.executor.find(leg, order_comment(conf.id, i), since=since)
                for i, leg in enumerate(plan.legs)
            ]
        except BrokerError as exc:
            log.info("recovery of %s waits for the terminal: %s", conf.id, exc)
            report.waiting += 1
            report.look_again(self.retry_s)
            return
        age = self.clock().timestamp() - conf.updated_at
        if any(h is None for h in hits) and age < self.settle_s:
            report.waiting += 1
            report.look_again(self.settle_s - age)
            return
        legs = [
            _leg_outcome(i, leg, hit)
            for i, (leg, hit) in enumerate(zip(plan.legs, hits, strict=True))
        ]
        state: ExecState = "done" if any(o.ok for o in legs) else "failed"
        await self._finish(conf, ExecOutcome(state, legs), report)

    async def _settle_unknown(self, conf: Confirmation, report: PassReport) -> None:
        """An unknown outcome (the connection went during the send): once every uncertain leg
        is found it is ``done`` and its owner told; until then it stays unknown, and the owner
        keeps the "check again" button."""
        legs = [dict(o) for o in conf.result.get("legs", []) if isinstance(o, dict)]
        uncertain = [o for o in legs if o.get("uncertain")]
        try:
            plan = Plan.from_dict(conf.plan)
        except Exception:  # unreadable: the owner's own check says so
            return
        if not uncertain or any(int(o["index"]) >= len(plan.legs) for o in uncertain):
            return
        since = datetime.fromtimestamp(conf.created_at, UTC) - _HISTORY_SLACK
        try:
            for o in uncertain:
                i = int(o["index"])
                hit = await self.executor.find(plan.legs[i], order_comment(conf.id, i), since=since)
                if hit is None:
                    return
                o.update(ok=True, uncertain=False, ticket=hit[0], price=hit[1], volume=hit[2])
                o["found_later"] = True
        except BrokerError:
            report.look_again(self.retry_s)
            return
        result = {**conf.result, "state": "done", "legs": legs}
        await self._record_settled(conf, "done", result, report, came_from="unknown")

    async def _finish(self, conf: Confirmation, outcome: ExecOutcome, report: PassReport) -> None:
        await self._record_settled(
            conf, outcome.state, outcome.to_dict(), report, came_from="executing"
        )

    async def _record_settled(
        self,
        conf: Confirmation,
        state: ExecState,
        result: dict[str, Any],
        report: PassReport,
        *,
        came_from: str,
    ) -> None:
        now = self.clock()
        result[RECOVERY_KEY] = {"told": False, "at": now.timestamp(), "from": came_from}
        if came_from == "unknown":
            won = await self.store.settle_unknown(conf.id, state, result, now=now)
        else:
            won = await self.store.finish(conf.id, state, result, now=now)
        if not won:
            return  # settled meanwhile by someone else, who tells the owner
        report.settled.append(conf.id)
        legs = [o for o in result.get("legs", []) if isinstance(o, dict)]
        await self.audit.record(
            "recovered",
            platform=conf.platform,
            chat_id=conf.chat_id,
            user_id=conf.user_id,
            detail={
                "cid": conf.id,
                "from": came_from,
                "state": state,
                "tickets": [o.get("ticket") for o in legs if o.get("ok")],
            },
        )
        settled = await self.store.get(conf.id)
        if settled is not None:
            await self._tell(settled, report)

    async def _tell(self, conf: Confirmation, report: PassReport) -> None:
        failures = self._tell_failures.get(conf.id, 0)
        if failures >= TELL_ATTEMPTS:
            return
        out = recovery_message(conf)
        try:
            await self.pusher.push(conf.platform, conf.chat_id, out)
        except Exception as exc:  # a chat that cannot be reached never stops the others
            self._tell_failures[conf.id] = failures + 1
            await self.audit.record(
                "push_failed",
                platform=conf.platform,
                chat_id=conf.chat_id,
                user_id=conf.user_id,
                detail={"kind": "recovery", "cid": conf.id, "error": repr(exc)[:300]},
            )
            if failures + 1 < TELL_ATTEMPTS:
                report.look_again(self.retry_s)
            return
        self._tell_failures.pop(conf.id, None)
        await self.store.mark_told(conf.id, now=self.clock())
        report.told += 1
        await self.audit.record(
            "push",
            platform=conf.platform,
            chat_id=conf.chat_id,
            user_id=conf.user_id,
            detail={"kind": "recovery", "cid": conf.id, "state": conf.state},
        )


def build_reconciler(
    conversation: Conversation,
    pusher: Pusher,
    *,
    settle_s: float = SETTLE_S,
    retry_s: float = RETRY_S,
    sleep: Sleep = asyncio.sleep,
) -> Reconciler:
    """The reconciler on the conversation's own parts: its confirmations, its executor (whose
    in-flight set tells live sends from interrupted ones), its audit trail and clock."""
    flow = conversation.flow
    reconciler = Reconciler(
        store=flow.store,
        executor=flow.executor,
        pusher=pusher,
        audit=conversation.trail,
        clock=conversation.clock,
        settle_s=settle_s,
        retry_s=retry_s,
        sleep=sleep,
    )
    # an error that escaped an execution may have left its row `executing`: look it up
    flow.executor.on_interrupted = reconciler.start
    return reconciler


# ---------------------------------------------------------------------- what the owner reads


def _leg_outcome(
    i: int, leg: Leg, hit: tuple[int | None, float | None, float | None] | None
) -> LegOutcome:
    if hit is None:
        return LegOutcome(i, leg.action, ok=False, message="not found in the terminal")
    ticket, price, volume = hit
    return LegOutcome(
        i,
        leg.action,
        ok=True,
        ticket=ticket,
        price=price,
        volume=volume,
        found_later=True,
    )


def _lang(conf: Confirmation) -> Lang:
    return "en" if conf.lang == "en" else "zh"


def _what(leg: Leg, lang: Lang) -> str:
    if leg.action in ("open", "pending") and leg.side is not None:
        side = t(lang, "buy_long" if leg.side == "buy" else "sell_short")
        return t(
            lang, "recovery_what_trade", side=side, symbol=leg.symbol, lots=fmt_lots(leg.volume)
        )
    return f"#{leg.ticket}" if leg.ticket is not None else leg.symbol


def recovery_message(conf: Confirmation) -> Outgoing:
    """What the owner reads about a row recovery settled (from its stored result)."""
    lang = _lang(conf)
    rec = conf.result.get(RECOVERY_KEY)
    came_from = rec.get("from") if isinstance(rec, dict) else None
    head = "recovery_head_unknown" if came_from == "unknown" else "recovery_head"
    lines = [t(lang, head, code=conf.code)]
    try:
        plan: Plan | None = Plan.from_dict(conf.plan)
    except Exception:
        plan = None
    legs = [o for o in conf.result.get("legs", []) if isinstance(o, dict)]
    if plan is None or not legs:
        lines.append(t(lang, "recovery_unreadable"))
        return Outgoing("\n".join(lines), lang=lang, kind="result")
    for o in legs:
        leg = plan.legs[int(o["index"])]
        if o.get("ok"):
            lines.append(ok_line(leg, LegOutcome(**o), lang))
        else:
            lines.append(t(lang, "recovery_leg_missing", what=_what(leg, lang)))
    skipped = conf.result.get("skipped")
    if isinstance(skipped, int) and skipped:
        lines.append(t(lang, "result_skipped", n=skipped))
    if conf.state != "done":
        lines.append(t(lang, "recovery_failed_tail"))
    return Outgoing("\n".join(lines), lang=lang, kind="result")
