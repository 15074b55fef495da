"""Which groups may see account data, and where an account answer goes instead.

Account data is anything about the account: balance, positions, P&L, pending orders, reports
and trade previews (a preview shows the account's symbol, volume and margin, and its result
the fill). Market data (quotes) and help are answered wherever they are asked.

A group is a *trading room* when `[groups] trading_rooms` names it ("telegram:-100123",
"qq:123456"): there account data is answered in the group as before. Elsewhere a listed user's
account request asked in a group is answered in that user's private chat
(`Outgoing.to_chat`), and the group gets a short "sent privately" note — or, when the platform
cannot reach the user privately, "ask me in a private chat" instead, and nothing is computed:

- the platform says whether it can by filling `Incoming.private_chat` (QQ can write to any
  member; Telegram only to users who started the bot, so its private send may still fail:
  then the group gets the "ask me privately" note, `Outgoing.unsent_note`); WeCom app
  messages are per user already, so nothing from WeCom is ever a group message;
- a preview sent privately is bound to the private chat (the confirmation is stored for it),
  so it is confirmed there, with its button or its reply code.

Who is not listed gets nothing in a group anyway (handlers/conversation.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from handlers.i18n import t
from handlers.messages import Incoming, Lang, Outgoing
from nlp.intent import Intent

ACCOUNT_QUERIES = frozenset({"positions", "orders", "account", "pnl", "report", "history"})


def is_account_data(intent: Intent) -> bool:
    """Whether answering `intent` shows the account: its queries and every trade preview."""
    return intent.is_trade or intent.intent in ACCOUNT_QUERIES


class GroupPolicy:
    """The trading rooms, and what happens to account answers everywhere else."""

    def __init__(self, trading_rooms: Iterable[str] = ()) -> None:
        self.trading_rooms = frozenset(trading_rooms)

    def is_trading_room(self, platform: str, chat_id: str) -> bool:
        """`chat_id` as the platform spells it, or its last part: QQ's groups are
        "group:123456" inside, "qq:123456" in the settings."""
        short = chat_id.rpartition(":")[2]
        return bool({f"{platform}:{chat_id}", f"{platform}:{short}"} & self.trading_rooms)

    def keeps_private(self, inc: Incoming, intent: Intent) -> bool:
        """Account data asked in a group that is no trading room."""
        return (
            inc.is_group
            and is_account_data(intent)
            and not self.is_trading_room(inc.platform, inc.chat_id)
        )


def in_private(inc: Incoming) -> Incoming | None:
    """The same message as if the user had sent it in their private chat; None when the
    platform cannot reach them privately."""
    if inc.private_chat is None:
        return None
    return replace(inc, chat_id=inc.private_chat, is_group=False, message_id=None)


def ask_privately(inc: Incoming, lang: Lang) -> Outgoing:
    return Outgoing(t(lang, "ask_privately", name=_name(inc)), lang=lang)


def sent_privately(outs: list[Outgoing], inc: Incoming, lang: Lang) -> list[Outgoing]:
    """`outs` (answered for the private chat) addressed to it, the group's note on the first."""
    chat = inc.private_chat
    if chat is None or not outs:
        return outs
    for out in outs:
        out.to_chat = chat
        out.edit_of = None  # nothing in the private chat to edit
    outs[0].sent_note = Outgoing(t(lang, "sent_privately", name=_name(inc)), lang=lang)
    outs[0].unsent_note = ask_privately(inc, lang)
    return outs


def _name(inc: Incoming) -> str:
    return inc.user_name or inc.user_id
