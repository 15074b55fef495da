"""The hedging-EA summary on two EAs trading the same symbols, both sides open."""

from __future__ import annotations

import pytest

from reports.hedge import HedgeAction, HedgeRules, HedgeSummary, Suggestion, compute_hedge
from tests.fakes.report_fixtures import account, deal, position, spec, utc

GOLD = spec("XAUUSD", 2, 100.0, tick_value=1.0, tick_size=0.01)  # 100 USD per 1.0 per lot
EUR = spec("EURUSD", 5, 100_000.0, tick_value=1.0, tick_size=0.00001)


def _book() -> list:
    # EA 111: a gold grid, buys and sells; EA 222: a gold lock and a EURUSD lock
    return [
        position(1, "XAUUSD", "buy", 0.10, 2900.0, 2880.0, -200.0, swap=-3.0, magic=111),
        position(2, "XAUUSD", "buy", 0.20, 2890.0, 2880.0, -200.0, swap=-4.0, magic=111),
        position(3, "XAUUSD", "sell", 0.10, 2870.0, 2880.5, -105.0, swap=1.0, magic=111),
        position(4, "XAUUSD", "sell", 0.30, 2950.0, 2880.5, 2085.0, swap=2.0, magic=222),
        position(5, "XAUUSD", "buy", 0.30, 2960.0, 2880.0, -2400.0, swap=-6.0, magic=222),
        position(6, "EURUSD", "buy", 1.00, 1.0900, 1.0800, -1000.0, swap=-20.0, magic=222),
        position(7, "EURUSD", "sell", 1.00, 1.0850, 1.0801, 490.0, swap=-15.0, magic=222),
    ]


def _today() -> list:
    return [
        deal(
            utc(2025, 3, 12, 9),
            "buy",
            "in",
            "XAUUSD",
            0.1,
            2870,
            magic=111,
            position_id=50,
            commission=-1.0,
        ),
        deal(
            utc(2025, 3, 12, 10),
            "sell",
            "out",
            "XAUUSD",
            0.1,
            2885,
            profit=150.0,
            magic=0,
            position_id=50,
            commission=-1.0,
        ),
        deal(
            utc(2025, 3, 12, 11),
            "sell",
            "out",
            "EURUSD",
            0.5,
            1.08,
            profit=-40.0,
            swap=-2.0,
            magic=222,
            position_id=51,
        ),
    ]


def test_hedge_summary_per_symbol_matches_hand_totals() -> None:
    acc = account(balance=20_000.0, equity=17_724.0, margin=2_000.0, margin_level=886.2)
    s = compute_hedge(_book(), _today(), acc, {"XAUUSD": GOLD, "EURUSD": EUR})
    gold = next(r for r in s.rows if r.symbol == "XAUUSD")
    assert gold.buy.count == 3
    assert gold.buy.lots == pytest.approx(0.6)
    assert gold.buy.avg_price == pytest.approx((0.1 * 2900 + 0.2 * 2890 + 0.3 * 2960) / 0.6)
    assert gold.sell.count == 2
    assert gold.sell.lots == pytest.approx(0.4)
    assert gold.sell.avg_price == pytest.approx((0.1 * 2870 + 0.3 * 2950) / 0.4)
    assert gold.net_lots == pytest.approx(0.2)
    assert gold.buy.floating == pytest.approx(-200 - 3 - 200 - 4 - 2400 - 6)
    assert gold.sell.floating == pytest.approx(-105 + 1 + 2085 + 2)
    assert gold.floating == pytest.approx(-2813 + 1983)
    assert gold.largest_loss == pytest.approx(-2406.0)
    assert gold.largest_loss_ticket == 5
    assert gold.realised_today == pytest.approx(150.0 - 2.0)
    assert not gold.locked  # 0.4 vs 0.6 lots is not a lock at ratio 0.8
    # break-even of the 0.2-lot net long: floating -830 needs +41.5 at 100 USD/1.0/lot
    assert gold.break_even == pytest.approx(2880.0 + 830.0 / (100.0 * 0.2))

    eur = next(r for r in s.rows if r.symbol == "EURUSD")
    assert eur.locked
    assert eur.locked_lots == pytest.approx(1.0)
    assert eur.net_lots == pytest.approx(0.0)
    assert eur.break_even is None  # no price brings a full lock back
    assert eur.realised_today == pytest.approx(-42.0)
    assert s.floating == pytest.approx(-830.0 + (-1020.0 + 475.0))


def test_hedge_summary_per_ea_splits_the_same_symbol() -> None:
    s = compute_hedge(_book(), _today(), account(), {"XAUUSD": GOLD}, by_magic=True)
    rows = {(r.symbol, r.magic): r for r in s.magic_rows}
    g111, g222 = rows[("XAUUSD", 111)], rows[("XAUUSD", 222)]
    assert g111.buy.lots == pytest.approx(0.3)
    assert g111.sell.lots == pytest.approx(0.1)
    assert g111.floating == pytest.approx(-200 - 3 - 200 - 4 - 105 + 1)
    assert g222.locked  # 0.3 buy against 0.3 sell
    assert g222.floating == pytest.approx(2085 + 2 - 2400 - 6)
    # the gold scalp closed with magic 0 belongs to EA 111, which opened it
    assert g111.realised_today == pytest.approx(148.0)
    assert rows[("EURUSD", 222)].realised_today == pytest.approx(-42.0)
    assert sum(r.floating for r in s.magic_rows) == pytest.approx(s.floating)


