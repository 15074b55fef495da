"""Configuration that cannot surprise: a command that uses the account refuses to start without
its settings file (naming the path and `tradechat init`) unless `--paper-demo` is given, and
`check-config` finds what `run` would trip on — each problem with its key, where the value came
from and the fix — while `run` refuses the same problems with the same line, no traceback and
nothing started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

CLI = Path(sys.executable).parent / "tradechat"
SECRETS = (
    "TRADECHAT_QQ_ACCESS_TOKEN",
    "TRADECHAT_WECOM_SECRET",
    "TRADECHAT_WECOM_TOKEN",
    "TRADECHAT_WECOM_AES_KEY",
    "TRADECHAT_TELEGRAM_TOKEN",
    "TRADECHAT_TELEGRAM_WEBHOOK_SECRET",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [*SECRETS, "TRADECHAT_CONFIG"]:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith(("TRADECHAT_APP__", "TRADECHAT_REPORTS__", "TRADECHAT_DATABASE__")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def _settings_file(tmp_path: Path, toml: str = "") -> Path:
    f = tmp_path / "settings.toml"
    data = (tmp_path / "data").as_posix()
    f.write_text(f'[app]\ndata_dir = "{data}"\n[broker.paper]\ndemo_history_days = 0\n{toml}')
    return f


# ---- a missing settings file ------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [["run"], ["chat"], ["report", "daily"], ["audit"], ["db", "current"]]
)
def test_a_missing_settings_file_is_refused_naming_the_path_and_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code, out = _cli(command, capsys)
    assert code == 2
    assert str(tmp_path.resolve() / "settings.toml") in out
    assert "`tradechat init`" in out
    assert "--paper-demo" in out
    assert "Traceback" not in out
    # nothing was opened: no paper account, no database, no data folder
    assert list(tmp_path.iterdir()) == []


def test_the_file_named_by_tradechat_config_is_the_one_said_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECHAT_CONFIG", str(tmp_path / "srv" / "bot.toml"))
    code, out = _cli(["run"], capsys)
    assert code == 2
    assert str(tmp_path.resolve() / "srv" / "bot.toml") in out
    assert "named by TRADECHAT_CONFIG" in out


def test_check_config_reports_a_missing_file_and_parse_needs_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _cli(["check-config"], capsys)
    assert code == 2
    assert "settings.toml not found" in out
    code, out = _cli(["parse", "--engine", "rules", "余额"], capsys)
    assert code == 0
    assert '"intent": "account"' in out


def test_run_with_paper_demo_starts_on_the_paper_terminal_without_any_platform(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a token in the environment must not bring Telegram up in a demo
    monkeypatch.setenv("TRADECHAT_TELEGRAM_TOKEN", "123:not-a-real-token")
    monkeypatch.setenv("TRADECHAT_TELEGRAM__API_BASE_URL", "http://127.0.0.1:9/bot")
    monkeypatch.setenv("TRADECHAT_BROKER__PAPER__DEMO_HISTORY_DAYS", "0")
    monkeypatch.setenv("TRADECHAT_APP__LANGUAGE", "en")
    code, out = _cli(["run", "--paper-demo"], capsys)
    # started, found no platform (stdin is no terminal here) and said so
    assert code == 1
    assert "[PAPER DEMO]" in out
    assert "broker: paper; platforms: none" in out
    assert "settings: none (paper demo)" in out
    assert (tmp_path / "data" / "paper-demo" / "paper.sqlite").exists()
    assert "Traceback" not in out


@pytest.mark.skipif(not CLI.exists(), reason="tradechat is not installed in this environment")
def test_chat_with_paper_demo_answers_from_the_paper_account(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADECHAT_")}
    env.update(
        TRADECHAT_TELEGRAM_TOKEN="123:not-a-real-token",
        TRADECHAT_BROKER__PAPER__DEMO_HISTORY_DAYS="0",
        PYTHONIOENCODING="utf-8",
    )
    done = subprocess.run(
        [str(CLI), "chat", "--paper-demo"],
        input="余额\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "【模拟演示】" in done.stderr
    assert "10,000.00" in done.stdout
    # the first run says where it keeps its data
    assert f"数据目录：{tmp_path.resolve() / 'data' / 'paper-demo'}" in done.stderr
    assert "Traceback" not in done.stderr


# ---- what run would trip on ---------------------------------------------------------------


def _check_then_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str = ""
) -> tuple[str, str]:
    """check-config's output and run's, both refused with exit 2; run started nothing."""
    f = _settings_file(tmp_path, toml)
    code, checked = _cli(["--config", str(f), "check-config"], capsys)
    assert code == 2, checked
    code, ran = _cli(["--config", str(f), "run"], capsys)
    assert code == 2, ran
    assert "Traceback" not in checked + ran
    assert not (tmp_path / "data").exists()  # refused before anything was opened
    return checked, ran


def _problem_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.startswith("  ")]


def test_a_bad_time_zone_names_the_key_the_file_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checked, ran = _check_then_run(tmp_path, capsys, '[reports]\ntimezone = "Asia/Shangai"\n')
    [problem] = _problem_lines(checked)
    assert problem.startswith("[reports] timezone = 'Asia/Shangai'")
    assert f"from {tmp_path.resolve() / 'settings.toml'}" in problem
    assert '"Asia/Shanghai"' in problem
    assert _problem_lines(ran) == [problem]  # run refuses with the same words


def test_a_bad_time_zone_from_the_environment_names_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECHAT_REPORTS__TIMEZONE", "UTC+8")
    checked, _ = _check_then_run(tmp_path, capsys)
    [problem] = _problem_lines(checked)
    assert "from the environment variable TRADECHAT_REPORTS__TIMEZONE" in problem


@pytest.mark.skipif(sys.platform == "win32", reason="MetaTrader5 installs on Windows")
def test_mt5_on_a_platform_without_the_metatrader5_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checked, ran = _check_then_run(tmp_path, capsys, '[broker]\nkind = "mt5"\n')
    [problem] = _problem_lines(checked)
    assert '[broker] kind = "mt5"' in problem
    assert "only available on Windows" in problem
    assert 'kind = "mt5linux"' in problem
    assert _problem_lines(ran) == [problem]


def test_a_database_url_naming_a_driver_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql+nosuchdriver://bot:s3cret@127.0.0.1:5432/tradechat"
    checked, ran = _check_then_run(tmp_path, capsys, f'[database]\nurl = "{url}"\n')
    [problem] = _problem_lines(checked)
    assert problem.startswith("[database] url (from ")
    assert "'nosuchdriver'" in problem
    assert "postgresql+asyncpg://" in problem
    assert "s3cret" not in checked + ran  # the password is never printed
    assert _problem_lines(ran) == [problem]


def test_a_postgresql_url_without_asyncpg_installed_names_the_extra(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "asyncpg", None)  # `import asyncpg` fails as if absent
    url = "postgresql+asyncpg://bot@127.0.0.1:5432/tradechat"
    checked, _ = _check_then_run(tmp_path, capsys, f'[database]\nurl = "{url}"\n')
    [problem] = _problem_lines(checked)
    assert "'asyncpg' is not installed" in problem
    assert 'pip install "tradechat[postgres]"' in problem


@pytest.mark.parametrize("url", ["sqlite:///data/t.sqlite", "mysql+aiomysql://u@h/db", "nope"])
def test_a_database_url_without_an_async_driver_or_backend_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    checked, _ = _check_then_run(tmp_path, capsys, f'[database]\nurl = "{url}"\n')
    [problem] = _problem_lines(checked)
    assert "sqlite+aiosqlite" in problem


def test_a_non_json_list_in_an_environment_override_names_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECHAT_RISK__ALLOWED_SYMBOLS", "[XAUUSD")
    f = _settings_file(tmp_path)
    for command in ("check-config", "run", "chat"):
        code, out = _cli(["--config", str(f), command], capsys)
        assert code == 2
        assert "TRADECHAT_RISK__ALLOWED_SYMBOLS: not valid JSON (got '[XAUUSD')" in out
        assert """TRADECHAT_RISK__ALLOWED_SYMBOLS='["XAUUSD", "EURUSD"]'""" in out
        assert "Traceback" not in out
        assert "SettingsError" not in out
    monkeypatch.setenv("TRADECHAT_RISK__ALLOWED_SYMBOLS", '["XAUUSD"]')
    assert _cli(["--config", str(f), "check-config"], capsys)[0] == 0


def test_a_table_override_that_is_not_json_is_named_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECHAT_SYMBOLS__ALIASES", "GOLD=XAUUSD")
    code, out = _cli(["--config", str(_settings_file(tmp_path)), "check-config"], capsys)
    assert code == 2
    assert "TRADECHAT_SYMBOLS__ALIASES: not valid JSON" in out
    assert "a table from the environment" in out


def test_wecom_without_its_secrets_is_refused_on_loopback_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = '[wecom]\nenabled = true\ncorp_id = "ww1"\nagent_id = 1000002\n'
    checked, ran = _check_then_run(tmp_path, capsys, toml)
    [problem] = _problem_lines(checked)
    assert problem.startswith("[wecom] enabled = true, but WeCom cannot start")
    for env in ("TRADECHAT_WECOM_SECRET", "TRADECHAT_WECOM_TOKEN", "TRADECHAT_WECOM_AES_KEY"):
        assert env in problem
    assert _problem_lines(ran) == [problem]


def test_a_wecom_aes_key_that_cannot_be_one_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECHAT_WECOM_SECRET", "corp-secret")
    monkeypatch.setenv("TRADECHAT_WECOM_TOKEN", "CallbackToken123")
    monkeypatch.setenv("TRADECHAT_WECOM_AES_KEY", "too-short")
    toml = '[wecom]\nenabled = true\ncorp_id = "ww1"\nagent_id = 1000002\n'
    checked, _ = _check_then_run(tmp_path, capsys, toml)
    [problem] = _problem_lines(checked)
    assert "TRADECHAT_WECOM_AES_KEY (named by [wecom] aes_key_env)" in problem
    assert "43 characters" in problem


def test_a_telegram_webhook_needs_its_token_and_an_https_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    checked, _ = _check_then_run(
        tmp_path, capsys, '[telegram]\nwebhook_url = "https://bot.example.com/tg"\n'
    )
    assert "TRADECHAT_TELEGRAM_TOKEN (named by [telegram] token_env)" in checked
    monkeypatch.setenv("TRADECHAT_TELEGRAM_TOKEN", "123:abc")
    checked, _ = _check_then_run(
        tmp_path, capsys, '[telegram]\nwebhook_url = "http://bot.example.com/tg"\n'
    )
    [problem] = _problem_lines(checked)
    assert problem.startswith("[telegram] webhook_url = 'http://bot.example.com/tg'")
    assert "https://" in problem


def test_two_listeners_on_one_port_and_a_host_that_is_no_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECHAT_QQ_ACCESS_TOKEN", "qq-token")
    monkeypatch.setenv("TRADECHAT_WECOM_SECRET", "corp-secret")
    monkeypatch.setenv("TRADECHAT_WECOM_TOKEN", "CallbackToken123")
    monkeypatch.setenv("TRADECHAT_WECOM_AES_KEY", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
    toml = (
        "[qq]\nenabled = true\nlisten_port = 8080\n"
        '[wecom]\nenabled = true\ncorp_id = "ww1"\nagent_id = 1\nlisten_port = 8080\n'
    )
    checked, _ = _check_then_run(tmp_path, capsys, toml)
    assert "[wecom] listen_port = 8080 is also [qq] listen_port" in checked
    checked, _ = _check_then_run(
        tmp_path, capsys, '[qq]\nenabled = true\nlisten_host = "my host"\n'
    )
    assert "[qq] listen_host = 'my host'" in checked
    checked, _ = _check_then_run(tmp_path, capsys, '[qq]\nenabled = true\npath = "onebot"\n')
    assert """[qq] path = 'onebot'""" in checked
    assert '"/onebot"' in checked


def test_the_shipped_settings_pass_every_check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    shipped = Path(__file__).resolve().parents[3] / "settings.toml"
    code, out = _cli(["--config", str(shipped), "check-config"], capsys)
    assert code == 0, out
    assert "OK (broker: paper" in out
