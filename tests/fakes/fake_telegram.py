"""A small fake Telegram Bot API server on 127.0.0.1 for tests.

The real python-telegram-bot client talks to it over HTTP (`base_url` / `base_file_url`), so
the library's own request, parsing and error code runs in the tests. It implements the
methods the adapter uses with Telegram's semantics where they matter:

- `getUpdates` with offsets (updates below `offset` are confirmed and dropped) and long polling
  (returns as soon as an update is queued, or after `min(timeout, max_poll_s)` seconds);
- `sendMessage` / `editMessageText` with HTML parse mode checked like Telegram does (unknown or
  unbalanced tags are a 400 "can't parse entities", text over 4096 characters after parsing
  is "message is too long", an edit that changes nothing is "message is not modified", an
  edit without `reply_markup` removes the inline keyboard);
- `answerCallbackQuery` (a query can be answered once), `sendPhoto` (multipart; the bytes are
  kept and must be an image), `sendChatAction`, `setMyCommands` / `getMyCommands`,
  `setWebhook` / `deleteWebhook` (with a webhook set, updates are POSTed to it with the
  secret token header and `getUpdates` is a 409 Conflict);
- `editMessageCaption` / `editMessageReplyMarkup` (only the bot's own messages; "not modified"
  when nothing changes), `deleteMessage`;
- errors in Telegram's envelope `{"ok": false, "error_code", "description", "parameters"}`,
  scriptable per method with `fail()`;
- faults of the network between the bot and Telegram: `answer_late()` carries a call out and
  answers only after a delay (past the client's timeout: the client sees a timeout although
  the message arrived); `hold()` / `release()` keep calls of a method waiting before they are
  carried out (a slow send).

What a user sees is `shown(chat_id)`: the bot's messages that exist now (after edits and
deletions), in chat order.

Tests inject updates with `send_text()` / `press()` and wait with `wait_until()` /
`wait_sent()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import struct
import time
import zlib
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any

from aiohttp import BodyPartReader, ClientSession, ClientTimeout, web

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id", "cache_time"}
JSON_FIELDS = {
    "reply_markup",
    "commands",
    "scope",
    "allowed_updates",
    "entities",
    "caption_entities",
    "link_preview_options",
    "reply_parameters",
}
BOOL_FIELDS = {"show_alert", "drop_pending_updates", "disable_notification"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = 0.0  # time.monotonic() when the request arrived


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None


_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?>")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


class EntityError(ValueError):
    pass


class _HTMLCheck(HTMLParser):
    """Telegram's HTML parse mode: only its tags, balanced; returns the parsed plain text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise EntityError(f'Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise EntityError(f'Unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> str:
    checker = _HTMLCheck()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"')
    # every <, > and & that is not part of a tag or an entity must be escaped
    outside_tags = _TAG.sub("", text)
    if "<" in outside_tags or ">" in outside_tags:
        raise EntityError("unescaped angle bracket")
    if _ENTITY.sub("", outside_tags).count("&"):
        raise EntityError("unescaped ampersand")
    return unescape("".join(checker.text))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a structurally valid PNG: the signature, IHDR first, every chunk's
    CRC right, IDAT present, IEND last; None otherwise."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    pos, kinds, size = 8, [], None
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if len(body) != length:
            return None
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            return None
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        kinds.append(kind)
        pos += 12 + length
    if pos != len(data) or not kinds or kinds[0] != b"IHDR" or kinds[-1] != b"IEND":
        return None
    if b"IDAT" not in kinds or size is None or 0 in size:
        return None
    return int(size[0]), int(size[1])


class TelegramError(Exception):
    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


class FakeTelegram:
    """`async with FakeTelegram() as tg:` → a running server; `tg.base_url` for PTB."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        *,
        bot_id: int = 123456,
        bot_username: str = "tradechat_test_bot",
        max_poll_s: float = 0.1,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.max_poll_s = max_poll_s
        self.calls: list[Call] = []
        self.sent: list[dict[str, Any]] = []  # every message the bot sent, in order
        self.edits: list[dict[str, Any]] = []  # every successful edit (the message after it)
        self.callback_answers: list[dict[str, Any]] = []
        self.chat_actions: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, str]]] = {}  # language_code ("" = default)
        self.webhook: dict[str, Any] = {}
        self.webhook_deliveries: list[int] = []  # HTTP status of each POST to the webhook
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._next_message_id: dict[int, int] = defaultdict(lambda: 1)
        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = 1000
        self._queries: dict[str, bool] = {}  # callback query id → answered
        self._next_query = 1
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._late: dict[str, deque[float]] = defaultdict(deque)  # answer after this many s
        self._holds: dict[str, asyncio.Event] = {}
        self.deleted: list[tuple[int, int]] = []  # (chat id, message id) the bot deleted
        self._chats: dict[int, dict[str, Any]] = {}
        self._changed = asyncio.Condition()
        self._new_update = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self._bg: set[asyncio.Task[None]] = set()
        self.port = 0

    # ---------------------------------------------------------------- lifecycle
    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._client = ClientSession(timeout=ClientTimeout(total=10))
        return self

    async def close(self) -> None:
        for task in list(self._bg):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---------------------------------------------------------------- scripting
    def fail(
        self,
        method: str,
        status: int = 500,
        description: str = "Internal Server Error",
        *,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` answer with this error envelope."""
        for _ in range(times):
            self._failures[method].append(Failure(status, description, retry_after))

    def answer_late(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` calls of `method` are carried out at once but answered only after
        `seconds` (longer than the client waits: it times out, the message exists)."""
        for _ in range(times):
            self._late[method].append(seconds)

    def hold(self, method: str) -> None:
        """Calls of `method` wait, before they are carried out, until `release(method)`."""
        self._holds.setdefault(method, asyncio.Event())

    def release(self, method: str) -> None:
        gate = self._holds.pop(method, None)
        if gate is not None:
            gate.set()

    def waiting(self, method: str) -> int:
        """How many calls of `method` are held right now."""
        return sum(1 for c in self.calls if c.method == method and c.status == 0)

    def shown(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in the chat as the user sees them now, oldest first."""
        mine = [
            m
            for (cid, _), m in self._messages.items()
            if cid == chat_id and m["from"]["id"] == self.bot_id
        ]
        return sorted(mine, key=lambda m: int(m["message_id"]))

    def user(
        self, user_id: int, first_name: str = "Alice", *, language_code: str = "zh"
    ) -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "username": first_name.lower(),
            "language_code": language_code,
        }

    def private_chat(self, user: dict[str, Any]) -> dict[str, Any]:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        self._chats[chat["id"]] = chat
        return chat

    def group_chat(self, chat_id: int = -1001234567890, title: str = "Traders") -> dict[str, Any]:
        chat = {"id": chat_id, "type": "supergroup", "title": title}
        self._chats[chat_id] = chat
        return chat

    def send_text(
        self,
        user: dict[str, Any],
        text: str,
        *,
        chat: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A user writes `text` (private chat unless `chat` is given); returns the message."""
        chat = chat or self.private_chat(user)
        self._chats[chat["id"]] = chat
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        entities = []
        if text.startswith("/"):
            length = len(text.split()[0])
            entities.append(
                {"type": "bot_command", "offset": 0, "length": utf16_len(text[:length])}
            )
        mention = "@" + self.bot_username
        at = text.find(mention)
        if at >= 0:
            entities.append(
                {"type": "mention", "offset": utf16_len(text[:at]), "length": len(mention)}
            )
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        self._messages[(chat["id"], message["message_id"])] = message
        self._queue({"message": message})
        return message

    def press(self, user: dict[str, Any], message: dict[str, Any], data: str) -> str:
        """A user presses the inline button with callback `data` under a bot message;
        returns the callback query id."""
        query_id = f"q{self._next_query}"
        self._next_query += 1
        self._queries[query_id] = False
        chat_id = message["chat"]["id"]
        current = self._messages.get((chat_id, message["message_id"]), message)
        self._queue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": current,
                    "chat_instance": str(abs(chat_id)),
                    "data": data,
                }
            }
        )
        return query_id

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """The current state of a message (after edits)."""
        return self._messages[(chat_id, message_id)]

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in self.sent if m["chat"]["id"] == chat_id]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def answer_for(self, query_id: str) -> dict[str, Any] | None:
        for a in self.callback_answers:
            if a.get("callback_query_id") == query_id:
                return a
        return None

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until `predicate()` holds; it is re-checked after every API call."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def wait_sent(
        self, chat_id: int, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Wait until the bot has sent at least `count` messages to `chat_id`."""
        await self.wait_until(lambda: len(self.sent_to(chat_id)) >= count, timeout)
        return self.sent_to(chat_id)

    async def settle(self, rounds: int = 2) -> None:
        """Wait until the client has polled `rounds` more times: everything it was going to
        do about the updates queued so far has been done."""
        target = len(self.calls_of("getUpdates")) + rounds
        await self.wait_until(lambda: len(self.calls_of("getUpdates")) >= target)

    # ---------------------------------------------------------------- internals
    def _new_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id[chat_id]
        self._next_message_id[chat_id] += 1
        return mid

    def _queue(self, body: dict[str, Any]) -> None:
        update = {"update_id": self._next_update_id, **body}
        self._next_update_id += 1
        if self.webhook.get("url"):
            task = asyncio.get_running_loop().create_task(self._deliver(update))
            self._bg.add(task)
            task.add_done_callback(self._bg.discard)
        else:
            self._updates.append(update)
            self._new_update.set()

    async def _deliver(self, update: dict[str, Any]) -> None:
        assert self._client is not None
        headers = {}
        if self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        async with self._client.post(self.webhook["url"], json=update, headers=headers) as resp:
            self.webhook_deliveries.append(resp.status)
        async with self._changed:
            self._changed.notify_all()

    async def deliver_raw(self, update: dict[str, Any], secret: str | None) -> int:
        """POST an update to the webhook with any secret header (None = no header)."""
        assert self._client is not None
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with self._client.post(self.webhook["url"], json=update, headers=headers) as resp:
            return resp.status

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        raw: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        ctype = request.content_type
        if ctype == "application/json":
            raw = await request.json()
        elif ctype.startswith("multipart/"):
            raw, files = await _read_multipart(request)
        elif request.can_read_body:
            form = await request.post()
            raw = {k: v for k, v in form.items() if isinstance(v, str)}
        raw.update(dict(request.query.items()))
        params = {key: _typed(key, value) for key, value in raw.items()}
        # a file sent by attach:// reference keeps its field name in the JSON value
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                name = value.removeprefix("attach://")
                if name in files:
                    files[key] = files[name]
        return params, files

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call = Call(method, {}, at=time.monotonic())
        try:
            if request.match_info["token"] != self.token:
                raise TelegramError(401, "Unauthorized")
            call.params, call.files = await self._read_params(request)
            self.calls.append(call)
            gate = self._holds.get(method)
            if gate is not None:
                call.status = 0  # held: not carried out yet
                async with self._changed:
                    self._changed.notify_all()
                await gate.wait()
                call.status = 200
            queued = self._failures.get(method)
            if queued:
                f = queued.popleft()
                params = {"retry_after": f.retry_after} if f.retry_after is not None else None
                raise TelegramError(f.status, f.description, params)
            handler = getattr(self, "_m_" + method, None)
            if handler is None:
                raise TelegramError(404, "Not Found")
            result = await handler(call.params, call.files)
            body: dict[str, Any] = {"ok": True, "result": result}
            late = self._late.get(method)
            if late:
                delay = late.popleft()
                async with self._changed:
                    self._changed.notify_all()  # carried out: waiters may look now
                await asyncio.sleep(delay)
        except TelegramError as exc:
            call.status = exc.status
            if call not in self.calls:
                self.calls.append(call)
            body = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
        async with self._changed:
            self._changed.notify_all()
        return web.json_response(body, status=call.status)

    def _me(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "TradeChat",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self._chats:
            raise TelegramError(400, "Bad Request: chat not found")
        return self._chats[chat_id]

    def _rendered(self, text: Any, parse_mode: Any, limit: int, what: str) -> str:
        if not isinstance(text, str) or not text.strip():
            raise TelegramError(400, f"Bad Request: {what} must be non-empty")
        plain = text
        if parse_mode == "HTML":
            try:
                plain = parse_html(text)
            except EntityError as exc:
                raise TelegramError(400, f"Bad Request: can't parse entities: {exc}") from None
        elif parse_mode is not None:
            raise TelegramError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
        if utf16_len(plain) > limit:
            raise TelegramError(400, f"Bad Request: {what} is too long")
        return plain

    @staticmethod
    def _check_markup(markup: Any) -> None:
        if markup is None:
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not (1 <= len(data.encode()) <= 64):
                    raise TelegramError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise TelegramError(400, "Bad Request: text buttons are unallowed")

    # ---------------------------------------------------------------- methods
    async def _m_getMe(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return self._me()

    async def _m_deleteWebhook(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        self.webhook = {}
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_setWebhook(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        if not p.get("url"):
            return await self._m_deleteWebhook(p, f)
        self.webhook = {"url": p["url"], "secret_token": p.get("secret_token")}
        pending = list(self._updates)
        self._updates.clear()
        for update in pending:
            task = asyncio.get_running_loop().create_task(self._deliver(update))
            self._bg.add(task)
            task.add_done_callback(self._bg.discard)
        return True

    async def _m_getWebhookInfo(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _m_getUpdates(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        if self.webhook.get("url"):
            raise TelegramError(
                409, "Conflict: can't use getUpdates method while webhook is active"
            )
        offset = int(p.get("offset") or 0)
        limit = int(p.get("limit") or 100)
        timeout = min(float(p.get("timeout") or 0), self.max_poll_s)
        if offset:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        if not self._updates and timeout > 0:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        return list(self._updates)[:limit]

    async def _m_sendMessage(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        chat = self._chat(p)
        plain = self._rendered(p.get("text"), p.get("parse_mode"), 4096, "message text")
        self._check_markup(p.get("reply_markup"))
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": self._me(),
            "text": plain,
            "html": p.get("text"),
        }
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        self._messages[(chat["id"], message["message_id"])] = message
        self.sent.append(message)
        return message

    async def _m_editMessageText(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        chat = self._chat(p)
        key = (chat["id"], p.get("message_id"))
        old = self._messages.get(key)  # type: ignore[arg-type]
        if old is None:
            raise TelegramError(400, "Bad Request: message to edit not found")
        if old["from"]["id"] != self.bot_id:
            raise TelegramError(400, "Bad Request: message can't be edited")
        plain = self._rendered(p.get("text"), p.get("parse_mode"), 4096, "message text")
        self._check_markup(p.get("reply_markup"))
        markup = p.get("reply_markup")
        if old.get("html") == p.get("text") and old.get("reply_markup") == markup:
            raise TelegramError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        new = {**old, "text": plain, "html": p.get("text"), "edit_date": int(time.time())}
        new.pop("reply_markup", None)
        if markup:
            new["reply_markup"] = markup
        self._messages[key] = new  # type: ignore[index]
        self.edits.append(new)
        return new

    async def _m_editMessageReplyMarkup(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        chat = self._chat(p)
        key = (chat["id"], p.get("message_id"))
        old = self._messages.get(key)  # type: ignore[arg-type]
        if old is None:
            raise TelegramError(400, "Bad Request: message to edit not found")
        if old["from"]["id"] != self.bot_id:
            raise TelegramError(400, "Bad Request: message can't be edited")
        markup = p.get("reply_markup")
        self._check_markup(markup)
        if old.get("reply_markup") == markup:
            raise TelegramError(400, "Bad Request: message is not modified")
        new = {**old, "edit_date": int(time.time())}
        new.pop("reply_markup", None)
        if markup:
            new["reply_markup"] = markup
        self._messages[key] = new  # type: ignore[index]
        self.edits.append(new)
        return new

    async def _m_editMessageCaption(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        chat = self._chat(p)
        key = (chat["id"], p.get("message_id"))
        old = self._messages.get(key)  # type: ignore[arg-type]
        if old is None:
            raise TelegramError(400, "Bad Request: message to edit not found")
        if old["from"]["id"] != self.bot_id:
            raise TelegramError(400, "Bad Request: message can't be edited")
        if "photo" not in old:
            raise TelegramError(400, "Bad Request: there is no caption in the message to edit")
        caption = p.get("caption")
        plain = self._rendered(caption, p.get("parse_mode"), 1024, "message caption")
        markup = p.get("reply_markup")
        self._check_markup(markup)
        if old.get("caption_html") == caption and old.get("reply_markup") == markup:
            raise TelegramError(400, "Bad Request: message is not modified")
        new = {**old, "caption": plain, "caption_html": caption, "edit_date": int(time.time())}
        new.pop("reply_markup", None)
        if markup:
            new["reply_markup"] = markup
        self._messages[key] = new  # type: ignore[index]
        self.edits.append(new)
        return {k: v for k, v in new.items() if k not in ("photo_bytes", "caption_html")}

    async def _m_answerCallbackQuery(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        qid = p.get("callback_query_id")
        if qid not in self._queries or self._queries[qid]:
            raise TelegramError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = p.get("text") or ""
        if len(text) > 200:
            raise TelegramError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._queries[qid] = True
        self.callback_answers.append(dict(p))
        return True

    async def _m_sendPhoto(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        chat = self._chat(p)
        data = f.get("photo")
        if data is None:
            raise TelegramError(400, "Bad Request: there is no photo in the request")
        size = png_size(data)
        if size is None:
            raise TelegramError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        caption = p.get("caption")
        plain_caption = (
            self._rendered(caption, p.get("parse_mode"), 1024, "message caption")
            if caption
            else None
        )
        mid = self._new_message_id(chat["id"])
        message: dict[str, Any] = {
            "message_id": mid,
            "date": int(time.time()),
            "chat": chat,
            "from": self._me(),
            "photo": [
                {
                    "file_id": f"photo-{chat['id']}-{mid}",
                    "file_unique_id": f"u{chat['id']}{mid}",
                    "width": size[0],
                    "height": size[1],
                    "file_size": len(data),
                }
            ],
            "photo_bytes": data,
        }
        if plain_caption:
            message["caption"] = plain_caption
            message["caption_html"] = caption
        self._check_markup(p.get("reply_markup"))
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        self._messages[(chat["id"], mid)] = message
        self.sent.append(message)
        return {k: v for k, v in message.items() if k not in ("photo_bytes", "caption_html")}

    async def _m_sendChatAction(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        self._chat(p)
        if p.get("action") not in {"typing", "upload_photo", "upload_document"}:
            raise TelegramError(400, "Bad Request: wrong parameter action in request")
        self.chat_actions.append(dict(p))
        return True

    async def _m_setMyCommands(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        commands = p.get("commands") or []
        for c in commands:
            name = c.get("command", "")
            if (
                not (1 <= len(name) <= 32)
                or not name.replace("_", "").isalnum()
                or not (name.islower() or name.isdigit())
            ):
                raise TelegramError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not (1 <= len(c.get("description", "")) <= 256):
                raise TelegramError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[p.get("language_code") or ""] = commands
        return True

    async def _m_getMyCommands(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return self.commands.get(p.get("language_code") or "", [])

    async def _m_deleteMessage(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        chat = self._chat(p)
        if self._messages.pop((chat["id"], p.get("message_id")), None) is None:  # type: ignore[arg-type]
            raise TelegramError(400, "Bad Request: message to delete not found")
        self.deleted.append((chat["id"], int(p["message_id"])))
        return True

    async def _m_close(self, p: dict[str, Any], f: dict[str, bytes]) -> Any:
        return True


async def _read_multipart(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    raw: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            return raw, files
        if not isinstance(part, BodyPartReader):
            continue
        data = await part.read()
        name = part.name or ""
        if part.filename:
            files[name] = bytes(data)
        else:
            raw[name] = bytes(data).decode("utf-8")


def _typed(key: str, value: Any) -> Any:
    """A form field as the Bot API would read it: ints, JSON, booleans."""
    if not isinstance(value, str):
        return value
    if key in INT_FIELDS:
        with contextlib.suppress(ValueError):
            return int(value)
        return value
    if key in JSON_FIELDS:
        return json.loads(value)
    if key in BOOL_FIELDS:
        return value == "true"
    return value


def tiny_png(width: int = 2, height: int = 1) -> bytes:
    """A valid PNG (8-bit greyscale) built by hand, for tests that need an image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def fast_platform(fake: FakeTelegram, handle: Any, listed: set[str], **overrides: Any) -> Any:
    """A `TelegramPlatform` pointed at `fake`, with test-sized poll, pacing and back-off."""
    from bot.platforms.flood import Pacer
    from bot.platforms.telegram import TelegramPlatform

    kwargs: dict[str, Any] = {
        "token": fake.token,
        "handle": handle,
        "is_listed": lambda uid: uid in listed,
        "api_base_url": fake.base_url,
        "api_file_url": fake.base_file_url,
        "poll_timeout_s": 0.5,
        "pacer": Pacer.unlimited(),
        "backoff_s": 0.05,
        "action_delay_s": 0.05,
        "callback_wait_s": 5.0,
        "reconnect_delays_s": (0.1,),
    }
    kwargs.update(overrides)
    return TelegramPlatform(**kwargs)


class BareEchoBot:
    """The baseline of bench/bench_telegram.py: python-telegram-bot as its echo example writes
    it, nothing of ours, on the same fake server and with the same polling as the adapter. A
    text is answered with itself (under ✅/❌ when it asks for a preview); a press is answered
    and edits the message it was under."""

    def __init__(self, fake: FakeTelegram, *, poll_timeout_s: float = 10.0) -> None:
        from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

        self._poll_timeout_s = poll_timeout_s
        self.app = (
            Application.builder()
            .token(fake.token)
            .base_url(fake.base_url)
            .base_file_url(fake.base_file_url)
            .concurrent_updates(64)  # like the adapter: chats do not wait for each other
            .get_updates_read_timeout(poll_timeout_s + 10)
            .build()
        )
        self.app.add_handler(MessageHandler(filters.TEXT, self._echo))
        self.app.add_handler(CallbackQueryHandler(self._press))

    async def _echo(self, update: Any, context: Any) -> None:
        from telegram import InlineKeyboardButton, InlineKeyboardMarkup

        text = update.message.text
        markup = None
        if text.startswith(PREVIEW_PREFIXES):
            markup = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton("✅", callback_data="y"),
                        InlineKeyboardButton("❌", callback_data="n"),
                    ]
                ]
            )
        await update.message.reply_text(text, reply_markup=markup)

    async def _press(self, update: Any, context: Any) -> None:
        query = update.callback_query
        await query.answer()
        await query.edit_message_text(f"done: {query.data}")

    async def start(self) -> None:
        import datetime as dt

        await self.app.initialize()
        await self.app.start()
        assert self.app.updater is not None
        await self.app.updater.start_polling(
            timeout=dt.timedelta(seconds=self._poll_timeout_s),
            allowed_updates=["message", "callback_query"],
        )

    async def stop(self) -> None:
        assert self.app.updater is not None
        await self.app.updater.stop()
        await self.app.stop()
        await self.app.shutdown()


# Texts the bare bot answers with ✅/❌, like the adapter's preview of an order.
PREVIEW_PREFIXES = ("买", "卖", "buy", "sell")
