"""Subscriptions managed in chat: "订阅日报", "取消订阅月报", "我的订阅", "/subscribe daily",
"/unsubscribe monthly", "/subscriptions".

The text is read by `nlp.commands.read_subscription_command`; `answer_subscription` takes the
parsed (action, kind), so a parsed `subscribe`/`unsubscribe` intent can be answered by the same
code as a typed command.
"""

from __future__ import annotations

from handlers.i18n import t
from handlers.messages import Incoming, Lang, Outgoing
from nlp.commands import SubscriptionAction, read_subscription_command
from store.db import Database
from store.subscriptions import KINDS, SubscriptionStore


def _name(kind: str, lang: Lang) -> str:
    return t(lang, f"sub_name_{kind}")


def _names(kinds: list[str], lang: Lang) -> str:
    return ("、" if lang == "zh" else ", ").join(_name(k, lang) for k in kinds)


async def _list(store: SubscriptionStore, platform: str, chat_id: str, lang: Lang) -> str:
    subs = await store.list_for_chat(platform, chat_id)
    if not subs:
        return t(lang, "sub_none", kinds=t(lang, "sub_kinds"))
    return t(lang, "sub_list", names=_names([s.kind for s in subs], lang))


async def _subscribe(
    store: SubscriptionStore, platform: str, chat_id: str, kind: str, lang: Lang
) -> str:
    kinds = list(KINDS[:4]) if kind == "all" else [kind]
    added = [k for k in kinds if await store.add(platform, chat_id, k, lang)]
    names = _names(kinds, lang)
    if not added:
        return t(lang, "sub_already", names=names)
    return t(lang, "sub_added", names=names, first=kinds[0], first_zh=_name(kinds[0], "zh"))


async def _unsubscribe(
    store: SubscriptionStore, platform: str, chat_id: str, kind: str, lang: Lang
) -> str:
    removed = await store.remove(platform, chat_id, None if kind == "all" else kind)
    what = t(lang, "sub_everything") if kind == "all" else _name(kind, lang)
    return t(lang, "sub_removed" if removed else "sub_not_subscribed", what=what)


async def answer_subscription(
    action: SubscriptionAction,
    kind: str | None,
    *,
    platform: str,
    chat_id: str,
    lang: Lang,
    store: SubscriptionStore,
) -> Outgoing:
    """Answer a parsed subscription command for one chat. `kind` is one of store.KINDS or
    "all"; None on subscribe/unsubscribe (missing or unknown) answers with the usage."""
    if action == "list":
        text = await _list(store, platform, chat_id, lang)
    elif kind is None:
        text = t(lang, f"sub_usage_{action}", kinds=t(lang, "sub_kinds"))
    elif action == "subscribe":
        text = await _subscribe(store, platform, chat_id, kind, lang)
    else:
        text = await _unsubscribe(store, platform, chat_id, kind, lang)
    return Outgoing(text=text, lang=lang)


async def handle_subscription_command(
    incoming: Incoming,
    lang: Lang,
    store: SubscriptionStore | None = None,
    *,
    db: Database | None = None,
) -> Outgoing | None:
    """Read `incoming.text` with nlp.commands and answer it; None when it is not a
    subscription command. Give the `store`, or the `db` to build one on."""
    command = read_subscription_command(incoming.text or "")
    if command is None:
        return None
    if store is None:
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
    )
