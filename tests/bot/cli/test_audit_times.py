"""`tradechat audit` writes times in the report time zone, each saying so, and reads --since
in that zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from bot.cli.audit import format_entry, parse_since, run_audit, user_clock
from bot.settings import Settings
from reports.clock import UserClock
from store.audit import AuditEntry


def _entry(at: datetime) -> AuditEntry:
    return AuditEntry(1, at, "message", "telegram", "42", "42", "hello", None)


def test_entry_time_is_in_the_user_clock_and_labelled() -> None:
    at = datetime(2026, 12, 4, 6, 3, 9, tzinfo=UTC)
    plus8 = UserClock(timezone(timedelta(hours=8)))
    assert format_entry(_entry(at), plus8).startswith("2026-12-04 14:03:09 (UTC+8) #1 message")
    assert format_entry(_entry(at)).startswith("2026-12-04 06:03:09 (UTC) #1")


def test_since_without_an_offset_is_read_in_the_user_zone() -> None:
    plus8 = timezone(timedelta(hours=8))
    assert parse_since("2026-12-04T08:00", zone=plus8) == datetime(2026, 12, 4, 0, tzinfo=UTC)


def _settings(tmp_path: Path, **reports: object) -> Settings:
    return Settings(
        app={"data_dir": tmp_path / "data", "language": "en"},
        broker={"kind": "paper"},
        reports=reports,
    )


def test_clock_comes_from_the_report_settings(tmp_path: Path) -> None:
    paper = user_clock(_settings(tmp_path))  # paper: its server offset is known
    assert paper.server
    assert paper.zone_name("en", datetime(2026, 12, 4, tzinfo=UTC)).startswith("server time UTC")
    shanghai = user_clock(_settings(tmp_path, timezone="Asia/Shanghai"))
    assert shanghai.zone_name("en") == "UTC+8"


async def test_audit_command_prints_labelled_times(tmp_path: Path, capsys) -> None:
    from bot.build import open_database
    from store.audit import AuditLog

    settings = _settings(tmp_path, timezone="Asia/Shanghai")
    settings.app.data_dir.mkdir(parents=True)
    db = await open_database(settings)
    try:
        await AuditLog(db).record("message", platform="telegram", user_id="42", detail="hi")
    finally:
        await db.close()
    assert await run_audit(settings, since="1h", user=None, limit=10) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert " (UTC+8) #" in line
