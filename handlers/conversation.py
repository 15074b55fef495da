"""The platform-neutral conversation: the one entry point for every chat adapter.

    out: list[Outgoing] = await conversation.handle(Incoming(...))

Contract for adapters (console, Telegram, QQ/OneBot, WeCom):
- Call `handle` once per user message or button press, concurrently for different chats if
  you like; it never raises (an internal error becomes a short apology and an audit row).
- Send the returned messages in order. An empty list means "say nothing" (an unlisted user in
  a group, a rate-limited user after the first warning, small talk in a group …).
- `Outgoing.edit_of`: the answer to a button press carries `edit_of = incoming.message_id` (the
  id of the message that held the button): edit that message (the preview becomes its result)
  when the app can; otherwise send it as a new message. Answers to typed reply codes
  ("确认 7F3K") have `edit_of=None`.
- `Outgoing.buttons`: ✅/❌ with `id` = callback data (≤ 64 bytes) to return as
  `Incoming.button_id`; on apps without buttons show each `reply_code` ("确认 7F3K") as the text
  to type — `handle` accepts that text from the same user in the same chat.
- `Outgoing.images`: PNG charts (P&L, reports).
- `is_listed(platform, user_id)` tells an adapter whether a user is on the allow-list (for a
  `/start` that shows an unknown user their id).

The path of one message: allow-list and role → rate limit → language → (button press |
reply code | admin command | subscription command | answer to a pending question | parsed
intent) → query answered at once, or trade → plan → risk checks → stored preview with ✅/❌.
Every step is written to the audit log.

Who gets what:
- unknown user, private chat: one short refusal ("抱歉，你没有使用权限。") per
  `refusal_interval_s` (default one hour), then silence; every message is audited as "denied";
- unknown user in a group: always silent (audited);
- viewer: queries and reports; trader: also trades and confirmations; admin: also /readonly;
- past `messages_per_minute`: one polite "please wait" per window, then silence.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from broker.base import Broker
from broker.errors import BrokerError
from handlers import queries
from handlers.audit_trail import AuditTrail
from handlers.auth import AccessList, OncePer, RateLimiter, Role, allows
from handlers.config import ConversationConfig
from handlers.confirm import ConfirmFlow, is_bare_confirmation, parse_button, parse_code_reply
from handlers.execute import Executor
from handlers.i18n import t
from handlers.messages import Button, Image, Incoming, Lang, Outgoing, detect_lang
from handlers.plans import Planner
from handlers.risk import RiskGate
from handlers.slots import QUESTION_KEY, PendingQuestion, fill, missing_slot
from nlp.aliases import SymbolAliases
from nlp.intent import Intent
from store.audit import AuditLog
from store.confirmations import ConfirmationStore
from store.db import Database
from store.prefs import PrefsStore

log = logging.getLogger(__name__)

Subscriptions = Callable[[Incoming, Lang], Awaitable[Outgoing | None]]


class ParseResultLike(Protocol):
    intent: Intent
    engine: str
    fallback_reason: str | None
    elapsed_ms: float


class ParserLike(Protocol):
    async def parse(self, text: str, context: Any = None) -> Any: ...


class ReportsLike(Protocol):
    async def pnl(
        self,
        *,
        period: str | None,
        symbol: str | None,
        magic: int | None,
        lang: Lang,
        now: datetime | None = None,
    ) -> Any: ...
    async def report(
        self,
        *,
        kind: str,
        period: str | None,
        lang: Lang,
        now: datetime | None = None,
        charts: bool = True,
    ) -> Any: ...
    async def day_pnl(self, now: datetime | None = None) -> float: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Conversation:
    def __init__(
        self,
        *,
        broker: Broker,
        parser: ParserLike,
        db: Database,
        config: ConversationConfig,
        reports: ReportsLike | None = None,
        subscriptions: Subscriptions | None = None,
        symbol_aliases: dict[str, str] | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.broker = broker
        self.parser = parser
        self.db = db
        self.config = config
        self.reports = reports
        self.subscriptions = subscriptions
        self.clock = clock
        self.acl = AccessList(config.users)
        secs = lambda: clock().timestamp()  # noqa: E731
        self.limiter = RateLimiter(config.messages_per_minute, 60.0, clock=secs)
        self.refusals = OncePer(config.refusal_interval_s, clock=secs)
        self.audit = AuditLog(db)
        self.trail = AuditTrail(self.audit)
        self.prefs = PrefsStore(db)
        self.confirmations = ConfirmationStore(db)
        self.aliases = SymbolAliases(symbol_aliases)
        self.planner = Planner(broker)
        self.risk = RiskGate(
            broker,
            config.risk,
            read_only=self.read_only,
            day_pnl=self._day_pnl if reports is not None else None,
        )
        self.executor = Executor(broker, magic=config.trading.magic, clock=clock)
        self.flow = ConfirmFlow(
            broker=broker,
            store=self.confirmations,
            planner=self.planner,
            risk=self.risk,
            executor=self.executor,
            audit=self.trail,
            trading=config.trading,
            clock=clock,
        )
        self._read_only: bool | None = None
        self._langs: dict[tuple[str, str], Lang | None] = {}
        self._last_intent: dict[tuple[str, str], Intent] = {}
        self._questions: dict[tuple[str, str, str], PendingQuestion] = {}

    # ------------------------------------------------------------------ public helpers

    def is_listed(self, platform: str, user_id: str) -> bool:
        return self.acl.is_listed(platform, user_id)

    async def read_only(self) -> bool:
        if self._read_only is None:
            self._read_only = await self.prefs.read_only(self.config.risk.read_only)
        return self._read_only

    async def set_read_only(self, value: bool, *, by: str = "") -> None:
        await self.prefs.set_read_only(value, settings_value=self.config.risk.read_only, by=by)
        self._read_only = value

    async def _day_pnl(self) -> float:
        assert self.reports is not None
        return float(await self.reports.day_pnl(self.clock()))

    # ------------------------------------------------------------------ entry point

    async def handle(self, inc: Incoming) -> list[Outgoing]:
        t0 = time.perf_counter()
        lang = self.config.default_lang
        result = [Outgoing(t(lang, "internal_error"), lang=lang, kind="error")]
        try:
            async with self.trail.collect():
                try:
                    result, decision = await self._handle(inc)
                except Exception as exc:
                    log.exception(
                        "conversation failed on a message from %s/%s", inc.platform, inc.user_id
                    )
                    await self._audit(inc, "error", {"error": repr(exc)[:500]})
                    decision = "error"
                ms = (time.perf_counter() - t0) * 1000
                await self._audit(inc, "decision", {"decision": decision}, ms)
        except Exception:
            log.exception("could not write the audit log")
        return result

    async def _audit(
        self, inc: Incoming, event: str, detail: dict[str, Any], ms: float | None = None
    ) -> None:
        await self.trail.about(event, inc, detail, ms)

    async def _handle(self, inc: Incoming) -> tuple[list[Outgoing], str]:
        user = (inc.platform, inc.user_id)
        role = self.acl.role(*user)
        text = (inc.text or "").strip()
        if role is None:
            await self._audit(
                inc,
                "denied",
                {
                    "text": text[:200],
                    "button": inc.button_id,
                    "is_group": inc.is_group,
                    "user_name": inc.user_name,
                },
            )
            if inc.is_group or not self.refusals(user):
                return [], "denied_silent"
            lang = detect_lang(text, self.config.default_lang)
            return [Outgoing(t(lang, "denied"), lang=lang, kind="error")], "denied"
        rate = "ok" if user in self.config.rate_exempt else self.limiter.check(user)
        if rate != "ok":
            await self._audit(inc, "rate_limited", {"text": text[:200]})
            if rate == "limited_silent":
                return [], "rate_limited_silent"
            lang = await self._lang(inc, text)
            return [Outgoing(t(lang, "rate_limited"), lang=lang, kind="error")], "rate_limited"
        lang = await self._lang(inc, text)
        if inc.button_id:
            await self._audit(inc, "message", {"button": inc.button_id})
            return await self._button(inc, role, lang)
        if not text:
            return [], "empty"
        await self._audit(inc, "message", {"text": text[:1000], "is_group": inc.is_group})
        try:
            return await self._text(inc, role, lang, text)
        except BrokerError as exc:
            return [
                Outgoing(t(lang, "broker_error", reason=exc.text(lang)), lang=lang, kind="error")
            ], "broker_error"

    async def _lang(self, inc: Incoming, text: str) -> Lang:
        if text and not text.startswith("/"):
            zh, en = detect_lang(text, "zh"), detect_lang(text, "en")
            if zh == en:
                return zh
        q = self._questions.get((inc.platform, inc.chat_id, inc.user_id))
        if q is not None:
            return q.lang
        key = (inc.platform, inc.user_id)
        if key not in self._langs:
            stored = await self.prefs.user_lang(*key)
            rule = self.acl.user(*key)
            self._langs[key] = stored or (rule.lang if rule else None)  # type: ignore[assignment]
        return self._langs[key] or self.config.default_lang

    # ------------------------------------------------------------------ buttons and codes

    async def _button(self, inc: Incoming, role: Role, lang: Lang) -> tuple[list[Outgoing], str]:
        assert inc.button_id is not None
        if inc.button_id.startswith("q:"):
            return await self._answer_button(inc, role, lang, inc.button_id)
        parsed = parse_button(inc.button_id)
        if parsed is None:
            return [Outgoing(t(lang, "confirm_not_found"), lang=lang, kind="error")], "bad_button"
        if not allows(role, "trade"):
            return [Outgoing(t(lang, "need_trader"), lang=lang, kind="error")], "need_trader"
        cid, yes = parsed
        out = await self.flow.press(inc, cid, yes, lang)
        return out, "confirm" if yes else "cancel"

    async def _answer_button(
        self, inc: Incoming, role: Role, lang: Lang, data: str
    ) -> tuple[list[Outgoing], str]:
        """A choice button under a question ("买还是卖？" [买入] [卖出]): `q:<slot>:<value>`."""
        _, slot, value = [*data.split(":", 2), "", ""][:3]
        qkey = (inc.platform, inc.chat_id, inc.user_id)
        q = self._questions.get(qkey)
        if q is None or q.slot != slot or q.expires_at <= self.clock().timestamp():
            return [Outgoing(t(lang, "question_expired"), lang=lang, kind="error")], "stale_choice"
        filled = fill(q, value, self.aliases)
        if filled is None:
            return [Outgoing(t(lang, "question_expired"), lang=lang, kind="error")], "stale_choice"
        del self._questions[qkey]
        intent = Intent(**filled)
        await self._audit(
            inc, "intent", {"intent": intent.to_json_dict(), "engine": "choice", "slot": slot}
        )
        self._last_intent[(inc.platform, inc.user_id)] = intent
        return await self._dispatch(inc, role, q.lang, intent)

    # ------------------------------------------------------------------ text

    async def _text(
        self, inc: Incoming, role: Role, lang: Lang, text: str
    ) -> tuple[list[Outgoing], str]:
        qkey = (inc.platform, inc.chat_id, inc.user_id)
        code = parse_code_reply(text)
        if code is not None:
            if not allows(role, "trade"):
                return [Outgoing(t(lang, "need_trader"), lang=lang, kind="error")], "need_trader"
            yes, c = code
            return await self.flow.press_code(inc, yes, c, lang), "code"
        if is_bare_confirmation(text):
            self._questions.pop(qkey, None)
            return [Outgoing(t(lang, "confirm_bare"), lang=lang)], "bare_confirmation"
        low = text.lower()
        if low.startswith("/readonly"):
            return await self._cmd_readonly(inc, role, lang, low), "readonly"
        if low.startswith("/lang"):
            return await self._cmd_lang(inc, lang, low), "lang"
        if self.subscriptions is not None:
            sub = await self.subscriptions(inc, lang)
            if sub is not None:
                return [sub], "subscription"

        intent: Intent | None = None
        q = self._questions.pop(qkey, None)
        if q is not None and q.expires_at > self.clock().timestamp():
            filled = fill(q, text, self.aliases)
            if filled is not None:
                try:
                    intent = Intent(**filled)
                except ValueError:
                    intent = None
                if intent is not None:
                    await self._audit(
                        inc,
                        "intent",
                        {"intent": intent.to_json_dict(), "engine": "slot", "slot": q.slot},
                    )
        if intent is None:
            intent = await self._parse(inc, text)
        self._last_intent[(inc.platform, inc.user_id)] = intent
        return await self._dispatch(inc, role, lang, intent)

    async def _parse(self, inc: Incoming, text: str) -> Intent:
        from nlp.parser import ParseContext

        user = (inc.platform, inc.user_id)
        ctx = ParseContext(
            last_intent=self._last_intent.get(user),
            last_ticket=self.flow.last_tickets.get(user),
        )
        res = await self.parser.parse(text, ctx)
        await self._audit(
            inc,
            "intent",
            {
                "intent": res.intent.to_json_dict(),
                "engine": res.engine,
                "fallback_reason": res.fallback_reason,
            },
            res.elapsed_ms,
        )
        intent: Intent = res.intent
        return intent

    async def _dispatch(
        self, inc: Incoming, role: Role, lang: Lang, intent: Intent
    ) -> tuple[list[Outgoing], str]:
        name = intent.intent
        if name == "help":
            return [Outgoing(queries.help_text(lang, role), lang=lang)], "help"
        if name == "unknown":
            if inc.is_group and self.config.quiet_in_groups and not inc.mentioned:
                return [], "unknown_silent"
            return [Outgoing(t(lang, "unknown"), lang=lang)], "unknown"
        if name == "quote" and intent.symbol is None:
            return self._ask(inc, lang, intent, "symbol"), "ask_symbol"
        if intent.is_trade:
            if not allows(role, "trade"):
                return [Outgoing(t(lang, "need_trader"), lang=lang, kind="error")], "need_trader"
            slot = missing_slot(intent, use_default_volume=self.config.trading.use_default_volume)
            if slot is not None:
                return self._ask(inc, lang, intent, slot), f"ask_{slot}"
            if intent.intent == "open" and intent.volume is None:
                intent = intent.model_copy(update={"volume": self.config.trading.default_volume})
                intent = Intent(**intent.to_json_dict())
            out = await self.flow.preview(intent, inc, lang)
            return [out], "preview" if out.buttons else "no_preview"
        return await self._query(lang, intent), name

    def _ask(self, inc: Incoming, lang: Lang, intent: Intent, slot: Any) -> list[Outgoing]:
        self._questions[(inc.platform, inc.chat_id, inc.user_id)] = PendingQuestion(
            slot=slot,
            intent=intent.to_json_dict(),
            lang=lang,
            expires_at=self.clock().timestamp() + self.config.slot_ttl_s,
        )
        buttons: list[Button] = []
        if slot == "side":
            buttons = [
                Button(f"q:side:{side}", t(lang, label), reply_code=t(lang, side))
                for side, label in (("buy", "buy_long"), ("sell", "sell_short"))
            ]
        return [Outgoing(t(lang, QUESTION_KEY[slot]), buttons=buttons, lang=lang)]

    async def _query(self, lang: Lang, intent: Intent) -> list[Outgoing]:
        name = intent.intent
        b = self.broker
        if name == "positions":
            text = await queries.positions_text(b, lang, intent.symbol, intent.magic)
        elif name == "orders":
            text = await queries.orders_text(b, lang, intent.symbol)
        elif name == "account":
            text = await queries.account_text(b, lang)
        elif name == "quote":
            assert intent.symbol is not None
            text = await queries.quote_text(b, lang, intent.symbol)
        elif name in ("pnl", "report"):
            return await self._report(lang, intent)
        else:  # pragma: no cover - every intent is handled above
            text = t(lang, "unknown")
        return [Outgoing(text, lang=lang)]

    async def _report(self, lang: Lang, intent: Intent) -> list[Outgoing]:
        if self.reports is None:
            return [Outgoing(t(lang, "not_available"), lang=lang, kind="error")]
        now = self.clock()
        if intent.intent == "pnl":
            ans = await self.reports.pnl(
                period=intent.period, symbol=intent.symbol, magic=intent.magic, lang=lang, now=now
            )
        else:
            ans = await self.reports.report(
                kind=intent.kind or "daily", period=intent.period, lang=lang, now=now
            )
        images: list[Image] = list(getattr(ans, "images", []) or [])
        return [Outgoing(str(ans.text), images=images, lang=lang)]

    # ------------------------------------------------------------------ admin commands

    async def _cmd_readonly(
        self, inc: Incoming, role: Role, lang: Lang, low: str
    ) -> list[Outgoing]:
        arg = low.removeprefix("/readonly").strip()
        if not arg:
            key = "readonly_state_on" if await self.read_only() else "readonly_state_off"
            return [Outgoing(t(lang, key), lang=lang)]
        if not allows(role, "admin"):
            return [Outgoing(t(lang, "need_admin"), lang=lang, kind="error")]
        if arg not in ("on", "off"):
            return [Outgoing(t(lang, "readonly_usage"), lang=lang)]
        value = arg == "on"
        await self.set_read_only(value, by=f"{inc.platform}:{inc.user_id}")
        await self._audit(inc, "setting", {"read_only": value})
        return [Outgoing(t(lang, "readonly_on" if value else "readonly_off"), lang=lang)]

    async def _cmd_lang(self, inc: Incoming, lang: Lang, low: str) -> list[Outgoing]:
        arg = low.removeprefix("/lang").strip()
        if arg not in ("zh", "en"):
            return [Outgoing(t(lang, "lang_usage"), lang=lang)]
        new: Lang = "zh" if arg == "zh" else "en"
        await self.prefs.set_user_lang(inc.platform, inc.user_id, new)
        self._langs[(inc.platform, inc.user_id)] = new
        await self._audit(inc, "setting", {"lang": new})
        return [Outgoing(t(new, "lang_set"), lang=new)]
