"""Settings: `settings.toml` (every key commented there), overridden by environment variables
`TRADECHAT_<SECTION>__<KEY>` (e.g. `TRADECHAT_BROKER__KIND=mt5`). Secrets are never read from
the file: the file names the environment variable that holds each one (`*_env` keys)."""

from __future__ import annotations

import ipaddress
import json
import os
import tomllib
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from handlers.config import DEFAULT_PIP_SIZES

DEFAULT_CONFIG = Path("settings.toml")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AppSettings(Section):
    data_dir: Path = Path("data")
    language: Literal["zh", "en"] = "zh"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_max_bytes: int = Field(5_000_000, ge=10_000)
    log_backup_count: int = Field(5, ge=0, le=100)
    log_json: bool = False


class PaperSettings(Section):
    seed: int = 7
    balance: float = Field(10_000.0, gt=0)
    currency: Literal["USD"] = "USD"
    leverage: int = Field(100, ge=1, le=3000)
    hedging: bool = True
    server_utc_offset_hours: int = Field(2, ge=-12, le=14)
    demo_history_days: int = Field(60, ge=0, le=3650)


class BrokerSettings(Section):
    kind: Literal["paper", "mt5", "mt5linux", "remote"] = "paper"
    api_module: str = "MetaTrader5"
    terminal_path: str = ""
    login: int = 0
    server: str = ""
    password_env: str = "TRADECHAT_MT5_PASSWORD"  # noqa: S105 - a variable's name
    host: str = "127.0.0.1"
    port: int = Field(18812, ge=1, le=65535)
    timeout_ms: int = Field(60_000, ge=1000)
    server_utc_offset_hours: int | None = Field(None, ge=-12, le=14)
    deviation_points: int = Field(20, ge=0, le=10_000)
    requote_retries: int = Field(3, ge=0, le=10)
    magic: int = Field(20260001, ge=0)
    symbol_map: dict[str, str] = Field(default_factory=dict)
    query_deadline_s: float = Field(15.0, gt=0, le=600)
    trade_deadline_s: float = Field(30.0, gt=0, le=600)
    snapshot_wait_s: float = Field(2.0, ge=0, le=60)
    snapshot_max_age_s: float = Field(300.0, ge=0, le=3600)
    paper: PaperSettings = Field(default_factory=PaperSettings)
    # --- kind = "remote": another tradechat's gateway (broker/remote/, remote_problems)
    url: str = ""  # the gateway's base URL, e.g. "https://vps.example:8787"
    token_env: str = "TRADECHAT_REMOTE_TOKEN"  # noqa: S105 - a variable's name
    signing_secret_env: str = "TRADECHAT_REMOTE_SIGNING_SECRET"  # noqa: S105 - a variable's name
    verify_tls: bool = True
    ca_file: str = ""
    connect_timeout_s: float = Field(5.0, gt=0, le=120)
    heartbeat_s: float = Field(10.0, ge=1, le=3600)
    trade_retries: int = Field(2, ge=0, le=5)
    ticks_over_ws: bool = True


class SymbolsSettings(Section):
    aliases: dict[str, str] = Field(default_factory=dict)


class LLMSettings(Section):
    enabled: bool = False
    engine: Literal["auto", "rules", "llm"] = "auto"
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    api_key_env: str = "TRADECHAT_LLM_API_KEY"
    timeout_s: float = Field(8.0, gt=0, le=120)
    response_format: Literal["json_schema", "json_object", "none"] = "json_schema"
    breaker_failures: int = Field(3, ge=1)
    breaker_cooldown_s: float = Field(60.0, ge=0)


class UserEntry(Section):
    platform: Literal["console", "telegram", "qq", "wecom"]
    id: str
    role: Literal["viewer", "trader", "admin"] = "viewer"
    name: str = ""
    lang: Literal["zh", "en"] | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v


class LimitsSettings(Section):
    messages_per_minute: int = Field(20, ge=1)


