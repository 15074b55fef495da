"""Builds the report service and the scheduler from settings (called by bot/app.py and the
`tradechat report` command). The only place that reads [reports] and [alerts]."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.settings import Settings
from broker.base import Broker
from handlers.messages import Pusher
from handlers.report_service import ReportConfig, ReportService
from reports.hedge import HedgeRules
from scheduler import ReportScheduler, SchedulerConfig
from store.audit import AuditLog
from store.db import Database
from store.snapshots import SnapshotStore
from store.subscriptions import SubscriptionStore


def report_config(settings: Settings) -> ReportConfig:
    r = settings.reports
    b = settings.broker
    offset = b.server_utc_offset_hours
    if offset is None and b.kind == "paper":
        offset = b.paper.server_utc_offset_hours
    return ReportConfig(
        timezone=r.timezone,
        server_utc_offset_hours=offset,
        day_starts_at=r.day_starts_at,
        charts=r.charts,
        hedge_rules=HedgeRules(margin_warn_level=settings.alerts.margin_level_below or 150.0),
    )


def scheduler_config(settings: Settings) -> SchedulerConfig:
    r = settings.reports
    a = settings.alerts
    return SchedulerConfig(
        daily_at=r.daily_at,
        weekly_day=r.weekly_day,
        weekly_at=r.weekly_at,
        monthly_at=r.monthly_at,
        charts=r.charts,
        catchup_grace_hours=float(r.catchup_grace_hours),
        # a run late by up to the catch-up grace still goes out (APScheduler's default is 1 s)
        misfire_grace_s=max(60, int(r.catchup_grace_hours * 3600)),
        snapshot_minutes=a.snapshot_minutes,
        margin_level_below=a.margin_level_below,
        drawdown_pct=a.drawdown_pct,
        push_new_deals=a.push_new_deals,
        deals_min_interval_s=a.deals_min_interval_s,
    )


def make_report_service(
    settings: Settings,
    broker: Broker,
    db: Database,
    commentary: Callable[[str], Awaitable[str | None]] | None = None,
) -> ReportService:
    return ReportService(broker, db, report_config(settings), commentary=commentary)


def make_scheduler(
    settings: Settings,
    report_service: ReportService,
    db: Database,
    broker: Broker,
    pusher: Pusher,
    audit: AuditLog,
    **kw: Any,
) -> ReportScheduler:
    """`kw` may carry `clock` / `sleep` (tests)."""
    return ReportScheduler.build(
        report_service,
        SubscriptionStore(db),
        SnapshotStore(db),
        broker,
        pusher,
        audit,
        scheduler_config(settings),
        **kw,
    )
