"""Telegram adapter on python-telegram-bot 22, running inside our own asyncio process.

It only translates: a Telegram update becomes an `Incoming`, the conversation's `Outgoing`
becomes HTML messages, inline keyboards, edits and photos. The library never owns the process:
`start()` is `initialize` + `start` + `updater.start_polling` (or `start_webhook`), `stop()`
undoes them; no `run_polling`.

- Text is sent in HTML parse mode; every character of our plain text is escaped, aligned tables
  go in `<pre>` so their columns line up on a phone; answers over 4096 characters are split on
  line boundaries (shared `bot.platforms.render`).
- Fair chats: a chat's messages are handled one at a time (`Plumbing.in_order`), but the lock
  covers the handling only; the answers are queued on the chat's delivery line
  (`Plumbing.queue`), so a slow or paced send never holds up the next message. Button presses
  take no chat lock at all: a trader's ✅ is never queued behind other users' traffic, and the
  conversation does not count a press against the message rate limit. PTB's handlers only
  start our own tasks, so one busy chat never fills PTB's 64 update slots.
- ✅/❌ are an inline keyboard; every press gets exactly one answer (answerCallbackQuery) and
  never a chat message of its own: the conversation's refusal (expired, foreign, already used)
  is the toast; when it takes longer than `callback_wait_s` an empty answer stops the spinner
  and a refusal that comes later is dropped. A press of the same button by the same user while
  the first is still being handled is answered at once and not handled again.
- The answer that replaces a preview (the result of a trade) always reaches the user: the
  edit is retried, and when it still fails a new message carries the result and the preview's
  keyboard is removed (`_show_result`).
- Flood limits by Telegram's published rules (bot/platforms/flood.py): a new message waits
  for a token of its chat's bucket (private chats and groups differ) and the bot's; edits,
  callback answers and chat actions spend none. Every Bot API call passes PTB's rate-limiter
  hook (`FloodLimiter`), which waits out a 429 pause and records each 429's `retry_after`
  for the chat it came from (or for every chat, when Telegram refused the bot as a whole).
- Stop is bounded (`stop_within_s`): updates stop coming, the work in hand may finish, then
  what is left is cancelled; the deliveries dropped are logged with their chats, and a send
  cut off mid-request is remembered as maybe delivered (`SentLedger.unsure`).
- `send()` makes one attempt and raises our classified error (`classify`):
  a 429 is temporary with Telegram's `retry_after`, 5xx and network errors are temporary,
  `Forbidden` (the user blocked the bot), `BadRequest` and a bad token are permanent. Answers
  are retried by the shared plumbing (`bot.platforms.base`), resuming at the call that failed;
  pushes by handlers/pushes.py, resuming likewise (part by part, never the whole push).
- A send whose answer never came (a timeout after the request was written) may have arrived:
  it is sent again, and the copy is then found and deleted (`SentLedger`, `_create`).
- An unlisted user's /start gets only their numeric id and how to be added to [[users]]; in
  groups unlisted users are ignored.
- Webhook replays: an update carries no signed timestamp, so a captured request with its secret
  header could be posted again. In webhook mode a handler in group -1 lets each `update_id`
  through once (`store.replay.ReplayGuard`, in the app database, so a restart forgets none;
  kept `REPLAY_WINDOW_S` from receipt) and audits and drops a repeat (`_first_delivery`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import html
import logging
import re
import secrets
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx
from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseRateLimiter,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.platforms.base import Audit, Dropped, Handle, PlatformParts, Plumbing, no_audit, once
from bot.platforms.flood import NEW_MESSAGE_METHODS, Pacer, Rate
from bot.platforms.render import fit_utf16, render, to_html
from bot.platforms.sent_ledger import SentLedger
from bot.settings import Settings, TelegramSettings, secret
from handlers.i18n import t
from handlers.messages import (
    Button,
    Image,
    Incoming,
    Lang,
    Outgoing,
    PermanentPlatformError,
    PlatformCaps,
    PlatformError,
    TemporaryPlatformError,
)
from store.replay import ReplayGuard

log = logging.getLogger("tradechat.telegram")

MAX_TEXT = 4096  # characters after entity parsing (Telegram counts UTF-16 code units)
MAX_CAPTION = 1024
MAX_TOAST = 200
MAX_CALLBACK_DATA = 64  # bytes
# Webhook replays: update ids are kept a day from their receipt (an update carries no signed
# time of its own), longer than Telegram retries an undelivered update.
REPLAY_SOURCE = "telegram:update"
REPLAY_WINDOW_S = 24 * 3600.0

# ---------------------------------------------------------------------------- words

# The command menu, in the order Telegram shows it; descriptions in handlers/i18n/.
MENU = (
    "positions",
    "orders",
    "account",
    "pnl",
    "report",
    "subscribe",
    "quote",
    "buy",
    "sell",
    "close",
    # market data (handlers/market_info.py, handlers/alerts.py; charts and levels: the
    # market-analysis service)
    "chart",
    "rsi",
    "levels",
    "info",
    "history",
    "alert",
    "alerts",
    "help",
)
COMMANDS: dict[Lang, list[tuple[str, str]]] = {
    lang: [(c, t(lang, f"tg_menu_{c}")) for c in MENU] for lang in ("en", "zh")
}

_REPORTISH = re.compile(r"report|chart|报告|报表|图表|日报|周报|月报|汇报", re.IGNORECASE)


# ---------------------------------------------------------------------------- helpers


def user_lang(user: User | None, default: Lang) -> Lang:
    code = (user.language_code or "") if user is not None else ""
    if not code:
        return default
    return "zh" if code.lower().startswith("zh") else "en"


def keyboard(buttons: list[Button]) -> InlineKeyboardMarkup | None:
    """One row for a few short buttons (✅ 确认 / ❌ 取消), one per row otherwise."""
    usable = []
    for b in buttons:
        if not b.id or len(b.id.encode("utf-8")) > MAX_CALLBACK_DATA:
            log.error("button %r dropped: callback data must be 1..64 bytes", b.label)
            continue
        usable.append(InlineKeyboardButton(b.label, callback_data=b.id))
    if not usable:
        return None
    if len(usable) <= 3 and sum(len(b.text) for b in usable) <= 30:
        return InlineKeyboardMarkup([usable])
    return InlineKeyboardMarkup([[b] for b in usable])


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def classify(exc: TelegramError) -> PlatformError:
    """The library's error as ours. PTB makes `BadRequest` a `NetworkError`, so the refusals
    are checked first: a blocked bot (403), a bad request (400), a bad token or a chat that
    moved is permanent; a 429 (with its `retry_after`), 5xx, timeouts and network trouble are
    temporary."""
    text = f"Telegram: {exc}"
    if isinstance(exc, RetryAfter):
        return TemporaryPlatformError(
            text, platform="telegram", retry_after=retry_after_seconds(exc)
        )
    if isinstance(exc, (Forbidden, BadRequest, InvalidToken, ChatMigrated)):
        return PermanentPlatformError(text, platform="telegram")
    if isinstance(exc, NetworkError):  # 5xx, TimedOut, connection errors
        return TemporaryPlatformError(text, platform="telegram")
    return TemporaryPlatformError(text, platform="telegram")  # anything else: bounded retries


# A transport error from httpx that proves the request never reached Telegram.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def maybe_delivered(exc: TelegramError) -> bool:
    """True when a failed call may still have been carried out: the request was written but
    no answer came back (a read timeout, a connection dropped mid-answer). An error Telegram
    answered (4xx, 5xx, 429) and a connection that never opened are definite: nothing
    happened. PTB raises `TimedOut` / `NetworkError` *from* the httpx error in the first case
    and without a cause when Telegram answered."""
    if not isinstance(exc, NetworkError) or isinstance(exc, BadRequest):
        return False
    cause = exc.__cause__
    if cause is None or isinstance(cause, _NOT_SENT):
        return False
    return isinstance(exc, TimedOut) or isinstance(cause, httpx.TransportError)


def _chat_key(chat_id: str | int) -> int | str:
    text = str(chat_id)
    return int(text) if text.lstrip("-").isdigit() else text


# Set while a message's tokens were already taken by its caller (`_create`).
_paced: contextvars.ContextVar[bool] = contextvars.ContextVar("tradechat_tg_paced", default=False)


class FloodLimiter(BaseRateLimiter[None]):
    """PTB's hook around every Bot API call (but getUpdates) over our `Pacer`: each call
    waits out a 429 pause of its chat and the bot-wide one; a 429 is recorded for the chat it
    came from (a call of no chat: for every chat) and raised as it came, so the plumbing's
    retries and the pushes' back-off decide what happens next (PTB's limiter would retry it
    itself). The tokens of a new message are taken before its call (`TelegramPlatform._create`),
    so a stop cut off there can tell "not sent" from "maybe sent"; a new message made through
    any other path is paced here."""

    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer

    async def initialize(self) -> None:
        """Nothing to open: the buckets live in memory."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Awaitable[bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat = data.get("chat_id")
        chat_id = chat if isinstance(chat, int | str) else None
        if endpoint in NEW_MESSAGE_METHODS and chat_id is not None and not _paced.get():
            await self.pacer.wait(chat_id)
        else:
            await self.pacer.unpaused(chat_id)
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            self.pacer.hold(chat_id, retry_after_seconds(exc))
            raise


