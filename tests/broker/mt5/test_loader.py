"""broker/mt5/loader.py: the terminal API is loaded by name; a missing package is a
`BrokerSetupError` saying what to install, never an ImportError traceback."""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any

import pytest

from broker.errors import BrokerSetupError
from broker.mt5.loader import load_api_module, mt5linux_connector


def test_an_importable_module_with_the_api_is_returned_as_it_is() -> None:
    module = load_api_module("broker.paper.terminal")
    assert module is sys.modules["broker.paper.terminal"]


def test_an_unimportable_module_name_is_a_setup_error_naming_it() -> None:
    with pytest.raises(BrokerSetupError) as err:
        load_api_module("no_such_mt5_module")
    assert 'api_module = "no_such_mt5_module" cannot be imported' in err.value.message
    assert str(err.value) == err.value.message


def test_missing_metatrader5_package_says_where_it_exists() -> None:
    if importlib.util.find_spec("MetaTrader5") is not None:
        pytest.skip("MetaTrader5 is installed here")
    with pytest.raises(BrokerSetupError) as err:
        load_api_module("MetaTrader5")
    where = "pip install MetaTrader5" if sys.platform == "win32" else "only available on Windows"
    assert where in err.value.message
    assert 'kind = "mt5linux"' in err.value.message


def test_missing_mt5linux_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mt5linux", None)  # makes `import mt5linux` fail
    with pytest.raises(BrokerSetupError) as err:
        mt5linux_connector("127.0.0.1", 18812)
    assert "pip install mt5linux" in err.value.message


def test_mt5linux_connector_builds_a_new_client_per_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[dict[str, Any]] = []

    class Client:  # stands in for the third-party mt5linux.MetaTrader5 client
        def __init__(self, **kwargs: Any) -> None:
            built.append(kwargs)

    fake = types.ModuleType("mt5linux")
    fake.MetaTrader5 = Client  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mt5linux", fake)
    connect = mt5linux_connector("10.0.0.5", 18812)
    first, second = connect(), connect()
    assert isinstance(first, Client)
    assert first is not second
    assert built == [{"host": "10.0.0.5", "port": 18812}] * 2
