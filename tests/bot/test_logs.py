"""Logging: secrets never reach the file, rotation at the size limit, JSON lines, tail."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.logs import (
    REDACTED,
    RedactingFilter,
    Redactor,
    close_logging,
    log_file_path,
    secret_env_names,
    secret_values,
    setup_logging,
    tail,
)

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"
PASSWORD = "hunter2-mt5-Pa55"
API_KEY = "sk-live-0123456789abcdef"


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    yield
    close_logging()
    root.setLevel(level)


def _log_file(tmp_path: Path) -> Path:
    return log_file_path(tmp_path / "data")


def test_the_log_file_lives_in_the_data_folder(tmp_path: Path) -> None:
    assert log_file_path(tmp_path) == tmp_path / "logs" / "tradechat.log"


def test_secret_values_and_token_shapes_are_absent_from_the_file(tmp_path: Path) -> None:
    path = _log_file(tmp_path)
    setup_logging(log_file=path, secrets=[PASSWORD, API_KEY], console=False)
    log = logging.getLogger("tradechat.test")
    log.info("login with password %s", PASSWORD)
    log.warning("llm call failed with key %r", API_KEY)
    log.info("GET https://api.telegram.org/bot%s/getMe", TOKEN)
    log.info("headers: {'Authorization': 'Bearer abc.def-ghi_jkl'}")
    log.info("database postgresql+asyncpg://trader:%s@db.local/tradechat", PASSWORD)
    log.info("wecom https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1&corpsecret=XyZ123")
    close_logging()
    text = path.read_text(encoding="utf-8")
    for secret in (PASSWORD, API_KEY, TOKEN, "abc.def-ghi_jkl", "XyZ123"):
        assert secret not in text
    assert text.count(REDACTED) == 6
    assert "corpid=ww1" in text  # what is not secret stays readable


def test_a_secret_inside_an_exception_traceback_is_absent(tmp_path: Path) -> None:
    path = _log_file(tmp_path)
    setup_logging(log_file=path, secrets=[PASSWORD], console=False)
    try:
        raise ConnectionError(f"auth failed for {PASSWORD} via bot{TOKEN}")
    except ConnectionError:
        logging.getLogger("tradechat.broker").exception("terminal login failed")
    close_logging()
    text = path.read_text(encoding="utf-8")
    assert "Traceback" in text
    assert "ConnectionError: auth failed for" in text
    assert PASSWORD not in text
    assert TOKEN not in text


def test_a_secret_in_the_stack_and_on_the_console_is_absent(tmp_path: Path) -> None:
    console = io.StringIO()
    setup_logging(log_file=_log_file(tmp_path), secrets=[PASSWORD], stream=console)
    logging.getLogger("tradechat").info("here %s", PASSWORD, stack_info=True)
    assert PASSWORD not in console.getvalue()
    assert "INFO" in console.getvalue()
    assert "Stack (most recent call last)" in console.getvalue()


def test_a_record_whose_arguments_do_not_fit_is_still_redacted() -> None:
    # pytest's own capture handler raises on such a record, so the filter is run directly
    record = logging.LogRecord(
        "tradechat", logging.INFO, __file__, 1, "two %s %s", (PASSWORD,), None
    )
    assert RedactingFilter(Redactor([PASSWORD])).filter(record)
    assert PASSWORD not in record.getMessage()
    assert record.getMessage().startswith("two")


def test_rotation_creates_backups_at_the_size_limit(tmp_path: Path) -> None:
    path = _log_file(tmp_path)
    setup_logging(log_file=path, max_bytes=2_000, backup_count=3, console=False)
    log = logging.getLogger("tradechat.rotation")
    for i in range(200):
        log.info("line %03d %s", i, "x" * 50)
    close_logging()
    backups = sorted(p.name for p in path.parent.iterdir())
    assert backups == ["tradechat.log", "tradechat.log.1", "tradechat.log.2", "tradechat.log.3"]
    for p in path.parent.iterdir():
        assert p.stat().st_size <= 2_000
    assert "line 199" in path.read_text(encoding="utf-8")


def test_json_lines_parse_and_carry_the_exception(tmp_path: Path) -> None:
    path = _log_file(tmp_path)
    setup_logging(log_file=path, json_lines=True, secrets=[PASSWORD], console=False)
    log = logging.getLogger("tradechat.json")
    log.info("黄金 » %s", "ok")
    try:
        raise ValueError(PASSWORD)
    except ValueError:
        log.exception("boom")
    close_logging()
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [e["message"] for e in entries] == ["黄金 » ok", "boom"]
    assert entries[0]["level"] == "INFO"
    assert entries[0]["logger"] == "tradechat.json"
    assert entries[0]["time"].endswith("+00:00")
    assert "ValueError" in entries[1]["exc"]
    assert PASSWORD not in entries[1]["exc"]


def test_noisy_libraries_are_quieted(tmp_path: Path) -> None:
    setup_logging(level="DEBUG", console=False)
    assert logging.getLogger().level == logging.DEBUG
    for name in ("httpx", "httpcore", "apscheduler"):
        assert logging.getLogger(name).level == logging.WARNING


def test_a_second_setup_replaces_the_first(tmp_path: Path) -> None:
    setup_logging(log_file=tmp_path / "a.log", console=False)
    setup_logging(log_file=tmp_path / "b.log", console=False)
    logging.getLogger("tradechat").warning("once")
    close_logging()
    assert (tmp_path / "a.log").read_text(encoding="utf-8") == ""
    assert "once" in (tmp_path / "b.log").read_text(encoding="utf-8")


def test_short_secrets_are_not_used_to_blank_words() -> None:
    redact = Redactor(["", "ab", "hunter2"])
    assert redact("ab hunter2 ab") == f"ab {REDACTED} ab"


def test_a_secret_that_contains_another_is_removed_whole() -> None:
    redact = Redactor(["abcd", "abcdefgh"])
    assert redact("x abcdefgh y") == f"x {REDACTED} y"


class _Telegram(BaseModel):
    token_env: str = "TRADECHAT_TELEGRAM_TOKEN"
    listen_port: int = 8443


class _Broker(BaseModel):
    password_env: str = "MY_MT5_PASSWORD"
    host: str = "127.0.0.1"


class _Settings(BaseModel):
    telegram: _Telegram = _Telegram()
    broker: _Broker = _Broker()


def test_secret_env_names_are_found_in_nested_settings() -> None:
    assert secret_env_names(_Settings()) == ["TRADECHAT_TELEGRAM_TOKEN", "MY_MT5_PASSWORD"]


def test_secret_values_read_the_named_and_the_secret_looking_variables() -> None:
    env = {
        "MY_MT5_PASSWORD": PASSWORD,
        "TRADECHAT_QQ_ACCESS_TOKEN": "qq-token-value",
        "TRADECHAT_APP__LOG_LEVEL": "DEBUG",
        "TRADECHAT_LLM_API_KEY": "",
    }
    values = secret_values(["MY_MT5_PASSWORD", "UNSET_ONE"], env)
    assert sorted(values) == sorted([PASSWORD, "qq-token-value"])


def test_tail_returns_the_last_lines_across_backups(tmp_path: Path) -> None:
    path = tmp_path / "tradechat.log"
    path.with_name("tradechat.log.2").write_text("a1\na2\n", encoding="utf-8")
    path.with_name("tradechat.log.1").write_text("b1\nb2\n", encoding="utf-8")
    path.write_text("c1\nc2\n", encoding="utf-8")
    assert tail(path, 1) == ["c2"]
    assert tail(path, 3) == ["b2", "c1", "c2"]
    assert tail(path, 100) == ["a1", "a2", "b1", "b2", "c1", "c2"]
    assert tail(path, 0) == []


def test_tail_reads_a_large_file_from_its_end(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    path.write_text("".join(f"line {i} 黄金\n" for i in range(50_000)), encoding="utf-8")
    assert tail(path, 2) == ["line 49998 黄金", "line 49999 黄金"]


def test_tail_of_a_missing_log_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        tail(tmp_path / "none.log", 10)
