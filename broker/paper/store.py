"""SQLite persistence of the paper terminal (SQLAlchemy 2 Core, synchronous engine).

Every state change is written in the same call that makes it, so a new `PaperTerminal` on the
same file resumes exactly: account, positions, pending orders, history and ticket counters.

The history (deals and history orders) is never held in memory: an account with a million deals
opens in milliseconds, and each `history_*_get` reads the rows it asks for (`History`), by the
indexed time range, order ticket or position, as a real terminal reads its own history files.
"""

from __future__ import annotations

import gc
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    insert,
    select,
)
from sqlalchemy.pool import StaticPool

from broker.paper.structs import StructSeq, TradeDeal, TradeOrder, field_names

# How long a connection waits for another one's lock (SQLite's busy handler): several
# processes on one account (`run`, a cron `report`) write to it in turn, and one descheduled
# on a loaded machine while it holds the lock must make the others wait, not fail.
BUSY_TIMEOUT_S = 60.0
# The first pause between tries of a lock SQLite refuses without waiting (`_enable_wal`);
# it doubles up to the cap.
_RETRY_FIRST_PAUSE_S = 0.01
_RETRY_MAX_PAUSE_S = 0.25

metadata = MetaData()

account_table = Table(
    "paper_account",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", Integer, nullable=False),
    Column("name", String, nullable=False),
    Column("currency", String, nullable=False),
    Column("leverage", Integer, nullable=False),
    Column("hedging", Boolean, nullable=False),
    Column("balance", Float, nullable=False),
    Column("next_order", Integer, nullable=False),
    Column("next_deal", Integer, nullable=False),
    Column("rollover_day", Integer, nullable=False),  # last server day whose rollover ran
    Column("created", Integer, nullable=False),  # UTC epoch seconds
)

symbol_table = Table(
    "paper_symbol",
    metadata,
    Column("name", String, primary_key=True),
    Column("visible", Boolean, nullable=False),
)

_INT = Integer
_FLT = Float
_STR = String

_POSITION_COLUMNS: dict[str, Any] = {
    "ticket": _INT, "time": _INT, "time_msc": _INT, "time_update": _INT,
    "time_update_msc": _INT, "type": _INT, "magic": _INT, "identifier": _INT, "reason": _INT,
    "volume": _FLT, "price_open": _FLT, "sl": _FLT, "tp": _FLT, "swap": _FLT, "symbol": _STR,
    "comment": _STR, "external_id": _STR,
}  # fmt: skip

position_table = Table(
    "paper_position",
    metadata,
    *(Column(n, t, primary_key=(n == "ticket"), autoincrement=False)
      for n, t in _POSITION_COLUMNS.items()),
)  # fmt: skip


def _struct_columns(struct: type[StructSeq]) -> list[Column[Any]]:
    ints = {"ticket", "order", "time", "time_msc", "type", "entry", "magic", "position_id",
            "reason", "time_setup", "time_setup_msc", "time_done", "time_done_msc",
            "time_expiration", "type_time", "type_filling", "state", "position_by_id"}  # fmt: skip
    strs = {"symbol", "comment", "external_id"}
    cols: list[Column[Any]] = []
    for n in field_names(struct):
        kind: Any = Integer if n in ints else String if n in strs else Float
        cols.append(Column(n, kind, primary_key=(n == "ticket"), autoincrement=False))
    return cols


order_table = Table("paper_order", metadata, *_struct_columns(TradeOrder))
history_order_table = Table(
    "paper_history_order",
    metadata,
    *_struct_columns(TradeOrder),
    Index("ix_paper_history_order_time", "time_setup"),
    Index("ix_paper_history_order_position", "position_id"),
    Index("ix_paper_history_order_seconds", "time_setup", "time_setup_msc", "ticket"),
)
deal_table = Table(
    "paper_deal",
    metadata,
    *_struct_columns(TradeDeal),
    Index("ix_paper_deal_time", "time_msc"),
    Index("ix_paper_deal_position", "position_id"),
    # the range reads of `History.between`, in the order they return rows
    Index("ix_paper_deal_seconds", "time", "time_msc", "ticket"),
    Index("ix_paper_deal_order", "order"),
)