def pacer_from(cfg: TelegramSettings) -> Pacer:
    """The flood pacer of `[telegram]`'s pacing keys."""
    return Pacer(
        private=Rate(cfg.private_per_s, cfg.private_burst),
        group=Rate.strict_per_minute(cfg.group_per_minute, cfg.group_burst),
        overall=Rate(cfg.overall_per_s, cfg.overall_burst),
    )


# ---------------------------------------------------------------------------- platform


class TelegramPlatform:
    name = "telegram"
    caps = PlatformCaps(
        buttons="native", max_text=MAX_TEXT, image_mode="upload", push="always", can_edit=True
    )

    def __init__(
        self,
        *,
        token: str,
        handle: Handle,
        is_listed: Callable[[str], bool],
        api_base_url: str = "https://api.telegram.org/bot",
        api_file_url: str = "https://api.telegram.org/file/bot",
        webhook_url: str = "",
        listen_host: str = "127.0.0.1",
        listen_port: int = 8443,
        secret_token: str | None = None,
        default_lang: Lang = "zh",
        poll_timeout_s: float = 10.0,
        pacer: Pacer | None = None,
        max_attempts: int = 5,
        backoff_s: float = 1.0,
        action_delay_s: float = 0.3,
        callback_wait_s: float = 1.0,
        reconnect_delays_s: tuple[float, ...] = (5, 10, 20, 30, 60),
        request_timeout_s: float | None = None,
        stop_within_s: float = 4.0,
        replay: ReplayGuard | None = None,
        audit: Audit = no_audit,
    ) -> None:
        self._is_listed = is_listed
        self._replay = replay
        self._audit = audit
        self._webhook_url = webhook_url
        self._listen_host = listen_host
        self._listen_port = listen_port
        # Webhook mode always checks a secret: Telegram echoes whatever we register.
        self._secret_token = secret_token or (secrets.token_urlsafe(32) if webhook_url else None)
        self.default_lang: Lang = default_lang
        self._poll_timeout = dt.timedelta(seconds=poll_timeout_s)
        self.pacer = pacer or Pacer()
        self._stop_within_s = stop_within_s
        self.dropped = Dropped()  # what the last stop did not deliver
        self._reconnecting: asyncio.Task[None] | None = None
        self._action_delay_s = action_delay_s
        self._callback_wait_s = callback_wait_s
        self._reconnect_delays = reconnect_delays_s
        self.plumbing = Plumbing(self.name, handle, attempts=max_attempts, backoff_s=backoff_s)
        self.ledger = SentLedger()
        # presses being handled: (chat, message, user, callback data)
        self._pressing: set[tuple[str, str, str, str]] = set()
        self._running = False
        self._connected = False
        self.username = ""

        builder = (
            ApplicationBuilder()
            .token(token)
            .base_url(api_base_url)
            .base_file_url(api_file_url)
            .concurrent_updates(64)  # one slow answer does not hold up other chats
            .rate_limiter(FloodLimiter(self.pacer))
            .get_updates_read_timeout(poll_timeout_s + 10)
        )
        if request_timeout_s is not None:  # how long a Bot API call may wait for its answer
            builder = builder.read_timeout(request_timeout_s)
        self.app: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        if webhook_url and replay is not None:  # before every other handler (group -1)
            self.app.add_handler(TypeHandler(Update, self._first_delivery, block=True), group=-1)
        self.app.add_handler(
            MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self._on_message)
        )
        self.app.add_handler(CallbackQueryHandler(self._on_callback))
        self.app.add_error_handler(self._on_error)

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Connect and start receiving updates. A bad token raises; an unreachable Bot API is
        retried in the background (with back-off) so the rest of the process keeps going."""
        self._running = True
        try:
            await self._connect()
        except InvalidToken:
            self._running = False
            raise
        except TelegramError as exc:
            log.warning("Telegram not reachable (%s); retrying in the background", exc)
            self._reconnecting = self.plumbing.spawn(self._reconnect(), "telegram-reconnect")

    async def stop(self) -> None:
        """Stop within `stop_within_s` (plus PTB's own short goodbye): no new updates, no new
        pushes; the messages being handled and the answers queued may still go out until
        then; whatever is left is dropped and logged (`Plumbing.close`)."""
        self._running = False
        if self._reconnecting is not None:
            self._reconnecting.cancel()
        app = self.app
        try:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            self.dropped = await self.plumbing.close(self._stop_within_s)
            if app.running:
                await app.stop()
        finally:
            await app.shutdown()
            # An application whose initialize() failed (a bad token: getMe answered 401) skips
            # shutdown, but its bot opened the HTTP client first: close it (a no-op otherwise).
            await app.bot.shutdown()
            self._connected = False

    async def _connect(self) -> None:
        await self.app.initialize()  # getMe
        self.username = self.app.bot.username or ""
        await self._set_commands()
        await self.app.start()
        updater = self.app.updater
        if updater is None:  # the builder always makes one; None only when told not to
            raise RuntimeError("the Telegram application has no updater")
        if self._webhook_url:
            path = urlsplit(self._webhook_url).path.lstrip("/")
            await updater.start_webhook(
                listen=self._listen_host,
                port=self._listen_port,
                url_path=path,
                webhook_url=self._webhook_url,
                secret_token=self._secret_token,
                allowed_updates=["message", "callback_query"],
                bootstrap_retries=3,
            )
            log.info("Telegram @%s: webhook %s", self.username, self._webhook_url)
        else:
            await updater.start_polling(
                timeout=self._poll_timeout,
                allowed_updates=["message", "callback_query"],
                bootstrap_retries=3,
                error_callback=self._on_poll_error,
            )
            log.info("Telegram @%s: long polling", self.username)
        self._connected = True

    async def _reconnect(self) -> None:
        attempt = 0
        while self._running and not self._connected:
            delay = self._reconnect_delays[min(attempt, len(self._reconnect_delays) - 1)]
            await asyncio.sleep(delay)
            attempt += 1
            try:
                if self.app.running:
                    await self.app.stop()
                await self._connect()
            except InvalidToken:
                log.error("Telegram rejected the bot token; Telegram stays off")
                return
            except TelegramError as exc:
                log.warning("Telegram still not reachable (%s)", exc)

    async def _set_commands(self) -> None:
        bot = self.app.bot
        try:
            await bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS["en"]])
            await bot.set_my_commands(
                [BotCommand(c, d) for c, d in COMMANDS["zh"]], language_code="zh"
            )
        except TelegramError as exc:  # the menu is a nicety; never block the start
            log.warning("could not set the Telegram command menu: %s", exc)

    def _on_poll_error(self, exc: TelegramError) -> None:
        # PTB's polling loop retries by itself (with back-off); this only has to log.
        log.warning("Telegram polling error (retrying): %s", exc)

    async def _first_delivery(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Webhook replay protection. An update carries no signed timestamp, so a captured
        request with its secret header could be posted again: each `update_id` is let through
        once, recorded in the database (`store.replay.ReplayGuard`, so a restart forgets
        none) with its receipt time; a repeat is audited and stops here."""
        if self._replay is None:
            return
        try:
            first = await self._replay.first_time(REPLAY_SOURCE, str(update.update_id), time.time())
        except Exception:  # no record, no way to tell a replay: the update is not acted on
            log.exception("Telegram: could not check update %s for a replay", update.update_id)
            raise ApplicationHandlerStop from None
        if first:
            return
        user = update.effective_user
        chat = update.effective_chat
        log.warning("Telegram: update %s ignored (delivered before)", update.update_id)
        try:
            await self._audit(
                "replay",
                platform=self.name,
                chat_id=str(chat.id) if chat is not None else "",
                user_id=str(user.id) if user is not None else "",
                detail={"reason": "duplicate", "update_id": update.update_id},
            )
        except Exception:  # the refusal stands even when its audit row cannot be written
            log.exception("Telegram: could not audit a replayed update")
        raise ApplicationHandlerStop

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling a Telegram update", exc_info=context.error)

    # ------------------------------------------------------------------ outgoing
    async def send(self, chat_id: str, out: Outgoing) -> None:
        """Deliver one message, one attempt (flood-paced, after what is already queued for the
        chat): a 429 raises `TemporaryPlatformError` with Telegram's `retry_after`, 5xx and
        network errors a temporary one, a blocked bot, a bad request or a gone chat a
        permanent one. Sending the same `Outgoing` again through `Fanout` resumes at the part
        that failed."""
        if self.plumbing.closing:  # pushes treat this as "not running": no retry
            raise LookupError("Telegram is stopping")
        key = _chat_key(chat_id)
        await self.plumbing.in_turn(str(key), lambda: self._attempt(key, out))

    async def _attempt(
        self, chat_id: int | str, out: Outgoing, *, skip_first: bool = False
    ) -> None:
        try:
            await self._deliver(chat_id, out, skip_first=skip_first)
        except TelegramError as exc:
            raise classify(exc) from exc

    def _parts(self, out: Outgoing) -> tuple[list[str], InlineKeyboardMarkup | None, list[Image]]:
        """`out` rendered once: its texts within Telegram's length, its keyboard, its images."""
        rendered = render(out, self.caps)
        texts = [piece for text in rendered.texts for piece in fit_utf16(text)]
        return texts, keyboard(rendered.buttons), rendered.images

    async def _deliver(self, chat_id: int | str, out: Outgoing, *, skip_first: bool) -> None:
        """Every part of `out`, each one Bot API call made once per delivery (`once`).
        `skip_first`: the first text was already shown by an edit (`_show_result`)."""
        texts, markup, images = self._parts(out)
        edit_id = int(out.edit_of) if out.edit_of and out.edit_of.isdigit() else None
        for i, text in enumerate(texts):
            if i == 0 and skip_first:
                continue
            body = to_html(text)
            kb = markup if i == len(texts) - 1 else None
            if (
                i == 0
                and edit_id is not None
                and await once(
                    lambda body=body, kb=kb: self._edit(chat_id, edit_id, body, kb)  # type: ignore[misc]
                )
            ):
                continue
            await once(lambda body=body, kb=kb: self._send_text(chat_id, body, kb))  # type: ignore[misc]
        for k, image in enumerate(images):
            kb = markup if not texts and k == len(images) - 1 else None
            await once(lambda image=image, kb=kb: self._send_photo(chat_id, image, kb))  # type: ignore[misc]

    async def _send_text(
        self, chat_id: int | str, body: str, kb: InlineKeyboardMarkup | None
    ) -> Message:
        async def probe(mid: int) -> object:
            return await self.app.bot.edit_message_text(
                body, chat_id=chat_id, message_id=mid, parse_mode=ParseMode.HTML, reply_markup=kb
            )

        return await self._create(
            chat_id,
            _content_key("text", body, kb),
            lambda: self.app.bot.send_message(
                chat_id, body, parse_mode=ParseMode.HTML, reply_markup=kb
            ),
            probe,
        )

    async def _send_photo(
        self, chat_id: int | str, image: Image, kb: InlineKeyboardMarkup | None
    ) -> Message:
        caption = html.escape(image.caption[:MAX_CAPTION], quote=False) or None

        async def probe(mid: int) -> object:
            if caption:  # a caption edit that changes nothing; else a keyboard edit
                return await self.app.bot.edit_message_caption(
                    chat_id=chat_id,
                    message_id=mid,
                    caption=caption,
                    parse_mode=ParseMode.HTML,
                    reply_markup=kb,
                )
            return await self.app.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=mid, reply_markup=kb
            )

        return await self._create(
            chat_id,
            _content_key("photo", f"{caption}|{hash(image.data)}", kb),
            lambda: self.app.bot.send_photo(
                chat_id,
                photo=InputFile(image.data, filename=image.name),
                caption=caption,
                parse_mode=ParseMode.HTML if caption else None,
                reply_markup=kb,
            ),
            probe,
        )

    async def _create(
        self,
        chat_id: int | str,
        key: str,
        send: Callable[[], Awaitable[Message]],
        probe: Callable[[int], Awaitable[object]],
    ) -> Message:
        """One paced call that creates a message. A call that may have arrived though its
        answer was lost is remembered (`SentLedger.unsure`) and raises as usual (temporary);
        when the repeat arrives, the copy is found and deleted (`SentLedger`)."""
        chat = str(chat_id)
        floor = self.ledger.top(chat)
        await self.pacer.wait(chat_id)  # cancelled here (a stop), nothing was sent
        token = _paced.set(True)
        try:
            message = await send()
        except TelegramError as exc:
            if maybe_delivered(exc):
                self.ledger.unsure(chat, key, floor)
            raise
        except asyncio.CancelledError:
            # a stop cut the request off: the message may exist, and a repeat of this send
            # (a retried push) must look for the copy like after a lost answer
            self.ledger.unsure(chat, key, floor)
            raise
        finally:
            _paced.reset(token)
        self.ledger.saw(chat, message.message_id)
        since = self.ledger.settle(chat, key)
        if since is not None:
            await self._drop_copies(chat_id, since, message.message_id, probe)
        return message

    async def _drop_copies(
        self,
        chat_id: int | str,
        floor: int,
        keep: int,
        probe: Callable[[int], Awaitable[object]],
    ) -> None:
        """Delete the copies of the message `keep` that an uncertain earlier attempt left
        between `floor` and `keep` (see `SentLedger`). Best effort: a network error ends it."""
        chat = str(chat_id)
        for mid in self.ledger.candidates(chat, floor, keep):
            try:
                await probe(mid)
            except BadRequest as exc:
                if "not modified" in exc.message.lower():
                    log.info("Telegram: message %s in %s was a copy; deleting it", mid, chat)
                    await self._delete(chat_id, mid)
                continue  # a user's message, another chat's id, gone: not a copy
            except TelegramError as exc:
                log.warning("Telegram: could not look for a copy in %s: %s", chat, exc)
                return
            log.error("Telegram: message %s in %s was unknown and has been overwritten", mid, chat)
            self.ledger.saw(chat, mid)

    async def _delete(self, chat_id: int | str, message_id: int) -> None:
        async def attempt() -> None:
            try:
                await self.app.bot.delete_message(chat_id, message_id)
            except BadRequest as exc:
                log.info("Telegram: delete of %s failed: %s", message_id, exc.message)
            except TelegramError as exc:
                raise classify(exc) from exc

        with contextlib.suppress(PlatformError):  # logged by `retrying`
            await self.plumbing.retrying(attempt, f"delete in {chat_id}")

    async def _edit(
        self, chat_id: int | str, message_id: int, body: str, kb: InlineKeyboardMarkup | None
    ) -> bool:
        """Edit a message in place (no markup = keyboard removed). False when it cannot be
        edited any more (deleted, too old), so the caller sends a new message instead. An
        edit is safe to repeat: one that already arrived is "not modified". Edits spend no
        flood token (only new messages do); they wait out a 429 pause (`FloodLimiter`)."""
        try:
            await self.app.bot.edit_message_text(
                body,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=kb,
            )
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return True
            log.info("could not edit message %s in %s: %s", message_id, chat_id, exc.message)
            return False
        return True

    async def _show_result(self, chat_id: int, out: Outgoing) -> None:
        """An answer that replaces a preview (`edit_of`: the result of a press) always reaches
        the user: the edit is retried like any answer; when it still fails (or the preview
        cannot be edited any more) the answer goes out as a new message and the preview's
        keyboard is removed, so that nothing stale is left to press."""
        texts, markup, _ = self._parts(out)
        if not texts or out.edit_of is None or not out.edit_of.isdigit():
            self._reply(chat_id, replace(out, edit_of=None))
            return
        preview = int(out.edit_of)
        body, kb = to_html(texts[0]), markup if len(texts) == 1 else None

        async def edit() -> bool:
            try:
                return await self._edit(chat_id, preview, body, kb)
            except TelegramError as exc:
                raise classify(exc) from exc

        try:
            edited = await self.plumbing.retrying(edit, f"result edit in {chat_id}")
        except PlatformError:  # logged by `retrying`
            edited = False
        rest = replace(out, edit_of=None)
        if edited:
            if len(texts) > 1 or out.images:
                self._reply(chat_id, rest, skip_first=True)
            return
        self._reply(chat_id, rest)
        await self._strip_keyboard(chat_id, preview)

    async def _strip_keyboard(self, chat_id: int, message_id: int) -> None:
        async def attempt() -> None:
            try:
                await self.app.bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=None
                )
            except BadRequest as exc:  # no keyboard any more, or the message is gone
                log.info("keyboard of %s in %s not removed: %s", message_id, chat_id, exc)
            except TelegramError as exc:
                raise classify(exc) from exc

        with contextlib.suppress(PlatformError):  # logged by `retrying`
            await self.plumbing.retrying(attempt, f"keyboard removal in {chat_id}")

    # ------------------------------------------------------------------ incoming
    async def _chat_action(self, chat_id: int, action: str) -> None:
        """Show "typing…" / "uploading photo…" while an answer takes longer than a moment; the
        action lasts ~5 s on Telegram, so it is repeated until cancelled."""
        while True:
            if not self.pacer.paused_for(chat_id):  # "typing…" is not worth a second 429
                try:
                    await self.app.bot.send_chat_action(chat_id, action)
                except TelegramError as exc:
                    log.debug("chat action failed: %s", exc)
            await asyncio.sleep(4.5)

    async def _answer(self, incoming: Incoming, chat_id: int, hint: str) -> list[Outgoing]:
        """The conversation's answer, with a chat action showing while it takes a while.
        Callers hold the chat's lock."""
        action = ChatAction.UPLOAD_PHOTO if _REPORTISH.search(hint) else ChatAction.TYPING
        indicator: list[asyncio.Task[None]] = []

        def begin() -> None:  # the answer takes a while: show it
            indicator.append(self.plumbing.spawn(self._chat_action(chat_id, action), "tg-action"))

        # a timer, not a task per message: most answers are out before it fires
        timer = asyncio.get_running_loop().call_later(self._action_delay_s, begin)
        try:
            return await self.plumbing.answer(incoming)
        finally:
            timer.cancel()
            for task in indicator:
                task.cancel()

    def _normalise(self, message: Message) -> tuple[str, bool] | None:
        """Telegram syntax → plain text: "/pnl@ourbot month" → "/pnl month", "@ourbot 持仓" →
        "持仓" (mentioned). None for a command addressed to another bot."""
        text = message.text or ""
        mentioned = False
        me = self.username.lower()
        if text.startswith("/"):
            head, _, rest = text.partition(" ")
            command, _, target = head.partition("@")
            if target:
                if target.lower() != me:
                    return None
                mentioned = True
            text = f"{command} {rest}".strip() if rest else command
        if me:
            pattern = re.compile(rf"@{re.escape(self.username)}\b", re.IGNORECASE)
            if pattern.search(text):
                mentioned = True
                text = re.sub(r"\s{2,}", " ", pattern.sub("", text)).strip()
        reply = message.reply_to_message
        if reply is not None and reply.from_user is not None and reply.from_user.is_bot:
            mentioned = mentioned or reply.from_user.id == self.app.bot.id
        return text, mentioned

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB's handler only reads the update and starts our task, so a chat whose messages
        wait for each other never holds one of PTB's update slots."""
        message = update.message
        if message is None or message.from_user is None or message.from_user.is_bot:
            return
        chat, user = message.chat, message.from_user
        if chat.type == ChatType.CHANNEL:
            return
        self.ledger.saw(str(chat.id), message.message_id)
        is_group = chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
        uid = str(user.id)
        lang = user_lang(user, self.default_lang)
        normal = self._normalise(message)
        if normal is None:
            return
        text, mentioned = normal
        listed = self._is_listed(uid)
        if not listed and is_group:
            return  # in groups the bot acts only for listed users
        if not listed and text.split(" ", 1)[0].lower() == "/start":
            self._reply(chat.id, Outgoing(t(lang, "tg_start_unknown", uid=user.id), lang=lang))
            return
        incoming = Incoming(
            platform="telegram",
            chat_id=str(chat.id),
            user_id=uid,
            user_name=user.full_name,
            text=text,
            is_group=is_group,
            message_id=str(message.message_id),
            mentioned=mentioned,
            private_chat=uid,  # a user's private chat has their id (once they started the bot)
        )
        self.plumbing.spawn(self._converse(incoming, chat.id, text), "telegram-message")

    async def _converse(self, incoming: Incoming, chat_id: int, text: str) -> None:
        # One message of a chat at a time; its answers are queued in order on the chat's
        # delivery line and go out while the chat's next message is already being handled.
        async with self.plumbing.in_order(incoming.chat_id):
            for out in await self._answer(incoming, chat_id, text):
                self._reply(chat_id, out)

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None:
            self.plumbing.spawn(self._press(query), "telegram-press")

    def _press_incoming(self, query: CallbackQuery) -> Incoming | str:
        """The press as an `Incoming`, or the toast that refuses it at once."""
        user = query.from_user
        lang = user_lang(user, self.default_lang)
        message = query.message
        if message is None or not query.data or not isinstance(message, Message):
            return t(lang, "tg_gone")
        chat = message.chat
        self.ledger.saw(str(chat.id), message.message_id)
        uid = str(user.id)
        if not self._is_listed(uid):
            return t(lang, "tg_not_for_you")
        return Incoming(
            platform="telegram",
            chat_id=str(chat.id),
            user_id=uid,
            user_name=user.full_name,
            button_id=query.data,
            is_group=chat.type in (ChatType.GROUP, ChatType.SUPERGROUP),
            message_id=str(message.message_id),
        )

    async def _press(self, query: CallbackQuery) -> None:
        """A button press, handled without the chat's lock (a ✅ never waits for other users'
        traffic), answered with exactly one toast; its result replaces the preview."""
        incoming = self._press_incoming(query)
        if isinstance(incoming, str):
            await self._toast(query, incoming)
            return
        key = (incoming.chat_id, incoming.message_id or "", incoming.user_id, query.data or "")
        if key in self._pressing:  # the same press again while the first is handled
            await self._toast(query, None)
            return
        self._pressing.add(key)
        try:
            outs = await self._answer_press(query, incoming)
        finally:
            self._pressing.discard(key)
        chat_id = int(incoming.chat_id)
        for out in outs:
            if out.edit_of is not None:
                await self._show_result(chat_id, out)
            else:
                self._reply(chat_id, out)

    async def _answer_press(self, query: CallbackQuery, incoming: Incoming) -> list[Outgoing]:
        """The conversation's answers to a press, the press itself answered: with the
        conversation's refusal as the toast when it comes quickly (the usual case);
        otherwise an empty answer stops the spinner after `callback_wait_s` and a refusal that
        comes later is dropped (a press never becomes a chat message of its own)."""
        answered = False

        async def answer_late() -> None:
            nonlocal answered
            await asyncio.sleep(self._callback_wait_s)
            answered = True
            await self._toast(query, None)

        timer = self.plumbing.spawn(answer_late(), "telegram-toast")
        outs = await self._answer(incoming, int(incoming.chat_id), "")
        refusal = next((o for o in outs if _is_refusal(o)), None)
        if refusal is not None:
            outs = [o for o in outs if o is not refusal]
        if answered:  # the empty answer is out (or on its way)
            with contextlib.suppress(asyncio.CancelledError):
                await timer
            if refusal is not None:
                log.info("a late refusal of a press in %s was dropped", incoming.chat_id)
            return outs
        timer.cancel()
        # on its own task: the result's edit need not wait for Telegram's answer to the toast
        toast = refusal.text if refusal is not None else None
        self.plumbing.spawn(self._toast(query, toast), "telegram-toast")
        return outs

    async def _toast(self, query: CallbackQuery, text: str | None) -> None:
        try:
            if text:
                await query.answer(text[:MAX_TOAST], show_alert=len(text) > MAX_TOAST)
            else:
                await query.answer()
        except TelegramError as exc:  # too old, already answered: nothing to do
            log.info("callback answer failed: %s", exc)

    def _reply(self, chat_id: int, out: Outgoing, *, skip_first: bool = False) -> None:
        """Queue an answer on the chat's delivery line; retried, resuming where it failed.
        Delivered where the conversation addressed it (`out.to_chat`, the asker's private
        chat, with a note in this one) through `Plumbing.reply_to`."""
        key = str(chat_id)

        async def attempt(chat: str, message: Outgoing) -> None:
            first = skip_first and message is out
            await self._attempt(_chat_key(chat), message, skip_first=first)

        async def deliver() -> bool:
            return await self.plumbing.reply_to(out, key, attempt)

        self.plumbing.queue(key, deliver)


