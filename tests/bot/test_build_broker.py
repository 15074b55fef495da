"""bot/broker_factory.py: the API object is chosen by [broker] kind; a missing package is a
plain message, not a traceback."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from bot.build import make_broker
from bot.settings import ConfigError, Settings
from broker.paper import PaperTerminal


def _settings(tmp_path: Path, **broker: object) -> Settings:
    return Settings(app={"data_dir": tmp_path / "data"}, broker=broker)


async def test_paper_kind_builds_a_broker_over_the_paper_terminal(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        kind="paper",
        magic=77,
        deviation_points=30,
        requote_retries=1,
        symbol_map={"GOLD2": "XAUUSD"},
        paper={"balance": 5000.0, "demo_history_days": 0, "server_utc_offset_hours": 3},
    )
    broker = make_broker(settings)
    assert isinstance(broker.api, PaperTerminal)
    assert (broker.magic, broker.deviation, broker.requote_retries) == (77, 30, 1)
    assert broker.server_utc_offset_hours == 3
    await broker.connect()
    try:
        acc = await broker.account()
        assert acc.balance == 5000.0
        assert (await broker.resolve_symbol("GOLD2")) == ("GOLD2", "XAUUSD")
        r = await broker.open_market("EURUSD", "buy", 0.01)
        assert r.ok
        assert r.request["magic"] == 77
        assert r.request["deviation"] == 30
    finally:
        await broker.close()
        broker.api.close()
    assert (tmp_path / "data" / "paper.sqlite").exists()


def test_mt5_kind_without_the_package_is_a_plain_message(tmp_path: Path) -> None:
    if importlib.util.find_spec("MetaTrader5") is not None:
        pytest.skip("MetaTrader5 is installed here")
    with pytest.raises(ConfigError) as err:
        make_broker(_settings(tmp_path, kind="mt5"))
    text = str(err.value)
    assert "MetaTrader5" in text
    assert 'kind = "mt5linux"' in text


def test_mt5_kind_with_a_bad_api_module_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        make_broker(_settings(tmp_path, kind="mt5", api_module="no_such_mt5_module"))
    assert 'api_module = "no_such_mt5_module"' in str(err.value)


def test_mt5_kind_imports_the_named_module(tmp_path: Path) -> None:
    # Any importable module with the MetaTrader5 API will do; the paper package's terminal
    # module stands in for it here (only the import is under test).
    broker = make_broker(_settings(tmp_path, kind="mt5", api_module="broker.paper.terminal"))
    assert broker.api.__name__ == "broker.paper.terminal"


def test_mt5linux_kind_without_the_package_is_a_plain_message(tmp_path: Path) -> None:
    if importlib.util.find_spec("mt5linux") is not None:
        pytest.skip("mt5linux is installed here")
    with pytest.raises(ConfigError) as err:
        make_broker(_settings(tmp_path, kind="mt5linux"))
    assert "pip install mt5linux" in str(err.value)


def test_password_comes_from_the_named_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_MT5_PW", "s3cret")
    broker = make_broker(
        _settings(
            tmp_path,
            kind="mt5",
            api_module="broker.paper.terminal",
            login=123,
            server="Demo-1",
            password_env="MY_MT5_PW",
        )
    )
    assert broker._password == "s3cret"
    assert broker._login == 123
