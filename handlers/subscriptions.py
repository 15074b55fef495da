"""Subscriptions managed in chat: "订阅日报", "取消订阅月报", "我的订阅",
"/subscribe daily", "/unsubscribe monthly", "/subscriptions"."""

from __future__ import annotations

import re

from handlers.messages import Incoming, Lang, Outgoing
from store.db import Database
from store.subscriptions import KINDS, SubscriptionStore

NAMES: dict[str, dict[str, str]] = {
    "daily": {"zh": "日报", "en": "daily report"},
    "weekly": {"zh": "周报", "en": "weekly report"},
    "monthly": {"zh": "月报", "en": "monthly report"},
    "hedge": {"zh": "对冲EA汇报", "en": "hedging EA summary"},
    "alerts": {"zh": "风险提醒", "en": "alerts"},
    "deals": {"zh": "成交推送", "en": "new-deal pushes"},
}

# Chinese words for each kind (longest first when matching)
_ZH_KIND: tuple[tuple[str, str], ...] = (
    ("对冲ea分品种汇报", "hedge"),
    ("对冲ea汇报", "hedge"),
    ("对冲汇报", "hedge"),
    ("对冲报告", "hedge"),
    ("对冲", "hedge"),
    ("日报", "daily"),
    ("每日报告", "daily"),
    ("周报", "weekly"),
    ("每周报告", "weekly"),
    ("月报", "monthly"),
    ("每月报告", "monthly"),
    ("风险提醒", "alerts"),
    ("提醒", "alerts"),
    ("警报", "alerts"),
    ("预警", "alerts"),
    ("告警", "alerts"),
    ("成交推送", "deals"),
    ("成交", "deals"),
)
_EN_KIND: dict[str, str] = {
    "daily": "daily",
    "day": "daily",
    "weekly": "weekly",
    "week": "weekly",
    "monthly": "monthly",
    "month": "monthly",
    "hedge": "hedge",
    "hedging": "hedge",
    "alerts": "alerts",
    "alert": "alerts",
    "deals": "deals",
    "deal": "deals",
    "all": "all",
}
_SLASH = re.compile(r"^/(subscribe|unsubscribe|subscriptions)(?:@\w+)?(?:\s+(.*))?$", re.I)
_EN_WORDS = re.compile(
    r"^(subscribe|unsubscribe)\s+(?:to\s+)?(?:the\s+)?(\w+)(?:\s+reports?)?$", re.I
)
_ZH_SUB = re.compile(r"^(取消订阅|退订|订阅)\s*(.*)$")


def _zh_kind(rest: str) -> str | None:
    r = rest.strip().lower().replace(" ", "")
    if r in ("", "全部", "所有", "全部报告"):
        return "all" if r else None
    for word, kind in _ZH_KIND:
        if r == word or r == word + "报告" or r.startswith(word):
            return kind
    return None


def parse_subscription_command(text: str) -> tuple[str, str | None] | None:
    """("subscribe"|"unsubscribe"|"list", kind | "all" | None) or None when not such a command.
    kind None on subscribe/unsubscribe means the kind was missing or unknown."""
    t = text.strip()
    if not t:
        return None
    m = _SLASH.match(t)
    if m:
        verb = m.group(1).lower()
        if verb == "subscriptions":
            return ("list", None)
        arg = (m.group(2) or "").strip().lower().split()
        kind = _EN_KIND.get(arg[0]) if arg else None
        if kind is None and arg:
            kind = _zh_kind(arg[0])
        return (verb, kind)
    m = _EN_WORDS.match(t)
    if m and m.group(2).lower() in _EN_KIND:
        return (m.group(1).lower(), _EN_KIND[m.group(2).lower()])
    if t.lower() in ("my subscriptions", "list subscriptions"):
        return ("list", None)
    if t in ("我的订阅", "查看订阅", "订阅列表", "订阅了什么"):
        return ("list", None)
    m = _ZH_SUB.match(t)
    if m:
        verb = "subscribe" if m.group(1) == "订阅" else "unsubscribe"
        rest = m.group(2)
        kind = _zh_kind(rest)
        if kind is None and rest.strip() and verb == "subscribe":
            return None  # "订阅" followed by something else is not ours
        if kind is None and verb == "unsubscribe" and not rest.strip():
            return (verb, None)
        return (verb, kind)
    return None


def _kinds_list(lang: Lang) -> str:
    if lang == "zh":
        return "日报、周报、月报、对冲汇报、提醒、成交"
    return "daily, weekly, monthly, hedge, alerts, deals"


async def handle_subscription_command(
    incoming: Incoming,
    lang: Lang,
    store: SubscriptionStore | None = None,
    *,
    db: Database | None = None,
) -> Outgoing | None:
    """Answer a subscription command; None when the text is not one. Give the `store`, or
    the `db` to build one on."""
    if not incoming.text:
        return None
    parsed = parse_subscription_command(incoming.text)
    if parsed is None:
        return None
    if store is None:
        if db is None:
            raise TypeError("handle_subscription_command needs a store or a db")
        store = SubscriptionStore(db)
    verb, kind = parsed
    zh = lang == "zh"
    platform, chat = incoming.platform, incoming.chat_id

    def out(text: str) -> Outgoing:
        return Outgoing(text=text, lang=lang)

    if verb == "list":
        subs = await store.list_for_chat(platform, chat)
        if not subs:
            return out(
                f"本聊天还没有订阅。可发送“订阅日报”等（可选：{_kinds_list(lang)}）。"
                if zh
                else f"This chat has no subscriptions. Send e.g. /subscribe daily "
                f"({_kinds_list(lang)})."
            )
        names = ("、" if zh else ", ").join(NAMES[s.kind][lang] for s in subs)
        return out(f"本聊天已订阅：{names}" if zh else f"This chat is subscribed to: {names}")

    if kind is None:
        usage = (
            f"请说明要{'订阅' if verb == 'subscribe' else '取消'}哪一项：{_kinds_list(lang)}。"
            f"例如“{'订阅' if verb == 'subscribe' else '取消订阅'}日报”。"
            if zh
            else f"Which one? /{verb} daily|weekly|monthly|hedge|alerts|deals"
            + (" (or all)" if verb == "unsubscribe" else "")
        )
        return out(usage)

    if verb == "subscribe":
        kinds = list(KINDS[:4]) if kind == "all" else [kind]
        added = [k for k in kinds if await store.add(platform, chat, k, lang)]
        names = ("、" if zh else ", ").join(NAMES[k][lang] for k in kinds)
        if not added:
            return out(f"本聊天已订阅{names}。" if zh else f"This chat already gets the {names}.")
        return out(
            f"✅ 已订阅{names}。发送“取消订阅{NAMES[kinds[0]]['zh']}”可退订。"
            if zh
            else f"✅ Subscribed to the {names}. Send /unsubscribe {kinds[0]} to stop."
        )

    removed = await store.remove(platform, chat, None if kind == "all" else kind)
    what = ("全部订阅" if zh else "all subscriptions") if kind == "all" else NAMES[kind][lang]
    if not removed:
        return out(f"本聊天没有订阅{what}。" if zh else f"This chat was not subscribed to {what}.")
    return out(f"✅ 已取消{what}。" if zh else f"✅ Unsubscribed from {what}.")
