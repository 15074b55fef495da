"""Seeded demo history: consistent money, several EAs, both sides open, and the CLI command."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from bot.cli.paper import run_demo_history
from bot.settings import Settings
from broker.paper import PaperTerminal, open_paper_terminal
from broker.paper.demo import DemoHistoryExists, seed_demo_history
from tests.fakes.paper_helpers import T0, Clock, make_terminal, market


@pytest.fixture(scope="module")
def seeded() -> PaperTerminal:
    term = PaperTerminal(None, clock=Clock())
    seed_demo_history(term, days=12, seed=7)
    term.initialize()
    return term


def test_balance_is_exactly_the_sum_of_all_deals(seeded: PaperTerminal) -> None:
    deals = seeded.history_deals_get(0, 2**40)
    net = round(sum(d.profit + d.commission + d.swap + d.fee for d in deals), 2)
    assert net == seeded.account_info().balance
    balance_ops = [d for d in deals if d.type == seeded.DEAL_TYPE_BALANCE]
    assert balance_ops[0].profit == 10_000.0
    assert balance_ops[0].comment == "Deposit"
    assert any(d.profit < 0 for d in balance_ops)  # one withdrawal
    assert deals[0].time <= int(T0) + 7200 - 12 * 86_400 + 1  # history starts 12 days back
    assert max(d.time for d in deals) <= int(T0) + 7200


def test_several_eas_trade_with_partial_closes_swaps_and_sl_tp(seeded: PaperTerminal) -> None:
    deals = [d for d in seeded.history_deals_get(0, 2**40) if d.type in (0, 1)]
    assert {1001, 2002, 3003} <= {d.magic for d in deals}
    assert {d.entry for d in deals} == {seeded.DEAL_ENTRY_IN, seeded.DEAL_ENTRY_OUT}
    assert any(d.swap != 0 for d in deals)
    assert all(d.commission <= 0 for d in deals)
    assert {seeded.DEAL_REASON_TP} <= {d.reason for d in deals}
    opened: dict[int, float] = defaultdict(float)
    closed: dict[int, list[float]] = defaultdict(list)
    for d in deals:
        if d.entry == seeded.DEAL_ENTRY_IN:
            opened[d.position_id] += d.volume
        else:
            closed[d.position_id].append(d.volume)
    partial = [pid for pid, vols in closed.items() if min(vols) < opened[pid] - 1e-9]
    assert partial, "expected at least one partial close"


def test_positions_are_left_open_on_both_sides_per_symbol(seeded: PaperTerminal) -> None:
    sides: dict[tuple[int, str], set[int]] = defaultdict(set)
    for p in seeded.positions_get():
        sides[(p.magic, p.symbol)].add(p.type)
    for key in [(1001, "XAUUSD"), (1001, "EURUSD"), (2002, "XAUUSD"), (2002, "GBPUSD"),
                (2002, "USDJPY")]:  # fmt: skip
        assert sides[key] == {0, 1}, key
    info = seeded.account_info()
    assert info.margin > 0
    assert info.margin_level > 100


def test_demo_history_refuses_an_account_that_has_traded() -> None:
    term = make_terminal(Clock())
    market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.1)
    with pytest.raises(DemoHistoryExists):
        seed_demo_history(term, days=3, seed=1)


def test_open_paper_terminal_seeds_only_a_new_account(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite"
    term = open_paper_terminal(path, demo_history_days=2)
    term.initialize()
    count = len(term.history_deals_get(0, 2**40))
    assert count > 3
    term.close()
    again = open_paper_terminal(path, demo_history_days=2)
    again.initialize()
    assert len(again.history_deals_get(0, 2**40)) == count
    again.close()


def test_demo_history_command_seeds_once_then_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(app={"data_dir": tmp_path, "language": "en"})
    assert run_demo_history(settings, days=2) == 0
    out = capsys.readouterr().out
    assert "deals over 2 days" in out
    assert "balance" in out
    assert run_demo_history(settings, days=2) == 1
    assert "already has trading history" in capsys.readouterr().err
    assert run_demo_history(settings, days=0) == 1
