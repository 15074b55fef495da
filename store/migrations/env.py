"""Alembic's environment for the app database: run by `store.migrations.upgrade_to_head` on
start (with the app's own connection in `config.attributes["connection"]`) and by the
developer's `python -m store.migrations …` / `alembic -c store/migrations/alembic.ini …`
(with `sqlalchemy.url`, through an async engine of its own)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import store.tables  # noqa: F401  (every table module, so that Base.metadata knows them all)
from store.db import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead; on PostgreSQL
        # the same scripts run as plain ALTERs
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine(url: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_configure)
            await conn.commit()
    finally:
        await engine.dispose()


def _run_offline(url: str) -> None:
    # `alembic upgrade --sql`: print the SQL for a DBA instead of running it
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _configure(given)
        return
    # `alembic -x url=postgresql+asyncpg://… current` beats the ini file's sqlalchemy.url
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise RuntimeError("no database: set sqlalchemy.url or pass -x url=…")
    if context.is_offline_mode():
        _run_offline(url)
    else:
        asyncio.run(_run_with_own_engine(url))


_main()
