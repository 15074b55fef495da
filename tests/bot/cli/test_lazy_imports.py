"""Start-up stays light: the chart, indicator and table libraries (matplotlib, numpy, pandas,
TA-Lib, mplfinance) are loaded when a chart, an indicator or a report first needs them — never
by importing the commands, answering a chat message that draws nothing, or parsing text.
Each check runs in a fresh interpreter and reads its `sys.modules` as it exits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("matplotlib", "numpy", "pandas", "talib", "mplfinance")

# Runs `tradechat <args>` in this interpreter and, as it exits, prints which heavy modules it
# loaded as the last line of stderr (after everything the command printed).
_PROBE = f"""
import atexit, json, sys
def _report():
    loaded = sorted(m for m in {HEAVY!r} if m in sys.modules)
    print("HEAVY=" + json.dumps(loaded), file=sys.stderr, flush=True)
atexit.register(_report)
from bot.cli import main
sys.argv = ["tradechat", *sys.argv[1:]]
sys.exit(main())
"""


def _heavy_loaded(args: list[str], stdin: str = "", cwd: Path = ROOT) -> tuple[list[str], str]:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=120,
        check=False,
    )
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("HEAVY=")]
    assert lines, proc.stderr
    return json.loads(lines[-1].removeprefix("HEAVY=")), proc.stdout


def test_importing_the_chat_parse_and_run_commands_loads_no_heavy_library() -> None:
    code = (
        "import json, sys\n"
        "import bot.cli, bot.cli.chat, bot.cli.parse, bot.cli.run, bot.build\n"
        "import handlers.report_service, reports.pnl, reports.drawdown, broker.mt5\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
        check=True,
    ).stdout  # fmt: skip
    assert json.loads(out) == []


def test_parse_answers_without_loading_a_heavy_library() -> None:
    loaded, out = _heavy_loaded(["parse", "--engine", "rules", "买入0.01手黄金"])
    assert json.loads(out)["intent"] == "open"
    assert loaded == []


@pytest.fixture
def chat_folder(tmp_path: Path) -> Path:
    (tmp_path / "settings.toml").write_text(
        f'[app]\ndata_dir = "{tmp_path / "data"}"\nlanguage = "en"\n'
        '[broker]\nkind = "paper"\n[broker.paper]\ndemo_history_days = 0\n'
        '[telegram]\ntoken_env = ""\n',
        encoding="utf-8",
    )
    return tmp_path


def test_a_chat_answer_that_draws_nothing_loads_no_heavy_library(chat_folder: Path) -> None:
    settings = str(chat_folder / "settings.toml")
    loaded, out = _heavy_loaded(["--config", settings, "chat"], "balance\n", cwd=chat_folder)
    assert "10,000" in out or "10000" in out  # the paper account's balance was answered
    assert loaded == []


def test_a_monthly_report_does_load_numpy_for_its_columns(chat_folder: Path) -> None:
    # the other side of the same switch: the libraries are there when a report needs them
    settings = str(chat_folder / "settings.toml")
    loaded, _out = _heavy_loaded(
        ["--config", settings, "report", "monthly", "--out", str(chat_folder / "out")],
        cwd=chat_folder,
    )
    assert "numpy" in loaded
