"""The one clock people read: every time shown to a user — quotes, previews, reports, alerts,
the audit log — is written by `UserClock` in the report time zone (`[reports] timezone`), and
says which clock it is: "14:03 (UTC+8)", "2026-12-04 14:03（UTC+8）". When that zone is the
broker's server clock, the label says "server time" so that nobody mistakes it for local time.

It lives in `reports/` because the report renderers need it and `reports/` may not import
`handlers/`; `handlers/format.py` hands it on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from reports.labels import label

_PROBES = (datetime(2025, 1, 15, 12, tzinfo=UTC), datetime(2025, 7, 15, 12, tzinfo=UTC))


def utc_offset_label(offset: timedelta | None) -> str:
    """UTC, UTC+8, UTC-5, UTC+5:30."""
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")


@dataclass(frozen=True, slots=True)
class UserClock:
    """Times for people, in `zone`; `server` marks the zone as the broker's server clock."""

    zone: tzinfo = UTC
    server: bool = False

    def local(self, t: datetime) -> datetime:
        """`t` (aware; naive is taken as UTC) in the user zone."""
        aware = t if t.tzinfo is not None else t.replace(tzinfo=UTC)
        return aware.astimezone(self.zone)

    def _has_dst(self) -> bool:
        return len({p.astimezone(self.zone).utcoffset() for p in _PROBES}) > 1

    def zone_name(self, lang: str, at: datetime | None = None) -> str:
        """What the clock is: "UTC+8", "server time UTC+2" / "服务器时间 UTC+2". A zone with
        daylight saving shows the offset in force at `at` (default: now) with its name."""
        when = self.local(at or datetime.now(UTC))
        offset = utc_offset_label(when.utcoffset())
        key = getattr(self.zone, "key", None)
        if key and self._has_dst():
            offset = f"{offset} {key}"
        return label(lang, "clock_server", offset=offset) if self.server else offset

    def suffix(self, lang: str, at: datetime | None = None) -> str:
        """ " (UTC+8)" / "（UTC+8）"."""
        return label(lang, "zone_suffix", zone=self.zone_name(lang, at))

    def time(self, t: datetime, lang: str, *, seconds: bool = False) -> str:
        """14:03 (UTC+8)."""
        fmt = "%H:%M:%S" if seconds else "%H:%M"
        return f"{self.local(t):{fmt}}{self.suffix(lang, t)}"

    def stamp(self, t: datetime, lang: str, *, seconds: bool = False) -> str:
        """2026-12-04 14:03 (UTC+8)."""
        fmt = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
        return f"{self.local(t):{fmt}}{self.suffix(lang, t)}"

    def bare(self, t: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """The local time without its label, for a line or column whose heading names the
        clock (see `zone_name`)."""
        return f"{self.local(t):{fmt}}"
