"""Clean shutdown closes every client: a platform that could not start (a bad Telegram token,
the fake Bot API answering 401) leaves no HTTP connection open once stopped."""

from __future__ import annotations

import gc
import warnings

import pytest

from bot.platforms.telegram import InvalidToken
from handlers.messages import Incoming, Outgoing
from tests.fakes.fake_telegram import FakeTelegram, fast_platform


async def _nobody(inc: Incoming) -> list[Outgoing]:
    return []


def _resource_warnings_on_collect() -> list[str]:
    """Collect garbage and return every ResourceWarning an unclosed socket or transport gives."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


async def test_stop_after_a_bad_token_closes_the_http_connection() -> None:
    async with FakeTelegram() as tg:
        platform = fast_platform(tg, _nobody, set(), token="999:wrong")
        with pytest.raises(InvalidToken):
            await platform.start()
        # the 401 came over a real connection, which stop() must close
        assert [(c.method, c.status) for c in tg.calls] == [("getMe", 401)]
        await platform.stop()
        del platform
        assert _resource_warnings_on_collect() == []


async def test_stop_of_a_platform_that_never_started_is_harmless() -> None:
    async with FakeTelegram() as tg:
        platform = fast_platform(tg, _nobody, set())
        await platform.stop()
        await platform.stop()  # twice: still nothing to close, nothing raised
        del platform
        assert _resource_warnings_on_collect() == []
        assert tg.calls == []
