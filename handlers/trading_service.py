"""Trading for programs (the gateway, and anything else that is not a chat): the same planner,
risk gate, confirmation row, account lock, re-check, executor and audit trail that a chat's ✅
runs — only the ✅ is the program's request itself.

    plan_or_problem = await service.preview(intent, actor)
    receipt = await service.order(intent, actor, idempotency_key, request=body)
    receipt = await service.execute(plan, actor, idempotency_key)

How an order goes (each step is the chat's own code, in handlers/confirm.py):
1. the idempotency key is reserved for the caller (store/idempotency.py): a retry with the same
   key gets the first answer and sends nothing; the same key with another request is a
   conflict;
2. the plan is built and checked (`Planner.build`, `RiskGate.check`); a blocked plan is the
   answer;
3. the plan is stored as a confirmation owned by the caller (platform = the actor's source,
   chat and user = its name) and claimed at once through `ConfirmFlow.press`: the atomic claim,
   the account's one lock, the risk and price-drift re-check, the order request written to the
   audit log before the broker sees it, the idempotency comment on every leg, the stored
   result, and the reconciler for a crash between send and result all apply unchanged;
4. the receipt says what became of it, in words (English: a program's language is not known)
   and as data: state, tickets, prices.

A program that must not trade alone gets a chat confirmation instead (handlers/proposals.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from handlers.audit_trail import AuditTrail
from handlers.confirm import ConfirmFlow, parse_button
from handlers.i18n import t
from handlers.messages import Incoming, Outgoing
from handlers.plans import Plan, Problem
from handlers.slots import missing_slot
from nlp.intent import Intent
from store.confirmations import Confirmation
from store.idempotency import IdempotencyStore, KeyState, fingerprint

log = logging.getLogger(__name__)

ReceiptState = Literal[
    "done",  # executed (every leg, or some: see `legs`)
    "failed",  # the broker refused; nothing happened
    "unknown",  # the request may have reached the server: look before sending again
    "blocked",  # a risk limit (or read-only mode) refused it; nothing was sent
    "no_plan",  # the request cannot become a plan (no such position, bad volume …)
    "drifted",  # the price moved past the drift limit between plan and send; nothing was sent
    "terminal_away",  # the terminal is away; nothing was sent
    "in_progress",  # the same idempotency key is being (or was, before a crash) executed
    "conflict",  # the idempotency key came with a different request before
]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts through a program: its `source` ("api", "mcp") and its configured name (a
    gateway token's name). The audit log and the confirmation rows carry both."""

    source: str
    name: str

    def incoming(self) -> Incoming:
        return Incoming(platform=self.source, chat_id=self.name, user_id=self.name)


@dataclass(slots=True)
class Receipt:
    """What became of an order request; `to_dict` is what the gateway answers and keeps for
    retried requests (`from_dict` reads it back)."""

    state: ReceiptState
    code: str  # for programs: "done", "risk_blocked", "no_position", "terminal_away" …
    message: str  # for people, English
    plan: dict[str, Any] | None = None
    legs: list[dict[str, Any]] = field(default_factory=list)
    reference: str = ""  # the confirmation's short id: the `tc:<ref>.<leg>` order comments
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return self.state == "done"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("replayed")
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, replayed: bool = False) -> Receipt:
        known = {
            k: d[k] for k in ("state", "code", "message", "plan", "legs", "reference") if k in d
        }
        return cls(**known, replayed=replayed)


def plan_summary(plan: Plan) -> dict[str, Any]:
    """A plan as programs read it: canonical symbols, sides, volumes, prices, tickets and
    every check with its English line. (The stored form, `Plan.to_dict`, is internal.)"""
    return {
        "action": plan.action,
        "symbol": plan.symbol,
        "bid": plan.bid,
        "ask": plan.ask,
        "margin": plan.margin,
        "currency": plan.currency,
        "legs": [
            {
                "action": leg.action,
                "symbol": leg.symbol,
                "side": leg.side,
                "volume": leg.volume,
                "price": leg.price,
                "kind": leg.kind,
                "sl": leg.sl,
                "tp": leg.tp,
                "ticket": leg.ticket,
            }
            for leg in plan.legs
        ],
        "checks": [{"ok": c.ok, "key": c.key, "text": c.line("en")} for c in plan.checks],
    }


def problem_receipt(problem: Problem) -> Receipt:
    return Receipt("no_plan", problem.key, problem.text("en"))


