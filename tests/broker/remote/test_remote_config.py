"""`[broker] kind = "remote"` in the settings: `tradechat check-config` says what keeps it
from working (URL, token, signing secret, plain HTTP across a network, a CA file that is not
there) and passes a working one; the composition root builds a `RemoteBroker` from it, with
the heartbeat as the supervisor's interval."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.build import make_broker, supervisor_interval
from bot.cli import main
from bot.settings import ConfigError, Settings
from broker.base import ManagedBroker
from broker.mt5.supervisor import Supervised
from broker.remote import RemoteBroker

NAMES = ("TC_CFG_TOKEN", "TC_CFG_SECRET")


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def check(tmp_path: Path, broker: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    f = tmp_path / "settings.toml"
    body = (
        '[app]\ndata_dir = "{}"\n[broker]\nkind = "remote"\ntoken_env = "TC_CFG_TOKEN"\n'
        'signing_secret_env = "TC_CFG_SECRET"\n'
    ).format((tmp_path / "data").as_posix())
    f.write_text(body + broker, encoding="utf-8")
    code = main(["--config", str(f), "check-config"])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def test_check_config_names_every_missing_piece(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(tmp_path, 'ca_file = "/no/such/ca.pem"\n', capsys)
    assert code == 2
    assert 'url = "https://host:8787"' in out
    assert "TC_CFG_TOKEN" in out
    assert "TC_CFG_SECRET" in out
    assert "ca_file" in out


def test_check_config_refuses_plain_http_to_another_machine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TC_CFG_TOKEN", "t" * 32)
    monkeypatch.setenv("TC_CFG_SECRET", "s" * 32)
    code, out = check(tmp_path, 'url = "http://203.0.113.7:8787"\n', capsys)
    assert code == 2
    assert "plain HTTP" in out


def test_check_config_passes_a_working_remote_broker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TC_CFG_TOKEN", "t" * 32)
    monkeypatch.setenv("TC_CFG_SECRET", "s" * 32)
    code, out = check(tmp_path, 'url = "https://vps.example:8787"\n', capsys)
    assert code == 0, out
    assert "broker: remote" in out


def test_the_composition_root_builds_a_remote_broker_the_supervisor_can_watch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TC_CFG_TOKEN", "t" * 32)
    monkeypatch.setenv("TC_CFG_SECRET", "s" * 32)
    settings = Settings(
        app={"data_dir": tmp_path},
        broker={
            "kind": "remote",
            "url": "https://vps.example:8787",
            "token_env": "TC_CFG_TOKEN",
            "signing_secret_env": "TC_CFG_SECRET",
            "heartbeat_s": 3,
        },
    )
    broker = make_broker(settings)
    assert isinstance(broker, RemoteBroker)
    assert isinstance(broker, ManagedBroker)
    assert isinstance(broker, Supervised)
    assert broker.url == "https://vps.example:8787"
    assert supervisor_interval(settings) == 3
    paper = Settings(app={"data_dir": tmp_path})
    assert supervisor_interval(paper) == 30.0


def test_the_composition_root_refuses_a_remote_broker_without_its_secrets(
    tmp_path: Path,
) -> None:
    settings = Settings(
        app={"data_dir": tmp_path},
        broker={"kind": "remote", "url": "https://vps.example:8787", "token_env": "TC_CFG_TOKEN"},
    )
    with pytest.raises(ConfigError) as err:
        make_broker(settings)
    assert "TC_CFG_TOKEN" in str(err.value)