class TradingSettings(Section):
    confirm_ttl_s: int = Field(60, ge=5, le=3600)
    use_default_volume: bool = False
    default_volume: float = Field(0.01, gt=0)
    max_price_drift_points: int = Field(50, ge=0)


class TradeSettings(Section):
    """[trade]: break-even, moves in pips, risk sizing (handlers.config.TradeManagement)."""

    breakeven_buffer_pips: float = Field(0.0, ge=0)
    max_risk_percent: float = Field(5.0, gt=0, le=100)
    pip_size: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_PIP_SIZES))

    @field_validator("pip_size")
    @classmethod
    def _pip_sizes(cls, v: dict[str, float]) -> dict[str, float]:
        bad = sorted(k for k, size in v.items() if not size > 0)
        if bad:
            raise ValueError(f"pip sizes must be > 0: {', '.join(bad)}")
        return {k.upper(): float(size) for k, size in v.items()}


class RiskSettings(Section):
    max_lots_per_order: float = Field(1.0, gt=0)
    max_total_lots_per_symbol: float = Field(5.0, gt=0)
    max_open_positions: int = Field(50, ge=1)
    allowed_symbols: list[str] = Field(default_factory=list)
    max_daily_loss: float = Field(500.0, ge=0)
    read_only: bool = False


PLATFORMS = ("console", "telegram", "qq", "wecom")


class TrailingSettings(Section):
    """[trailing]: trailing stops kept by the bot (handlers/trailing.py)."""

    step_pips: float = Field(1.0, ge=0, le=10_000)
    activation_pips: float = Field(0.0, ge=0, le=100_000)  # 0: the stop follows at once
    interval_s: float = Field(5.0, ge=1, le=3600)


class GroupsSettings(Section):
    # Groups where account data may be answered in the group, as "platform:group id".
    trading_rooms: list[str] = Field(default_factory=list)

    @field_validator("trading_rooms")
    @classmethod
    def _platform_and_id(cls, v: list[str]) -> list[str]:
        for room in v:
            platform, _, chat = room.partition(":")
            if platform not in PLATFORMS or not chat:
                raise ValueError(
                    f'{room!r} is not "platform:group id" (e.g. "telegram:-100123", '
                    f'"qq:123456"); platform is one of {", ".join(PLATFORMS)}'
                )
        return v


class ReportsSettings(Section):
    timezone: str = "server"
    day_starts_at: str = "00:00"
    daily_at: str = "23:59"
    weekly_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "fri"
    weekly_at: str = "23:59"
    monthly_at: str = "00:05"
    charts: bool = True
    catchup_grace_hours: int = Field(12, ge=0, le=168)

    @field_validator("day_starts_at", "daily_at", "weekly_at", "monthly_at")
    @classmethod
    def _hh_mm(cls, v: str) -> str:
        try:
            hh, mm = v.split(":")
            if not (0 <= int(hh) < 24 and 0 <= int(mm) < 60):
                raise ValueError
        except ValueError:
            raise ValueError("must be a time of day HH:MM, e.g. 23:59") from None
        return v


class MarketSettings(Section):
    # charts, indicators and key levels (handlers/market.py)
    default_timeframe: Literal["M1", "M5", "M15", "M30", "H1", "H4", "D1", "W1", "MN1"] = "H1"
    chart_bars: int = Field(100, ge=10, le=1000)
    levels_bars: int = Field(200, ge=10, le=1000)
    max_bars: int = Field(1000, ge=10, le=5000)
    ai_commentary: bool = True


class AlertsSettings(Section):
    snapshot_minutes: int = Field(5, ge=1, le=1440)
    margin_level_below: float = Field(150.0, ge=0)
    drawdown_pct: float = Field(5.0, ge=0, le=100)
    push_new_deals: bool = False
    deals_min_interval_s: int = Field(60, ge=5)


class PriceAlertsSettings(Section):
    # how often live price alerts are checked (one quote per symbol per check)
    check_seconds: int = Field(15, ge=5, le=3600)
    per_user: int = Field(20, ge=1, le=500)
    # a price further than this from the market is refused as a typo
    max_distance_pct: float = Field(50.0, gt=0, le=1000)


