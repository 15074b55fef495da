"""Small persisted preferences: a user's answer language and the global read-only switch.

Read-only has two sources: the settings file (the start value) and an admin's `/readonly on|off`
from chat (persisted here, so it survives a restart). The stored toggle remembers the settings
value it overrode; if the file's value has changed since, the file wins again — an operator
who edits `read_only` in settings.toml is never silently ignored.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Executable, String, Text, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base, Database

READ_ONLY_KEY = "global:read_only"


class PrefRow(Base):
    __tablename__ = "prefs"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[str] = mapped_column(String(40), default="")


def _upsert(dialect: str, key: str, value: str, now: str) -> Executable:
    """INSERT … ON CONFLICT (key) DO UPDATE for the databases tradechat runs on ([database]
    url: SQLite or PostgreSQL; both dialects spell it the same way)."""
    row = {"key": key, "value": value, "updated_at": now}
    changed = {"value": value, "updated_at": now}
    if dialect == "sqlite":
        return (
            sqlite.insert(PrefRow)
            .values(row)
            .on_conflict_do_update(index_elements=[PrefRow.key], set_=changed)
        )
    if dialect == "postgresql":
        return (
            postgresql.insert(PrefRow)
            .values(row)
            .on_conflict_do_update(index_elements=[PrefRow.key], set_=changed)
        )
    raise NotImplementedError(f"preferences need SQLite or PostgreSQL, not {dialect!r}")


def _user_key(platform: str, user_id: str, name: str) -> str:
    return f"user:{platform}:{user_id}:{name}"


class PrefsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        q = select(PrefRow.value).where(PrefRow.key == key)
        return await self.db.read(lambda conn: conn.execute(q).scalar_one_or_none())

    async def set(self, key: str, value: str) -> None:
        """Create or replace `key` in one statement (`INSERT … ON CONFLICT DO UPDATE`): two
        first writes at once — two chats, two processes — both succeed, the later one wins. A
        read-then-insert would let both insert and the second fail on the primary key."""
        stmt = _upsert(self.db.engine.dialect.name, key, value, datetime.now(UTC).isoformat())
        await self.db.write(lambda conn: conn.execute(stmt))

    async def user_lang(self, platform: str, user_id: str) -> str | None:
        v = await self.get(_user_key(platform, user_id, "lang"))
        return v if v in ("zh", "en") else None

    async def set_user_lang(self, platform: str, user_id: str, lang: str) -> None:
        await self.set(_user_key(platform, user_id, "lang"), lang)

    async def read_only(self, settings_value: bool) -> bool:
        raw = await self.get(READ_ONLY_KEY)
        if raw is None:
            return settings_value
        try:
            data = json.loads(raw)
            if bool(data["settings_value"]) != settings_value:
                return settings_value
            return bool(data["value"])
        except (ValueError, KeyError, TypeError):
            return settings_value

    async def set_read_only(self, value: bool, *, settings_value: bool, by: str = "") -> None:
        await self.set(
            READ_ONLY_KEY,
            json.dumps({"value": value, "settings_value": settings_value, "by": by}),
        )
