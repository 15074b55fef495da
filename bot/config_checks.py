"""What `tradechat run` would trip on, found before it starts: `check-config` lists every
problem, and `run`, `chat`, `report`, `audit` and `db` refuse the ones that concern them with
the same lines (exit 2, no traceback).

Each problem names the key, where its value came from (the settings file or the
`TRADECHAT_…` variable that overrides it) and the fix. Loading the settings already checked
each key's type and range (`bot.settings.load_settings`); these checks need the machine: is the
time zone known here, does this platform have the broker's package, is the database driver
installed, are the secrets in the environment, can the listeners bind."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from bot.settings import (
    Settings,
    api_problems,
    bind_problem,
    listener_problems,
    remote_problems,
    secret,
)
from broker.errors import BrokerSetupError
from broker.mt5.loader import load_api_module, mt5linux_connector
from reports.periods import PeriodError, make_zone

Check = Callable[[Settings, Path | None], list[str]]

# what each command needs (`run` and `check-config`: everything)
TIME_ZONES = "time zones"
BROKER = "broker"
DATABASE = "database"
DATA_FOLDER = "data folder"
PLATFORMS = "platforms"
GATEWAY = "gateway"  # the [api] block, when `run` serves it
GATEWAY_SERVED = "gateway served"  # the [api] block, for `tradechat api`
ALL = (TIME_ZONES, BROKER, DATABASE, DATA_FOLDER, PLATFORMS, GATEWAY)
ACCOUNT = (TIME_ZONES, BROKER, DATABASE, DATA_FOLDER)  # chat, report
RECORDS = (TIME_ZONES, DATABASE, DATA_FOLDER)  # audit: no terminal
DATABASE_ONLY = (DATABASE, DATA_FOLDER)  # tradechat db
# what each command refuses to start on (`check-config` reports ALL and starts nothing)
COMMAND_CHECKS: dict[str, tuple[str, ...]] = {
    "run": ALL,
    "api": (*ACCOUNT, GATEWAY_SERVED),
    "mcp": ACCOUNT,
    "chat": ACCOUNT,
    "report": ACCOUNT,
    "audit": RECORDS,
    "db": DATABASE_ONLY,
}

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+$")


def config_problems(
    settings: Settings, settings_file: Path | None, checks: Iterable[str] = ALL
) -> list[str]:
    """Every problem of the chosen `checks`, in order; empty when all is well."""
    found: list[str] = []
    for name in checks:
        found.extend(_CHECKS[name](settings, settings_file))
    return found


def source(settings_file: Path | None, *path: str) -> str:
    """Where the value of the setting at `path` came from: the environment variable that
    overrides it, else the settings file (or the default, without one)."""
    env = "TRADECHAT_" + "__".join(path).upper()
    if env in os.environ:
        return f"from the environment variable {env}"
    return f"from {settings_file}" if settings_file else "the default"


# ---- time zones -------------------------------------------------------------------------------


def _time_zone_problems(settings: Settings, settings_file: Path | None) -> list[str]:
    name = settings.reports.timezone
    try:
        make_zone(name)
    except PeriodError:
        where = source(settings_file, "reports", "timezone")
        return [
            f"[reports] timezone = {name!r} ({where}) is not a time zone known here: use "
            '"server" (the broker server\'s clock), "UTC" or an IANA name such as '
            '"Asia/Shanghai" or "Europe/London".'
        ]
    return []


# ---- broker -----------------------------------------------------------------------------------


def _broker_problems(settings: Settings, settings_file: Path | None) -> list[str]:
    """The package the broker kind needs is importable on this machine (the import that `run`
    does; it connects to nothing)."""
    b = settings.broker
    where = source(settings_file, "broker", "kind")
    if b.kind == "remote":
        return [f"{p} ({where})" for p in remote_problems(b)]
    try:
        if b.kind == "mt5":
            load_api_module(b.api_module)
        elif b.kind == "mt5linux":
            mt5linux_connector(b.host, b.port)
    except BrokerSetupError as exc:
        return [f"{exc.message} ({where})"]
    except Exception as exc:  # a package that is installed but broken (e.g. a SyntaxError)
        return [
            f'[broker] kind = "{b.kind}" ({where}): its package is installed but does not '
            f"import ({type(exc).__name__}: {exc}); reinstall it: "
            f'pip install --force-reinstall "tradechat[{b.kind}]".'
        ]
    return []


# ---- database ---------------------------------------------------------------------------------

_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_EXTRAS = {"asyncpg": 'pip install "tradechat[postgres]"', "aiosqlite": "pip install aiosqlite"}


def _database_problems(settings: Settings, settings_file: Path | None) -> list[str]:
    """`[database] url` names SQLite or PostgreSQL with an async driver that is installed."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    raw = settings.database.url
    if not raw:  # the SQLite file under data_dir, with aiosqlite, a dependency
        return []
    key = f"[database] url ({source(settings_file, 'database', 'url')})"
    example = "sqlite+aiosqlite:///data/tradechat.sqlite or postgresql+asyncpg://user@host/db"
    try:
        url = make_url(raw)
    except ArgumentError:
        return [f"{key} is not a database URL: write it like {example}."]
    shown = url.render_as_string(hide_password=True)
    backend = url.get_backend_name()
    if backend not in _DRIVERS:
        return [f"{key} = {shown!r}: tradechat runs on SQLite or PostgreSQL: {example}."]
    try:
        dialect = url.get_dialect()
    except NoSuchModuleError:
        return [
            f"{key} = {shown!r}: there is no driver {url.get_driver_name()!r} for {backend}; "
            f"write {_DRIVERS[backend]}://…"
        ]
    if not dialect.is_async:
        return [
            f"{key} = {shown!r}: the driver {dialect.driver!r} is not an async driver; "
            f"write {_DRIVERS[backend]}://…"
        ]
    try:
        dialect.import_dbapi()
    except ImportError:
        fix = _EXTRAS.get(dialect.driver, f"pip install {dialect.driver}")
        return [f"{key} = {shown!r}: the driver {dialect.driver!r} is not installed: {fix}."]
    return []


