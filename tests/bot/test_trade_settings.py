"""[trade]: the shipped defaults (break-even at the entry, a 5% risk cap, the pip table), a
file's own values reaching the conversation's TradeManagement, and a bad pip size refused when
the file is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.build import conversation_config
from bot.settings import ConfigError, load_settings
from handlers.config import DEFAULT_PIP_SIZES

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_file_has_safe_trade_defaults() -> None:
    trade = conversation_config(load_settings(ROOT / "settings.toml")).trade
    assert trade.breakeven_buffer_pips == 0.0
    assert trade.max_risk_percent == 5.0
    assert dict(trade.pip_sizes) == dict(DEFAULT_PIP_SIZES)


def test_a_files_trade_values_reach_the_conversation(tmp_path: Path) -> None:
    f = tmp_path / "settings.toml"
    f.write_text(
        "[trade]\nbreakeven_buffer_pips = 1.5\nmax_risk_percent = 2\n"
        "[trade.pip_size]\nxauusd = 0.01\nGER40 = 1\n",
        encoding="utf-8",
    )
    trade = conversation_config(load_settings(f)).trade
    assert trade.breakeven_buffer_pips == 1.5
    assert trade.max_risk_percent == 2.0
    assert dict(trade.pip_sizes) == {"XAUUSD": 0.01, "GER40": 1.0}


def test_a_pip_size_that_is_not_positive_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "settings.toml"
    f.write_text("[trade.pip_size]\nXAUUSD = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="XAUUSD"):
        load_settings(f)
