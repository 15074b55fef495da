"""`tradechat report` under the terminal supervisor of `tradechat run`: a terminal that is away
when cron starts the report (restarting) is reconnected to and the report written; one that
stays away is a clear message and exit 1, with nothing left running. The terminal is the paper
terminal behind tests/fakes/mt5_module.py (`[broker] kind = "mt5"`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.report import run_report
from bot.settings import Settings
from broker.paper import PaperTerminal
from tests.fakes import mt5_module


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        app={"data_dir": tmp_path / "data", "language": "en"},
        broker={"kind": "mt5", "api_module": "tests.fakes.mt5_module"},
    )


@pytest.fixture(autouse=True)
def terminal() -> Iterator[PaperTerminal]:
    paper = PaperTerminal(None, seed=7)
    mt5_module.use(paper)
    yield paper
    mt5_module.use(None)


async def test_report_waits_for_a_restarting_terminal_and_is_written(
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    mt5_module.away()
    # the terminal comes back while the supervisor is reconnecting
    asyncio.get_running_loop().call_later(0.2, mt5_module.back)
    rc = await run_report(
        settings, "daily", None, str(tmp_path / "out"), connect_wait_s=10, backoff_s=(0.05,)
    )
    assert rc == 0, capsys.readouterr().err
    assert list((tmp_path / "out").glob("daily-*.md"))
    assert "MT5 terminal back" in caplog.text
    assert not any(r.exc_info for r in caplog.records)


async def test_report_with_the_terminal_away_throughout_says_so_and_exits_1(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mt5_module.away()
    rc = await run_report(
        settings, "daily", None, str(tmp_path / "out"), connect_wait_s=0.3, backoff_s=(0.05,)
    )
    err = capsys.readouterr().err
    assert rc == 1
    assert err.startswith("tradechat report: ")
    assert "terminal" in err.lower()
    assert not (tmp_path / "out").exists()
    tasks = [t.get_name() for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert "mt5-supervisor" not in tasks  # stopped with the command