ReportsDefault = Literal["opt_in", "opt_out"]


class NotificationsSettings(Section):
    # Listed users receive these in their private chat on each platform where they are listed,
    # without /subscribe; an explicit /unsubscribe is remembered and wins.
    alerts_to_admins: bool = True
    alerts_to_traders: bool = False
    reports_default: ReportsDefault = "opt_in"
    reports_by_platform: dict[Literal["console", "telegram", "qq", "wecom"], ReportsDefault] = (
        Field(default_factory=dict)
    )


class TelegramSettings(Section):
    token_env: str = "TRADECHAT_TELEGRAM_TOKEN"  # noqa: S105 - a variable's name
    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str = ""
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(8443, ge=1, le=65535)
    secret_token_env: str = "TRADECHAT_TELEGRAM_WEBHOOK_SECRET"  # noqa: S105 - a variable's name
    # flood pacing of new messages (bot/platforms/flood.py) and the bound of a stop
    private_per_s: float = Field(1.0, ge=0)
    private_burst: int = Field(4, ge=1, le=30)
    group_per_minute: int = Field(20, ge=0, le=60)
    group_burst: int = Field(3, ge=1, le=20)
    overall_per_s: float = Field(30.0, ge=0)
    overall_burst: int = Field(20, ge=1, le=100)
    stop_within_s: float = Field(4.0, ge=0, le=5)


class QQSettings(Section):
    enabled: bool = False
    mode: Literal["reverse", "forward"] = "reverse"
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(8080, ge=1, le=65535)
    path: str = "/onebot/v11/ws"
    forward_url: str = "ws://127.0.0.1:3001"
    access_token_env: str = "TRADECHAT_QQ_ACCESS_TOKEN"  # noqa: S105 - a variable's name
    min_send_interval_s: float = Field(1.0, ge=0)
    action_timeout_s: float = Field(10.0, gt=0)


class WeComSettings(Section):
    enabled: bool = False
    corp_id: str = ""
    agent_id: int = 0
    secret_env: str = "TRADECHAT_WECOM_SECRET"  # noqa: S105 - a variable's name
    token_env: str = "TRADECHAT_WECOM_TOKEN"  # noqa: S105 - a variable's name
    aes_key_env: str = "TRADECHAT_WECOM_AES_KEY"
    api_base_url: str = "https://qyapi.weixin.qq.com"
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(8081, ge=1, le=65535)
    path: str = "/wecom/callback"
    robot_webhook_env: str = "TRADECHAT_WECOM_ROBOT_WEBHOOK"
    robot_reports: list[Literal["daily", "weekly", "monthly", "hedge", "alerts", "deals"]] = Field(
        default_factory=list
    )
    replay_window_s: int = Field(300, ge=30, le=3600)


class DatabaseSettings(Section):
    url: str = ""  # empty: SQLite file under [app] data_dir


# ---- the gateway: REST + WebSocket (bot/api/, docs/gateway.md) --------------------------------


ApiScope = Literal["read", "trade", "admin"]


class ApiOwner(Section):
    """Who confirms in chat what a `confirm = "chat"` token asks for: a [[users]] entry."""

    platform: Literal["console", "telegram", "qq", "wecom"]
    id: str

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v


class ApiToken(Section):
    name: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    token_env: str = Field(min_length=1)
    scopes: list[ApiScope] = Field(default_factory=lambda: list[ApiScope](["read"]))
    allow_ips: list[str] = Field(default_factory=list)
    # None: "none" for a trade-scoped token (a script), "chat" for every other one
    confirm: Literal["none", "chat"] | None = None
    owner: ApiOwner | None = None
    # a remote tradechat's broker (bot/api/broker_routes.py) signs with the secret in this
    # variable; empty: its requests are not signed, and it may not send orders
    signing_secret_env: str = ""

    @field_validator("allow_ips")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        for cidr in v:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ValueError(f"{cidr!r} is not an IP address or CIDR network") from None
        return v


