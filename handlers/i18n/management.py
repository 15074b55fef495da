"""User-facing strings of the management area, (zh, en) per key."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {}
