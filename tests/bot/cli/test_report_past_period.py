"""`tradechat report monthly --date <a day of last month>`: that month's numbers only — no
floating P&L, equity or balance of today, its balance at the month's end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cli.report import run_report
from bot.settings import Settings


def _settings(tmp_path: Path, lang: str) -> Settings:
    return Settings(
        app={"data_dir": tmp_path / "data", "language": lang},
        broker={"kind": "paper", "paper": {"demo_history_days": 45}},
        reports={"charts": False},
    )


async def test_last_months_report_has_no_floating_and_its_closing_balance(
    tmp_path: Path, capsys
) -> None:
    last_month = (datetime.now(UTC).replace(day=1) - timedelta(days=10)).date()
    rc = await run_report(_settings(tmp_path, "en"), "monthly", last_month.isoformat(), None)
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert "Floating" not in printed
    assert "Now:" not in printed
    assert "still running" not in printed
    assert "Balance at period end" in printed
    assert "(server time UTC+" in printed.splitlines()[0]
