"""`tradechat report` against the paper terminal: files written, bad input explained."""

from __future__ import annotations

from pathlib import Path

from bot.cli.report import run_report
from bot.settings import Settings
from tests.fakes.report_fixtures import png_size


def _settings(tmp_path: Path, days: int = 0, lang: str = "en") -> Settings:
    return Settings(
        app={"data_dir": tmp_path / "data", "language": lang},
        broker={"kind": "paper", "paper": {"demo_history_days": days}},
    )


async def test_monthly_report_writes_markdown_html_and_pngs(tmp_path, capsys) -> None:
    out = tmp_path / "out"
    rc = await run_report(_settings(tmp_path, days=5), "monthly", None, str(out))
    printed = capsys.readouterr().out
    assert rc == 0
    assert "Monthly report" in printed
    md = next(out.glob("monthly-*.md")).read_text(encoding="utf-8")
    assert "| Realised P&L |" in md
    html = next(out.glob("monthly-*.html")).read_text(encoding="utf-8")
    assert "<table>" in html
    assert "<img src=" in html
    pngs = sorted(out.glob("*.png"))
    assert pngs
    for p in pngs:
        assert png_size(p.read_bytes())[0] == 1080
        assert p.name in md


async def test_impossible_date_is_a_clear_error_with_exit_2(tmp_path, capsys) -> None:
    rc = await run_report(_settings(tmp_path), "daily", "2025-02-30", None)
    err = capsys.readouterr().err
    assert rc == 2
    assert "not a valid date" in err
    assert "Traceback" not in err


async def test_future_date_is_an_honest_message_with_exit_1(tmp_path, capsys) -> None:
    rc = await run_report(_settings(tmp_path, lang="zh"), "weekly", "2099-06-01", None)
    printed = capsys.readouterr().out
    assert rc == 1
    assert "还没有开始" in printed
    assert not (tmp_path / "data" / "reports").exists()


async def test_account_without_deals_reports_no_trades(tmp_path, capsys) -> None:
    rc = await run_report(_settings(tmp_path), "daily", None, None)
    printed = capsys.readouterr().out
    assert rc == 0
    assert "No trades in this period." in printed
    assert list((tmp_path / "data" / "reports").glob("daily-*.md"))