# ---- data folder ------------------------------------------------------------------------------


def _data_folder_problems(settings: Settings, settings_file: Path | None) -> list[str]:
    folder = settings.app.data_dir
    key = f"[app] data_dir = {str(folder)!r} ({source(settings_file, 'app', 'data_dir')})"
    if folder.exists() and not folder.is_dir():
        return [f"{key} is a file, not a folder: name a folder."]
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not os.access(existing, os.W_OK):
        return [
            f"{key} cannot be written by this user ({existing.resolve()} is not writable): "
            "name a folder this user may write, or give it the right."
        ]
    return []


# ---- platforms --------------------------------------------------------------------------------


def _platform_problems(settings: Settings, settings_file: Path | None) -> list[str]:
    """The secrets each enabled platform needs (`listener_problems`, which `run` also checks
    when it builds the platforms), then the addresses they listen on and dial."""
    return [
        *listener_problems(settings),
        *_wecom_key_problems(settings),
        *_address_problems(settings, settings_file),
        *_port_clashes(settings),
    ]


def _wecom_key_problems(settings: Settings) -> list[str]:
    wc = settings.wecom
    key = secret(wc.aes_key_env)
    if not wc.enabled or key is None:
        return []
    from bot.platforms.wecom_crypto import WXBizMsgCrypt

    try:
        WXBizMsgCrypt(secret(wc.token_env) or "", key, wc.corp_id)
    except ValueError as exc:
        return [
            f"the environment variable {wc.aes_key_env} (named by [wecom] aes_key_env): {exc}; "
            "copy the EncodingAESKey from the WeCom app's callback settings."
        ]
    return []