class ApiSettings(Section):
    enabled: bool = False
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(8787, ge=0, le=65535)  # 0: a free port the OS picks
    ssl_certfile: str = ""
    ssl_keyfile: str = ""
    allow_plain_http_on: list[str] = Field(default_factory=list)
    requests_per_minute: int = Field(120, ge=1, le=100_000)
    burst: int = Field(20, ge=1, le=10_000)
    jwt_secret_env: str = "TRADECHAT_API_JWT_SECRET"  # noqa: S105 - a variable's name
    jwt_max_ttl_s: int = Field(900, ge=30, le=86_400)
    ws_queue_size: int = Field(256, ge=8, le=100_000)
    ws_ping_timeout_s: float = Field(60.0, ge=1, le=3600)
    ws_tick_interval_s: float = Field(1.0, ge=0.1, le=60)
    ws_account_interval_s: float = Field(5.0, ge=0.5, le=3600)
    ws_max_clients: int = Field(100, ge=1, le=10_000)
    jobs_keep_days: int = Field(7, ge=1, le=3650)
    idempotency_keep_days: int = Field(7, ge=1, le=3650)
    signature_max_age_s: float = Field(5.0, ge=0.5, le=300)
    tokens: list[ApiToken] = Field(default_factory=list)


# ---- the MCP server (bot/mcp/, docs/mcp.md) ---------------------------------------------------


