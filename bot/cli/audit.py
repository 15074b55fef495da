"""`tradechat audit [--since 2h|3d|2026-11-01|2026-11-01T08:00] [--user ID] [--limit N]`:
print the append-only audit log, oldest first, one readable line per event.

Times are in the report time zone (`[reports] timezone`, the one clock users read) and each says
so: "2026-12-04 14:03:05 (UTC+8)"; a date/time given to --since without an offset is read in
that zone too. With `timezone = "server"` and no known server offset the log is in UTC, said as
such, rather than in a server time nobody can name."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta, tzinfo

from bot.build import open_database, report_config
from bot.settings import Settings
from reports.clock import UserClock
from reports.periods import PeriodError, make_zone
from store.audit import AuditEntry, AuditLog

_RELATIVE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class SinceError(ValueError):
    pass


def user_clock(settings: Settings) -> UserClock:
    """The report time zone as the service would use it, without asking the terminal."""
    cfg = report_config(settings)
    if cfg.timezone == "server" and cfg.server_utc_offset_hours is None:
        return UserClock()
    zone = make_zone(cfg.timezone, cfg.server_utc_offset_hours)
    return UserClock(zone, server=cfg.timezone == "server")


def parse_since(value: str, now: datetime | None = None, zone: tzinfo = UTC) -> datetime:
    """ "2h", "30m", "3d", "1w" (before now) or an ISO date/time (in `zone` unless it says
    otherwise)."""
    now = now or datetime.now(UTC)
    m = _RELATIVE.match(value)
    if m:
        return now - timedelta(**{_UNITS[m.group(2).lower()]: int(m.group(1))})
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise SinceError(
            f"--since {value!r}: use a relative time like 30m, 2h, 3d, 1w "
            "or an ISO date/time like 2026-11-01 or 2026-11-01T08:00"
        ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=zone)


def format_entry(e: AuditEntry, clock: UserClock | None = None, lang: str = "en") -> str:
    at = (clock or UserClock()).stamp(e.at, lang, seconds=True)
    who = f"{e.platform}/{e.user_id}" if e.platform or e.user_id else "-"
    if e.chat_id and e.chat_id != e.user_id:
        who += f"@{e.chat_id}"
    ms = f" ({e.duration_ms:.1f} ms)" if e.duration_ms is not None else ""
    detail = e.detail if len(e.detail) <= 400 else e.detail[:400] + "…"
    return f"{at} #{e.id} {e.event:<12} {who} {detail}{ms}"


async def run_audit(settings: Settings, since: str | None, user: str | None, limit: int) -> int:
    lang = settings.app.language
    try:
        clock = user_clock(settings)
    except PeriodError as exc:
        print(f"tradechat audit: {exc.text(lang)}", file=sys.stderr)
        return 2
    try:
        since_dt = parse_since(since, zone=clock.zone) if since else None
    except SinceError as exc:
        print(f"tradechat audit: {exc}", file=sys.stderr)
        return 2
    if limit <= 0:
        print("tradechat audit: --limit must be a positive number", file=sys.stderr)
        return 2
    db = await open_database(settings)
    try:
        entries = await AuditLog(db).entries(since=since_dt, user_id=user, limit=limit)
    finally:
        await db.close()
    if not entries:
        print("(no audit entries)")
        return 0
    for e in entries:
        print(format_entry(e, clock, lang))
    return 0
