"""The columnar report equals the walk over `Deal`s it replaced, exactly: every total,
breakdown, count, best/worst trade, balance operation, daily bucket, curve point and the
drawdown — on random deal sets of every kind, with filters, in several report zones and
day starts, with deals on and around the period's boundaries, handed over in any order."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from broker.columns import DealColumns
from broker.models import Deal
from reports.periods import Period, TradingCalendar, make_zone
from reports.pnl import PnLReport, compute_pnl
from store.snapshots import Snapshot
from tests.fakes.report_fixtures import account, utc
from tests.reports.reference_pnl import reference_pnl

ZONES = [make_zone("server", 2), ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")]
# spelled canonically and as the broker names them: a filter matches either
SYMBOLS = [("EURUSD", "EURUSD"), ("XAUUSD", "XAUUSD.m"), ("XAUUSD", "GOLD"), ("", "")]
BASE = utc(2025, 3, 1)  # the US clocks change on 9 March: a 23-hour day in New York

_deal = st.tuples(
    st.integers(0, 40 * 24 * 60),  # minutes after BASE
    st.sampled_from(["buy", "sell", "buy", "sell", "balance", "credit", "other"]),
    st.sampled_from(["in", "in", "out", "inout", "out_by"]),
    st.integers(0, len(SYMBOLS) - 1),
    st.integers(-90_000, 90_000),  # profit, cents
    st.integers(-700, 0),  # commission, cents
    st.integers(-400, 300),  # swap, cents
    st.integers(-200, 0),  # fee, cents
    st.sampled_from([0, 7, 1001, 1002]),  # magic
    st.integers(1, 12),  # position id: shared, so closes find (or miss) their opening
    st.integers(1, 300),  # volume, hundredths of a lot
)


def _deals(rows: list[tuple[int, ...]]) -> list[Deal]:
    out = []
    for i, (m, typ, entry, s, p, c, sw, f, mg, pid, vol) in enumerate(rows):
        trade = typ in ("buy", "sell")
        sym, broker_sym = SYMBOLS[s] if trade else ("", "")
        out.append(
            Deal(
                ticket=5000 + i, order=9000 + i, position_id=pid if trade else 0,
                time=BASE + timedelta(minutes=m, milliseconds=i % 7),
                type=typ, entry=entry if trade else "in",  # type: ignore[arg-type]
                symbol=sym, broker_symbol=broker_sym, volume=vol / 100, price=1.0,
                profit=p / 100, commission=c / 100, swap=sw / 100, fee=f / 100, magic=mg,
                comment=f"op {i}",
            )
        )  # fmt: skip
    return out


def _period(cal: TradingCalendar, kind: str, day: date) -> Period:
    if kind == "custom":  # a window that does not start on a day boundary
        start = cal.day_start_utc(day) + timedelta(hours=5)
        end = start + timedelta(days=9, hours=3)
        return Period("custom", start, end, cal.trading_day(start), cal.trading_day(end), "c")
    return {"day": cal.day, "week": cal.week, "month": cal.month}[kind](day)


def _snapshots(period: Period, deals: list[Deal], rnd: random.Random) -> list[Snapshot]:
    """A few equity readings: some at the very instant of a deal (a reading goes first)."""
    t = period.start + timedelta(minutes=rnd.randrange(0, 600))
    times = []
    for _ in range(rnd.randrange(0, 6)):
        times.append(t)
        t += timedelta(minutes=rnd.choice([5, 5, 30, 240]))
    times += [d.time for d in rnd.sample(deals, min(len(deals), rnd.randrange(0, 4)))]
    return [Snapshot(x, 10_000.0, 10_000.0 + rnd.randrange(-900, 900), None) for x in times]


def _both(deals: list[Deal], *args: object, **kwargs: object) -> tuple[PnLReport, PnLReport]:
    new = compute_pnl(DealColumns.from_deals(deals), *args, **kwargs)  # type: ignore[arg-type]
    old = reference_pnl(deals, *args, **kwargs)  # type: ignore[arg-type]
    return new, old


@settings(max_examples=250, deadline=None)
@given(
    st.lists(_deal, max_size=60),
    st.integers(0, len(ZONES) - 1),
    st.sampled_from(["00:00", "06:30", "22:00"]),
    st.sampled_from(["day", "week", "month", "custom"]),
    st.integers(0, 38),
    st.sampled_from([None, "XAUUSD", "GOLD", "EURUSD"]),
    st.sampled_from([None, 1001, 7]),
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_the_columnar_report_equals_the_walk_over_deals(
    rows: list[tuple[int, ...]],
    zone: int,
    day_start: str,
    kind: str,
    day_offset: int,
    symbol: str | None,
    magic: int | None,
    with_account: bool,
    rnd: random.Random,
) -> None:
    deals = _deals(rows)
    rnd.shuffle(deals)
    cal = TradingCalendar(ZONES[zone], day_start)
    period = _period(cal, kind, (BASE + timedelta(days=day_offset)).date())
    now = rnd.choice([period.start + (period.end - period.start) / 2, period.end + timedelta(1)])
    kwargs = {
        "account": account(12_345.67, equity=12_000.5) if with_account else None,
        "snapshots": _snapshots(period, deals, rnd),
        "symbol": symbol,
        "magic": magic,
        "now": now,
    }
    new, old = _both(deals, period, cal, **kwargs)
    assert new == old


def test_deals_on_the_boundaries_of_a_zoned_day_fall_on_the_same_side_in_both() -> None:
    cal = TradingCalendar(ZoneInfo("Asia/Shanghai"), "06:30")
    period = cal.week(date(2025, 3, 10))
    edges = [period.start, period.end, cal.day_start_utc(date(2025, 3, 12))]
    times = [e + timedelta(microseconds=d) for e in edges for d in (-1000, 0, 1000)]
    deals = [
        Deal(i + 1, i + 1, i // 2 + 1, t, "sell" if i % 2 else "buy", "out" if i % 2 else "in",
             "XAUUSD", "XAUUSD", 0.1, 1.0, 10.0 * (i - 4), -0.5, 0.1, 0.0, 3, "")
        for i, t in enumerate(times)
    ]  # fmt: skip
    new, old = _both(deals, period, cal, account=account(10_000.0), now=period.end)
    assert new == old
    assert new.deal_count == 6  # the three just before each end and the ones on a start
    assert [v for _d, v in new.daily if v] == [v for _d, v in old.daily if v]


def test_a_large_shuffled_history_gives_the_same_report_to_the_last_bit() -> None:
    rnd = random.Random(11)
    rows = [
        (rnd.randrange(0, 40 * 1440), rnd.choice(["buy", "sell", "balance", "other"]),
         rnd.choice(["in", "out", "inout", "out_by"]), rnd.randrange(3),
         rnd.randrange(-90_000, 90_000), -rnd.randrange(700), rnd.randrange(-400, 300),
         -rnd.randrange(200), rnd.choice([0, 1001, 1002]), rnd.randrange(1, 2000),
         rnd.randrange(1, 300))
        for _ in range(20_000)
    ]  # fmt: skip
    deals = _deals(rows)
    rnd.shuffle(deals)
    cal = TradingCalendar(ZoneInfo("America/New_York"), "17:00")
    for period in (cal.month(date(2025, 3, 1)), cal.day(date(2025, 3, 9))):
        new, old = _both(
            deals, period, cal, account=account(50_000.0), now=datetime.now(BASE.tzinfo)
        )
        assert new == old
        assert new.trades > 0


def test_a_reading_at_the_instant_of_a_withdrawal_is_taken_before_it_in_both() -> None:
    cal = TradingCalendar(make_zone("server", 2))
    period = cal.day(date(2025, 3, 4))
    at = period.start + timedelta(hours=3)
    deals = [
        Deal(1, 1, 0, at, "balance", "in", "", "", 0.0, 0.0, -4_000.0, 0.0, 0.0, 0.0, 0, "out"),
        Deal(2, 2, 9, at + timedelta(hours=2), "sell", "out", "EURUSD", "EURUSD", 1.0, 1.0,
             -300.0, 0.0, 0.0, 0.0, 0, ""),
    ]  # fmt: skip
    snaps = [Snapshot(at, 10_000.0, 9_800.0, None), Snapshot(at, 10_000.0, 6_100.0, None)]
    new, old = _both(deals, period, cal, account=account(5_700.0), snapshots=snaps, now=at)
    assert new == old
    assert new.max_drawdown == old.max_drawdown is not None