def blocked_receipt(plan: Plan) -> Receipt:
    lines = [c.line("en") for c in plan.checks if not c.ok]
    return Receipt(
        "blocked",
        "risk_blocked",
        " ".join([t("en", "gw_state_blocked"), *lines]),
        plan_summary(plan),
    )


_CONFIRMATION_STATES: dict[str, tuple[ReceiptState, str]] = {
    "done": ("done", "done"),
    "failed": ("failed", "broker_refused"),
    "unknown": ("unknown", "outcome_unknown"),
    "blocked": ("blocked", "risk_blocked"),
    "drifted": ("drifted", "price_drifted"),
    "pending": ("terminal_away", "terminal_away"),
    "executing": ("in_progress", "in_progress"),
    "expired": ("terminal_away", "terminal_away"),
    "cancelled": ("terminal_away", "terminal_away"),
}


# nothing was sent, for a reason that passes: a retry with the same key is a fresh request
_RETRYABLE = frozenset({"terminal_away", "drifted"})


class TradingService:
    def __init__(
        self,
        flow: ConfirmFlow,
        trail: AuditTrail,
        keys: IdempotencyStore,
        *,
        clock: Callable[[], datetime],
        use_default_volume: bool = False,
    ) -> None:
        self.flow = flow
        self.trail = trail
        self.keys = keys
        self.clock = clock
        self.use_default_volume = use_default_volume

    # ---- preview ------------------------------------------------------------------------

    async def preview(self, intent: Intent, actor: Actor) -> Plan | Problem:
        """The plan the chat would show for `intent`, with every risk check, or why there is
        none. Nothing is stored or sent; the preview is audited under the actor."""
        if not intent.is_trade:
            return Problem("gw_not_a_trade", {"intent": intent.intent})
        slot = missing_slot(intent, use_default_volume=self.use_default_volume)
        if slot is not None:
            return Problem("gw_missing", {"what": slot})
        built = await self.flow.planner.build(intent)
        inc = actor.incoming()
        if isinstance(built, Problem):
            await self.trail.about("no_plan", inc, {"reason": built.key})
            return built
        built.checks = await self.flow.risk.check(built)
        await self.trail.about("preview", inc, {"blocked": not built.ok, "plan": built.to_dict()})
        return built

    # ---- orders -------------------------------------------------------------------------

    async def order(
        self,
        intent: Intent,
        actor: Actor,
        idempotency_key: str | None,
        *,
        request: dict[str, Any] | None = None,
    ) -> Receipt:
        """Preview and, when the plan passes every check, execute it. With a key, a retry
        (same caller, same key, same `request` — the program's own body, default the intent)
        answers what the first one did, without building a plan or sending anything."""
        print_ = fingerprint(request if request is not None else intent.to_json_dict())
        async with self.trail.collect():
            if idempotency_key is not None:
                seen = await self._reserve(actor, idempotency_key, print_)
                if seen is not None:
                    return seen
            try:
                built = await self.preview(intent, actor)
                if isinstance(built, Problem):
                    receipt = problem_receipt(built)
                elif not built.ok:
                    receipt = blocked_receipt(built)
                else:
                    receipt = await self._execute(built, actor, idempotency_key)
            except BaseException:
                if idempotency_key is not None:  # nothing was decided: the key may be used again
                    await self.keys.forget(actor.name, idempotency_key)
                raise
            if idempotency_key is not None:
                await self._settle_key(actor, idempotency_key, receipt)
            return receipt

    async def execute(self, plan: Plan, actor: Actor, idempotency_key: str | None) -> Receipt:
        """Execute a plan `preview` returned (its checks run again at the send, under the
        account's lock). The key's request is the plan's intent."""
        print_ = fingerprint(plan.intent.to_json_dict())
        async with self.trail.collect():
            if idempotency_key is not None:
                seen = await self._reserve(actor, idempotency_key, print_)
                if seen is not None:
                    return seen
            try:
                receipt = await self._execute(plan, actor, idempotency_key)
            except BaseException:
                if idempotency_key is not None:
                    await self.keys.forget(actor.name, idempotency_key)
                raise
            if idempotency_key is not None:
                await self._settle_key(actor, idempotency_key, receipt)
            return receipt

    async def _settle_key(self, actor: Actor, key: str, receipt: Receipt) -> None:
        """Keep the answer for retries — unless nothing was sent for a passing reason (the
        terminal away, the price moved): then the same key may simply be sent again."""
        if receipt.state in _RETRYABLE:
            await self.keys.forget(actor.name, key, nothing_sent=True)
        else:
            await self.keys.finish(actor.name, key, receipt.to_dict())

    async def _reserve(self, actor: Actor, key: str, print_: str) -> Receipt | None:
        """None: the key is new and now ours. Otherwise the answer for a repeated key."""
        state = await self.keys.begin(actor.name, key, print_, now=self.clock())
        if state.outcome == "new":
            return None
        await self.trail.about("idempotent", actor.incoming(), {"key": key, "seen": state.outcome})
        if state.outcome == "conflict":
            return Receipt("conflict", "idempotency_conflict", t("en", "gw_key_conflict"))
        if state.outcome == "running":
            return await self._in_progress(state)
        return await self._replayed(state)

    async def _in_progress(self, state: KeyState) -> Receipt:
        conf = await self.flow.store.get(state.confirmation_id) if state.confirmation_id else None
        if conf is None or conf.state in ("pending", "executing"):
            return Receipt("in_progress", "in_progress", t("en", "gw_key_in_progress"))
        return self._receipt_of(conf, None, [])  # a crash left the key: its order has an end

    async def _replayed(self, state: KeyState) -> Receipt:
        first = Receipt.from_dict(state.response or {}, replayed=True)
        if first.state != "unknown" or not state.confirmation_id:
            return first
        # unknown when first answered: the reconciler (or a "check again") may have settled it
        conf = await self.flow.store.get(state.confirmation_id)
        if conf is None or conf.state == "unknown":
            return first
        settled = self._receipt_of(conf, None, [])
        settled.replayed = True
        return settled

    async def _execute(self, plan: Plan, actor: Actor, key: str | None) -> Receipt:
        inc = actor.incoming()
        conf = await self.flow.store.create(
            platform=inc.platform,
            chat_id=inc.chat_id,
            user_id=inc.user_id,
            lang="en",
            plan=plan.to_dict(),
            ttl_s=self.flow.trading.confirm_ttl_s,
            now=self.clock(),
        )
        if key is not None:
            await self.keys.attach(actor.name, key, conf.id)
        await self.trail.about("api_order", inc, {"cid": conf.id, "key": key})
        outs = await self.flow.press(inc, conf.id, True, "en", via_code=True)
        final = await self.flow.store.get(conf.id)
        if final is None:  # pragma: no cover - the row was created above and is never deleted
            raise LookupError(f"confirmation {conf.id} vanished")
        if final.state == "pending":  # the terminal was away at the send: released, unsent
            await self.flow.store.cancel(
                conf.id,
                platform=inc.platform,
                chat_id=inc.chat_id,
                user_id=inc.user_id,
                now=self.clock(),
            )
        await self._drop_fresh_previews(inc, outs)
        return self._receipt_of(final, plan, outs)

    async def _drop_fresh_previews(self, inc: Incoming, outs: list[Outgoing]) -> None:
        """A drifted price makes the flow show a fresh preview (a new pending confirmation);
        a program asks again itself, so that preview is cancelled, never left to be pressed."""
        for out in outs:
            for button in out.buttons:
                parsed = parse_button(button.id)
                if parsed is not None and parsed[1]:
                    await self.flow.store.cancel(
                        parsed[0],
                        platform=inc.platform,
                        chat_id=inc.chat_id,
                        user_id=inc.user_id,
                        now=self.clock(),
                    )

    def _receipt_of(self, conf: Confirmation, plan: Plan | None, outs: list[Outgoing]) -> Receipt:
        state, code = _CONFIRMATION_STATES.get(conf.state, ("unknown", "outcome_unknown"))
        message = "\n".join(o.text for o in outs if o.kind in ("result", "error"))
        if state == "terminal_away":
            message = t("en", "gw_terminal_away_unsent")
        plan = plan if plan is not None else Plan.from_dict(conf.plan)
        return Receipt(
            state,
            code,
            message or t("en", f"gw_state_{state}"),
            plan_summary(plan),
            legs=_legs(conf.result),
            reference=conf.id[:16],
        )


def _legs(result: dict[str, Any]) -> list[dict[str, Any]]:
    legs = result.get("legs")
    found: list[dict[str, Any]] = []
    for leg in legs if isinstance(legs, list) else []:
        if not isinstance(leg, dict):
            continue
        found.append(
            {
                k: leg.get(k)
                for k in (
                    "index",
                    "action",
                    "ok",
                    "uncertain",
                    "ticket",
                    "price",
                    "volume",
                    "retcode",
                    "message",
                )
            }
        )
    later = result.get("found_later")
    if isinstance(later, dict) and found:
        found[-1] = {**found[-1], "ok": True, "uncertain": False, **later}
    return found
