"""Trading days and report periods in the report time zone.

A trading day starts at `day_starts_at` (HH:MM) in the report zone; weeks start on Monday's
trading-day start; months on the 1st. Every boundary is returned as an aware UTC datetime so
that it can be compared with `Deal.time` directly.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reports.labels import label

PERIODS: tuple[str, ...] = (
    "today",
    "yesterday",
    "week",
    "last_week",
    "month",
    "last_month",
    "year",
)


class PeriodError(ValueError):
    """A period or date that cannot be reported on; carries a message in both languages."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh

    @classmethod
    def of(cls, key: str, **values: object) -> PeriodError:
        """The error worded by entry `key` of `reports/labels.py`."""
        return cls(label("en", key, **values), label("zh", key, **values))

    def text(self, lang: str) -> str:
        return self.message_zh if lang == "zh" else self.message


def parse_hhmm(value: str) -> time:
    hh, mm = value.split(":")
    return time(int(hh), int(mm))


def make_zone(name: str, server_offset_hours: float | None = None) -> tzinfo:
    """ "server" → a fixed offset (the broker's server clock; UTC when unknown); otherwise IANA."""
    if name == "server":
        hours = server_offset_hours or 0.0
        return UTC if not hours else _fixed(hours)
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PeriodError.of("error_time_zone", name=name) from None


def _fixed(hours: float) -> tzinfo:
    from datetime import timezone

    sign = "+" if hours >= 0 else "-"
    h = abs(hours)
    return timezone(
        timedelta(hours=hours),
        f"UTC{sign}{int(h):d}" + (f":{int(h % 1 * 60):02d}" if h % 1 else ""),
    )


@dataclass(frozen=True, slots=True)
class Period:
    kind: str  # day, week, month, year, custom
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    first_day: date  # trading day of `start`
    last_day: date  # last trading day inside the period
    key: str  # "2025-03-14", "2025-W11", "2025-03", "2025"

    def contains(self, t: datetime) -> bool:
        return self.start <= t < self.end

    def label(self, lang: str) -> str:
        if self.kind == "day":
            return self.first_day.isoformat()
        if self.kind == "month":
            return label(lang, "period_month", day=self.first_day)
        if self.kind == "year":
            return label(lang, "period_year", day=self.first_day)
        return f"{self.first_day.isoformat()} ~ {self.last_day.isoformat()}"


class TradingCalendar:
    """Maps instants to trading days and builds periods, in one time zone."""

    def __init__(self, zone: tzinfo, day_starts_at: str | time = "00:00") -> None:
        self.zone = zone
        self.day_start = (
            parse_hhmm(day_starts_at) if isinstance(day_starts_at, str) else day_starts_at
        )

    # -- days ---------------------------------------------------------------------------
    def trading_day(self, t: datetime) -> date:
        local = t.astimezone(self.zone)
        d = local.date()
        if local.time() < self.day_start:
            d -= timedelta(days=1)
        return d

    def day_start_utc(self, d: date) -> datetime:
        local = datetime.combine(d, self.day_start, tzinfo=self.zone)
        return local.astimezone(UTC)

    def trading_day_start(self, now: datetime) -> datetime:
        return self.day_start_utc(self.trading_day(now))

    def local(self, t: datetime) -> datetime:
        return t.astimezone(self.zone)

    # -- periods ------------------------------------------------------------------------
    def day(self, d: date) -> Period:
        return Period(
            "day",
            self.day_start_utc(d),
            self.day_start_utc(d + timedelta(days=1)),
            d,
            d,
            d.isoformat(),
        )

    def week(self, d: date) -> Period:
        monday = d - timedelta(days=d.weekday())
        sunday = monday + timedelta(days=6)
        iso = monday.isocalendar()
        return Period(
            "week",
            self.day_start_utc(monday),
            self.day_start_utc(monday + timedelta(days=7)),
            monday,
            sunday,
            f"{iso.year}-W{iso.week:02d}",
        )

    def month(self, d: date) -> Period:
        first = d.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        return Period(
            "month",
            self.day_start_utc(first),
            self.day_start_utc(nxt),
            first,
            nxt - timedelta(days=1),
            f"{first.year}-{first.month:02d}",
        )

    def year(self, d: date) -> Period:
        first = date(d.year, 1, 1)
        nxt = date(d.year + 1, 1, 1)
        return Period(
            "year",
            self.day_start_utc(first),
            self.day_start_utc(nxt),
            first,
            nxt - timedelta(days=1),
            str(d.year),
        )

    def named(self, period: str | None, now: datetime) -> Period:
        """today, yesterday, week, last_week, month, last_month, year (None = today)."""
        today = self.trading_day(now)
        p = period or "today"
        if p == "today":
            return self.day(today)
        if p == "yesterday":
            return self.day(today - timedelta(days=1))
        if p == "week":
            return self.week(today)
        if p == "last_week":
            return self.week(today - timedelta(days=7))
        if p == "month":
            return self.month(today)
        if p == "last_month":
            return self.month(today.replace(day=1) - timedelta(days=1))
        if p == "year":
            return self.year(today)
        raise PeriodError.of("error_period", period=period)

    def for_kind(self, kind: str, d: date) -> Period:
        """The period of a report kind that contains trading day `d`."""
        if kind in ("daily", "hedge"):
            return self.day(d)
        if kind == "weekly":
            return self.week(d)
        if kind == "monthly":
            return self.month(d)
        raise PeriodError.of("error_report_kind", kind=kind)

    def day_boundaries(self, period: Period) -> tuple[list[float], list[date]]:
        """UTC timestamps of each trading day's start inside `period` (for bisecting many deal
        times without converting each one to the zone) and the matching dates."""
        stamps: list[float] = []
        days: list[date] = []
        d = period.first_day
        while d <= period.last_day:
            stamps.append(self.day_start_utc(d).timestamp())
            days.append(d)
            d += timedelta(days=1)
        return stamps, days


def day_index(stamps: list[float], ts: float) -> int:
    """Index of the trading day (from `TradingCalendar.day_boundaries`) holding timestamp `ts`."""
    return bisect.bisect_right(stamps, ts) - 1


def parse_report_date(text: str) -> date:
    """YYYY-MM-DD (also YYYY/MM/DD); anything else is a PeriodError with a clear message."""
    cleaned = text.strip().replace("/", "-")
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        raise PeriodError.of("error_date", text=text) from None
