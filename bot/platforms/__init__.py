"""The chat platforms, one file each, all with the shape of `base.Platform`.

Adding a platform: write `bot/platforms/<name>.py` with a platform class and
`create(parts: PlatformParts, settings: Settings) -> Platform | None`, and add its module to
`REGISTRY`. Modules are imported only when the process builds its platforms, so a command that
needs no chat app (`parse`, `report`) never loads python-telegram-bot or aiohttp.web.
"""

from __future__ import annotations

import importlib

from bot.platforms.base import PlatformFactory

# In start order; the console last so that its prompt comes after the others' start-up logs.
REGISTRY: tuple[str, ...] = (
    "bot.platforms.telegram",
    "bot.platforms.qq",
    "bot.platforms.wecom",
    "bot.platforms.console",
)


def factories() -> list[PlatformFactory]:
    """Each registered platform's `create`."""
    found: list[PlatformFactory] = []
    for name in REGISTRY:
        create: PlatformFactory = importlib.import_module(name).create
        found.append(create)
    return found