class McpSettings(Section):
    enabled: bool = False  # also serve MCP over HTTP inside `tradechat run`
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(8788, ge=0, le=65535)
    ssl_certfile: str = ""
    ssl_keyfile: str = ""
    allow_plain_http_on: list[str] = Field(default_factory=list)
    # who confirms the proposals of the stdio server (default: the first admin in [[users]])
    owner: ApiOwner | None = None
    # what the stdio server may do: ["read"] lists only the read tools
    stdio_scopes: list[ApiScope] = Field(default_factory=lambda: list[ApiScope](["read", "trade"]))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRADECHAT_", env_nested_delimiter="__", extra="forbid"
    )

    app: AppSettings = Field(default_factory=AppSettings)
    broker: BrokerSettings = Field(default_factory=BrokerSettings)
    symbols: SymbolsSettings = Field(default_factory=SymbolsSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    users: list[UserEntry] = Field(default_factory=list)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    trading: TradingSettings = Field(default_factory=TradingSettings)
    risk: RiskSettings = Field(default_factory=RiskSettings)
    trailing: TrailingSettings = Field(default_factory=TrailingSettings)
    trade: TradeSettings = Field(default_factory=TradeSettings)
    groups: GroupsSettings = Field(default_factory=GroupsSettings)
    reports: ReportsSettings = Field(default_factory=ReportsSettings)
    alerts: AlertsSettings = Field(default_factory=AlertsSettings)
    price_alerts: PriceAlertsSettings = Field(default_factory=PriceAlertsSettings)
    market: MarketSettings = Field(default_factory=MarketSettings)
    notifications: NotificationsSettings = Field(default_factory=NotificationsSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    qq: QQSettings = Field(default_factory=QQSettings)
    wecom: WeComSettings = Field(default_factory=WeComSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    mcp: McpSettings = Field(default_factory=McpSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # the environment overrides the file, which arrives as init arguments
        return (env_settings, init_settings)

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite+aiosqlite:///{self.app.data_dir / 'tradechat.sqlite'}"


PAPER_DEMO_FOLDER = "paper-demo"


def paper_demo(settings: Settings) -> Settings:
    """`--paper-demo`: these settings on the paper terminal, in a data folder of its own (the
    demo's made-up trades never mix with a real account's database), with no chat platform and
    no LLM, whatever tokens the environment holds: nothing leaves this machine."""
    return settings.model_copy(
        update={
            "app": settings.app.model_copy(
                update={"data_dir": settings.app.data_dir / PAPER_DEMO_FOLDER}
            ),
            "broker": settings.broker.model_copy(update={"kind": "paper"}),
            "llm": settings.llm.model_copy(update={"enabled": False}),
            "telegram": settings.telegram.model_copy(update={"token_env": ""}),
            "qq": settings.qq.model_copy(update={"enabled": False}),
            "wecom": settings.wecom.model_copy(update={"enabled": False, "robot_reports": []}),
            "database": DatabaseSettings(),
        }
    )


class ConfigError(Exception):
    """A settings file that cannot be used; the message names the key."""


def config_path(explicit: str | Path | None = None) -> Path:
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("TRADECHAT_CONFIG") or DEFAULT_CONFIG)


def _named_by(explicit: str | Path | None) -> str:
    if explicit:
        return "named by --config"
    if os.environ.get("TRADECHAT_CONFIG"):
        return "named by TRADECHAT_CONFIG"
    return "the default, in the folder tradechat runs in"


def missing_file_message(path: Path, explicit: str | Path | None = None) -> str:
    """Why a command that uses the account refuses to start without its settings file: run
    from the wrong folder (a service, a cron job) it would otherwise open a new paper account
    and, with a chat token in the environment, push its made-up reports to real chats."""
    return (
        f"settings file {path.resolve()} not found ({_named_by(explicit)}). "
        "`tradechat init` writes one (`tradechat init FOLDER` into another folder); "
        "`--config PATH` or TRADECHAT_CONFIG names another; "
        "`--paper-demo` tries the bot on the paper terminal without one."
    )


def load_settings(path: str | Path | None = None, *, required: bool = False) -> Settings:
    """Read the TOML file (missing is fine unless `required`), apply environment overrides."""
    p = config_path(path)
    data: dict[str, Any] = {}
    if p.exists():
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    elif required or path is not None:
        raise ConfigError(missing_file_message(p, path))
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, p)) from None
    except SettingsError as exc:  # an environment override that is not JSON
        raise ConfigError(describe_env_error(exc)) from None


def describe_errors(exc: ValidationError, path: Path) -> str:
    lines = [f"{path}: {exc.error_count()} problem(s):"]
    for err in exc.errors():
        key = ".".join(str(x) for x in err["loc"])
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        got = "" if err["type"] == "missing" else f" (got {err.get('input')!r})"
        env = "TRADECHAT_" + "__".join(str(x) for x in err["loc"]).upper()
        where = f" [from environment {env}]" if env in os.environ else ""
        lines.append(f"  {key}: {msg}{got}{where}")
    return "\n".join(lines)


_EXAMPLES = {
    "list": '["XAUUSD", "EURUSD"]',
    "table": '{"GOLD": "XAUUSD"}',
    "TRADECHAT_USERS": '[{"platform": "telegram", "id": "123456789", "role": "trader"}]',
}


def describe_env_error(exc: SettingsError) -> str:
    """pydantic-settings names only the section ("risk") of an override it cannot parse; name
    the variable, its value and how a list or table is written in the environment."""
    bad = bad_json_overrides()
    if not bad:
        return f"an environment override cannot be read: {exc}"
    lines = [f"environment: {len(bad)} problem(s):"]
    for name, value, kind in bad:
        shown = value if len(value) <= 60 else value[:60] + "…"
        example = _EXAMPLES.get(name.upper()) or _EXAMPLES[kind]
        lines.append(
            f"  {name}: not valid JSON (got {shown!r}); a {kind} from the environment is "
            f"written as JSON, e.g. {name}='{example}'"
        )
    return "\n".join(lines)


def bad_json_overrides(environ: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(variable, value, "list" | "table") for each TRADECHAT_… variable whose setting is a
    list or a table and whose value is not JSON."""
    env = dict(os.environ if environ is None else environ)
    found: list[tuple[str, str, str]] = []
    for name, value in sorted(env.items()):
        upper = name.upper()
        if not upper.startswith("TRADECHAT_"):
            continue
        kind = _complex_kind(upper.removeprefix("TRADECHAT_").lower().split("__"))
        if kind is None:
            continue
        try:
            json.loads(value)
        except ValueError:
            found.append((name, value, kind))
    return found


def _complex_kind(path: list[str]) -> str | None:
    """ "list" or "table" when `path` leads to a setting pydantic-settings reads as JSON."""
    model: type[BaseModel] = Settings
    annotation: Any = None
    for i, part in enumerate(path):
        field = model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        if i < len(path) - 1:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return None
            model = annotation
    return _json_kind(annotation)


def _json_kind(annotation: Any) -> str | None:
    origin = get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return "list"
    if origin is dict or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return "table"
    if origin in (Union, types.UnionType):
        kinds = [k for a in get_args(annotation) if (k := _json_kind(a))]
        return kinds[0] if kinds else None
    return None


def secret(env_name: str) -> str | None:
    """A secret from the environment variable a setting names; None when unset or empty."""
    value = os.environ.get(env_name, "") if env_name else ""
    return value or None


# ---- listeners that must not run unprotected (`check-config`, and `run` before it starts) ----


def is_loopback(host: str) -> bool:
    """Only this machine can reach `host`: localhost, 127.0.0.0/8 or ::1. An empty host,
    0.0.0.0, :: and any other name listen on (or may resolve to) the network."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def listener_problems(settings: Settings) -> list[str]:
    """Every enabled connection that would run without the secret that proves who is on the
    other end; each message names the setting and the environment variable to set. Empty when
    all is well."""
    qq = qq_token_problem(settings.qq)
    return [
        *([qq] if qq else []),
        *_wecom_problems(settings.wecom),
        *_telegram_problems(settings.telegram),
    ]


def qq_token_problem(qq: QQSettings) -> str | None:
    """Why QQ may not start: enabled without an access token. Any local program can dial a
    loopback port, so the token is needed on 127.0.0.1 as well, and for a forward connection."""
    if not qq.enabled or secret(qq.access_token_env) is not None:
        return None
    where = (
        f"the OneBot listener on {qq.listen_host}:{qq.listen_port}"
        if qq.mode == "reverse"
        else f"the OneBot connection to {qq.forward_url}"
    )
    return (
        f"[qq] enabled = true, but {where} has no access token: set the environment variable "
        f"{qq.access_token_env} (named by [qq] access_token_env) to the access_token configured "
        "in NapCat / Lagrange.OneBot. Every OneBot connection needs one, on 127.0.0.1 too."
    )


def _wecom_problems(wc: WeComSettings) -> list[str]:
    """WeCom needs its app (corp_id, agent_id), the secret that sends and the token and AES key
    that verify and decrypt every callback: without any of them it does not start. One problem
    for all of them, saying also when the listener is reachable from the network."""
    if not wc.enabled:
        return []
    keys = {"secret_env": wc.secret_env, "token_env": wc.token_env, "aes_key_env": wc.aes_key_env}
    missing = [f"{env} (named by [wecom] {key})" for key, env in keys.items() if not secret(env)]
    unset = [key for key in ("corp_id", "agent_id") if not getattr(wc, key)]
    if not missing and not unset:
        return []
    fixes = [*(f"[wecom] {key}" for key in unset)]
    if missing:
        fixes.append(f"the environment variable(s) {', '.join(missing)}")
    if not is_loopback(wc.listen_host) and missing:
        why = f"[wecom] listen_host = {wc.listen_host!r} is reachable from the network, but"
        return [f"{why} the callback secrets are missing: set {'; '.join(fixes)}."]
    return [f"[wecom] enabled = true, but WeCom cannot start without them: set {'; '.join(fixes)}."]


def _telegram_problems(tg: TelegramSettings) -> list[str]:
    if not tg.webhook_url:
        return []
    if secret(tg.token_env) is None:
        return [
            f"[telegram] webhook_url is set, but the bot token is missing: set the environment "
            f"variable {tg.token_env} (named by [telegram] token_env), or empty webhook_url."
        ]
    if is_loopback(tg.listen_host) or secret(tg.secret_token_env) is not None:
        return []
    return [
        f"[telegram] webhook_url is set and listen_host = {tg.listen_host!r} is reachable from "
        f"the network, but the webhook has no secret token: set the environment variable "
        f"{tg.secret_token_env} (named by [telegram] secret_token_env)."
    ]


# ---- the gateway's settings that cannot work (`check-config`; the gateway refuses to start) ----


def effective_confirm(entry: ApiToken) -> Literal["none", "chat"]:
    if entry.confirm is not None:
        return entry.confirm
    return "none" if {"trade", "admin"} & set(entry.scopes) else "chat"


def api_problems(settings: ApiSettings) -> list[str]:
    """What makes the `[[api.tokens]]` unusable as configured (start is refused)."""
    problems: list[str] = []
    seen: set[str] = set()
    for entry in settings.tokens:
        where = f'[[api.tokens]] name = "{entry.name}"'
        if entry.name in seen:
            problems.append(f"{where} is configured twice; names must be unique")
        seen.add(entry.name)
        mode = effective_confirm(entry)
        trades = {"trade", "admin"} & set(entry.scopes)
        if mode == "none" and entry.confirm == "none" and not trades:
            problems.append(
                f'{where}: confirm = "none" executes orders at once, which only a token with '
                'the "trade" scope may do; add "trade" to scopes or set confirm = "chat"'
            )
        if entry.confirm == "chat" and entry.owner is None:
            problems.append(
                f'{where}: confirm = "chat" needs owner = {{ platform = "…", id = "…" }}, the '
                "[[users]] entry who confirms its orders"
            )
    return problems


def bind_problem(settings: ApiSettings) -> str | None:
    """Why the gateway may not listen where it is told to: a non-loopback host without TLS
    and not listed in `allow_plain_http_on` (tokens would cross the network in clear)."""
    host = settings.listen_host
    if bool(settings.ssl_certfile) != bool(settings.ssl_keyfile):
        return "[api] ssl_certfile and ssl_keyfile go together: set both, or neither"
    if is_loopback(host):
        return None
    if settings.ssl_certfile and settings.ssl_keyfile:
        return None
    if host in settings.allow_plain_http_on:
        return None
    return (
        f"[api] listen_host = {host!r} is reachable from the network, but there is no TLS: set "
        "[api] ssl_certfile and ssl_keyfile (PEM files), or list the host in [api] "
        "allow_plain_http_on when the network itself is private (a VPN). Tokens would "
        "otherwise cross the network in clear text."
    )


# ---- the remote broker's settings that cannot work (`check-config`; `run` refuses them) -------


def remote_problems(broker: BrokerSettings) -> list[str]:
    """What keeps `[broker] kind = "remote"` from working: no URL, no token, a plain-HTTP URL
    to another machine, a CA file that is not there. A missing signing secret is a problem too:
    the gateway refuses unsigned orders."""
    if broker.kind != "remote":
        return []
    problems: list[str] = []
    url = broker.url.strip()
    if not url.startswith(("http://", "https://")):
        problems.append(
            '[broker] kind = "remote" needs url = "https://host:8787", the gateway of the '
            f"tradechat next to the terminal (got {url!r})"
        )
    else:
        host = url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
        if url.startswith("http://") and not is_loopback(host):
            problems.append(
                f"[broker] url = {url!r} is plain HTTP to another machine: the token would "
                "cross the network in clear text; use https:// (the gateway's ssl_certfile)"
            )
    for key, env in (
        ("token_env", broker.token_env),
        ("signing_secret_env", broker.signing_secret_env),
    ):
        if secret(env) is None:
            problems.append(
                f"[broker] {key}: the environment variable {env or '(none)'} is not set; it must "
                "hold the same value as the gateway's [[api.tokens]] "
                + ("token_env" if key == "token_env" else "signing_secret_env")
            )
    if broker.ca_file and not Path(broker.ca_file).is_file():
        problems.append(f"[broker] ca_file = {broker.ca_file!r} is not a file")
    return problems
