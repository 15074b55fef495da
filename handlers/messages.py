"""Platform-neutral messages. Adapters translate app updates into `Incoming` and render
`Outgoing` as well as their app allows; nothing in `handlers/` imports a chat library."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Literal, Protocol

from handlers.text_hygiene import clean_button, clean_id, clean_name, clean_text, is_too_long

Lang = Literal["zh", "en"]


@dataclass(frozen=True, slots=True)
class Incoming:
    """One user message or button press. Every field an app filled in is cleaned here, once,
    when the message is built (`handlers/text_hygiene.py`): whatever the app sent, nothing
    downstream — parser, database, LLM prompt, answers that echo it — sees a lone surrogate, a
    control character or a text longer than the conversation reads."""

    platform: str  # "console", "telegram", "qq", "wecom"
    chat_id: str
    user_id: str
    user_name: str = ""
    text: str | None = None
    button_id: str | None = None  # callback data of a pressed button (≤ 64 bytes)
    is_group: bool = False
    message_id: str | None = None  # the app's id of the message that carried the button
    mentioned: bool = False  # the bot was @-mentioned (groups)
    # The chat id that reaches this user privately on this platform, when the app can send
    # one (Telegram: only once the user started the bot; QQ: yes; None: the app cannot).
    private_chat: str | None = None

    def __post_init__(self) -> None:
        # Every text field, also one added later: a field without its own cleaner is an id.
        # Frozen: the cleaned values are set the way dataclasses set fields themselves.
        for name in _INCOMING_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, _CLEANERS.get(name, clean_id)(value))

    @property
    def too_long(self) -> bool:
        """The text is longer than `MAX_TEXT_CHARS`: it is answered with "message too long",
        never read (it was cut at the edge)."""
        return is_too_long(self.text)


_CLEANERS: dict[str, Callable[[str], str | None]] = {
    "user_name": clean_name,
    "text": clean_text,
    "button_id": clean_button,
}
_INCOMING_FIELDS = tuple(f.name for f in fields(Incoming))


@dataclass(frozen=True, slots=True)
class Button:
    id: str  # callback data, ≤ 64 bytes
    label: str  # "✅ 确认" / "✅ Confirm"
    # The exact text a user may type instead of pressing, on apps without buttons
    # ("确认 7F3K"); bound to the requester and the chat by the handler.
    reply_code: str | None = None


@dataclass(frozen=True, slots=True)
class Image:
    data: bytes  # PNG
    name: str = "chart.png"
    caption: str = ""


@dataclass(slots=True)
class Outgoing:
    text: str
    buttons: list[Button] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    edit_of: str | None = None  # message id to edit instead of sending a new message
    lang: Lang = "zh"
    # An answer whose text came from the user (names, echoes) is plain text; adapters that
    # use markup escape everything.
    kind: Literal["answer", "preview", "result", "push", "error"] = "answer"
    # Deliver in this chat of the same platform (the asker's private chat) instead of the chat
    # the message came from: account data asked in a group that is no trading room.
    to_chat: str | None = None
    # Told in the chat the message came from once a `to_chat` answer arrived ("sent
    # privately"), or instead when it could not be delivered there ("ask me privately").
    sent_note: Outgoing | None = None
    unsent_note: Outgoing | None = None


@dataclass(frozen=True, slots=True)
class PlatformCaps:
    """What an app can show. `handlers/` produces one `Outgoing`; the adapter degrades it."""

    buttons: Literal["native", "command", "none"]  # command = typed reply codes
    max_text: int  # characters per message; longer answers are split at line boundaries
    image_mode: Literal["bytes", "base64", "upload", "none"]
    push: Literal["always", "reply_window"]
    can_edit: bool = False
    # What `max_text` counts: characters, or UTF-8 bytes (WeCom's limits are in bytes).
    text_unit: Literal["chars", "bytes"] = "chars"


class PlatformError(Exception):
    """A chat app could not deliver a message. Platforms raise one of the two subclasses so
    that whoever retries (the shared plumbing in `bot/platforms/base.py` for replies,
    `handlers/pushes.py` for pushes) knows whether trying again can help. The message is for
    the operator's log, never for a user, and never contains a token."""

    def __init__(self, message: str, *, platform: str = "", retry_after: float | None = None):
        super().__init__(message)
        self.platform = platform
        # Seconds the app asked us to wait (Telegram 429 `retry_after`), when it said so.
        self.retry_after = retry_after


class TemporaryPlatformError(PlatformError):
    """Network trouble, a timeout, a 5xx, a rate limit (429): trying later may work."""


class PermanentPlatformError(PlatformError):
    """The bot was blocked or removed, the chat is gone, the token or request is bad (403,
    400, 401): retrying sends the same refusal again, so nobody retries."""


class Pusher(Protocol):
    """Fan-out used by pushes: deliver one message to a chat on any platform, one attempt.
    Raises `PlatformError` (temporary or permanent), or `LookupError` when the platform is
    not running."""

    async def push(self, platform: str, chat_id: str, out: Outgoing) -> None: ...


def split_text(text: str, limit: int) -> list[str]:
    """Split at line boundaries so that no chunk exceeds `limit` characters; a single line
    longer than the limit is cut hard. Nothing is dropped."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    cur = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if cur:
                chunks.append(cur)
                cur = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = line if not cur else cur + "\n" + line
        if len(candidate) > limit:
            chunks.append(cur)
            cur = line
        else:
            cur = candidate
    if cur:
        chunks.append(cur)
    return chunks


def detect_lang(text: str | None, default: Lang = "zh") -> Lang:
    """Chinese when the message has any CJK character, English when it has Latin letters only."""
    if not text:
        return default
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh"
    if any(ch.isascii() and ch.isalpha() for ch in text):
        return "en"
    return default
