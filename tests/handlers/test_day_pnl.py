"""The daily-loss limit's running figure (handlers/day_pnl.py): the same number as the report
service's whole computation, kept from new deals only — across the trading day's boundary, a
restart, deals booked between two checks and deals handed over by the deal watcher."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broker.models import Bar, Deal, Position
from handlers.day_pnl import DayPnlTracker
from handlers.report_service import ReportConfig, ReportService
from store.db import Database, sqlite_url
from tests.fakes.report_fixtures import FakeTerminalBroker, balance_op, deal, position, utc

# server time UTC+2: the trading day of 2025-03-12 begins at 2025-03-11 22:00 UTC
DAY_START = utc(2025, 3, 11, 22)
NOW = utc(2025, 3, 12, 8)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    d = await Database.open(sqlite_url(tmp_path / "t.sqlite"))
    yield d
    await d.close()


class Account:
    """A fake terminal whose balance moves with every deal booked, as a terminal's does."""

    def __init__(self, positions: list[Position] | None = None) -> None:
        self.broker = FakeTerminalBroker(positions=positions or [])
        self.book(balance_op(utc(2025, 3, 1), 10_000.0, "deposit"))

    def book(self, *deals: Deal) -> None:
        for d in deals:
            self.broker.deal_list.append(d)
            self.broker.acc = replace(self.broker.acc, balance=self.broker.acc.balance + d.net)

    def hold(self, *positions: Position) -> None:
        self.broker.position_list = list(positions)


async def figure(tracker: DayPnlTracker, acct: Account, now: datetime = NOW) -> float:
    """What the risk gate asks: with the positions and account it read for the plan."""
    b = acct.broker
    return await tracker(positions=await b.positions(), account=await b.account(), now=now)


def closing(time: datetime, net: float, symbol: str = "XAUUSD") -> Deal:
    return deal(time, "sell", "out", symbol, 0.1, 2900.0, profit=net + 0.7, commission=-0.7)


async def test_a_deal_booked_between_two_checks_changes_the_figure(db: Database) -> None:
    acct = Account()
    acct.book(closing(DAY_START + timedelta(hours=1), -120.0))
    tracker = DayPnlTracker(ReportService(acct.broker, db, ReportConfig()))
    assert await figure(tracker, acct) == pytest.approx(-120.0)
    acct.book(closing(NOW - timedelta(minutes=1), -50.0))
    assert await figure(tracker, acct) == pytest.approx(-170.0)
    assert (tracker.rebuilds, tracker.fetches) == (1, 1)


async def test_checks_while_nothing_was_booked_ask_the_terminal_for_no_deals(
    db: Database,
) -> None:
    """The check is a lookup: with a grid EA's 2,000 deals today the history is read once,
    and never again while the balance stands still."""
    acct = Account()
    acct.book(*(closing(DAY_START + timedelta(seconds=15 * i), -1.0) for i in range(2_000)))
    tracker = DayPnlTracker(ReportService(acct.broker, db, ReportConfig()))
    first = await figure(tracker, acct)
    calls = len(acct.broker.deal_calls)
    for _ in range(50):
        assert await figure(tracker, acct) == first
    assert first == pytest.approx(-2_000.0)
    assert len(acct.broker.deal_calls) == calls == 1


async def test_the_trading_day_boundary_starts_the_figure_afresh(db: Database) -> None:
    acct = Account()
    acct.book(closing(DAY_START + timedelta(hours=20), -300.0))  # late in the 12th
    tracker = DayPnlTracker(ReportService(acct.broker, db, ReportConfig()))
    before_midnight = DAY_START + timedelta(hours=23, minutes=59)
    assert await figure(tracker, acct, before_midnight) == pytest.approx(-300.0)
    after_midnight = DAY_START + timedelta(days=1, minutes=1)
    assert await figure(tracker, acct, after_midnight) == 0.0
    acct.book(closing(after_midnight, -40.0))
    later = after_midnight + timedelta(minutes=5)
    assert await figure(tracker, acct, later) == pytest.approx(-40.0)
    assert tracker.rebuilds == 2  # one per trading day


async def test_a_restart_rebuilds_the_day_from_the_terminal_once(db: Database) -> None:
    acct = Account()
    acct.book(closing(DAY_START + timedelta(hours=2), -80.0))
    svc = ReportService(acct.broker, db, ReportConfig())
    before = DayPnlTracker(svc)
    assert await figure(before, acct) == pytest.approx(-80.0)
    acct.book(closing(NOW - timedelta(minutes=3), 25.0))
    after = DayPnlTracker(svc)  # a new process: nothing in memory
    assert await figure(after, acct) == pytest.approx(-55.0)
    assert await figure(after, acct) == pytest.approx(-55.0)
    assert (after.rebuilds, after.fetches) == (1, 0)


