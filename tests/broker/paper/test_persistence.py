"""A paper terminal reopened on the same SQLite file resumes exactly where it stopped."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

from tests.fakes.paper_helpers import Clock, make_terminal, market

BIG = 2**40


def _snapshot(term: object) -> dict[str, object]:
    t = term  # the MetaTrader5-shaped API
    return {
        "account": t.account_info(),  # type: ignore[attr-defined]
        "positions": t.positions_get(),  # type: ignore[attr-defined]
        "orders": t.orders_get(),  # type: ignore[attr-defined]
        "deals": t.history_deals_get(0, BIG),  # type: ignore[attr-defined]
        "history_orders": t.history_orders_get(0, BIG),  # type: ignore[attr-defined]
        "xag_visible": t.symbol_info("XAGUSD").visible,  # type: ignore[attr-defined]
    }


def test_restart_resumes_balance_positions_orders_history_and_tickets(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "paper.sqlite"
    term = make_terminal(clock, path)
    term.deposit(2500.0)
    gold = market(term, "XAUUSD", term.ORDER_TYPE_SELL, 0.05, magic=2002, comment="hedge sell")
    market(term, "XAUUSD", term.ORDER_TYPE_BUY, 0.05, magic=2002, comment="hedge buy")
    eur = market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.3, magic=1001)
    market(term, "EURUSD", term.ORDER_TYPE_SELL, 0.1, position=eur.order, magic=1001)
    tick = term.symbol_info_tick("EURUSD")
    pending = term.order_send(
        {"action": 5, "symbol": "EURUSD", "volume": 0.2, "type": term.ORDER_TYPE_BUY_LIMIT,
         "price": round(tick.ask - 0.01, 5), "type_filling": 2, "magic": 1001}
    )  # fmt: skip
    assert pending.retcode == term.TRADE_RETCODE_PLACED
    assert term.symbol_select("XAGUSD", True)
    clock.advance(2 * 86_400)  # two rollovers: swaps on the open positions
    before = _snapshot(term)
    assert any(p.swap != 0 for p in before["positions"])  # type: ignore[attr-defined]
    term.close()

    reopened = make_terminal(clock, path, balance=1.0, leverage=500, hedging=False)
    after = _snapshot(reopened)
    assert after == before
    assert reopened.account_info().leverage == 100  # the stored account wins over arguments
    assert reopened.account_info().margin_mode == reopened.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING
    more = market(reopened, "XAUUSD", reopened.ORDER_TYPE_BUY, 0.01, position=gold.order)
    assert more.retcode == reopened.TRADE_RETCODE_DONE
    old_orders = [o.ticket for o in before["history_orders"]] + [pending.order]  # type: ignore[attr-defined]
    old_deals = [d.ticket for d in before["deals"]]  # type: ignore[attr-defined]
    assert more.order > max(old_orders)
    assert more.deal > max(old_deals)
    reopened.close()

    third = make_terminal(clock, path)
    assert third.positions_get(ticket=gold.order)[0].volume == 0.04
    deals = third.history_deals_get(0, BIG)
    assert round(sum(d.profit + d.commission + d.swap + d.fee for d in deals), 2) == (
        third.account_info().balance
    )
    third.close()


def test_swaps_are_not_charged_twice_after_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "paper.sqlite"
    term = make_terminal(clock, path)
    market(term, "EURUSD", term.ORDER_TYPE_BUY, 1.0)
    clock.advance(86_400)
    swap = term.positions_get()[0].swap
    assert swap != 0
    term.close()
    again = make_terminal(clock, path)
    assert again.positions_get()[0].swap == swap
    again.close()


def test_a_new_account_file_opens_once_another_connection_lets_go_of_its_lock(
    tmp_path: Path,
) -> None:
    """Switching a new file to WAL upgrades a read to a write, which SQLite refuses at once
    (no busy timeout) while another connection holds the write lock: the terminal waits for
    it instead of failing with "database is locked"."""
    path = tmp_path / "paper.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock on the new, not yet WAL, file
    with ThreadPoolExecutor(max_workers=1) as pool:
        opening = pool.submit(make_terminal, Clock(), path)
        try:
            wait([opening], timeout=0.5)
            assert not opening.done()  # waiting its turn
        finally:
            holder.execute("COMMIT")
            holder.close()
        term = opening.result()
    assert term.account_info().balance == 10_000.0
    term.close()
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()
