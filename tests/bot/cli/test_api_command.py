"""`tradechat api`: the gateway alone, as an operator starts it — served until SIGTERM, and a
bind that would expose tokens refused with exit 2 and a line that says how to fix it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.cli import main

TOKEN = "cli-test-token-0123456789abcdef"


def _settings(tmp_path: Path, host: str, port: int) -> Path:
    path = tmp_path / "settings.toml"
    data = (tmp_path / "data").as_posix()
    path.write_text(
        f'[app]\ndata_dir = "{data}"\n\n[broker.paper]\ndemo_history_days = 0\n\n'
        f'[api]\nlisten_host = "{host}"\nlisten_port = {port}\n\n'
        '[[api.tokens]]\nname = "cli"\ntoken_env = "TC_CLI_TEST_TOKEN"\nscopes = ["read"]\n',
        encoding="utf-8",
    )
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_network_bind_without_tls_is_refused_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _settings(tmp_path, "0.0.0.0", _free_port())  # the refused case
    assert main(["--config", str(path), "api"]) == 2
    err = capsys.readouterr().err
    assert "ssl_certfile" in err
    assert "allow_plain_http_on" in err
    assert not (tmp_path / "data" / "tradechat.sqlite").exists()  # nothing was started


def test_check_config_finds_what_the_gateway_would_refuse_when_run_serves_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _settings(tmp_path, "0.0.0.0", 8787)
    text = path.read_text(encoding="utf-8")
    text = text.replace("[api]\n", "[api]\nenabled = true\n").replace(
        'scopes = ["read"]\n', 'scopes = ["read"]\nconfirm = "none"\n'
    )
    path.write_text(text, encoding="utf-8")
    assert main(["--config", str(path), "check-config"]) == 2
    out = capsys.readouterr()
    said = out.err + out.out
    assert "[api] listen_host = '0.0.0.0'" in said
    assert 'name = "cli": confirm = "none"' in said


def _serve_until_sigterm(path: Path, port: int, command: str) -> None:
    """Starts `tradechat <command>`, waits for /health, reads the account, stops it."""
    env = {**os.environ, "TC_CLI_TEST_TOKEN": TOKEN}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--config", str(path), command],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None, proc.stderr.read().decode() if proc.stderr else ""
        assert health.json()["data"]["terminal_connected"] is True
        auth = {"Authorization": f"Bearer {TOKEN}"}
        account = httpx.get(f"http://127.0.0.1:{port}/api/v1/account", headers=auth, timeout=10)
        assert account.status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM ends a Windows process at once")
def test_tradechat_api_serves_the_gateway_until_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    _serve_until_sigterm(_settings(tmp_path, "127.0.0.1", port), port, "api")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM ends a Windows process at once")
def test_tradechat_run_serves_the_gateway_when_api_is_enabled(tmp_path: Path) -> None:
    port = _free_port()
    path = _settings(tmp_path, "127.0.0.1", port)
    path.write_text(
        path.read_text(encoding="utf-8").replace("[api]\n", "[api]\nenabled = true\n"),
        encoding="utf-8",
    )
    # no chat platform is configured: the gateway alone keeps `run` running
    _serve_until_sigterm(path, port, "run")
