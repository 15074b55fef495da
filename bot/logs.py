"""Logging: a readable console, a rotating file in the data folder, optional JSON lines, and
no secret in any of them.

Secrets are removed by a filter on every handler (a filter on a logger would miss records
from its children). It rewrites the finished message, the exception text and the stack, so a
token inside a `%s` argument or inside a traceback's `repr` is gone before any formatter sees
it. Redacted: every secret value given (read from the environment variables the settings
name), anything shaped like a Telegram bot token, `Bearer …`, the password of a URL and
`access_token=`/`key=`-style query values.

One process writes one log file: on Windows a file that another process holds open cannot be
rotated, so `chat` and `run` should not share a file name."""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel

REDACTED = "[REDACTED]"
LOG_FILE = "tradechat.log"
# shorter values would blank out ordinary words; a secret that short is no secret anyway
MIN_SECRET_LENGTH = 4
# loggers that say too much at INFO: httpx logs whole request URLs, and Telegram's carry the
# bot token; apscheduler logs every job run
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler")

CONSOLE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
CONSOLE_DATEFMT = "%H:%M:%S"
FILE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram bot token: <bot id>:<35 characters>, also inside .../bot<token>/getMe
    (re.compile(r"\d+:[A-Za-z0-9_-]{30,}"), REDACTED),
    (re.compile(r"(?i)\b(Bearer)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
    # scheme://user:password@host
    (re.compile(r"(://[^/\s:@]+):[^/\s@]+@"), rf"\1:{REDACTED}@"),
    # WeCom and others put credentials in the query string
    (
        re.compile(r"(?i)\b(access_token|corpsecret|secret|token|key|password)=[^&\s\"']+"),
        rf"\1={REDACTED}",
    ),
)
# names of environment variables whose values are secret even when no setting names them
_SECRET_NAME = re.compile(r"^TRADECHAT_.*(TOKEN|SECRET|PASSWORD|KEY|WEBHOOK)$")


class Redactor:
    """Removes the given secret values and the known secret shapes from a text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = sorted(
            {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True
        )
        # longest first, so a secret that contains another is removed whole
        self._values = re.compile("|".join(re.escape(v) for v in values)) if values else None

    def __call__(self, text: str) -> str:
        if self._values is not None:
            text = self._values.sub(REDACTED, text)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


class RedactingFilter(logging.Filter):
    """Rewrites each record in place: message (with its arguments), exception and stack."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redact = redactor
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format
            message = f"{record.msg} {record.args!r}"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, exc, stack."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


@dataclass(frozen=True)
class LogSetup:
    log_file: Path | None
    level: str


def secret_env_names(settings: BaseModel) -> list[str]:
    """Every environment variable a `*_env` setting names, found by walking the settings."""
    names: list[str] = []
    for field in type(settings).model_fields:
        value = getattr(settings, field)
        if field.endswith("_env") and isinstance(value, str) and value:
            names.append(value)
        elif isinstance(value, BaseModel):
            names.extend(secret_env_names(value))
        elif isinstance(value, list):  # e.g. the gateway's [[api.tokens]]
            for item in value:
                if isinstance(item, BaseModel):
                    names.extend(secret_env_names(item))
    return names


def secret_values(env_names: Iterable[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """The values of the named variables, plus every TRADECHAT_…TOKEN/SECRET/PASSWORD/KEY."""
    env = os.environ if environ is None else environ
    names = set(env_names) | {n for n in env if _SECRET_NAME.match(n)}
    return [env[n] for n in sorted(names) if env.get(n)]


def log_file_path(data_dir: Path, file_name: str = LOG_FILE) -> Path:
    return data_dir / "logs" / file_name


def setup_logging(
    *,
    level: str = "INFO",
    log_file: Path | None = None,
    max_bytes: int = 5_000_000,
    backup_count: int = 5,
    json_lines: bool = False,
    secrets: Iterable[str] = (),
    console: bool = True,
    stream: TextIO | None = None,
) -> LogSetup:
    """Configure the root logger; calling it again replaces what an earlier call installed.

    `log_file` None: console only. `json_lines` writes the file as JSON lines (the console
    stays readable). `console` False: no console handler (a service whose stderr goes nowhere);
    `stream` defaults to sys.stderr at the time of the call."""
    close_logging()
    redacting = RedactingFilter(Redactor(secrets))
    handlers: list[logging.Handler] = []
    if console:
        to_console = logging.StreamHandler(stream if stream is not None else sys.stderr)
        to_console.setFormatter(logging.Formatter(CONSOLE_FORMAT, CONSOLE_DATEFMT))
        handlers.append(to_console)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
        )
        to_file.setFormatter(JsonLinesFormatter() if json_lines else logging.Formatter(FILE_FORMAT))
        handlers.append(to_file)
    root = logging.getLogger()
    for handler in handlers:
        handler.addFilter(redacting)
        handler._tradechat = True  # type: ignore[attr-defined]  # ours to replace later
        root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return LogSetup(log_file, level)


def close_logging() -> None:
    """Remove and close the handlers `setup_logging` installed (files are released)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_tradechat", False):
            root.removeHandler(handler)
            handler.close()


def tail(path: Path, n: int) -> list[str]:
    """The last `n` lines of the log, reaching into the rotated backups (path.1, path.2 …)
    when the current file holds fewer. Raises FileNotFoundError when there is no log yet."""
    if n <= 0:
        if not path.exists():
            raise FileNotFoundError(path)
        return []
    lines = _last_lines(path, n)  # raises when the log does not exist
    index = 1
    while len(lines) < n:
        backup = path.with_name(f"{path.name}.{index}")
        if not backup.exists():
            break
        lines = _last_lines(backup, n - len(lines)) + lines
        index += 1
    return lines


def _last_lines(path: Path, n: int, block: int = 64 * 1024) -> list[str]:
    """Read backwards in blocks so a large log costs only its end."""
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        end = f.tell()
        data = b""
        while end > 0 and data.count(b"\n") <= n:
            start = max(0, end - block)
            f.seek(start)
            data = f.read(end - start) + data
            end = start
    text = data.decode("utf-8", errors="replace")
    return text.splitlines()[-n:]
