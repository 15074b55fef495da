"""What every chat platform is and the plumbing they all share.

- `Platform`: the one shape (`name`, `caps`, `start`, `stop`, `send`). `send` makes ONE attempt
  to deliver a message and raises `TemporaryPlatformError` or `PermanentPlatformError`
  (handlers/messages.py), translated from the app library's own errors, so that whoever retries
  knows whether trying again can help.
- `Fanout`: how a push reaches a chat by platform name — one attempt, the classified error goes
  back to the caller (handlers/pushes.py retries pushes and stops at a permanent error); a
  retried push of the same message resumes where it failed.
- `Plumbing`: what each platform used to copy: the set of in-flight handler tasks, per-chat
  ordering, and bounded retries of replies on temporary errors (honouring the app's
  `retry_after`), never on permanent ones. Ordering has two parts, so that a slow or paced
  send never holds up the next message's handling: `in_order` handles one chat's messages one
  at a time, and `queue` / `in_turn` deliver one chat's answers (and pushes) one at a time, in
  the order they were queued. Different chats never wait for each other. `close(within_s)`
  is a bounded stop: the work in hand may finish until then, the rest is cancelled and the
  deliveries dropped are returned and logged (`Dropped`: how many, which chats).
- `once`: marks one app call inside a delivery, so that a retried delivery resumes at the call
  that failed instead of sending the parts that already arrived a second time.
- `PlatformParts` + `PlatformFactory`: what the composition root hands each platform's
  `create(parts, settings)`.

`Conversation.handle` never raises (an internal error becomes its own apology), so the plumbing
writes no apology of its own: a handler that raises anyway is a bug, logged, and the chat goes on.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

from bot.settings import Settings
from handlers.messages import (
    Incoming,
    Outgoing,
    PermanentPlatformError,
    PlatformCaps,
    TemporaryPlatformError,
)
from store.db import Database

log = logging.getLogger("tradechat.platforms")

T = TypeVar("T")

Handle = Callable[[Incoming], Awaitable[list[Outgoing]]]
IsListed = Callable[[str], bool]


class Audit(Protocol):
    """Writes one audit row (`store.audit.AuditLog.record` has this shape): how an adapter
    records what it refused before the conversation ever saw it (a forged sender, a replay)."""

    async def __call__(
        self,
        event: str,
        *,
        platform: str = "",
        chat_id: str = "",
        user_id: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None: ...


async def no_audit(
    event: str,
    *,
    platform: str = "",
    chat_id: str = "",
    user_id: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """The audit of a platform built without one (tests of the transport alone)."""


class Platform(Protocol):
    """A chat app the bot talks through. `send` is one attempt and raises a classified
    `PlatformError`; `start` returns once the platform is receiving (or retrying its
    connection in the background); `stop` ends everything it started."""

    name: str
    caps: PlatformCaps

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def send(self, chat_id: str, out: Outgoing) -> None: ...


@dataclass(frozen=True, slots=True)
class PlatformParts:
    """What the composition root gives every platform factory."""

    handle: Handle  # the conversation: Incoming → answers (never raises)
    listed: Callable[[str, str], bool]  # (platform, user id) is in [[users]]
    # Asks the process to stop (the console does when its input ends or the user types exit).
    request_stop: Callable[[], None] = lambda: None
    # The console platform: True = always, False = never, None = when stdin is a terminal.
    console: bool | None = None
    # What adapters refuse on their own (forged senders, replays) goes to the audit log too.
    audit: Audit = no_audit
    # The app database, for adapters that keep state across restarts (store/replay.py).
    db: Database | None = None

    def listed_on(self, platform: str) -> IsListed:
        return lambda user_id: self.listed(platform, str(user_id))


PlatformFactory = Callable[[PlatformParts, Settings], "Platform | None"]


class Fanout:
    """The one way a push reaches a chat: by platform name, ONE attempt. The platform's
    classified error propagates to the caller (handlers/pushes.py retries temporary errors and
    stops at permanent ones); a broken platform never silences the others, because each push
    is its own call.

    When a push fails with a temporary error part-way (the text went out, the chart did not),
    pushing the same `Outgoing` object to the same chat again resumes at the part that failed,
    so a retried push never repeats what already arrived."""

    MAX_UNFINISHED = 256

    def __init__(self) -> None:
        self.platforms: dict[str, Platform] = {}
        self._unfinished: OrderedDict[tuple[str, str, int], tuple[Outgoing, _Progress]] = (
            OrderedDict()
        )

    def add(self, platform: Platform) -> None:
        self.platforms[platform.name] = platform

    async def push(self, platform: str, chat_id: str, out: Outgoing) -> None:
        target = self.platforms.get(platform)
        if target is None:
            raise LookupError(f"platform {platform!r} is not running")
        key = (platform, chat_id, id(out))
        entry = self._unfinished.pop(key, None)
        progress = entry[1] if entry is not None and entry[0] is out else _Progress()
        progress.position = 0
        token = _progress.set(progress)
        try:
            await target.send(chat_id, out)
        except TemporaryPlatformError:
            self._unfinished[key] = (out, progress)
            while len(self._unfinished) > self.MAX_UNFINISHED:
                self._unfinished.popitem(last=False)
            raise
        finally:
            _progress.reset(token)


# ---- resumable deliveries ---------------------------------------------------------------------


class _Progress:
    """The results of the app calls of one delivery that already went through."""

    def __init__(self) -> None:
        self.done: list[object] = []
        self.position = 0
        self.depth = 0  # > 0 while inside a `once` call: nested calls are part of it


_progress: contextvars.ContextVar[_Progress | None] = contextvars.ContextVar(
    "tradechat_delivery_progress", default=None
)


async def once(call: Callable[[], Awaitable[T]]) -> T:
    """Make one app call of a delivery. Inside `Plumbing.retrying`, a call that succeeded in an
    earlier attempt is not made again (its result is reused), so a retry resumes where the
    delivery failed. Outside it (a push through `Fanout`), the call is simply made."""
    progress = _progress.get()
    if progress is None or progress.depth > 0:
        return await call()
    index = progress.position
    progress.position += 1
    if index < len(progress.done):
        return cast("T", progress.done[index])
    progress.depth += 1
    try:
        result = await call()
    finally:
        progress.depth -= 1
    progress.done.append(result)
    return result


@dataclass(frozen=True, slots=True)
class Dropped:
    """What a bounded stop (`Plumbing.close`) did not deliver: how many queued deliveries
    (answers and pushes) and to which chats."""

    count: int = 0
    chats: tuple[str, ...] = ()


# ---- the shared plumbing ----------------------------------------------------------------------


class Plumbing:
    """Task set, per-chat ordering and retried replies for one platform."""

    def __init__(
        self,
        platform: str,
        handle: Handle,
        *,
        attempts: int = 3,
        backoff_s: float = 1.0,
        max_wait_s: float = 60.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.platform = platform
        self._handle = handle
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self.max_wait_s = max_wait_s
        self._sleep = sleep
        self.tasks: set[asyncio.Task[Any]] = set()
        self.closing = False  # `close` has begun: nothing new is queued
        self._queued: dict[str, int] = {}  # deliveries queued per chat and not finished yet
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._tails: dict[str, asyncio.Task[Any]] = {}  # the last delivery queued per chat

    # ---- tasks -------------------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, T], name: str | None = None) -> asyncio.Task[T]:
        """Run `coro` as a task that `close()` cancels and `idle()` waits for."""
        task = asyncio.ensure_future(coro)
        if name:
            task.set_name(name)
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: a task failed", self.platform, exc_info=task.exception() or None)

    async def idle(self) -> None:
        """Wait until every task started so far (and those they started) has finished."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def close(self, within_s: float = 0.0) -> Dropped:
        """End every task (platform `stop`): the work in hand — handling and the queued
        deliveries — may finish for up to `within_s` seconds; what is left then is cancelled.
        The deliveries that never went out are returned and logged (how many, which chats),
        so a stop is bounded and says what it dropped."""
        self.closing = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, within_s)
        # tasks start tasks (a handled message queues its answers): wait for the newcomers too
        while self.tasks and (left := deadline - loop.time()) > 0:
            await asyncio.wait(list(self.tasks), timeout=left)
        dropped = Dropped(
            sum(self._queued.values()), tuple(sorted(c for c, n in self._queued.items() if n))
        )
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if dropped.count:
            log.warning(
                "%s: stopped with %d deliveries not sent, to %d chats: %s",
                self.platform,
                dropped.count,
                len(dropped.chats),
                ", ".join(dropped.chats),
            )
        return dropped

    # ---- ordering ----------------------------------------------------------------------------

    @asynccontextmanager
    async def in_order(self, chat_id: str) -> AsyncIterator[None]:
        """One chat's messages are handled one at a time: enter it before handling a message of
        `chat_id` and leave it once its answers are queued (`queue`), not sent, so that a slow
        or paced send does not hold up the next message. asyncio locks are fair, so messages
        of one chat go through in the order they arrived; other chats do not wait."""
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[chat_id] = lock
        async with lock:
            yield

    def submit(self, chat_id: str, work: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        """Run `work` in a task, after the work submitted earlier for the same chat."""

        async def ordered() -> None:
            async with self.in_order(chat_id):
                await work()

        return self.spawn(ordered(), f"{self.platform}-{chat_id}")

    def _after_earlier(self, chat_id: str, deliver: Callable[[], Awaitable[T]]) -> asyncio.Task[T]:
        previous = self._tails.get(chat_id)
        self._queued[chat_id] = self._queued.get(chat_id, 0) + 1

        async def in_line() -> T:
            if previous is not None and not previous.done():
                await asyncio.wait([previous])  # its failure is its own caller's business
            return await deliver()

        task = asyncio.ensure_future(in_line())  # copies the caller's context (`once`)
        task.set_name(f"{self.platform}-send-{chat_id}")
        self.tasks.add(task)
        self._tails[chat_id] = task

        def forget(done: asyncio.Task[Any]) -> None:
            # `close` counts what is still queued before it cancels anything
            self.tasks.discard(done)
            self._sent(chat_id)
            if self._tails.get(chat_id) is done:
                del self._tails[chat_id]

        task.add_done_callback(forget)
        return task

    def _sent(self, chat_id: str) -> None:
        left = self._queued.get(chat_id, 0) - 1
        if left > 0:
            self._queued[chat_id] = left
        else:
            self._queued.pop(chat_id, None)

    def queue(self, chat_id: str, deliver: Callable[[], Awaitable[object]]) -> asyncio.Task[None]:
        """Deliver after everything queued earlier for `chat_id`, and return at once: a
        chat's answers go out in the order they were queued, while the chat's next message
        is already being handled. A delivery that raises is logged (replies do not raise)."""

        async def logged() -> None:
            try:
                await deliver()
            except Exception:
                log.exception("%s: a delivery to %s failed", self.platform, chat_id)

        return self._after_earlier(chat_id, logged)

    async def in_turn(self, chat_id: str, deliver: Callable[[], Awaitable[T]]) -> T:
        """`deliver` after everything queued earlier for `chat_id`; its result or error comes
        back to the caller (a push through `Fanout`). Dropped by a stop (`close`), it raises
        `LookupError`, "not running", as a push to a stopped platform does (never retried)."""
        task = self._after_earlier(chat_id, deliver)
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the caller itself is being cancelled
            raise LookupError(f"{self.platform} stopped before this delivery went out") from None

    # ---- answering ---------------------------------------------------------------------------

    async def answer(self, incoming: Incoming) -> list[Outgoing]:
        """The conversation's answers to `incoming`. It never raises; if it does anyway (a bug),
        the error is logged and the chat gets no answer rather than a made-up one."""
        try:
            return await self._handle(incoming)
        except Exception:
            log.exception("%s: the conversation raised on a message", self.platform)
            return []

    async def retrying(self, attempt: Callable[[], Awaitable[T]], what: str = "send") -> T:
        """`attempt` (one delivery through `once` calls) until it works: temporary errors are
        retried a bounded number of times, after the app's `retry_after` when it gave one (up
        to `max_wait_s`; asked to wait longer, it gives up) and with exponential back-off
        otherwise; a permanent error is raised at once. Raises the last error after giving
        up."""
        token = _progress.set(_Progress())
        try:
            for n in range(1, self.attempts + 1):
                progress = _progress.get()
                if progress is not None:
                    progress.position = 0
                try:
                    return await attempt()
                except TemporaryPlatformError as exc:
                    if self._give_up(n, exc, what):
                        raise
                    delay = self._delay(n, exc)
                    log.warning("%s: %s: %s; retrying in %.1f s", self.platform, what, exc, delay)
                    await self._sleep(delay)
            raise AssertionError("unreachable")  # the loop returns or raises
        finally:
            _progress.reset(token)

    def _give_up(self, attempt: int, exc: TemporaryPlatformError, what: str) -> bool:
        if attempt >= self.attempts:
            log.error("%s: %s gave up after %d attempts: %s", self.platform, what, attempt, exc)
            return True
        if exc.retry_after is not None and exc.retry_after > self.max_wait_s:
            # trying sooner than the app allows only earns another refusal
            log.error("%s: %s: %s; not waiting that long", self.platform, what, exc)
            return True
        return False

    def _delay(self, attempt: int, exc: TemporaryPlatformError) -> float:
        if exc.retry_after is not None:
            return max(0.0, float(exc.retry_after))
        return min(self.max_wait_s, self.backoff_s * 2.0 ** (attempt - 1))

    async def reply(self, attempt: Callable[[], Awaitable[None]], chat_id: str) -> bool:
        """Deliver one answer with `retrying`; a failure is logged, never raised (the user
        asked; nobody else is waiting for the error). True when it arrived."""
        try:
            await self.retrying(attempt, f"answer in {chat_id}")
        except PermanentPlatformError as exc:
            log.warning("%s: cannot answer in %s: %s", self.platform, chat_id, exc)
            return False
        except TemporaryPlatformError:
            return False  # logged by `retrying`
        return True

    async def reply_to(
        self, out: Outgoing, chat_id: str, attempt: Callable[[str, Outgoing], Awaitable[None]]
    ) -> bool:
        """`reply` with `out` delivered where the conversation addressed it: `out.to_chat`
        when set (the asker's private chat), then its `sent_note` in `chat_id` — or, when the
        private delivery failed (a Telegram user who never started the bot), its `unsent_note`
        there instead. `attempt(chat, message)` is one delivery. True when `out` arrived."""
        target = out.to_chat or chat_id
        delivered = await self.reply(lambda: attempt(target, out), target)
        if target != chat_id:
            note = out.sent_note if delivered else out.unsent_note
            if note is not None:
                await self.reply(lambda: attempt(chat_id, note), chat_id)
        return delivered