def test_suggestions_flag_lock_swap_exposure_margin_and_break_even() -> None:
    acc = account(balance=3_000.0, equity=1_150.0, margin=1_000.0, margin_level=115.0)
    s = compute_hedge(_book(), [], acc, {"XAUUSD": GOLD, "EURUSD": EUR})
    codes = {(x.code, x.symbol) for x in s.suggestions}
    assert ("margin", "") in codes
    assert ("locked_swap", "EURUSD") in codes  # 1 lot locked, -35 swap so far
    # 0.2 lot net long gold: 1% of 2880 × 100 × 0.2 = 576 = 50% of equity
    assert ("net_exposure", "XAUUSD") in codes
    # break-even 41.5 above 2880 is 1.44% away: under the 2% rule
    assert ("far_from_break_even", "XAUUSD") not in codes
    strict = compute_hedge(_book(), [], acc, {"XAUUSD": GOLD}, rules=HedgeRules(far_from_be_pct=1))
    assert ("far_from_break_even", "XAUUSD") in {(x.code, x.symbol) for x in strict.suggestions}
    for sug in s.suggestions:
        assert sug.text("zh")
        assert sug.text("en")


def test_calm_account_gets_no_suggestions() -> None:
    acc = account(balance=1_000_000.0, equity=1_000_000.0, margin=100.0, margin_level=1e6)
    book = [position(1, "XAUUSD", "buy", 0.01, 2900, 2901, 1.0)]
    assert compute_hedge(book, [], acc, {"XAUUSD": GOLD}).suggestions == []


def test_symbol_without_spec_derives_the_value_of_a_move_from_positions() -> None:
    book = [position(1, "OLDFX", "buy", 0.5, 1.2000, 1.1900, -500.0)]
    s = compute_hedge(book, [], account(), {})
    row = s.rows[0]
    assert row.value_per_price == pytest.approx(100_000.0)
    assert row.break_even == pytest.approx(1.2000)


def test_no_positions_and_no_deals_is_empty() -> None:
    s = compute_hedge([], [], account(), {})
    assert s.empty
    assert s.suggestions == []


def _by_code(s: HedgeSummary) -> dict[tuple[str, str], Suggestion]:
    return {(x.code, x.symbol): x for x in s.suggestions}


def _action(s: HedgeSummary, code: str, symbol: str) -> HedgeAction:
    action = _by_code(s)[(code, symbol)].action
    assert action is not None
    return action


def test_closing_suggestions_name_their_exact_tickets_and_volumes() -> None:
    acc = account(balance=3_000.0, equity=1_150.0, margin=1_000.0, margin_level=115.0)
    s = compute_hedge(_book(), [], acc, {"XAUUSD": GOLD, "EURUSD": EUR})
    got = _by_code(s)
    # the lock unlocks by its oldest pair, by the smaller volume: net exposure unchanged
    unlock = _action(s, "locked_swap", "EURUSD")
    assert [(c.ticket, c.volume, c.side) for c in unlock.closes] == [
        (6, 1.0, "buy"),
        (7, 1.0, "sell"),
    ]
    # 0.2 net long gold: the oldest buys up to 0.2, the second one in part
    reduce = _action(s, "net_exposure", "XAUUSD")
    assert [(c.ticket, c.volume, c.whole) for c in reduce.closes] == [
        (1, 0.1, True),
        (2, 0.1, False),
    ]
    assert reduce.lots == pytest.approx(0.2)
    # near the stop-out: the largest floating loss, whole
    margin = _action(s, "margin", "")
    assert [(c.ticket, c.volume, c.whole) for c in margin.closes] == [(5, 0.3, True)]
    assert margin.symbol == "XAUUSD"
    # the text says the same closes the one-tap plan makes
    text = got[("locked_swap", "EURUSD")].text("zh")
    assert "一键解锁：平掉多单 #6 1.00 手、空单 #7 1.00 手（净敞口不变）" in text
    en = got[("net_exposure", "XAUUSD")].text("en")
    assert "close buy #1 0.10 lots, buy #2 0.10 lots (0.20 lots in all)" in en


def test_advice_without_a_close_has_no_action() -> None:
    acc = account(balance=3_000.0, equity=1_150.0, margin=1_000.0, margin_level=115.0)
    strict = compute_hedge(_book(), [], acc, {"XAUUSD": GOLD}, rules=HedgeRules(far_from_be_pct=1))
    assert _by_code(strict)[("far_from_break_even", "XAUUSD")].action is None
