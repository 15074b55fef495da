"""Flood limits of a chat app that publishes them, as token buckets (no app library here).

Telegram's Bot FAQ ("My bot is hitting limits, how do I avoid this?") names three limits, all
about *sending messages*: about one message a second in one chat ("we may allow short bursts
that go over this limit"), no more than 20 messages a minute in one group, and about 30
messages a second overall. So only a call that creates a message waits for a token
(`Pacer.wait`); an edit, a callback answer or a chat action does not spend one, it only waits
out a 429 pause (`Pacer.unpaused`).

- One `TokenBucket` per chat (private chats and groups have their own `Rate`) and one for the
  bot as a whole. A bucket allows `burst` messages at once and refills at `per_s`, so a report
  with its charts goes out at once and a flood is spaced. The group rate refills at
  `(per_minute - burst) / 60` (`Rate.strict_per_minute`): no 60 s window ever holds more than
  the published 20, burst included.
- Buckets reserve the caller's send time without a lock (nothing is awaited between reading
  and writing a bucket); the caller then sleeps until it, so a chat waiting for its own turn
  holds up nobody else. The bot-wide token is taken only when the chat's turn has come, so
  a chat queued far ahead never holds the bot's tokens meanwhile.
- A 429's `retry_after` pauses the chat it came from (`hold(chat, s)`); a 429 on a call of no
  chat, or 429s in `BOT_WIDE_CHATS` different chats at once (the bot-wide limit was hit, not a
  chat's), pause every chat. After a pause the chat's bucket starts empty: no burst straight
  into a second refusal.

Why not python-telegram-bot's `AIORateLimiter`: it sends every call that names a chat through
its overall limiter (edits and chat actions queue like messages), has no limit for private
chats, and halts *all* requests on any 429 while it retries the call itself — behind the
shared plumbing's retries (bot/platforms/base.py, which resume a delivery at the call that
failed) and the pushes' own back-off (handlers/pushes.py). bot/platforms/telegram.py plugs
this `Pacer` into PTB's `BaseRateLimiter` hook instead, which sees every Bot API call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

# When 429s of this many different chats overlap, the limit hit is the bot's own (Telegram
# refuses everyone), so every chat waits for the longest of them.
BOT_WIDE_CHATS = 3
KEEP_BUCKETS = 1024  # past this many chats, the buckets that are full again are forgotten

# Bot API methods that create a message: the ones Telegram's flood limits count.
NEW_MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendAnimation",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendSticker",
        "sendLocation",
        "sendPoll",
        "copyMessage",
        "forwardMessage",
    }
)


@dataclass(frozen=True, slots=True)
class Rate:
    """`per_s` messages a second sustained, `burst` of them at once (0 = no limit)."""

    per_s: float
    burst: int = 1

    @classmethod
    def strict_per_minute(cls, per_minute: int, burst: int) -> Rate:
        """At most `per_minute` in ANY 60 s window, a burst of `burst` included: a full
        bucket of `burst` plus a minute of refill must not exceed the count."""
        burst = max(1, min(burst, per_minute))
        refill = max(per_minute - burst, 1) if per_minute > 0 else 0
        return cls(per_s=refill / 60.0, burst=burst)


# Telegram's Bot FAQ. A private chat: a report's text and its three charts at once, then
# about one a second; a group: at most 20 in any minute; the bot: about 30 a second.
PRIVATE = Rate(per_s=1.0, burst=4)
GROUP = Rate.strict_per_minute(20, burst=3)
OVERALL = Rate(per_s=30.0, burst=20)
UNLIMITED = Rate(per_s=0.0)


class TokenBucket:
    """A token bucket kept as its "theoretical arrival time" (GCRA): `tat` is when the bucket
    would be full again; a send may go at `tat - tolerance` at the earliest."""

    __slots__ = ("interval", "tat", "tolerance")

    def __init__(self, rate: Rate, now: float) -> None:
        self.interval = 1.0 / rate.per_s if rate.per_s > 0 else 0.0
        self.tolerance = (max(1, rate.burst) - 1) * self.interval
        self.tat = now

    def reserve(self, at: float) -> float:
        """The earliest time at or after `at` this bucket lets a message go; its token is
        taken."""
        if self.interval == 0.0:
            return at
        start = max(at, self.tat - self.tolerance)
        self.tat = max(self.tat, start) + self.interval
        return start

    def empty_until(self, until: float) -> None:
        """No token before `until`, and no burst right after it."""
        if self.interval:
            self.tat = max(self.tat, until + self.tolerance)

    def full(self, now: float) -> bool:
        return self.tat <= now


def is_group(chat_id: int | str) -> bool:
    """Telegram: groups, supergroups and channels have negative ids (or an @username)."""
    text = str(chat_id)
    return text.startswith(("-", "@"))


class Pacer:
    """When a message may be sent (`wait`), and when any call may be made (`unpaused`)."""

    def __init__(
        self,
        *,
        private: Rate = PRIVATE,
        group: Rate = GROUP,
        overall: Rate = OVERALL,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.private = private
        self.group = group
        self.overall = overall
        self._clock = clock
        self._sleep = sleep
        self._overall = TokenBucket(overall, clock())
        self._chats: dict[str, TokenBucket] = {}
        self._held: dict[str, float] = {}  # chat → when its 429 pause ends (clock time)
        self._held_all = 0.0  # when the bot-wide pause ends

    @classmethod
    def unlimited(cls) -> Pacer:
        """No buckets at all (tests of other behaviour); 429 pauses still hold."""
        return cls(private=UNLIMITED, group=UNLIMITED, overall=UNLIMITED)

    # ---- new messages --------------------------------------------------------------------

    def _bucket(self, key: str, now: float) -> TokenBucket:
        bucket = self._chats.get(key)
        if bucket is None:
            if len(self._chats) >= KEEP_BUCKETS:
                self._chats = {k: b for k, b in self._chats.items() if not b.full(now)}
            bucket = TokenBucket(self.group if is_group(key) else self.private, now)
            self._chats[key] = bucket
        return bucket

    def reserve(self, chat_id: int | str) -> float:
        """The delay before the chat's own turn for a new message (its pause, its bucket);
        the chat's token is taken."""
        now = self._clock()
        key = str(chat_id)
        return self._bucket(key, now).reserve(max(now, self._pause_end(key))) - now

    def reserve_overall(self) -> float:
        """The delay before the bot as a whole may send one more message; the token is
        taken. Always reserved for *now*, when the chat's turn has come: a chat queued far
        ahead must not hold the bot's tokens meanwhile (the other chats would wait for it)."""
        now = self._clock()
        return self._overall.reserve(now) - now

    async def wait(self, chat_id: int | str) -> None:
        """Wait for the turn of a new message to `chat_id`: its chat's, then the bot's (and
        out any pause that began meanwhile)."""
        if (delay := self.reserve(chat_id)) > 0:
            await self._sleep(delay)
        if (delay := self.reserve_overall()) > 0:
            await self._sleep(delay)
        await self.unpaused(chat_id)

    # ---- 429 pauses ------------------------------------------------------------------------

    def _pause_end(self, key: str | None) -> float:
        end = self._held_all
        if key is not None:
            end = max(end, self._held.get(key, 0.0))
        return end

    def paused_for(self, chat_id: int | str | None) -> float:
        """Seconds until calls for `chat_id` (None: calls of no chat) may be made again."""
        key = None if chat_id is None else str(chat_id)
        return max(0.0, self._pause_end(key) - self._clock())

    async def unpaused(self, chat_id: int | str | None) -> None:
        """Wait out the 429 pause of `chat_id` and the bot-wide one; spends no token."""
        while (left := self.paused_for(chat_id)) > 0:
            await self._sleep(left)

    def hold(self, chat_id: int | str | None, seconds: float) -> None:
        """Telegram refused a call for `chat_id` with a 429 and `retry_after` = `seconds`. A
        call of no chat (None) is the bot's own limit: every chat waits."""
        now = self._clock()
        until = now + max(0.0, seconds)
        if chat_id is None:
            self._held_all = max(self._held_all, until)
            return
        key = str(chat_id)
        self._held = {k: end for k, end in self._held.items() if end > now}
        self._held[key] = max(self._held.get(key, 0.0), until)
        self._bucket(key, now).empty_until(self._held[key])
        if len(self._held) >= BOT_WIDE_CHATS:
            self._held_all = max(self._held_all, max(self._held.values()))