def _enable_wal(cur: sqlite3.Cursor) -> None:
    """`PRAGMA journal_mode=WAL`, tried again while SQLite refuses it for a lock.

    Switching a new file to WAL reads its header and then upgrades that read to a write
    (sqlite3BtreeSetVersion). SQLite never runs the busy handler for a read that upgrades, so
    of connections switching a new file at the same moment the losers get SQLITE_BUSY at once,
    whatever the busy timeout says. `open_paper_terminal` already opens a new account under a
    lock; this covers a `PaperTerminal` made on a path directly. (store/db.py does the same
    for the app database; broker imports nothing of ours.) Blocking: the terminal runs off
    the event loop."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    pause = _RETRY_FIRST_PAUSE_S
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            code = getattr(exc, "sqlite_errorcode", None)
            busy = code is not None and code & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, _RETRY_MAX_PAUSE_S)


class Store:
    """One connection, write-through; `tx()` nests so a batch is one transaction."""

    def __init__(self, path: Path | None) -> None:
        if path is None:
            self.engine = create_engine(
                "sqlite://",
                poolclass=StaticPool,
                connect_args={"check_same_thread": False},
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(
                f"sqlite:///{path}",
                connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
            )

            @event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                cur = dbapi_conn.cursor()
                try:
                    _enable_wal(cur)
                    cur.execute("PRAGMA synchronous=NORMAL")
                finally:
                    cur.close()

        metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            # files written before an index existed get it now (create_all only indexes the
            # tables it creates)
            for table in (deal_table, history_order_table):
                for index in table.indexes:
                    index.create(conn, checkfirst=True)
        self._conn: Connection = self.engine.connect()
        self._depth = 0

    @contextmanager
    def tx(self) -> Iterator[Connection]:
        if self._depth:
            self._depth += 1
            try:
                yield self._conn
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            with self._conn.begin():
                yield self._conn
        finally:
            self._depth = 0

    def close(self) -> None:
        self._conn.close()
        self.engine.dispose()

    # --- reads (at start) -------------------------------------------------------------
    def load_account(self) -> dict[str, Any] | None:
        with self.tx() as conn:
            row = conn.execute(select(account_table)).mappings().first()
            return dict(row) if row else None

    def load_rows(self, table: Table, order_by: str | None = None) -> list[dict[str, Any]]:
        with self.tx() as conn:
            stmt = select(table)
            if order_by:
                stmt = stmt.order_by(table.c[order_by], table.c.ticket)
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def driver_rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a statement built by `History` from its own table's column names, as plain
        tuples straight from the driver (several times faster than SQLAlchemy rows for a
        million deals); values always travel as parameters."""
        with self.tx() as conn:
            return list(conn.exec_driver_sql(sql, params).fetchall())

    # --- writes (statements are built once; values travel as parameters, so SQLAlchemy's
    # compiled-statement cache is hit on every call) -----------------------------------------
    def insert(self, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            with self.tx() as conn:
                conn.execute(insert(table), list(rows))

    def upsert(self, table: Table, row: Mapping[str, Any], key: str = "ticket") -> None:
        with self.tx() as conn:
            conn.execute(insert(table).prefix_with("OR REPLACE"), dict(row))

    def delete(self, table: Table, ticket: int) -> None:
        with self.tx() as conn:
            conn.execute(delete(table).where(table.c.ticket == bindparam("b_ticket")),
                         {"b_ticket": ticket})  # fmt: skip

    def save_account(self, values: Mapping[str, Any]) -> None:
        with self.tx() as conn:
            conn.execute(insert(account_table).prefix_with("OR REPLACE"), {"id": 1, **values})

    def save_symbol(self, name: str, visible: bool) -> None:
        self.upsert(symbol_table, {"name": name, "visible": visible}, key="name")

    def clear_history(self) -> None:
        with self.tx() as conn:
            conn.execute(delete(deal_table))
            conn.execute(delete(history_order_table))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a history read builds its rows: a million new
    tuples (which hold no reference cycles) would otherwise set off collection after
    collection of every object in the process — half the time of the read. A real terminal
    builds its answer in C and costs its caller nothing of the kind."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


class History:
    """One history table (deals or history orders) read on demand, as `struct` rows.

    `seconds` is the table's time column in server seconds (what `history_*_get` ranges are
    given in); rows come ordered by it, then by its millisecond column and the ticket — the
    order the terminal hands history over in."""

    def __init__(
        self, store: Store, table: Table, struct: type[StructSeq], seconds: str, msc: str
    ) -> None:
        for name in (seconds, msc):
            if name not in table.c:
                raise ValueError(f"{table.name} has no column {name!r}")
        self._store = store
        self._table = table
        self._struct = struct
        self._seconds = seconds
        cols = ", ".join(f'"{col.name}"' for col in table.columns)
        # Every name below is one of the table's own columns (checked above and taken from its
        # definition), never user input; values are bound parameters.
        self._select = f"SELECT {cols} FROM {table.name}"  # noqa: S608
        self._order = f' ORDER BY "{seconds}", "{msc}", ticket'

    def _structs(self, sql: str, params: tuple[Any, ...]) -> list[StructSeq]:
        # the rows have the struct's fields in its order (the table is built from them), so
        # each becomes a struct without the length check and copy of `StructSeq.__new__`
        new, struct = tuple.__new__, self._struct
        with _collector_paused():
            return [new(struct, r) for r in self._store.driver_rows(sql, params)]

    def between(self, lo: int, hi: int) -> list[StructSeq]:
        """Rows with `lo <= time <= hi` (server seconds, both ends included, as MT5)."""
        sql = f'{self._select} WHERE "{self._seconds}" BETWEEN ? AND ?{self._order}'
        return self._structs(sql, (lo, hi))

    def count_between(self, lo: int, hi: int) -> int:
        sql = f'SELECT COUNT(*) FROM {self._table.name} WHERE "{self._seconds}" BETWEEN ? AND ?'  # noqa: S608
        return int(self._store.driver_rows(sql, (lo, hi))[0][0])

    def where(self, column: str, value: int) -> list[StructSeq]:
        """Rows whose `column` (one of the table's own) equals `value`."""
        if column not in self._table.c:
            raise ValueError(f"{self._table.name} has no column {column!r}")
        sql = f'{self._select} WHERE "{column}" = ?{self._order}'
        return self._structs(sql, (value,))

    def exists(self, column: str, value: int) -> bool:
        if column not in self._table.c:
            raise ValueError(f"{self._table.name} has no column {column!r}")
        sql = f'SELECT 1 FROM {self._table.name} WHERE "{column}" = ? LIMIT 1'  # noqa: S608
        return bool(self._store.driver_rows(sql, (value,)))

    def exists_outside(self, column: str, values: tuple[int, ...]) -> bool:
        """Is there a row whose `column` holds none of `values`?"""
        if column not in self._table.c:
            raise ValueError(f"{self._table.name} has no column {column!r}")
        marks = ", ".join("?" for _ in values) or "NULL"
        sql = f'SELECT 1 FROM {self._table.name} WHERE "{column}" NOT IN ({marks}) LIMIT 1'  # noqa: S608
        return bool(self._store.driver_rows(sql, values))

    def total(self, column: str) -> float:
        """The sum of a numeric column over every row (0 without rows)."""
        if column not in self._table.c:
            raise ValueError(f"{self._table.name} has no column {column!r}")
        sql = f'SELECT COALESCE(SUM("{column}"), 0) FROM {self._table.name}'  # noqa: S608
        return float(self._store.driver_rows(sql)[0][0])

    def count(self) -> int:
        sql = f"SELECT COUNT(*) FROM {self._table.name}"  # noqa: S608
        return int(self._store.driver_rows(sql)[0][0])
