"""Who receives what goes out, and subscriptions managed in chat: "订阅日报", "取消订阅月报",
"我的订阅", "/subscribe daily", "/unsubscribe alerts", "/subscriptions".

The audience of a push kind is

- every chat that chose it (`/subscribe`, any chat: private, group, the WeCom group robot), and
- the *default audience*: listed users in their private chat on each platform where they are
  listed — alerts for admins (and traders when `alerts_to_traders`), reports for every listed
  user on a platform whose reports are "opt_out" (`NotificationPolicy`);

minus every chat that explicitly unsubscribed from it: an explicit `/unsubscribe alerts` is
stored (store/subscriptions.py) and beats the default. Nobody has to subscribe to be warned
that the margin level is falling.

The text is read by `nlp.commands.read_subscription_command`; `answer_subscription` takes the
parsed (action, kind), so a parsed `subscribe`/`unsubscribe` intent can be answered by the same
code as a typed command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from handlers.auth import Role
from handlers.i18n import t
from handlers.messages import Incoming, Lang, Outgoing
from nlp.commands import SubscriptionAction, read_subscription_command
from store.db import Database
from store.prefs import PrefsStore
from store.subscriptions import KINDS, Subscription, SubscriptionStore

ReportsDefault = Literal["opt_in", "opt_out"]
REPORT_KINDS: tuple[str, ...] = ("daily", "weekly", "monthly", "hedge")


@dataclass(frozen=True, slots=True)
class NotificationPolicy:
    """Who receives pushes without having asked (`[notifications]` in settings.toml)."""

    alerts_to_admins: bool = True
    alerts_to_traders: bool = False
    # "opt_in": reports only to chats that subscribed; "opt_out": to every listed user too
    reports_default: ReportsDefault = "opt_in"
    reports_by_platform: Mapping[str, ReportsDefault] = field(default_factory=dict)

    def gets_alerts(self, role: Role) -> bool:
        return (role == "admin" and self.alerts_to_admins) or (
            role == "trader" and self.alerts_to_traders
        )

    def reports_opt_out(self, platform: str) -> bool:
        return self.reports_by_platform.get(platform, self.reports_default) == "opt_out"

    def default_kinds(self, platform: str, role: Role) -> frozenset[str]:
        """What a listed user with `role` on `platform` receives without a choice."""
        kinds = {"alerts"} if self.gets_alerts(role) else set()
        if self.reports_opt_out(platform):
            kinds.update(REPORT_KINDS)
        return frozenset(kinds)


@dataclass(frozen=True, slots=True)
class Member:
    """A listed user, and the chat that reaches them privately on that platform."""

    platform: str
    user_id: str
    role: Role
    chat_id: str
    lang: Lang | None = None


@dataclass(frozen=True, slots=True)
class KindState:
    kind: str
    on: bool
    # "subscribed" (chosen), "default" (on without a choice), "unsubscribed" (a default the
    # chat refused), "off" (not a default, not chosen)
    why: Literal["subscribed", "unsubscribed", "default", "off"]


class Audience:
    """The recipients of each push kind (see the module docstring). `running(platform)` says
    whether a platform is up: a default recipient on a platform that is not running is left
    out (nothing could reach them); explicit subscriptions are always tried (and audited)."""

    def __init__(
        self,
        store: SubscriptionStore,
        policy: NotificationPolicy | None = None,
        members: Iterable[Member] = (),
        *,
        prefs: PrefsStore | None = None,
        default_lang: Lang = "zh",
        running: Callable[[str], bool] | None = None,
    ) -> None:
        self.store = store
        self.policy = policy or NotificationPolicy()
        self.members = tuple(members)
        self.prefs = prefs
        self.default_lang: Lang = default_lang
        self.running = running

    def member(self, platform: str, user_id: str) -> Member | None:
        for m in self.members:
            if (m.platform, m.user_id) == (platform, user_id):
                return m
        return None

    def defaults_for_chat(self, platform: str, chat_id: str) -> frozenset[str]:
        """The kinds a chat receives by default: those of the listed user(s) it reaches."""
        kinds: set[str] = set()
        for m in self.members:
            if (m.platform, m.chat_id) == (platform, chat_id):
                kinds |= self.policy.default_kinds(m.platform, m.role)
        return frozenset(kinds)

    async def recipients(self, kind: str) -> list[Subscription]:
        """Every chat that receives `kind` now, each once, subscribers first."""
        chosen = await self.store.list_for_kind(kind)
        seen = {(s.platform, s.chat_id) for s in chosen} | await self.store.refused(kind)
        out = list(chosen)
        for m in self.members:
            key = (m.platform, m.chat_id)
            if key in seen or kind not in self.policy.default_kinds(m.platform, m.role):
                continue
            if self.running is not None and not self.running(m.platform):
                continue
            seen.add(key)
            out.append(Subscription(m.platform, m.chat_id, kind, await self._lang(m)))
        return out

    async def _lang(self, m: Member) -> Lang:
        chosen = await self.prefs.user_lang(m.platform, m.user_id) if self.prefs else None
        if chosen is not None:
            return "en" if chosen == "en" else "zh"
        return m.lang or self.default_lang

    async def states(self, platform: str, chat_id: str) -> list[KindState]:
        """What the chat receives, kind by kind (store.KINDS order)."""
        explicit = {
            s.kind: wanted for s, wanted in await self.store.choices_for_chat(platform, chat_id)
        }
        defaults = self.defaults_for_chat(platform, chat_id)
        out: list[KindState] = []
        for kind in KINDS:
            wanted = explicit.get(kind)
            if wanted:
                out.append(KindState(kind, True, "subscribed"))
            elif kind not in defaults:
                # a refusal of what is no default reads like never having subscribed
                out.append(KindState(kind, False, "off"))
            elif wanted is None:
                out.append(KindState(kind, True, "default"))
            else:
                out.append(KindState(kind, False, "unsubscribed"))
        return out


# ---- the answers in chat ------------------------------------------------------------------------


def _name(kind: str, lang: Lang) -> str:
    return t(lang, f"sub_name_{kind}")


def _names(kinds: Iterable[str], lang: Lang) -> str:
    return ("、" if lang == "zh" else ", ").join(_name(k, lang) for k in kinds)


def _line(state: KindState, lang: Lang) -> str:
    key = f"sub_state_{state.why}"
    return t(lang, key, name=_name(state.kind, lang), kind=state.kind)


async def _list(audience: Audience, platform: str, chat_id: str, lang: Lang) -> str:
    states = await audience.states(platform, chat_id)
    on = [s for s in states if s.on]
    if not on and not any(s.why == "unsubscribed" for s in states):
        return t(lang, "sub_none", kinds=t(lang, "sub_kinds"))
    lines = [t(lang, "sub_state_head")]
    lines.extend(_line(s, lang) for s in states if s.why != "off")
    off = [s.kind for s in states if s.why == "off"]
    if off:
        lines.append(t(lang, "sub_state_rest", names=_names(off, lang)))
    return "\n".join(lines)


async def _subscribe(audience: Audience, platform: str, chat_id: str, kind: str, lang: Lang) -> str:
    kinds = list(REPORT_KINDS) if kind == "all" else [kind]
    before = {s.kind: s.on for s in await audience.states(platform, chat_id)}
    for k in kinds:
        await audience.store.add(platform, chat_id, k, lang)
    names = _names(kinds, lang)
    if all(before[k] for k in kinds):
        return t(lang, "sub_already", names=names)
    return t(lang, "sub_added", names=names, first=kinds[0], first_zh=_name(kinds[0], "zh"))


async def _unsubscribe(
    audience: Audience, platform: str, chat_id: str, kind: str, lang: Lang
) -> str:
    states = await audience.states(platform, chat_id)
    kinds = [s.kind for s in states if kind == "all" or s.kind == kind]
    was_on = [s.kind for s in states if s.on and s.kind in kinds]
    # remembered even when it was off: the choice also outlives a later change of defaults
    for k in kinds:
        await audience.store.refuse(platform, chat_id, k, lang)
    what = t(lang, "sub_everything") if kind == "all" else _name(kind, lang)
    return t(lang, "sub_removed" if was_on else "sub_not_subscribed", what=what)


async def answer_subscription(
    action: SubscriptionAction,
    kind: str | None,
    *,
    platform: str,
    chat_id: str,
    lang: Lang,
    store: SubscriptionStore | None = None,
    audience: Audience | None = None,
) -> Outgoing:
    """Answer a parsed subscription command for one chat. `kind` is one of store.KINDS or
    "all"; None on subscribe/unsubscribe (missing or unknown) answers with the usage. Give the
    `audience` (defaults included) or only the `store` (explicit choices only)."""
    if audience is None:
        if store is None:
            raise TypeError("answer_subscription needs an audience or a store")
        audience = Audience(store)
    if action == "list":
        text = await _list(audience, platform, chat_id, lang)
    elif kind is None:
        text = t(lang, f"sub_usage_{action}", kinds=t(lang, "sub_kinds"))
    elif action == "subscribe":
        text = await _subscribe(audience, platform, chat_id, kind, lang)
    else:
        text = await _unsubscribe(audience, platform, chat_id, kind, lang)
    return Outgoing(text=text, lang=lang)


async def handle_subscription_command(
    incoming: Incoming,
    lang: Lang,
    store: SubscriptionStore | None = None,
    *,
    db: Database | None = None,
    audience: Audience | None = None,
) -> Outgoing | None:
    """Read `incoming.text` with nlp.commands and answer it; None when it is not a
    subscription command. Give the `audience`, the `store`, or the `db` to build one on."""
    command = read_subscription_command(incoming.text or "")
    if command is None:
        return None
    if audience is None and store is None:
        if db is None:
            raise TypeError("handle_subscription_command needs a store or a db")
        store = SubscriptionStore(db)
    return await answer_subscription(
        command.action,
        command.kind,
        platform=incoming.platform,
        chat_id=incoming.chat_id,
        lang=lang,
        store=store,
        audience=audience,
    )


def notice_line(audience: Audience, platform: str, user_id: str, lang: Lang) -> str:
    """One line for the first message of a listed user: what they receive by default and how
    to change it."""
    m = audience.member(platform, user_id)
    kinds = audience.policy.default_kinds(platform, m.role) if m else frozenset()
    if "alerts" in kinds:
        key = "notice_alerts_reports" if set(REPORT_KINDS) <= kinds else "notice_alerts"
    else:
        key = "notice_reports" if kinds else "notice_nothing"
    return t(lang, key)


def help_line(audience: Audience | None, platform: str, user_id: str, lang: Lang) -> str:
    """The help's notifications paragraph for this user."""
    if audience is None:
        return t(lang, "help_notify_plain")
    you = notice_line(audience, platform, user_id, lang).removeprefix("🔔 ")
    return t(lang, "help_notify", you=you)
