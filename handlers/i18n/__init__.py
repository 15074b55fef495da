"""Every user-facing string, in Chinese and English, in one place: this package. Each module
holds one area's entries (`conversation`, `pushes`, `platforms`, `broker_words`, `market`,
`management`, `gateway`); `STRINGS`
is all of them, and a key defined twice stops the import (a test would otherwise pass with
whichever entry won).

`t(lang, key, **values)` formats one entry; a missing key is a programming error (KeyError in
tests), never a half-translated answer.
"""

from __future__ import annotations

from handlers.i18n import (
    broker_words,
    conversation,
    gateway,
    management,
    market,
    platforms,
    pushes,
)
from handlers.messages import Lang


def _merged(*areas: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for area in areas:
        twice = merged.keys() & area.keys()
        if twice:
            raise RuntimeError(f"i18n keys defined twice: {sorted(twice)}")
        merged.update(area)
    return merged


STRINGS: dict[str, tuple[str, str]] = _merged(
    conversation.STRINGS,
    pushes.STRINGS,
    platforms.STRINGS,
    broker_words.STRINGS,
    market.STRINGS,  # charts, indicators, levels, contract info, history, alerts
    management.STRINGS,  # partial closes, break-even, shifts, trailing, risk-% sizing
    gateway.STRINGS,  # the REST/WebSocket gateway and the MCP server
)


def t(lang: Lang | str, key: str, **values: object) -> str:
    zh, en = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text
