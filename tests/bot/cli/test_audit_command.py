"""`tradechat audit --since`: relative and ISO times (the command itself runs end to end in
tests/bot/platforms/test_console.py, after a scripted chat)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.cli.audit import SinceError, parse_since


def test_since_accepts_relative_and_iso_times() -> None:
    now = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    assert parse_since("2h", now) == now - timedelta(hours=2)
    assert parse_since("3d", now) == now - timedelta(days=3)
    assert parse_since("30m", now) == now - timedelta(minutes=30)
    assert parse_since("2026-11-01", now) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since("2026-11-01T08:00+08:00", now) == datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    with pytest.raises(SinceError):
        parse_since("soon", now)
