"""Who may do what: the allow-list of [[users]], roles, and the per-user rate limit.

Roles are ordered: viewer (queries and reports) < trader (also trades and confirmations)
< admin (also settings such as /readonly). A user is identified by (platform, user id); the
same person on two apps is two entries.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

Role = Literal["viewer", "trader", "admin"]
Action = Literal["query", "trade", "admin"]
RateDecision = Literal["ok", "limited_notify", "limited_silent"]

_RANK: dict[str, int] = {"viewer": 1, "trader": 2, "admin": 3}
_NEEDS: dict[str, int] = {"query": 1, "trade": 2, "admin": 3}


@dataclass(frozen=True, slots=True)
class UserRule:
    platform: str
    user_id: str
    role: Role = "viewer"
    name: str = ""
    lang: Literal["zh", "en"] | None = None


def allows(role: Role | None, action: Action) -> bool:
    return role is not None and _RANK[role] >= _NEEDS[action]


class AccessList:
    def __init__(self, users: Iterable[UserRule]) -> None:
        self._users: dict[tuple[str, str], UserRule] = {
            (u.platform, str(u.user_id)): u for u in users
        }

    def user(self, platform: str, user_id: str) -> UserRule | None:
        return self._users.get((platform, str(user_id)))

    def role(self, platform: str, user_id: str) -> Role | None:
        u = self.user(platform, user_id)
        return None if u is None else u.role

    def is_listed(self, platform: str, user_id: str) -> bool:
        """For adapters (e.g. Telegram's `/start` that tells an unknown user their id)."""
        return (platform, str(user_id)) in self._users


class RateLimiter:
    """Sliding window per key: at most `limit` accepted messages in any `window_s` seconds.
    Past the limit the first refused message gets a polite answer ("limited_notify") and the
    rest of that window are dropped silently ("limited_silent"). `limit=None` disables it."""

    def __init__(
        self,
        limit: int | None,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._notified: dict[tuple[str, str], float] = {}

    def check(self, key: tuple[str, str]) -> RateDecision:
        if self.limit is None:
            return "ok"
        now = self.clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            return "ok"
        last = self._notified.get(key)
        if last is None or last <= now - self.window_s:
            self._notified[key] = now
            return "limited_notify"
        return "limited_silent"


class OncePer:
    """True the first time a key is seen, then again only after `interval_s` (used so that an
    unknown user gets one short refusal, not one per message)."""

    max_keys = 10_000

    def __init__(self, interval_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self.clock = clock
        self._last: dict[tuple[str, str], float] = {}

    def __call__(self, key: tuple[str, str]) -> bool:
        now = self.clock()
        last = self._last.get(key)
        if last is not None and now - last < self.interval_s:
            return False
        if len(self._last) >= self.max_keys:  # strangers must not grow memory without bound
            self._last = {k: v for k, v in self._last.items() if now - v < self.interval_s}
        self._last[key] = now
        return True