def _content_key(kind: str, body: str, kb: InlineKeyboardMarkup | None) -> str:
    """What tells one message's content from another's (text or caption and keyboard)."""
    return "\x00".join((kind, body, kb.to_json() if kb is not None else ""))


def _is_refusal(out: Outgoing) -> bool:
    """A short "no" to a button press (expired, not yours, already done): shown as a toast."""
    return out.kind == "error" and out.edit_of is None and not out.buttons and not out.images


def create(parts: PlatformParts, settings: Settings) -> TelegramPlatform | None:
    """The Telegram platform when the token's environment variable is set; None otherwise."""
    cfg = settings.telegram
    token = secret(cfg.token_env)
    if token is None:
        return None
    replay: ReplayGuard | None = None
    if cfg.webhook_url:
        if parts.db is None:  # the composition root always passes it
            raise RuntimeError("a Telegram webhook needs the app database: replays are kept there")
        replay = ReplayGuard(parts.db, window_s=REPLAY_WINDOW_S)
    return TelegramPlatform(
        token=token,
        handle=parts.handle,
        is_listed=parts.listed_on("telegram"),
        api_base_url=cfg.api_base_url,
        api_file_url=cfg.api_file_url,
        webhook_url=cfg.webhook_url,
        listen_host=cfg.listen_host,
        listen_port=cfg.listen_port,
        secret_token=secret(cfg.secret_token_env),
        default_lang=settings.app.language,
        pacer=pacer_from(cfg),
        stop_within_s=cfg.stop_within_s,
        replay=replay,
        audit=parts.audit,
    )