async def test_deals_the_watcher_found_need_no_look_of_their_own(db: Database) -> None:
    acct = Account()
    tracker = DayPnlTracker(ReportService(acct.broker, db, ReportConfig()))
    assert await figure(tracker, acct) == 0.0
    late = closing(NOW - timedelta(seconds=30), -60.0)
    acct.book(late)
    tracker.feed([late])
    tracker.feed([late])  # the watcher's overlap hands a deal over twice: counted once
    calls = len(acct.broker.deal_calls)
    assert await figure(tracker, acct) == pytest.approx(-60.0)
    # the balance moved, so the tracker looked; the look found the move explained
    assert len(acct.broker.deal_calls) == calls + 1
    assert tracker.rebuilds == 1


async def test_a_deal_booked_late_with_an_older_time_is_still_counted(db: Database) -> None:
    """A deal whose time lies before the newest one seen (the server booked it late) is past
    the incremental look's window; the balance's unexplained move fetches the day again."""
    acct = Account()
    acct.book(closing(NOW - timedelta(minutes=1), -10.0))
    tracker = DayPnlTracker(ReportService(acct.broker, db, ReportConfig()))
    assert await figure(tracker, acct) == pytest.approx(-10.0)
    acct.book(closing(DAY_START + timedelta(hours=1), -90.0))
    assert await figure(tracker, acct) == pytest.approx(-100.0)
    assert tracker.rebuilds == 2


async def test_older_positions_count_from_the_day_start_price_read_once_a_day(
    db: Database,
) -> None:
    older = position(10, "XAUUSD", "buy", 0.3, 2900.0, 2880.0, -600.0, time=utc(2025, 3, 1))
    acct = Account([older])
    acct.broker.bars["XAUUSD"] = [
        Bar(DAY_START - timedelta(hours=1), 2895.0, 2896.0, 2889.0, 2891.0, 10),
        Bar(DAY_START, 2890.0, 2892.0, 2885.0, 2886.0, 10),
        Bar(DAY_START + timedelta(hours=1), 2886.0, 2887.0, 2879.0, 2880.0, 10),
    ]
    rates: list[str] = []
    fetch = acct.broker.rates

    async def counted(symbol: str, timeframe: str, count: int) -> list[Bar]:
        rates.append(symbol)
        return await fetch(symbol, timeframe, count)

    acct.broker.rates = counted  # type: ignore[method-assign]
    tracker = DayPnlTracker(ReportService(acct.broker, db, ReportConfig()))
    assert await figure(tracker, acct) == pytest.approx(-300.0)
    moved = replace(older, price_current=2870.0, profit=-900.0)
    acct.hold(moved)
    assert await figure(tracker, acct) == pytest.approx(-600.0)
    assert rates == ["XAUUSD"]


async def test_without_the_plans_facts_the_tracker_reads_them_itself(db: Database) -> None:
    fresh = position(11, "XAUUSD", "sell", 0.1, 2880.0, 2885.0, -50.0, time=NOW)
    acct = Account([fresh])
    acct.book(closing(DAY_START + timedelta(hours=3), -5.0))
    tracker = DayPnlTracker(ReportService(acct.broker, db, ReportConfig()))
    assert await tracker(now=NOW) == pytest.approx(-55.0)


# -- equal to the whole computation on random days ------------------------------------------

SYMBOLS = ("XAUUSD", "EURUSD")
minutes = st.integers(min_value=-600, max_value=600)
money = st.floats(min_value=-500, max_value=500, allow_nan=False).map(lambda x: round(x, 2))


@st.composite
def deals(draw: st.DrawFn) -> Deal:
    at = DAY_START + timedelta(minutes=draw(minutes))
    kind = draw(st.sampled_from(("buy", "sell", "other", "balance", "credit")))
    if kind in ("balance", "credit"):
        return balance_op(at, draw(money), kind=kind)
    return deal(
        at,
        kind,
        draw(st.sampled_from(("in", "out"))),
        draw(st.sampled_from(SYMBOLS)),
        profit=draw(money),
        commission=-abs(draw(money)) / 100,
        swap=draw(money) / 10,
    )


