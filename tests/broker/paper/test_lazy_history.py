"""The paper terminal's history is read from its SQLite file on demand: opening an account
reads no deal, and each history call reads only the rows it asks for — with the same answers
a terminal holding everything in memory gave."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from broker.paper import PaperTerminal
from tests.fakes.paper_helpers import T0, Clock, make_terminal, market

SERVER = int(T0) + 2 * 3600  # the paper server clock is UTC+2


def _rows(n: int, start: int) -> list[dict[str, Any]]:
    """`n` closing deals one minute apart from server time `start`, on two symbols."""
    return [
        {
            "order": 500 + i, "time": start + 60 * i, "time_msc": (start + 60 * i) * 1000,
            "type": i % 2, "entry": 1, "magic": 7, "position_id": 900 + i, "reason": 3,
            "volume": 0.1, "price": 1.1, "commission": -0.5, "swap": 0.0,
            "profit": float(i % 7 - 3), "fee": 0.0,
            "symbol": "EURUSD" if i % 3 else "XAUUSD", "comment": "", "external_id": "",
        }
        for i in range(n)
    ]  # fmt: skip


def _statements(term: PaperTerminal) -> list[str]:
    seen: list[str] = []

    @event.listens_for(term._store.engine, "before_cursor_execute")
    def _record(_conn: Any, _cur: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    return seen


def test_reopening_an_account_reads_no_deal_and_a_range_reads_only_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "paper.sqlite"
    first = make_terminal(Clock(), path)
    first.bulk_insert_deals(_rows(500, SERVER - 86_400))
    first.close()

    # every statement of a fresh open (listening on all engines: the terminal makes its own)
    seen: list[str] = []

    def _record(_conn: Any, _cur: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", _record)
    try:
        again = make_terminal(Clock(), path)
    finally:
        event.remove(Engine, "before_cursor_execute", _record)
    assert seen
    assert not [s for s in seen if "FROM paper_deal" in s]

    reads = _statements(again)
    lo, hi = SERVER - 86_400 + 60 * 100, SERVER - 86_400 + 60 * 109
    window = again.history_deals_get(lo, hi)
    assert window is not None
    assert [d.time for d in window] == list(range(lo, hi + 1, 60))  # both ends included
    assert len(reads) == 1
    assert "BETWEEN" in reads[0]
    assert again.history_deals_total(lo, hi) == 10
    gold = again.history_deals_get(lo, hi, group="XAU*")
    assert gold is not None
    assert {d.symbol for d in gold} == {"XAUUSD"}
    again.close()


def test_history_by_order_and_position_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite"
    clock = Clock()
    term = make_terminal(clock, path)
    opened = market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.1)
    clock.advance(120)
    position = opened.order  # type: ignore[attr-defined]
    (pos,) = term.positions_get()
    market(term, "EURUSD", term.ORDER_TYPE_SELL, 0.1, position=pos.ticket)
    before_deals = term.history_deals_get(position=pos.ticket)
    before_orders = term.history_orders_get(position=pos.ticket)
    term.close()

    again = make_terminal(clock, path)
    assert again.history_deals_get(position=pos.ticket) == before_deals
    assert again.history_orders_get(position=pos.ticket) == before_orders
    assert before_deals is not None
    assert [d.entry for d in before_deals] == [0, 1]
    by_order = again.history_deals_get(ticket=position)
    assert by_order is not None
    assert [d.order for d in by_order] == [position]
    # a closed position is told apart from one that never existed
    refused = market(again, "EURUSD", again.ORDER_TYPE_SELL, 0.1, position=pos.ticket)
    assert refused.retcode == again.TRADE_RETCODE_POSITION_CLOSED  # type: ignore[attr-defined]
    again.close()


def test_a_file_written_before_the_range_index_gets_it_on_open(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite"
    make_terminal(Clock(), path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX ix_paper_deal_seconds")
    make_terminal(Clock(), path).close()
    with sqlite3.connect(path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "ix_paper_deal_seconds" in names