def _listeners(settings: Settings) -> list[tuple[str, str, int]]:
    """(section, host, port) of each listener `run` would open."""
    found: list[tuple[str, str, int]] = []
    qq, wc, tg = settings.qq, settings.wecom, settings.telegram
    if qq.enabled and qq.mode == "reverse":
        found.append(("qq", qq.listen_host, qq.listen_port))
    if wc.enabled:
        found.append(("wecom", wc.listen_host, wc.listen_port))
    if tg.webhook_url and secret(tg.token_env):
        found.append(("telegram", tg.listen_host, tg.listen_port))
    return found


def _address_problems(settings: Settings, settings_file: Path | None) -> list[str]:
    found = [
        f"[{section}] listen_host = {host!r} ({source(settings_file, section, 'listen_host')}) "
        'is not an address: use "127.0.0.1" (this machine only), "0.0.0.0" (every interface) '
        "or a host name."
        for section, host, _ in _listeners(settings)
        if not _is_address(host)
    ]
    qq, tg, wc = settings.qq, settings.telegram, settings.wecom
    for section, enabled, path in (
        ("qq", qq.enabled and qq.mode == "reverse", qq.path),
        ("wecom", wc.enabled, wc.path),
    ):
        if enabled and not path.startswith("/"):
            found.append(
                f"[{section}] path = {path!r} ({source(settings_file, section, 'path')}) must "
                f'begin with "/", e.g. "/{path}".'
            )
    if qq.enabled and qq.mode == "forward" and urlsplit(qq.forward_url).scheme not in ("ws", "wss"):
        found.append(
            f"[qq] forward_url = {qq.forward_url!r} ({source(settings_file, 'qq', 'forward_url')})"
            " is not a WebSocket URL: write ws://127.0.0.1:3001 (or wss://…)."
        )
    if tg.webhook_url and urlsplit(tg.webhook_url).scheme != "https":
        found.append(
            f"[telegram] webhook_url = {tg.webhook_url!r} "
            f"({source(settings_file, 'telegram', 'webhook_url')}): Telegram sends webhooks "
            "only to https:// URLs; write https://your.host/path, or leave it empty for polling."
        )
    return found


def _is_address(host: str) -> bool:
    name = host.strip().strip("[]")
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return bool(_HOSTNAME.match(name))
    return True


def _port_clashes(settings: Settings) -> list[str]:
    """Two listeners on one port of one address: the second would fail to bind."""
    found: list[str] = []
    seen: list[tuple[str, str, int]] = []
    for section, host, port in _listeners(settings):
        for other, other_host, other_port in seen:
            if port == other_port and _overlap(host, other_host):
                found.append(
                    f"[{section}] listen_port = {port} is also [{other}] listen_port on the same "
                    f"address: give [{section}] another listen_port."
                )
        seen.append((section, host, port))
    return found


def _overlap(a: str, b: str) -> bool:
    every = {"", "0.0.0.0", "::"}  # noqa: S104 - the wildcard addresses, compared, not bound
    return a == b or a in every or b in every or {a, b} <= {"localhost", "127.0.0.1"}


# ---- the gateway ------------------------------------------------------------------------------


def _gateway_served_problems(settings: Settings, settings_file: Path | None) -> list[str]:
    """What the gateway would refuse to start on: tokens that cannot work, a bind that
    would expose them (docs/gateway.md)."""
    bind = bind_problem(settings.api)
    return [*api_problems(settings.api), *([bind] if bind else [])]


def _gateway_problems(settings: Settings, settings_file: Path | None) -> list[str]:
    if not settings.api.enabled:
        return []
    return _gateway_served_problems(settings, settings_file)


_CHECKS: dict[str, Check] = {
    TIME_ZONES: _time_zone_problems,
    BROKER: _broker_problems,
    DATABASE: _database_problems,
    DATA_FOLDER: _data_folder_problems,
    PLATFORMS: _platform_problems,
    GATEWAY: _gateway_problems,
    GATEWAY_SERVED: _gateway_served_problems,
}
