"""Which message of a chat may be the copy of a send whose answer was lost.

A chat app's API that creates messages can fail *after* the request was written: the message
exists, the answer never came. `SentLedger` keeps what this process knows of each chat's
message ids so that, once the repeated send has arrived, the platform can look for the copy
only where no other unknown message of the bot can be (bot/platforms/telegram.py uses it; the
rules are in the class docstring). It holds ids only, no app library.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("tradechat.platforms")


@dataclass(slots=True)
class _Unsure:
    floor: int  # the highest id of the chat known before the uncertain send
    since: float


class SentLedger:
    """What this process knows of each chat's message ids, so that the copy of a send whose
    answer was lost can be told apart from everything else in the chat.

    The Bot API cannot list or read a chat's messages, so a lost answer cannot be checked
    before sending again. Instead the send is repeated (its result must reach the user) and
    then the copy is looked for between the chat's highest id known before the first attempt
    (`floor`) and the id of the repeat: ids known to this process (the bot's own messages and
    incoming ones) are skipped; each other id is probed with an edit to exactly the content
    the copy would have — "message is not modified" proves it is the copy (the bot's message,
    same text, same keyboard), which is then deleted; "can't be edited" (a user's message) and
    "not found" (another chat's id) leave it alone. The probe can only change a bot message
    unknown to this process inside that range, and there is none: every message this process
    creates in a chat goes through the chat's one delivery line and is recorded, and older
    messages are below `floor`. Two uncertain sends of different content in one chat at once
    would be each other's unknowns, so then nothing is probed (a duplicate may remain, logged);
    so, too, when nothing is known of the chat yet (the first push after a start). Deleting
    the copy rather than the repeat keeps the message whose id the delivery got back.

    Alternatives weighed: not repeating an uncertain send can lose a trade result; a unique
    invisible tag in the text would tell copies apart no better than exact content does and
    could not be searched for either."""

    KEEP_IDS = 256  # per chat
    KEEP_CHATS = 4096
    UNSURE_TTL_S = 900.0  # an abandoned uncertain send stops blocking the chat's checks
    MAX_PROBES = 6

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._ids: OrderedDict[str, set[int]] = OrderedDict()
        self._top: dict[str, int] = {}
        self._unsure: dict[str, dict[str, _Unsure]] = {}

    def saw(self, chat: str, message_id: int) -> None:
        """A message of `chat` this process knows: incoming, or the bot's own."""
        ids = self._ids.setdefault(chat, set())
        self._ids.move_to_end(chat)
        ids.add(message_id)
        if len(ids) > self.KEEP_IDS:
            ids.discard(min(ids))
        self._top[chat] = max(self._top.get(chat, 0), message_id)
        while len(self._ids) > self.KEEP_CHATS:
            old, _ = self._ids.popitem(last=False)
            self._top.pop(old, None)
            self._unsure.pop(old, None)

    def top(self, chat: str) -> int | None:
        return self._top.get(chat)

    def uncertain(self, chat: str) -> int:
        """How many sends to `chat` may have arrived without their answer (a lost answer, a
        request cut off by a stop) and are still to be settled by their repeat."""
        return len(self._unsure.get(chat, {}))

    def unsure(self, chat: str, key: str, floor: int | None) -> None:
        """A send of `key` may have arrived without its answer; `floor` is the chat's top
        before its first attempt (None: nothing known, so it cannot be checked)."""
        if floor is None:
            log.warning("a send to %s may have arrived twice; nothing known of the chat", chat)
            return
        entries = self._unsure.setdefault(chat, {})
        earlier = entries.get(key)
        if earlier is None or earlier.floor > floor:
            entries[key] = _Unsure(floor, self._clock())

    def settle(self, chat: str, key: str) -> int | None:
        """The send of `key` has now arrived: the floor to look for a copy above, or None
        when there is nothing to look for (or looking would not be safe)."""
        entries = self._unsure.get(chat)
        if not entries or key not in entries:
            return None
        now = self._clock()
        for k in [k for k, e in entries.items() if now - e.since > self.UNSURE_TTL_S]:
            del entries[k]
        mine = entries.pop(key, None)
        others = len(entries)
        if not entries:
            self._unsure.pop(chat, None)
        if mine is None:
            return None
        if others:
            log.warning("two uncertain sends in %s at once; a duplicate may remain", chat)
            return None
        return mine.floor

    def candidates(self, chat: str, floor: int, keep: int) -> list[int]:
        """Unknown ids between `floor` and `keep`, newest first, at most `MAX_PROBES`."""
        known = self._ids.get(chat, set())
        out: list[int] = []
        for mid in range(keep - 1, floor, -1):
            if len(out) >= self.MAX_PROBES:
                break
            if mid not in known:
                out.append(mid)
        return out
