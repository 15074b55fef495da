"""MT5 group masks ("EUR*,!EURCHF"), as `symbols_get(group=…)` and the history calls use them."""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=256)
def _group_regexes(group: str) -> tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]:
    inc: list[re.Pattern[str]] = []
    exc: list[re.Pattern[str]] = []
    for raw in group.split(","):
        part = raw.strip()
        if not part:
            continue
        target = exc if part.startswith("!") else inc
        body = part[1:] if part.startswith("!") else part
        target.append(re.compile(re.escape(body).replace(r"\*", ".*")))
    return tuple(inc), tuple(exc)


def group_matches(group: str, name: str) -> bool:
    """MT5 group mask: comma-separated, `*` wildcard, `!` excludes; case-sensitive."""
    inc, exc = _group_regexes(group)
    return any(p.fullmatch(name) for p in inc) and not any(p.fullmatch(name) for p in exc)