@st.composite
def positions(draw: st.DrawFn) -> Position:
    opened = DAY_START + timedelta(minutes=draw(st.integers(min_value=-3_000, max_value=500)))
    price_open = draw(st.floats(min_value=1.0, max_value=3_000.0)).__round__(2)
    price_now = price_open + draw(st.sampled_from((0.0, 1.5, -2.25, 10.0)))
    return position(
        draw(st.integers(min_value=1, max_value=10**6)),
        draw(st.sampled_from(SYMBOLS)),
        draw(st.sampled_from(("buy", "sell"))),
        0.1,
        price_open,
        price_now,
        draw(money),
        swap=draw(money) / 10,
        time=opened,
    )


@st.composite
def bars(draw: st.DrawFn) -> list[Bar]:
    first = draw(st.integers(min_value=-30, max_value=3))  # hours from the day's start
    n = draw(st.integers(min_value=0, max_value=30))
    price = draw(st.floats(min_value=1.0, max_value=3_000.0))
    return [
        Bar(DAY_START + timedelta(hours=first + i), price + i, price + i + 1, price, price + 0.5, 1)
        for i in range(n)
    ]


@settings(
    max_examples=int(os.environ.get("TRADECHAT_DAY_PNL_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    early=st.lists(deals(), max_size=12),
    late=st.lists(deals(), max_size=12),
    fed=st.booleans(),
    held=st.lists(positions(), max_size=5),
    held_later=st.lists(positions(), max_size=5),
    history=st.fixed_dictionaries({s: bars() for s in SYMBOLS}),
    snapshot=st.none() | st.tuples(st.integers(0, 90), money, money),
    hours=st.integers(min_value=1, max_value=23),
)
async def test_the_running_figure_equals_the_whole_computation(
    db: Database,
    early: list[Deal],
    late: list[Deal],
    fed: bool,
    held: list[Position],
    held_later: list[Position],
    history: dict[str, list[Bar]],
    snapshot: tuple[int, float, float] | None,
    hours: int,
) -> None:
    svc_broker = Account(held)
    svc_broker.broker.bars = history
    svc = ReportService(svc_broker.broker, db, ReportConfig())
    await svc.snapshots.prune(utc(2100, 1, 1))  # each example on its own
    if snapshot is not None:
        after, balance, floating = snapshot
        at = DAY_START + timedelta(minutes=after)
        await svc.snapshots.add(at, 10_000 + balance, 10_000 + balance + floating, None)
    now = DAY_START + timedelta(hours=hours)
    tracker = DayPnlTracker(svc)
    svc_broker.book(*(d for d in early if d.time <= now))
    assert await figure(tracker, svc_broker, now) == pytest.approx(await svc.day_pnl(now), abs=1e-6)
    arriving = [d for d in late if d.time <= now + timedelta(minutes=30)]
    svc_broker.book(*arriving)
    if fed:
        tracker.feed(arriving)
    svc_broker.hold(*held_later)
    later = now + timedelta(minutes=30)
    assert await figure(tracker, svc_broker, later) == pytest.approx(
        await svc.day_pnl(later), abs=1e-6
    )


async def test_the_deal_watcher_hands_its_deals_to_the_tracker(db: Database) -> None:
    """As bot/build.py wires them: `Pushes.new_deals` feeds what it found to the tracker, so
    the next check finds the balance's move explained by deals it already has."""
    from handlers.pushes import PushConfig, Pushes
    from store.audit import AuditLog
    from store.snapshots import SnapshotStore
    from store.subscriptions import SubscriptionStore
    from tests.fakes.report_fixtures import RecordingPusher

    acct = Account()
    svc = ReportService(acct.broker, db, ReportConfig())
    tracker = DayPnlTracker(svc)
    clock = [NOW]
    pushes = Pushes(
        svc,
        SubscriptionStore(db),
        SnapshotStore(db),
        acct.broker,
        RecordingPusher(),
        AuditLog(db),
        PushConfig(charts=False),
        clock=lambda: clock[0],
    )
    pushes.on_deals = tracker.feed
    pushes.watch_deals_from(NOW)
    assert await figure(tracker, acct) == 0.0
    acct.book(closing(NOW + timedelta(seconds=20), -75.0))
    clock[0] = NOW + timedelta(minutes=1)
    await pushes.new_deals()
    fetched = tracker.fetches
    assert await figure(tracker, acct, clock[0]) == pytest.approx(-75.0)
    assert tracker.fetches == fetched + 1  # one look (the balance moved) that found nothing new
    assert tracker.rebuilds == 1  # and the move was explained: no whole-day fetch
