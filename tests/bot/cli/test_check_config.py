"""`tradechat check-config` refuses connections that would run without the secret proving who
is on the other end, naming the key and the environment variable; `tradechat run` refuses the
same before any platform starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import is_loopback

SECRETS = (
    "TRADECHAT_QQ_ACCESS_TOKEN",
    "TRADECHAT_WECOM_SECRET",
    "TRADECHAT_WECOM_TOKEN",
    "TRADECHAT_WECOM_AES_KEY",
    "TRADECHAT_TELEGRAM_TOKEN",
    "TRADECHAT_TELEGRAM_WEBHOOK_SECRET",
)


@pytest.fixture(autouse=True)
def no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)


def check(tmp_path: Path, toml: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    f = tmp_path / "settings.toml"
    f.write_text(toml, encoding="utf-8")
    code = main(["--config", str(f), "check-config"])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


@pytest.mark.parametrize(
    "qq",
    [
        'enabled = true\nlisten_host = "127.0.0.1"',
        'enabled = true\nlisten_host = "0.0.0.0"',
        'enabled = true\nmode = "forward"\nforward_url = "ws://127.0.0.1:3001"',
    ],
)
def test_qq_without_an_access_token_is_refused_on_any_host_and_in_both_modes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], qq: str
) -> None:
    code, out = check(tmp_path, f"[qq]\n{qq}\n", capsys)
    assert code == 2
    assert "[qq] access_token_env" in out
    assert "TRADECHAT_QQ_ACCESS_TOKEN" in out


def test_qq_with_its_token_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECHAT_QQ_ACCESS_TOKEN", "a-long-random-token")
    code, out = check(tmp_path, '[qq]\nenabled = true\nlisten_host = "0.0.0.0"\n', capsys)
    assert code == 0
    assert "OK" in out


def test_a_wecom_listener_on_the_network_needs_its_callback_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = '[wecom]\nenabled = true\ncorp_id = "ww1"\nagent_id = 1000002\nlisten_host = "0.0.0.0"\n'
    code, out = check(tmp_path, toml, capsys)
    assert code == 2
    assert "[wecom] listen_host" in out
    assert "TRADECHAT_WECOM_TOKEN (named by [wecom] token_env)" in out
    assert "TRADECHAT_WECOM_AES_KEY (named by [wecom] aes_key_env)" in out
    monkeypatch.setenv("TRADECHAT_WECOM_SECRET", "corp-secret")
    monkeypatch.setenv("TRADECHAT_WECOM_TOKEN", "CallbackToken123")
    monkeypatch.setenv("TRADECHAT_WECOM_AES_KEY", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
    assert check(tmp_path, toml, capsys)[0] == 0
    # on loopback only a local reverse proxy reaches it: no network warning, but WeCom still
    # cannot verify its callbacks without the token, so it is refused as unable to start
    loopback = toml.replace('"0.0.0.0"', '"127.0.0.1"')
    monkeypatch.delenv("TRADECHAT_WECOM_TOKEN")
    code, out = check(tmp_path, loopback, capsys)
    assert code == 2
    assert "reachable from the network" not in out
    assert "TRADECHAT_WECOM_TOKEN (named by [wecom] token_env)" in out


def test_a_telegram_webhook_on_the_network_needs_its_secret_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECHAT_TELEGRAM_TOKEN", "123:abc")
    toml = '[telegram]\nwebhook_url = "https://bot.example.com/tg"\nlisten_host = "::"\n'
    code, out = check(tmp_path, toml, capsys)
    assert code == 2
    assert "[telegram] secret_token_env" in out
    assert "TRADECHAT_TELEGRAM_WEBHOOK_SECRET" in out
    monkeypatch.setenv("TRADECHAT_TELEGRAM_WEBHOOK_SECRET", "s3cret")
    assert check(tmp_path, toml, capsys)[0] == 0
    monkeypatch.delenv("TRADECHAT_TELEGRAM_WEBHOOK_SECRET")
    assert check(tmp_path, toml.replace('"::"', '"127.0.0.1"'), capsys)[0] == 0
    # long polling listens nowhere
    assert check(tmp_path, '[telegram]\nlisten_host = "0.0.0.0"\n', capsys)[0] == 0


def test_every_problem_is_listed_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECHAT_TELEGRAM_TOKEN", "123:abc")
    toml = (
        "[qq]\nenabled = true\n"
        '[wecom]\nenabled = true\nlisten_host = "0.0.0.0"\n'
        '[telegram]\nwebhook_url = "https://bot.example.com/tg"\nlisten_host = "0.0.0.0"\n'
    )
    code, out = check(tmp_path, toml, capsys)
    assert code == 2
    assert "3 problem(s)" in out
    assert all(key in out for key in ("[qq]", "[wecom]", "[telegram]"))


def test_run_refuses_to_start_qq_without_a_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    toml = (
        f'[app]\ndata_dir = "{data.as_posix()}"\n'
        "[broker.paper]\ndemo_history_days = 0\n"
        "[qq]\nenabled = true\nlisten_port = 1\n"
    )
    f = tmp_path / "settings.toml"
    f.write_text(toml, encoding="utf-8")
    assert main(["--config", str(f), "run"]) == 2
    err = capsys.readouterr().err
    assert "TRADECHAT_QQ_ACCESS_TOKEN" in err


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("", False),
        ("::", False),
        ("192.168.1.20", False),
        ("bot.example.com", False),
    ],
)
def test_only_addresses_of_this_machine_count_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
