"""The platform-neutral conversation: the one entry point for every chat adapter.

    out: list[Outgoing] = await conversation.handle(Incoming(...))

Contract for adapters (console, Telegram, QQ/OneBot, WeCom):
- Call `handle` once per user message or button press, concurrently for different chats if
  you like; it never raises. A broker error on any path (text, button, reply code, the answer
  to a question) becomes a clear answer — "the terminal is away, try again in a minute" — an
  audit row and one log line (`_guarded`); an internal error a short apology, an audit row and
  its traceback in the log.
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
Every step is written to the audit log. Every text is read in `nlp/`: commands, reply codes
and answers by `nlp.commands`, requests by the parser.

Parts: `build_conversation(...)` builds the parts (audit log, prefs, confirmations, planner,
risk gate, executor, confirmation flow …) from the broker, parser, database and config, once,
for the composition root; `Conversation` only uses them.

Who gets what:
- unknown user, private chat: one short refusal ("抱歉，你没有使用权限。") per
  `refusal_interval_s` (default one hour), then silence; every message is audited as "denied";
- unknown user in a group: always silent (audited);
- viewer: queries and reports; trader: also trades and confirmations; admin: also /readonly;
- past `messages_per_minute`: one polite "please wait" per window, then silence (button
  presses are not counted);
- account data (balance, positions, P&L, orders, reports, previews) asked in a group that is
  no trading room (`trading_rooms`) goes to the asker's private chat (`Outgoing.to_chat`),
  with a short note in the group (handlers/rooms.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from broker.base import Broker
from broker.errors import BrokerError, TemporaryBrokerError
from broker.mt5.snapshot import accept_snapshots
from handlers import queries
from handlers.alerts import MAX_BUTTONS, Owner, PriceAlerts, alert_button, read_alert_button
from handlers.audit_trail import AuditTrail, StepNotStoredError
from handlers.auth import AccessList, OncePer, RateLimiter, Role, allows
from handlers.broker_text import note_text
from handlers.config import ConversationConfig
from handlers.confirm import ConfirmFlow, parse_button
from handlers.day_pnl import day_pnl_for
from handlers.ea_view import ea_view_text
from handlers.execute import Executor
from handlers.exposure import AccountGuard
from handlers.format import UserClock
from handlers.hedge_actions import Closes, read_action_button
from handlers.help import help_text
from handlers.i18n import t
from handlers.market import MarketData
from handlers.market_info import closed_trades, contract_info, contract_text, history_text
from handlers.messages import Button, Image, Incoming, Lang, Outgoing
from handlers.plan_text import out_of_range_text
from handlers.plans import Planner, Problem, SideQuestion
from handlers.risk import DayPnl, ReadOnlySwitch, RiskGate
from handlers.rooms import GroupPolicy, ask_privately, in_private, sent_privately
from handlers.slots import (
    QUESTION_KEY,
    PendingQuestion,
    Slot,
    fill,
    missing_slot,
    question_button,
    read_question_button,
    updated,
)
from handlers.subscriptions import Audience, answer_subscription, help_line, notice_line
from handlers.text_hygiene import MAX_TEXT_CHARS, without_surrogates
from handlers.trailing import TrailingPlanner
from nlp.aliases import SymbolAliases
from nlp.commands import (
    AlertsCommand,
    BadTrailingDistance,
    BareReply,
    CheckReply,
    CodeReply,
    Command,
    LangCommand,
    LogsCommand,
    ReadOnlyCommand,
    SubscriptionCommand,
    SuggestionReply,
    alert_price_not_positive,
    is_slash_command,
    read_command,
    written_lang,
)
from nlp.intent import Intent
from nlp.management import OutOfRange
from reports.periods import PeriodError, TradingCalendar
from store.audit import AuditLog
from store.confirmations import ConfirmationStore, looks_like_code
from store.db import Database
from store.prefs import PrefsStore
from store.subscriptions import SubscriptionStore
from store.trailing import TrailingStore

log = logging.getLogger(__name__)

Answer = tuple[list[Outgoing], str]  # the messages to send, and the decision for the audit


class ParseResultLike(Protocol):
    intent: Intent
    engine: str
    fallback_reason: str | None
    elapsed_ms: float


class ParserLike(Protocol):
    async def parse(self, text: str, context: Any = None) -> Any: ...
    def suggest(self, text: str, lang: str) -> str | None: ...
    def trouble(self, text: str) -> OutOfRange | None: ...


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
    async def ea_today(
        self, magic: int, symbol: str | None = None, now: datetime | None = None
    ) -> Any: ...
    def user_clock(self) -> UserClock: ...
    def calendar(self) -> TradingCalendar: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


LogReader = Callable[[int], Awaitable[list[str]]]


@dataclass(frozen=True, slots=True)
class ConversationParts:
    """Everything a `Conversation` works with, built ready-made by `build_conversation`."""

    broker: Broker
    parser: ParserLike
    config: ConversationConfig
    clock: Callable[[], datetime]
    acl: AccessList
    limiter: RateLimiter
    refusals: OncePer
    audit: AuditLog
    trail: AuditTrail
    prefs: PrefsStore
    read_only: ReadOnlySwitch
    aliases: SymbolAliases
    flow: ConfirmFlow
    reports: ReportsLike | None = None
    # None: subscription commands are not answered here (they go on to the parser)
    subscriptions: SubscriptionStore | None = None
    # who receives pushes by default: /subscriptions shows it, a new user is told (one line)
    audience: Audience | None = None
    # the last N lines of the bot's log, for /logs (None: not served here)
    logs: LogReader | None = None
    # price alerts (None: "alert" and /alerts are answered as not enabled)
    price_alerts: PriceAlerts | None = None
    # charts, indicators, key levels (None: not served here)
    market: MarketData | None = None


# Intents of the contract that are read but not served yet: none since market data landed;
# an intent added to the contract before its service goes here and is answered plainly.
NOT_YET: frozenset[str] = frozenset()
# Answered by the market-data service (handlers/market.py): text and a K-line chart.
MARKET_INTENTS = frozenset({"chart", "indicator", "levels"})


def _not_understood(parser: ParserLike, text: str | None, lang: Lang) -> str:
    """ "Not understood", with the closest phrasing the bot does understand when there is one
    (a fixed table of working examples, never the user's own words; none for talk)."""
    trouble = parser.trouble(text or "")
    if trouble is not None:  # read, but out of range: say what is allowed
        return out_of_range_text(trouble, lang)
    example = parser.suggest(text or "", lang)
    return t(lang, "unknown_suggest", example=example) if example else t(lang, "unknown")


def build_conversation(
    *,
    broker: Broker,
    parser: ParserLike,
    db: Database,
    config: ConversationConfig,
    reports: ReportsLike | None = None,
    subscriptions: SubscriptionStore | None = None,
    symbol_aliases: dict[str, str] | None = None,
    clock: Callable[[], datetime] = _utcnow,
    audit: AuditLog | None = None,
    guard: AccountGuard | None = None,
    audience: Audience | None = None,
    logs: LogReader | None = None,
    price_alerts: PriceAlerts | None = None,
    market: MarketData | None = None,
    day_pnl: DayPnl | None = None,
) -> Conversation:
    """The conversation and all its parts, on one database: the composition root's one call.
        `audit` is the process's one audit log when the caller has it (pushes write to it too);
        `guard` the broker account's one lock, which every other mouth trading on the account
        must share (a new one when not given: then this conversation is the only mouth); `day_pnl`
    the process's one daily-P&L tracker, which the deal watcher feeds (one over `reports` when
    not given)."""

    def secs() -> float:
        return clock().timestamp()

    audit = audit if audit is not None else AuditLog(db)
    trail = AuditTrail(audit)
    prefs = PrefsStore(db)
    read_only = ReadOnlySwitch(prefs, config.risk.read_only)
    planner = Planner(broker, config.trade)
    executor = Executor(broker, magic=config.trading.magic, clock=clock)
    # trailing stops kept by the bot: planned, executed and listed on this database
    planner.trailing = executor.trailing = TrailingPlanner(
        broker, TrailingStore(db), ConfirmationStore(db), config.trailing, clock
    )
    risk = RiskGate(
        broker,
        config.risk,
        read_only=read_only,
        day_pnl=day_pnl if day_pnl is not None or reports is None else day_pnl_for(reports, clock),
    )
    flow = ConfirmFlow(
        broker=broker,
        store=ConfirmationStore(db),
        planner=planner,
        risk=risk,
        executor=executor,
        audit=trail,
        trading=config.trading,
        clock=clock,
        guard=guard if guard is not None else AccountGuard(),
    )
    return Conversation(
        ConversationParts(
            broker=broker,
            parser=parser,
            config=config,
            clock=clock,
            acl=AccessList(config.users),
            limiter=RateLimiter(config.messages_per_minute, 60.0, clock=secs),
            refusals=OncePer(config.refusal_interval_s, clock=secs),
            audit=audit,
            trail=trail,
            prefs=prefs,
            read_only=read_only,
            aliases=SymbolAliases(symbol_aliases),
            flow=flow,
            reports=reports,
            subscriptions=audience.store if subscriptions is None and audience else subscriptions,
            audience=audience,
            logs=logs,
            price_alerts=price_alerts,
            market=market
            if market is not None
            else MarketData(broker, clock=reports.user_clock() if reports is not None else None),
        )
    )


class Conversation:
    def __init__(self, parts: ConversationParts) -> None:
        self.parts = parts
        self.broker = parts.broker
        self.parser = parts.parser
        self.config = parts.config
        self.clock = parts.clock
        self.acl = parts.acl
        self.limiter = parts.limiter
        self.refusals = parts.refusals
        self.audit = parts.audit
        self.trail = parts.trail
        self.prefs = parts.prefs
        self.aliases = parts.aliases
        self.flow = parts.flow
        self.reports = parts.reports
        self.subscriptions = parts.subscriptions
        self.audience = parts.audience
        self._read_only = parts.read_only
        self.groups = GroupPolicy(parts.config.trading_rooms)
        self._langs: dict[tuple[str, str], Lang | None] = {}
        self._last_intent: dict[tuple[str, str], Intent] = {}
        self._questions: dict[tuple[str, str, str], PendingQuestion] = {}

    # ------------------------------------------------------------------ public helpers

    def is_listed(self, platform: str, user_id: str) -> bool:
        return self.acl.is_listed(platform, user_id)

    async def read_only(self) -> bool:
        return await self._read_only()

    async def set_read_only(self, value: bool, *, by: str = "") -> None:
        await self._read_only.set(value, by=by)

    # ------------------------------------------------------------------ entry point

    async def handle(self, inc: Incoming) -> list[Outgoing]:
        t0 = time.perf_counter()
        lang = self.config.default_lang
        result = [Outgoing(t(lang, "internal_error"), lang=lang, kind="error")]
        try:
            async with self.trail.collect():
                try:
                    result, decision = await self._handle(inc)
                    result = await self._first_notice(inc, result)
                except Exception as exc:
                    log.exception(
                        "conversation failed on a message from %s/%s", inc.platform, inc.user_id
                    )
                    await self._audit(inc, "error", {"error": repr(exc)[:500]})
                    decision = "error"
                ms = (time.perf_counter() - t0) * 1000
                await self._audit(inc, "decision", {"decision": decision}, ms)
        except StepNotStoredError:
            # the answer (a preview's ✅) names a row the database refused: never shown
            log.exception("a message's writes could not be stored")
            lang = result[0].lang if result else lang
            result = [Outgoing(t(lang, "step_not_stored"), lang=lang, kind="error")]
        except Exception:
            log.exception("could not write the audit log")
        for out in result:  # a broker's text (a comment the terminal cut) may carry half an emoji
            out.text = without_surrogates(out.text)
        return result

    async def _audit(
        self, inc: Incoming, event: str, detail: dict[str, Any], ms: float | None = None
    ) -> None:
        await self.trail.about(event, inc, detail, ms)

    async def _handle(self, inc: Incoming) -> Answer:
        user = (inc.platform, inc.user_id)
        role = self.acl.role(*user)
        text = (inc.text or "").strip()
        if role is None:
            return await self._denied(inc, text)
        # A button press is not a message: it answers one, and a busy trader's ✅ must not be
        # refused while its preview runs out.
        exempt = user in self.config.rate_exempt or inc.button_id is not None
        rate = "ok" if exempt else self.limiter.check(user)
        if rate != "ok":
            await self._audit(inc, "rate_limited", {"text": text[:200]})
            if rate == "limited_silent":
                return [], "rate_limited_silent"
            lang = await self._lang(inc, text)
            return [Outgoing(t(lang, "rate_limited"), lang=lang, kind="error")], "rate_limited"
        lang = await self._lang(inc, text)
        if inc.button_id:
            await self._audit(inc, "message", {"button": inc.button_id})
            return await self._guarded(inc, lang, self._button(inc, role, lang, inc.button_id))
        if not text:
            return [], "empty"
        if inc.too_long:  # refused whole: a cut trade request could still parse as a trade
            await self._audit(inc, "message", {"text": text[:1000], "too_long": True})
            return [
                Outgoing(t(lang, "too_long", max=MAX_TEXT_CHARS), lang=lang, kind="error")
            ], "too_long"
        await self._audit(inc, "message", {"text": text[:1000], "is_group": inc.is_group})
        return await self._guarded(inc, lang, self._text(inc, role, lang, text))

    async def _guarded(self, inc: Incoming, lang: Lang, answer: Awaitable[Answer]) -> Answer:
        """The one guard around every way into the conversation — a typed message, a reply
        code, the answer to a question, a ✅/❌ or a choice button: a broker error is an
        expected event (the terminal away, a lookup refused), answered in words, audited and
        logged as one line, never as a traceback. Anything else is a bug: `handle` apologises
        and logs it with its traceback."""
        try:
            return await answer
        except BrokerError as exc:
            return await self._broker_trouble(inc, lang, exc)

    async def _broker_trouble(self, inc: Incoming, lang: Lang, exc: BrokerError) -> Answer:
        away = isinstance(exc, TemporaryBrokerError)  # terminal away, timeout: try again later
        decision = "terminal_away" if away else "broker_error"
        log.warning("answer to %s/%s: %s: %s", inc.platform, inc.user_id, decision, exc)
        await self._audit(
            inc, "broker_error", {"error": str(exc)[:500], "code": exc.code, "temporary": away}
        )
        key = "guard_terminal_away" if away else "broker_error"
        reason = note_text(exc.note, lang)
        return [Outgoing(t(lang, key, reason=reason), lang=lang, kind="error")], decision

    async def _denied(self, inc: Incoming, text: str) -> Answer:
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
        if inc.is_group or not self.refusals((inc.platform, inc.user_id)):
            return [], "denied_silent"
        lang = written_lang(text) or self.config.default_lang
        return [Outgoing(t(lang, "denied"), lang=lang, kind="error")], "denied"

    async def _lang(self, inc: Incoming, text: str) -> Lang:
        """A language the user chose with /lang, else the message's script, else the pending
        question's, else the settings' `lang` for the user, else the default."""
        key = (inc.platform, inc.user_id)
        if key not in self._langs:
            self._langs[key] = await self.prefs.user_lang(*key)  # type: ignore[assignment]
        chosen = self._langs[key]
        if chosen is not None:  # asked for: "/lang en" answers Chinese messages in English
            return chosen
        written = None if is_slash_command(text) else written_lang(text)
        if written is not None:
            return written
        q = self._questions.get((inc.platform, inc.chat_id, inc.user_id))
        if q is not None:
            return q.lang
        rule = self.acl.user(*key)
        return (rule.lang if rule else None) or self.config.default_lang

    async def _first_notice(self, inc: Incoming, result: list[Outgoing]) -> list[Outgoing]:
        """The first answer a listed user ever gets ends with one line: what is pushed to them
        by default and how to change it (once per user, atomically in the store)."""
        aud = self.audience
        if aud is None or not result or self.acl.role(inc.platform, inc.user_id) is None:
            return result
        if aud.running is not None and not aud.running(inc.platform):
            return result  # this process pushes nothing there (`tradechat chat`): tell later
        try:
            first = await aud.store.first_time_told(inc.platform, inc.user_id)
        except Exception:  # a hint must never cost the answer
            log.exception("could not record that %s/%s was told", inc.platform, inc.user_id)
            return result
        if not first:
            return result
        last = result[-1]  # the line closes the answer itself: one message, wherever it goes
        last.text = f"{last.text}\n\n{notice_line(aud, inc.platform, inc.user_id, last.lang)}"
        return result

    # ------------------------------------------------------------------ buttons and codes

    async def _button(self, inc: Incoming, role: Role, lang: Lang, data: str) -> Answer:
        choice = read_question_button(data)
        if choice is not None:
            return await self._answer_button(inc, role, lang, *choice)
        alert_id = read_alert_button(data)
        if alert_id is not None:
            return await self._alert_button(inc, lang, alert_id), "alert_deleted"
        closes = read_action_button(data)
        if closes is not None:  # a hedge suggestion's one-tap plan: a preview, not a trade
            return await self._suggestion(inc, role, lang, closes)
        parsed = parse_button(data)
        if parsed is None:
            return [Outgoing(t(lang, "confirm_not_found"), lang=lang, kind="error")], "bad_button"
        if not allows(role, "trade"):
            return [Outgoing(t(lang, "need_trader"), lang=lang, kind="error")], "need_trader"
        cid, yes = parsed
        out = await self.flow.press(inc, cid, yes, lang)
        return out, "confirm" if yes else "cancel"

    async def _suggestion(self, inc: Incoming, role: Role, lang: Lang, closes: Closes) -> Answer:
        if not allows(role, "trade"):
            return [Outgoing(t(lang, "need_trader"), lang=lang, kind="error")], "need_trader"
        await self._audit(inc, "suggestion", {"closes": [list(c) for c in closes]})
        if self.groups.keeps_private(inc, Intent(intent="close")):  # a preview is account data
            private = in_private(inc)
            if private is None:
                return [ask_privately(inc, lang)], "ask_privately"
            out = await self.flow.preview_closes(closes, private, lang)
            return sent_privately([out], inc, lang), "preview_private"
        out = await self.flow.preview_closes(closes, inc, lang)
        return [out], "preview" if out.buttons else "no_preview"

    async def _answer_button(
        self, inc: Incoming, role: Role, lang: Lang, slot: str, value: str
    ) -> Answer:
        """A choice button under a question ("买还是卖？" [买入] [卖出])."""
        qkey = (inc.platform, inc.chat_id, inc.user_id)
        q = self._questions.get(qkey)
        if q is None or q.slot != slot or q.expires_at <= self.clock().timestamp():
            return [Outgoing(t(lang, "question_expired"), lang=lang, kind="error")], "stale_choice"
        intent = fill(q, value, self.aliases)
        if intent is None:
            return [Outgoing(t(lang, "question_expired"), lang=lang, kind="error")], "stale_choice"
        del self._questions[qkey]
        await self._audit(
            inc, "intent", {"intent": intent.to_json_dict(), "engine": "choice", "slot": slot}
        )
        self._last_intent[(inc.platform, inc.user_id)] = intent
        return await self._dispatch(inc, role, q.lang, intent)

    # ------------------------------------------------------------------ text

    async def _text(self, inc: Incoming, role: Role, lang: Lang, text: str) -> Answer:
        command = read_command(text)
        if command is not None:
            answer = await self._command(inc, role, lang, command)
            if answer is not None:
                return answer
        intent = await self._answered_question(inc, text)
        if intent is None:
            intent = await self._parse(inc, text)
        self._last_intent[(inc.platform, inc.user_id)] = intent
        return await self._dispatch(inc, role, lang, intent)

    async def _command(
        self, inc: Incoming, role: Role, lang: Lang, command: Command
    ) -> Answer | None:
        """The answer to a command; None when this conversation does not take it (a code
        that is none of ours, subscriptions not served here): the text goes on."""
        if isinstance(command, CodeReply | CheckReply):
            return await self._code_command(inc, role, lang, command)
        if isinstance(command, SuggestionReply | BadTrailingDistance):
            return await self._management_command(inc, role, lang, command)
        if isinstance(command, BareReply):
            self._questions.pop((inc.platform, inc.chat_id, inc.user_id), None)
            return [Outgoing(t(lang, "confirm_bare"), lang=lang)], "bare_confirmation"
        if isinstance(command, ReadOnlyCommand):
            return await self._cmd_readonly(inc, role, lang, command), "readonly"
        if isinstance(command, LangCommand):
            return await self._cmd_lang(inc, lang, command), "lang"
        if isinstance(command, LogsCommand):
            return await self._cmd_logs(inc, role, lang, command), "logs"
        if isinstance(command, AlertsCommand):
            return await self._cmd_alerts(inc, lang, command), "alerts"
        return await self._subscription(inc, lang, command)

    async def _code_command(
        self, inc: Incoming, role: Role, lang: Lang, command: CodeReply | CheckReply
    ) -> Answer | None:
        """A typed confirmation code ("确认 7F3K") or a "check 7F3K"; None: not one of ours."""
        if not looks_like_code(command.code):
            return None
        if not allows(role, "trade"):
            return [Outgoing(t(lang, "need_trader"), lang=lang, kind="error")], "need_trader"
        if isinstance(command, CheckReply):
            return await self.flow.check_code(inc, command.code, lang), "check"
        return await self.flow.press_code(inc, command.yes, command.code, lang), "code"

    async def _management_command(
        self, inc: Incoming, role: Role, lang: Lang, command: SuggestionReply | BadTrailingDistance
    ) -> Answer:
        """A hedge suggestion taken up by its typed code, or a trailing distance ≤ 0."""
        if isinstance(command, BadTrailingDistance):
            return [Outgoing(t(lang, "tr_bad_distance"), lang=lang)], "bad_trailing"
        return await self._suggestion(inc, role, lang, command.closes)

    async def _subscription(
        self, inc: Incoming, lang: Lang, command: SubscriptionCommand
    ) -> Answer | None:
        if self.subscriptions is None:
            return None
        out = await answer_subscription(
            command.action,
            command.kind,
            platform=inc.platform,
            chat_id=inc.chat_id,
            lang=lang,
            store=self.subscriptions,
            audience=self.audience,
        )
        return [out], "subscription"

    async def _answered_question(self, inc: Incoming, text: str) -> Intent | None:
        """The pending question's intent completed by `text`, or None when there is no live
        question or `text` does not answer it (the question is dropped either way)."""
        q = self._questions.pop((inc.platform, inc.chat_id, inc.user_id), None)
        if q is None or q.expires_at <= self.clock().timestamp():
            return None
        intent = fill(q, text, self.aliases)
        if intent is not None:
            await self._audit(
                inc, "intent", {"intent": intent.to_json_dict(), "engine": "slot", "slot": q.slot}
            )
        return intent

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

    async def _dispatch(self, inc: Incoming, role: Role, lang: Lang, intent: Intent) -> Answer:
        if self.groups.keeps_private(inc, intent):
            return await self._privately(inc, role, lang, intent)
        name = intent.intent
        if name in ("help", "unknown"):
            return await self._help_or_unknown(inc, role, lang, name)
        if name in ("subscribe", "unsubscribe"):
            # the contract's subscribe with no kind means every kind
            command = SubscriptionCommand(name, intent.kind or "all")
            answer = await self._subscription(inc, lang, command)
            return answer or ([Outgoing(t(lang, "not_available"), lang=lang)], "no_subscriptions")
        if name in MARKET_INTENTS:
            return await self._market(inc, lang, intent), name
        if name in NOT_YET:
            # understood, but this build has no market-data service yet: say so plainly
            what = t(lang, f"intent_name_{name}")
            return [Outgoing(t(lang, "intent_not_yet", what=what), lang=lang)], "not_yet"
        if name in ("quote", "symbol_info") and intent.symbol is None:
            return self._ask(inc, lang, intent, "symbol"), "ask_symbol"
        if name == "alert":
            return await self._alert(inc, lang, intent)
        if intent.is_trade:
            return await self._trade(inc, role, lang, intent)
        # A display answer may come from the terminal snapshot while a trade is stuck in the
        # terminal; it then says how old it is. (Risk checks never accept snapshots.)
        with accept_snapshots() as snapshot:
            out = await self._query(lang, intent)
        if snapshot.age_s is not None and out:
            last = out[-1]
            out[-1] = replace(
                last, text=f"{last.text}\n\n{queries.snapshot_note(lang, snapshot.age_s)}"
            )
        return out, name

    async def _help_or_unknown(self, inc: Incoming, role: Role, lang: Lang, name: str) -> Answer:
        if name == "help":
            notify = help_line(self.audience, inc.platform, inc.user_id, lang)
            text = await help_text(lang, role, broker=self.broker, notify=notify)
            return [Outgoing(text, lang=lang)], "help"
        if inc.is_group and self.config.quiet_in_groups and not inc.mentioned:
            return [], "unknown_silent"
        if alert_price_not_positive(inc.text or ""):
            return [Outgoing(t(lang, "mk_alert_not_positive"), lang=lang)], "alert_refused"
        return [Outgoing(_not_understood(self.parser, inc.text, lang), lang=lang)], "unknown"

    async def _market(self, inc: Incoming, lang: Lang, intent: Intent) -> list[Outgoing]:
        """A chart, an indicator or key levels. Market data may be answered in any chat; the
        account's positions and orders are drawn on the chart only where account data may be
        shown (a private chat or a trading room)."""
        market = self.parts.market
        if market is None:
            return [Outgoing(t(lang, "not_available"), lang=lang, kind="error")]
        show = not inc.is_group or self.groups.is_trading_room(inc.platform, inc.chat_id)
        return await market.answer(intent, lang, show_account=show)

    async def _privately(self, inc: Incoming, role: Role, lang: Lang, intent: Intent) -> Answer:
        """Account data asked in a group that is no trading room: answered as if asked in the
        private chat (a preview is bound to it), delivered there, a note in the group."""
        private = in_private(inc)
        if private is None:
            return [ask_privately(inc, lang)], "ask_privately"
        outs, decision = await self._dispatch(private, role, lang, intent)
        await self._audit(inc, "private", {"to_chat": private.chat_id, "decision": decision})
        return sent_privately(outs, inc, lang), f"{decision}_private"

    async def _trade(self, inc: Incoming, role: Role, lang: Lang, intent: Intent) -> Answer:
        if not allows(role, "trade"):
            return [Outgoing(t(lang, "need_trader"), lang=lang, kind="error")], "need_trader"
        trading = self.config.trading
        slot = missing_slot(intent, use_default_volume=trading.use_default_volume)
        if slot is not None:
            return self._ask(inc, lang, intent, slot), f"ask_{slot}"
        if intent.intent == "open" and intent.volume is None and intent.risk_percent is None:
            intent = updated(intent, volume=trading.default_volume)
        built = await self.flow.planner.build(intent)
        if isinstance(built, SideQuestion):  # a hedged book: which side is asked, not guessed
            return self._ask(inc, lang, intent, "side", built), "ask_held_side"
        out = await self.flow.preview(intent, inc, lang, built=built)
        return [out], "preview" if out.buttons else "no_preview"

    def _ask(
        self,
        inc: Incoming,
        lang: Lang,
        intent: Intent,
        slot: Slot,
        question: Problem | None = None,
    ) -> list[Outgoing]:
        self._questions[(inc.platform, inc.chat_id, inc.user_id)] = PendingQuestion(
            slot=slot,
            intent=intent,
            lang=lang,
            expires_at=self.clock().timestamp() + self.config.slot_ttl_s,
        )
        buttons: list[Button] = []
        text = t(lang, QUESTION_KEY[slot])
        if slot == "side":
            # a new order: buy or sell; held positions (`question`): the buys or the sells
            labels = ("tm_btn_longs", "tm_btn_shorts") if question else ("buy_long", "sell_short")
            buttons = [
                Button(question_button("side", side), t(lang, label), reply_code=t(lang, side))
                for side, label in zip(("buy", "sell"), labels, strict=True)
            ]
            text = question.text(lang) if question else self._side_question(lang, intent)
        return [Outgoing(text, buttons=buttons, lang=lang)]

    def _side_question(self, lang: Lang, intent: Intent) -> str:
        """ "买还是卖 XAUUSD 0.01 手？" and, in the same line, what follows and for how long."""
        what = str(intent.symbol or "")
        if intent.volume is not None:
            what = t(lang, "ask_side_lots", symbol=what, lots=f"{intent.volume:g}")
        minutes = max(1, round(self.config.slot_ttl_s / 60))
        return t(lang, "ask_side_of", what=what, minutes=minutes)

    async def _query(self, lang: Lang, intent: Intent) -> list[Outgoing]:
        name = intent.intent
        b = self.broker
        if name == "positions" and intent.magic is not None:  # one EA's basket and its day
            text = await ea_view_text(
                b,
                lang,
                intent.magic,
                symbol=intent.symbol,
                side=intent.side,
                reports=self.reports,
                now=self.clock(),
            )
        elif name == "positions":
            trailing = self.flow.planner.trailing
            trailed = await trailing.pips_by_ticket() if trailing is not None else None
            text = await queries.positions_text(
                b, lang, intent.symbol, intent.magic, intent.side, trailed
            )
        elif name == "orders":
            text = await queries.orders_text(b, lang, intent.symbol)
        elif name == "account":
            text = await queries.account_text(b, lang)
        elif name == "quote" and intent.symbol is not None:
            clock = self.reports.user_clock() if self.reports is not None else None
            text = await queries.quote_text(b, lang, intent.symbol, clock)
        elif name in ("pnl", "report"):
            return await self._report(lang, intent)
        elif name in ("symbol_info", "history"):
            text = await self._market_info(lang, intent)
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
        buttons: list[Button] = list(getattr(ans, "buttons", []) or [])  # hedge suggestions
        return [Outgoing(str(ans.text), buttons=buttons, images=images, lang=lang)]

    # ------------------------------------------------------------------ contract info, history, alerts

    def _user_clock(self) -> UserClock:
        return self.reports.user_clock() if self.reports is not None else UserClock()

    async def _market_info(self, lang: Lang, intent: Intent) -> str:
        """symbol_info and history (handlers/market_info.py)."""
        now = self.clock()
        if intent.intent == "symbol_info":
            assert intent.symbol is not None  # noqa: S101 - asked for in _dispatch
            info = await contract_info(self.broker, intent.symbol)
            return contract_text(info, lang, self._user_clock(), now)
        if self.reports is None:
            return t(lang, "not_available")
        try:
            hist = await closed_trades(
                self.broker, self.reports.calendar(), period=intent.period,
                symbol=intent.symbol, magic=intent.magic, now=now,
            )  # fmt: skip
        except PeriodError as exc:
            return exc.text(lang)
        return history_text(hist, lang, self._user_clock())

    def _owner(self, inc: Incoming, lang: Lang) -> Owner:
        return Owner(inc.platform, inc.user_id, inc.chat_id, lang)

    async def _alert(self, inc: Incoming, lang: Lang, intent: Intent) -> Answer:
        alerts = self.parts.price_alerts
        if alerts is None:
            return [Outgoing(t(lang, "mk_alerts_off"), lang=lang)], "alerts_off"
        if intent.symbol is None or intent.price is None:  # the contract requires both
            return [Outgoing(_not_understood(self.parser, inc.text, lang), lang=lang)], "unknown"
        answer = await alerts.create(self._owner(inc, lang), intent.symbol, intent.price)
        if answer.ok and answer.alert is not None:
            await self._audit(inc, "price_alert", {"id": answer.alert.id, "set": True})
        kind: Literal["answer", "error"] = "answer" if answer.ok else "error"
        return [Outgoing(answer.text, lang=lang, kind=kind)], answer.reason or "alert_set"

    async def _cmd_alerts(
        self, inc: Incoming, lang: Lang, command: AlertsCommand
    ) -> list[Outgoing]:
        alerts = self.parts.price_alerts
        if alerts is None:
            return [Outgoing(t(lang, "mk_alerts_off"), lang=lang)]
        owner = self._owner(inc, lang)
        if command.action == "delete" and command.number is not None:
            answer = await alerts.delete(owner, command.number)
            if answer.ok and answer.alert is not None:
                await self._audit(inc, "price_alert", {"id": answer.alert.id, "deleted": True})
            return [Outgoing(answer.text, lang=lang, kind="answer" if answer.ok else "error")]
        out = await self._alert_list(owner)
        if command.action == "usage":
            out.text = f"{t(lang, 'mk_alerts_hint')}\n\n{out.text}"
        return [out]

    async def _alert_list(self, owner: Owner, head: str = "") -> Outgoing:
        """The owner's alerts, numbered, with a 🗑 button per alert (typed: /alerts del N)."""
        assert self.parts.price_alerts is not None  # noqa: S101 - checked by the callers
        text, mine = await self.parts.price_alerts.listing(owner)
        lang = owner.lang
        buttons = [
            Button(alert_button(a.id), t(lang, "mk_alert_button", n=i), f"/alerts del {i}")
            for i, a in enumerate(mine[:MAX_BUTTONS], 1)
        ]
        return Outgoing(f"{head}\n\n{text}" if head else text, buttons=buttons, lang=lang)

    async def _alert_button(self, inc: Incoming, lang: Lang, alert_id: int) -> list[Outgoing]:
        """🗑 under /alerts: only the owner's own alert is removed (the id is looked up among
        the presser's alerts)."""
        alerts = self.parts.price_alerts
        if alerts is None:
            return [Outgoing(t(lang, "mk_alerts_off"), lang=lang)]
        owner = self._owner(inc, lang)
        answer = await alerts.delete_by_id(owner, alert_id)
        if answer.ok:
            await self._audit(inc, "price_alert", {"id": alert_id, "deleted": True})
        # the list message becomes the answer and the list as it is now (numbers move up)
        out = await self._alert_list(owner, head=answer.text)
        return [replace(out, edit_of=inc.message_id)]

    # ------------------------------------------------------------------ admin commands

    async def _cmd_readonly(
        self, inc: Incoming, role: Role, lang: Lang, command: ReadOnlyCommand
    ) -> list[Outgoing]:
        if command.action == "show":
            key = "readonly_state_on" if await self.read_only() else "readonly_state_off"
            return [Outgoing(t(lang, key), lang=lang)]
        if not allows(role, "admin"):
            return [Outgoing(t(lang, "need_admin"), lang=lang, kind="error")]
        if command.action == "usage":
            return [Outgoing(t(lang, "readonly_usage"), lang=lang)]
        value = command.action == "on"
        await self.set_read_only(value, by=f"{inc.platform}:{inc.user_id}")
        await self._audit(inc, "setting", {"read_only": value})
        return [Outgoing(t(lang, "readonly_on" if value else "readonly_off"), lang=lang)]

    async def _cmd_logs(
        self, inc: Incoming, role: Role, lang: Lang, command: LogsCommand
    ) -> list[Outgoing]:
        """The end of the bot's log, for an admin in a private chat (a log names users and
        chats: never in a group, even a trading room). Secrets are redacted when written."""
        if not allows(role, "admin"):
            return [Outgoing(t(lang, "need_admin"), lang=lang, kind="error")]
        if inc.is_group:
            return [Outgoing(t(lang, "logs_private_only"), lang=lang, kind="error")]
        if self.parts.logs is None:
            return [Outgoing(t(lang, "not_available"), lang=lang, kind="error")]
        lines = await self.parts.logs(command.lines)
        if not lines:
            return [Outgoing(t(lang, "logs_empty"), lang=lang)]
        head = t(lang, "logs_head", n=len(lines))
        return [Outgoing(head + "\n" + "\n".join(lines), lang=lang)]

    async def _cmd_lang(self, inc: Incoming, lang: Lang, command: LangCommand) -> list[Outgoing]:
        if command.lang is None:
            return [Outgoing(t(lang, "lang_usage"), lang=lang)]
        new: Lang = command.lang
        await self.prefs.set_user_lang(inc.platform, inc.user_id, new)
        self._langs[(inc.platform, inc.user_id)] = new
        await self._audit(inc, "setting", {"lang": new})
        return [Outgoing(t(new, "lang_set"), lang=new)]
