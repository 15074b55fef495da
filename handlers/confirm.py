"""The confirmation lifecycle: plan → stored preview with ✅/❌ → re-checks → one atomic claim
→ execute once → the preview edited to show the result.

What each step writes (store/db.py: one writer): a preview is one transaction (its row with the
message's audit rows); a ✅ is two — the claim pending → executing with its order request,
committed before `order_send`, and the result with the message's last rows after it.

Buttons carry ``c:<id>:y`` / ``c:<id>:n`` (id = 22 url-safe characters, 128 random bits; the
whole callback is 26 bytes). Apps without buttons type the button's `reply_code` instead
("确认 7F3K" / "confirm 7F3K"); a code only works for the same user in the same chat and
platform, once, before expiry. A bare "确认"/"yes" is never enough.

Safety properties (each has a test):
- two presses at once → the UPDATE … WHERE state='pending' succeeds for one, the other is told
  the confirmation was already handled;
- another user's press, a wrong or expired code → refused, nothing sent;
- a restart between preview and ✅ → the row is still pending in the database: it executes
  once, or says it expired;
- risk limits and the price drift are checked again at ✅, just before the claim; a drift
  past `max_price_drift_points` gives a fresh preview instead of an order (blocked, drifted
  and failed re-checks settle the row from pending in one UPDATE, so a press that won it
  meanwhile keeps it);
- the re-check, the claim and the send of an opening plan run under the account's one lock
  (`AccountGuard`, handlers/exposure.py), so confirmations pressed at the same moment — in
  different chats, on different platforms, through different mouths — are checked against
  each other: together they never break a limit that each fits alone;
- a broker failure after the request left → the outcome is ``unknown`` and nothing is resent
  (see execute.py); the answer keeps ✅ as "🔄 Check again" (typed: "查询 7F3K" /
  "check 7F3K", `check_code`), which only ever looks the order up;
- a crash between the claim and the stored result → handlers/recovery.py settles the row;
- the terminal away at ✅ (the re-check cannot reach it: nothing was claimed; or the broker
  refuses before sending with "not_connected": the row goes back to pending in one UPDATE,
  `ConfirmationStore.release`) → nothing was sent and the preview keeps its buttons: the same
  ✅ executes once when the terminal is back, until the preview expires.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from broker.base import Broker
from broker.errors import BrokerError, TemporaryBrokerError
from broker.models import Note
from handlers.audit_trail import AuditTrail
from handlers.broker_text import note_text
from handlers.config import TradingConfig
from handlers.execute import Executor, order_comment, render_outcome
from handlers.exposure import AccountGuard
from handlers.hedge_actions import Closes, plan_closes
from handlers.i18n import t
from handlers.messages import Button, Incoming, Lang, Outgoing
from handlers.plan_text import render_plan
from handlers.plans import Check, Plan, Planner, Problem, market_price
from handlers.risk import RiskGate
from nlp.commands import read_closes
from nlp.intent import Intent
from store.confirmations import ClaimStatus, Confirmation, ConfirmationStore, State, classify
from store.db import Job, then

log = logging.getLogger(__name__)

# Button ids are made here (`button_id`) and come back from the chat app as callback data, not
# as anything a user typed, so they are read here too, next to the code that makes them; what
# users type ("确认 7F3K") is read by nlp.commands.
_BUTTON = re.compile(r"^c:([A-Za-z0-9_-]{16,40}):([yn])$")


def button_id(cid: str, yes: bool) -> str:
    return f"c:{cid}:{'y' if yes else 'n'}"


def recheck_button(conf: Confirmation, lang: Lang) -> Button:
    """ "🔄 Check again" under an unknown outcome. It is the ✅ id: a row never returns to
    pending, so on a row that is not pending ✅ only ever looks the order up (`press`)."""
    return Button(
        button_id(conf.id, True),
        t(lang, "btn_recheck"),
        reply_code=t(lang, "code_check", code=conf.code),
    )


def parse_button(data: str) -> tuple[str, bool] | None:
    m = _BUTTON.match(data)
    return None if m is None else (m.group(1), m.group(2) == "y")


class ConfirmFlow:
    def __init__(
        self,
        *,
        broker: Broker,
        store: ConfirmationStore,
        planner: Planner,
        risk: RiskGate,
        executor: Executor,
        audit: AuditTrail,
        trading: TradingConfig,
        clock: Callable[[], datetime],
        guard: AccountGuard,
    ) -> None:
        self.broker = broker
        self.store = store
        self.planner = planner
        self.risk = risk
        self.executor = executor
        self.audit = audit
        self.trading = trading
        self.clock = clock
        self.guard = guard  # the account's one lock, shared with every other mouth
        # the last position each (platform, user) opened, for the parser's context
        self.last_tickets: dict[tuple[str, str], int] = {}

    async def _audit(
        self, event: str, inc: Incoming, detail: dict[str, object], ms: float | None = None
    ) -> None:
        await self.audit.about(event, inc, detail, ms)

    # ------------------------------------------------------------------ preview

    async def preview(
        self, intent: Intent, inc: Incoming, lang: Lang, built: Plan | Problem | None = None
    ) -> Outgoing:
        """`built`: the plan the caller already built from `intent` (the conversation does, to
        ask a hedged book's side first), so the terminal is read once."""
        t0 = time.perf_counter()
        if built is None:
            built = await self.planner.build(intent)
        return await self.show(built, inc, lang, t0)

    async def preview_closes(self, closes: Closes, inc: Incoming, lang: Lang) -> Outgoing:
        """The preview of exactly these closes (a hedge suggestion's one-tap plan)."""
        t0 = time.perf_counter()
        return await self.show(await plan_closes(self.broker, closes), inc, lang, t0)

    async def _rebuild(self, plan: Plan, inc: Incoming, lang: Lang) -> Outgoing:
        """A fresh preview of what `plan` was built from: its exact closes, or its intent."""
        closes = read_closes(plan.origin) if plan.origin else None
        if closes is not None:
            return await self.preview_closes(closes, inc, lang)
        return await self.preview(plan.intent, inc, lang)

    async def show(
        self, built: Plan | Problem, inc: Incoming, lang: Lang, t0: float | None = None
    ) -> Outgoing:
        """The risk checks on a built plan, stored as a pending confirmation and shown with
        ✅/❌; a `Problem` is told as it is."""
        t0 = time.perf_counter() if t0 is None else t0
        if isinstance(built, Problem):
            # why no plan; the conversation writes the message's one "decision" row
            await self._audit("no_plan", inc, {"reason": built.key})
            return Outgoing(built.text(lang), lang=lang)
        plan = built
        plan.checks = await self.risk.check(plan)
        ms = (time.perf_counter() - t0) * 1000
        stored = plan.to_dict()  # the plan leaves memory here, once: for the store and the audit
        if not plan.ok:
            await self._audit("preview", inc, {"blocked": True, "plan": stored}, ms)
            return Outgoing(render_plan(plan, lang), lang=lang, kind="preview")
        conf, job = self.store.create_job(
            platform=inc.platform,
            chat_id=inc.chat_id,
            user_id=inc.user_id,
            lang=lang,
            plan=stored,
            ttl_s=self.trading.confirm_ttl_s,
            now=self.clock(),
        )
        await self._audit("preview", inc, {"cid": conf.id, "code": conf.code, "plan": stored}, ms)
        # one transaction for the whole preview: the row goes with the message's audit rows,
        # before the answer (and its ✅) goes out
        await self.audit.attach(job, required=True)
        return self._preview_out(plan, conf, lang)

    def _preview_out(self, plan: Plan, conf: Confirmation, lang: Lang) -> Outgoing:
        return Outgoing(
            render_plan(plan, lang, ttl_s=self.trading.confirm_ttl_s, code=conf.code),
            buttons=[
                Button(
                    button_id(conf.id, True),
                    t(lang, "btn_confirm"),
                    reply_code=t(lang, "code_confirm", code=conf.code),
                ),
                Button(
                    button_id(conf.id, False),
                    t(lang, "btn_cancel"),
                    reply_code=t(lang, "code_cancel", code=conf.code),
                ),
            ],
            lang=lang,
            kind="preview",
        )

    # ------------------------------------------------------------------ presses

    async def press_code(self, inc: Incoming, yes: bool, code: str, lang: Lang) -> list[Outgoing]:
        rows = await self.store.by_code(inc.platform, inc.chat_id, code)
        mine = [r for r in rows if r.user_id == inc.user_id]
        if not mine:
            key = "confirm_not_owner" if rows else "confirm_wrong_code"
            await self._audit("confirm" if yes else "cancel", inc, {"code": code, "outcome": key})
            return [Outgoing(t(lang, key, code=code), lang=lang, kind="error")]
        return await self.press(inc, mine[0].id, yes, lang, via_code=True)

    async def check_code(self, inc: Incoming, code: str, lang: Lang) -> list[Outgoing]:
        """ "查询 7F3K": the typed "check again". Looks an unknown outcome up by its
        idempotency key, for its owner only; never confirms or sends anything."""
        rows = await self.store.by_code(inc.platform, inc.chat_id, code)
        mine = [r for r in rows if r.user_id == inc.user_id]
        if not mine:
            key = "recheck_not_owner" if rows else "recheck_wrong_code"
            await self._audit("recheck", inc, {"code": code, "outcome": key})
            return [Outgoing(t(lang, key, code=code), lang=lang, kind="error")]
        conf = next((r for r in mine if r.state == "unknown"), mine[0])
        lang = _lang_of(conf, lang, inc.user_id)
        if conf.state == "unknown":
            return [await self._recheck_unknown(inc, conf, lang, None)]
        await self._audit("recheck", inc, {"cid": conf.id, "outcome": conf.state})
        return [Outgoing(settled_text(conf, lang), lang=lang)]

    async def press(
        self, inc: Incoming, cid: str, yes: bool, lang: Lang, *, via_code: bool = False
    ) -> list[Outgoing]:
        edit = None if via_code else inc.message_id
        now = self.clock()
        event = "confirm" if yes else "cancel"
        if not yes:
            status, conf = await self.store.cancel(
                cid, platform=inc.platform, chat_id=inc.chat_id, user_id=inc.user_id, now=now
            )
            lang = _lang_of(conf, lang, inc.user_id)
            await self._audit(event, inc, {"cid": cid, "outcome": status})
            if status == "ok":
                return [Outgoing(t(lang, "cancelled"), edit_of=edit, lang=lang, kind="result")]
            return [self._refusal(status, conf, lang, edit)]
        # a read first: who may press it and whether it is still pending; the claim itself
        # comes after the re-check, in one transaction with the order request
        conf = await self.store.peek(cid)
        status = classify(conf, (inc.platform, inc.chat_id, inc.user_id), now.timestamp())
        lang = _lang_of(conf, lang, inc.user_id)
        if status != "ok" or conf is None:
            await self._audit(event, inc, {"cid": cid, "outcome": status})
            return [await self._not_claimed(inc, status, conf, lang, edit)]
        plan = Plan.from_dict(conf.plan)
        # no other open is checked or sent between this plan's re-check and its send
        async with self.guard.for_plan(plan):
            return await self._recheck_and_send(inc, conf, plan, lang, edit)

    async def _not_claimed(
        self, inc: Incoming, status: str, conf: Confirmation | None, lang: Lang, edit: str | None
    ) -> Outgoing:
        """The answer to a ✅ that cannot claim the row: an unknown outcome is looked up for its
        owner; anything else is refused."""
        if (
            status == "used"
            and conf is not None
            and conf.state == "unknown"
            and conf.user_id == inc.user_id
        ):
            return await self._recheck_unknown(inc, conf, lang, edit)
        return self._refusal(status, conf, lang, edit)

    def _refusal(
        self, status: str, conf: Confirmation | None, lang: Lang, edit: str | None
    ) -> Outgoing:
        if status == "not_found" or conf is None:
            return Outgoing(t(lang, "confirm_not_found"), lang=lang, kind="error")
        if status == "not_owner":
            # never edit someone else's preview
            return Outgoing(t(lang, "confirm_not_owner"), lang=lang, kind="error")
        if status == "expired":
            return Outgoing(
                t(lang, "confirm_expired", ttl=int(self.trading.confirm_ttl_s)),
                edit_of=edit,
                lang=lang,
                kind="result",
            )
        if conf.state == "executing" and conf.id not in self.executor.in_flight:
            self._look_up_interrupted()  # a crash left it: its owner is told the outcome
        return Outgoing(
            t(lang, "confirm_used", state=t(lang, f"state_{conf.state}")),
            lang=lang,
            kind="error",
        )

    def _look_up_interrupted(self) -> None:
        if self.executor.on_interrupted is not None:
            self.executor.on_interrupted()

    async def _recheck_and_send(
        self, inc: Incoming, conf: Confirmation, plan: Plan, lang: Lang, edit: str | None
    ) -> list[Outgoing]:
        t0 = time.perf_counter()
        try:
            checks = await self.risk.check(plan)
            if not all(c.ok for c in checks):
                return await self._blocked(inc, conf, checks, lang, edit)
            drift = await self._drift_points(plan)
        except TemporaryBrokerError as exc:  # the terminal away: nothing was claimed or sent
            return [await self._away(inc, conf, lang, edit, exc.note, "recheck", claimed=False)]
        except BrokerError as exc:
            return await self._recheck_failed(inc, conf, exc.note, lang, edit)
        limit = self.trading.max_price_drift_points
        if drift is not None and drift > limit:
            return await self._drifted(inc, conf, plan, drift, lang, edit)
        status, claimed = await self._claim(inc, conf, plan)
        if status != "ok" or claimed is None:
            return [await self._not_claimed(inc, status, claimed, lang, edit)]
        with self.executor.working_on(conf.id):  # the reconciler leaves a live send alone
            outcome = await self.executor.run(plan, conf.id)
            ms = (time.perf_counter() - t0) * 1000
            if outcome.away:  # refused before sending: nothing reached the terminal
                return [await self._away(inc, conf, lang, edit, Note("not_connected"), "send")]
            for o in outcome.legs:
                if o.ok and o.ticket and plan.legs[o.index].action in ("open", "pending"):
                    self.last_tickets[(inc.platform, inc.user_id)] = o.ticket
            # the result goes with the message's last rows, in one transaction at its end
            finish = self.store.finish_job(
                conf.id, outcome.state, outcome.to_dict(), now=self.clock()
            )
            written = await self.audit.attach(finish, required=False)
        self.executor.hold(conf.id, written)  # the send counts as live until it is written
        await self._audit("result", inc, {"cid": conf.id, **outcome.to_dict()}, ms)
        return [
            Outgoing(
                render_outcome(plan, outcome, lang, conf.id, conf.code),
                buttons=[recheck_button(conf, lang)] if outcome.state == "unknown" else [],
                edit_of=edit,
                lang=lang,
                kind="result",
            )
        ]

    async def _claim(
        self, inc: Incoming, conf: Confirmation, plan: Plan
    ) -> tuple[ClaimStatus, Confirmation | None]:
        """pending → executing, in one transaction with the message's rows so far and — only
        when this press won the row — its order request: on disk before the broker sees it."""
        claim = self.store.claim_job(
            conf.id,
            platform=inc.platform,
            chat_id=inc.chat_id,
            user_id=inc.user_id,
            now=self.clock(),
        )
        legs = _order_legs(plan, conf.id)

        def rows(won: tuple[ClaimStatus, Confirmation | None]) -> Job:
            events = [_event(inc, "confirm", {"cid": conf.id, "outcome": won[0]})]
            if won[0] == "ok":
                events.append(_event(inc, "order", {"cid": conf.id, "legs": legs}))
            return self.audit.audit.rows_job(events)

        (result,) = await self.audit.flush([then(claim, rows)])
        if not isinstance(result, BaseException):
            status, claimed = result
            return status, claimed
        # the rows could not be stored (the audit log is away): the claim goes alone, and the
        # rows wait in the trail for the database like every other row (handlers/audit_trail)
        (result,) = await self.audit.flush([claim])
        if isinstance(result, BaseException):
            raise result  # nothing was sent; the conversation answers with an error
        status, claimed = result
        await self._audit("confirm", inc, {"cid": conf.id, "outcome": status})
        if status == "ok":
            await self._audit("order", inc, {"cid": conf.id, "legs": legs})
        return status, claimed

    async def _settle_unclaimed(
        self, inc: Incoming, conf: Confirmation, to_state: State, result: dict[str, object]
    ) -> tuple[ClaimStatus, Confirmation | None]:
        """pending → a final state without sending (blocked, drifted, failed at the re-check),
        in one UPDATE … WHERE state='pending' AND owner: a press that won the row meanwhile
        keeps it."""
        job = self.store.transition_job(
            conf.id,
            platform=inc.platform,
            chat_id=inc.chat_id,
            user_id=inc.user_id,
            now=self.clock(),
            to_state=to_state,
            check_expiry=False,
            result=dict(result),
        )
        (outcome,) = await self.audit.flush([job])
        if isinstance(outcome, BaseException):
            raise outcome
        status, now_conf = outcome
        await self._audit("confirm", inc, {"cid": conf.id, "outcome": status})
        return status, now_conf

    async def _blocked(
        self, inc: Incoming, conf: Confirmation, checks: list[Check], lang: Lang, edit: str | None
    ) -> list[Outgoing]:
        status, now_conf = await self._settle_unclaimed(
            inc, conf, "blocked", {"checks": [c.key for c in checks]}
        )
        if status != "ok":
            return [await self._not_claimed(inc, status, now_conf, lang, edit)]
        await self._audit("decision", inc, {"cid": conf.id, "decision": "blocked_at_confirm"})
        lines = [t(lang, "blocked_now")] + [c.line(lang) for c in checks if not c.ok]
        return [Outgoing("\n".join(lines), edit_of=edit, lang=lang, kind="result")]

    async def _recheck_failed(
        self, inc: Incoming, conf: Confirmation, note: Note, lang: Lang, edit: str | None
    ) -> list[Outgoing]:
        error = note_text(note, "en")
        status, now_conf = await self._settle_unclaimed(inc, conf, "failed", {"error": error})
        if status != "ok":
            return [await self._not_claimed(inc, status, now_conf, lang, edit)]
        await self._audit(
            "decision", inc, {"cid": conf.id, "decision": "recheck_failed", "error": error}
        )
        return [
            Outgoing(
                t(lang, "result_fail_plain", reason=note_text(note, lang)),
                edit_of=edit,
                lang=lang,
                kind="result",
            )
        ]

    async def _drifted(
        self,
        inc: Incoming,
        conf: Confirmation,
        plan: Plan,
        drift: int,
        lang: Lang,
        edit: str | None,
    ) -> list[Outgoing]:
        limit = self.trading.max_price_drift_points
        status, now_conf = await self._settle_unclaimed(
            inc, conf, "drifted", {"drift_points": drift}
        )
        if status != "ok":
            return [await self._not_claimed(inc, status, now_conf, lang, edit)]
        await self._audit("decision", inc, {"cid": conf.id, "decision": "drifted", "points": drift})
        fresh = await self._rebuild(plan, inc, lang)
        note = Outgoing(
            t(lang, "drifted", points=drift, max=limit), edit_of=edit, lang=lang, kind="result"
        )
        return [note, fresh]

    async def _away(
        self,
        inc: Incoming,
        conf: Confirmation,
        lang: Lang,
        edit: str | None,
        note: Note,
        stage: str,
        *,
        claimed: bool = True,
    ) -> Outgoing:
        """The terminal was away at ✅ and nothing was sent: the row is still pending (the
        re-check failed before the claim) or goes back to pending in one UPDATE (the broker
        refused the send), and the preview keeps its buttons (the answer is a toast or a new
        message, not an edit), so the same ✅ executes once when the terminal is back."""
        now = self.clock()
        released = await self.store.release(conf.id, now=now) if claimed else True
        await self._audit(
            "decision",
            inc,
            {
                "cid": conf.id,
                "decision": "terminal_away_at_confirm",
                "stage": stage,
                "reason": note_text(note, "en"),
                "pending_again": released,
            },
        )
        if conf.expired_at(now):  # back to pending, but too late to press again
            return Outgoing(
                t(lang, "confirm_expired", ttl=int(self.trading.confirm_ttl_s)),
                edit_of=edit,
                lang=lang,
                kind="result",
            )
        # a press is answered by a toast (200 characters on Telegram): the code only for a
        # typed reply, which has no ✅ to press
        key = "confirm_terminal_away_code" if edit is None else "confirm_terminal_away"
        return Outgoing(
            t(
                lang,
                key,
                reason=note_text(note, lang),
                confirm=t(lang, "code_confirm", code=conf.code),
            ),
            lang=lang,
            kind="error",
        )

    async def _drift_points(self, plan: Plan) -> int | None:
        worst: int | None = None
        for leg in plan.legs:
            if leg.ref_price is None or not leg.point or leg.side is None:
                continue
            q = await self.broker.quote(leg.symbol)
            now_px = market_price(q, leg.side, closing=leg.action == "close")
            pts = round(abs(now_px - leg.ref_price) / leg.point)
            worst = pts if worst is None else max(worst, pts)
        return worst

    async def _recheck_unknown(
        self, inc: Incoming, conf: Confirmation, lang: Lang, edit: str | None
    ) -> Outgoing:
        """✅ on a confirmation whose outcome is unknown: look the order up, never resend."""
        plan = Plan.from_dict(conf.plan)
        legs = conf.result.get("legs", [])
        uncertain = [leg for leg in legs if isinstance(leg, dict) and leg.get("uncertain")]
        index = int(uncertain[0]["index"]) if uncertain else len(legs) - 1
        leg = plan.legs[max(0, min(index, len(plan.legs) - 1))]
        try:
            found = await self.executor.find(leg, order_comment(conf.id, index))
        except BrokerError as exc:
            reason = note_text(exc.note, lang)
            return Outgoing(t(lang, "broker_error", reason=reason), lang=lang, kind="error")
        await self._audit("recheck", inc, {"cid": conf.id, "found": found is not None})
        if found is None:  # a new message that keeps the button: the user may look again
            return Outgoing(
                t(lang, "recheck_not_found"),
                buttons=[recheck_button(conf, lang)],
                lang=lang,
                kind="result",
            )
        result = dict(conf.result)
        result["found_later"] = {"ticket": found[0], "price": found[1], "volume": found[2]}
        await self.store.settle_unknown(conf.id, "done", result, now=self.clock())
        return Outgoing(
            t(lang, "result_found_later", ticket=found[0]), edit_of=edit, lang=lang, kind="result"
        )


def _event(inc: Incoming, event: str, detail: dict[str, object]) -> dict[str, Any]:
    return {
        "event": event,
        "platform": inc.platform,
        "chat_id": inc.chat_id,
        "user_id": inc.user_id,
        "detail": detail,
    }


def _order_legs(plan: Plan, cid: str) -> list[dict[str, object]]:
    """What the order request names for each leg: exactly what is about to be sent."""
    return [
        {
            "action": leg.action,
            "symbol": leg.broker_symbol,
            "ticket": leg.ticket,
            "side": leg.side,
            "volume": leg.volume,
            "price": leg.price,
            "sl": leg.sl,
            "tp": leg.tp,
            "comment": order_comment(cid, i),
        }
        for i, leg in enumerate(plan.legs)
    ]


def settled_text(conf: Confirmation, lang: Lang) -> str:
    """What "check again" says about a row whose outcome is no longer unknown."""
    if conf.state == "pending":
        return t(lang, "recheck_pending", code=conf.code)
    if conf.state == "executing":
        return t(lang, "recheck_executing")
    tickets = _tickets(conf.result)
    if conf.state == "done" and tickets:
        return t(lang, "recheck_done", tickets=", ".join(f"#{n}" for n in tickets))
    return t(lang, "recheck_settled", state=t(lang, f"state_{conf.state}"))


def _tickets(result: dict[str, object]) -> list[int]:
    """The tickets a stored result names: legs that went through, or the order found later."""
    found: list[int] = []
    legs = result.get("legs")
    for leg in legs if isinstance(legs, list) else []:
        if isinstance(leg, dict) and leg.get("ok") and isinstance(leg.get("ticket"), int):
            found.append(leg["ticket"])
    later = result.get("found_later")
    if isinstance(later, dict) and isinstance(later.get("ticket"), int):
        found.append(later["ticket"])
    return list(dict.fromkeys(found))


def _lang_of(conf: Confirmation | None, fallback: Lang, user_id: str) -> Lang:
    """The owner's preview language, for the owner; the presser's own language otherwise."""
    if conf is not None and conf.user_id == user_id and conf.lang in ("zh", "en"):
        return conf.lang  # type: ignore[return-value]
    return fallback
