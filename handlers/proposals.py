"""Orders proposed by programs and confirmed by a person: a gateway token with
confirm = "chat", an MCP client. The program never executes anything; its owner does, with ✅.

    proposal = await proposals.propose(intent, owner=("telegram", "123"), source=actor)
    state = await proposals.status(proposal.id)

`propose` builds the chat's own preview for the owner (`ConfirmFlow.preview`: the same plan,
risk checks, stored confirmation, ✅/❌ buttons and typed reply codes), headed by a line naming
the program, and pushes it to the owner's private chat through the bot's fan-out. From then on
it is an ordinary confirmation: only the owner's ✅ in that chat, before it expires, executes
it — once (handlers/confirm.py). The program gets a proposal id, never the confirmation's id
(the button's callback data), and asks `status` what became of it: pending, executed, refused
(cancelled, blocked or failed at ✅, drifted), expired, or unknown (sent, outcome not known).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from handlers.audit_trail import AuditTrail
from handlers.auth import AccessList, allows
from handlers.confirm import ConfirmFlow, parse_button
from handlers.i18n import t
from handlers.messages import Incoming, Lang, PlatformError, Pusher
from handlers.plans import Plan, Problem
from handlers.trading_service import Actor, TradingService, plan_summary
from nlp.intent import Intent
from store.confirmations import Confirmation
from store.prefs import PrefsStore
from store.proposals import ProposalRecord, ProposalStore

log = logging.getLogger(__name__)

ProposalStatus = Literal["pending", "executing", "executed", "refused", "expired", "unknown"]
Owner = tuple[str, str]  # (platform, user id), as in [[users]]

# confirmation state → what the program is told
_STATUS: dict[str, ProposalStatus] = {
    "pending": "pending",
    "executing": "executing",
    "done": "executed",
    "cancelled": "refused",
    "blocked": "refused",
    "failed": "refused",
    "drifted": "refused",
    "expired": "expired",
    "unknown": "unknown",
}


@dataclass(frozen=True, slots=True)
class Proposal:
    id: str
    status: ProposalStatus
    owner: Owner
    chat_id: str
    expires_at: datetime | None
    plan: dict[str, Any] | None
    message: str  # for the program's user, English: where it waits and for how long
    state: str = "pending"  # the confirmation's own state, for the curious
    result: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProposalRefused:
    """Why no proposal was made: `code` for programs, `message` in English."""

    code: str
    message: str
    plan: dict[str, Any] | None = None


class Proposals:
    def __init__(
        self,
        *,
        flow: ConfirmFlow,
        trading: TradingService,
        store: ProposalStore,
        pusher: Pusher,
        acl: AccessList,
        prefs: PrefsStore,
        trail: AuditTrail,
        default_lang: Lang,
        chat_of: Callable[[str, str], str],
        clock: Callable[[], datetime],
    ) -> None:
        self.flow = flow
        self.trading = trading
        self.store = store
        self.pusher = pusher
        self.acl = acl
        self.prefs = prefs
        self.trail = trail
        self.default_lang = default_lang
        self.chat_of = chat_of  # the chat that reaches a user privately (per platform)
        self.clock = clock

    async def _lang(self, owner: Owner) -> Lang:
        chosen = await self.prefs.user_lang(*owner)
        if chosen in ("zh", "en"):
            return chosen  # type: ignore[return-value]
        rule = self.acl.user(*owner)
        return (rule.lang if rule else None) or self.default_lang

    async def propose(
        self, intent: Intent, owner: Owner, source: Actor
    ) -> Proposal | ProposalRefused:
        """Send `intent`'s preview with ✅/❌ to `owner`'s private chat; nothing executes until
        the owner confirms there."""
        if not allows(self.acl.role(*owner), "trade"):
            return ProposalRefused(
                "owner_cannot_trade",
                t("en", "gw_owner_cannot_trade", platform=owner[0], id=owner[1]),
            )
        checked = await self.trading.preview(intent, source)  # the program's view, English
        if isinstance(checked, Problem):
            return ProposalRefused(checked.key, checked.text("en"))
        if not checked.ok:
            lines = [c.line("en") for c in checked.checks if not c.ok]
            return ProposalRefused("risk_blocked", " ".join(lines), plan_summary(checked))
        async with self.trail.collect():
            return await self._send(intent, owner, source, checked)

    async def _send(
        self, intent: Intent, owner: Owner, source: Actor, checked: Plan
    ) -> Proposal | ProposalRefused:
        lang = await self._lang(owner)
        chat = self.chat_of(*owner)
        inc = Incoming(platform=owner[0], chat_id=chat, user_id=owner[1])
        out = await self.flow.preview(intent, inc, lang)
        await self.trail.settle()  # the confirmation exists before its preview goes out
        cid = next(
            (p[0] for b in out.buttons if (p := parse_button(b.id)) is not None and p[1]), None
        )
        if cid is None:  # the market moved between the two looks: no preview after all
            return ProposalRefused("no_preview", t("en", "gw_proposal_no_preview"))
        out.text = (
            f"{t(lang, 'gw_proposal_head', source=source.source, name=source.name)}\n\n{out.text}"
        )
        try:
            await self.pusher.push(owner[0], chat, out)
        except (LookupError, PlatformError) as exc:
            await self.flow.store.cancel(
                cid, platform=owner[0], chat_id=chat, user_id=owner[1], now=self.clock()
            )
            await self.trail.about(
                "proposal", source.incoming(), {"sent": False, "error": str(exc)}
            )
            return ProposalRefused(
                "owner_unreachable", t("en", "gw_owner_unreachable", platform=owner[0])
            )
        record = await self.store.create(
            confirmation_id=cid,
            source=source.source,
            caller=source.name,
            owner=owner,
            chat_id=chat,
            intent=intent.to_json_dict(),
            now=self.clock(),
        )
        await self.trail.about(
            "proposal",
            source.incoming(),
            {"proposal": record.id, "cid": cid, "owner": f"{owner[0]}:{owner[1]}"},
        )
        conf = await self.flow.store.get(cid)
        return self._proposal(record, conf, checked)

    async def status(self, proposal_id: str, caller: str | None = None) -> Proposal | None:
        """What became of a proposal; None when there is none by that id (for `caller`: a
        program sees only its own proposals)."""
        record = await self.store.get(proposal_id)
        if record is None or (caller is not None and record.caller != caller):
            return None
        conf = await self.flow.store.get(record.confirmation_id)
        return self._proposal(record, conf, None)

    def _proposal(
        self, record: ProposalRecord, conf: Confirmation | None, plan: Plan | None
    ) -> Proposal:
        state = "expired" if conf is None else conf.state
        if conf is not None and state == "pending" and conf.expired_at(self.clock()):
            state = "expired"  # nobody pressed in time; the row is marked so at its next look
        status = _STATUS.get(state, "unknown")
        expires = None if conf is None else datetime.fromtimestamp(conf.expires_at, UTC)
        if plan is not None:
            summary: dict[str, Any] | None = plan_summary(plan)
        elif conf is not None:
            summary = plan_summary(Plan.from_dict(conf.plan))
        else:
            summary = None
        owner = (record.owner_platform, record.owner_id)
        message = t(
            "en",
            f"gw_proposal_{status}",
            platform=owner[0],
            id=owner[1],
            minutes=max(1, round(self.flow.trading.confirm_ttl_s / 60)),
        )
        return Proposal(
            id=record.id,
            status=status,
            owner=owner,
            chat_id=record.chat_id,
            expires_at=expires,
            plan=summary,
            message=message,
            state=state,
            result={} if conf is None else dict(conf.result),
        )
