"""`tradechat report daily|weekly|monthly|hedge [--date D] [--out DIR]`: print the report, write
it as Markdown and HTML with its PNG charts. Usable from cron: exit 0 = written, 1 = no report
(terminal unreachable, period not started), 2 = bad arguments. The terminal supervisor of
`tradechat run` keeps the connection while the command runs: a terminal that is away at start
(restarting) is waited for up to `CONNECT_WAIT_S`."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from datetime import date as date_type
from pathlib import Path

from bot.build import ReportParts, build_report_parts
from bot.settings import ConfigError, Settings
from broker.base import ManagedBroker
from broker.errors import BrokerError, TemporaryBrokerError
from broker.mt5.supervisor import BACKOFF_S, Supervisor
from handlers.broker_text import note_text
from handlers.i18n import t
from handlers.messages import Lang
from handlers.report_service import ReportAnswer
from reports.periods import PeriodError, parse_report_date
from reports.render import markdown_to_html

# How long a report waits for a terminal that is away at start (the supervisor tries at 5, 15,
# 35 and 65 s): long enough for a terminal restart, short enough for cron.
CONNECT_WAIT_S = 70.0


def _err(text: str) -> None:
    print(f"tradechat report: {text}", file=sys.stderr)


async def run_report(
    settings: Settings,
    kind: str,
    date: str | None,
    out: str | None,
    *,
    connect_wait_s: float = CONNECT_WAIT_S,
    backoff_s: Sequence[float] = BACKOFF_S,
) -> int:
    lang = settings.app.language
    day = None
    if date:
        try:
            day = parse_report_date(date)
        except PeriodError as exc:
            _err(exc.text(lang))
            return 2
    try:
        parts = await build_report_parts(settings)
    except ConfigError as exc:
        _err(str(exc))
        return 2
    up = asyncio.Event()
    # the terminal supervisor of `tradechat run`, for as long as the command runs
    supervisor = Supervisor(parts.broker, backoff_s=backoff_s, on_reconnect=lambda _: up.set())
    try:
        if not await _connect(parts.broker, supervisor, up, connect_wait_s, lang):
            return 1
        return await _report(parts, settings, kind, day, out)
    finally:
        await supervisor.stop()
        await parts.close()


async def _connect(
    broker: ManagedBroker, supervisor: Supervisor, up: asyncio.Event, wait_s: float, lang: Lang
) -> bool:
    """Connect; a terminal that is away (restarting while cron runs the report) is waited
    for up to `wait_s` while the supervisor reconnects with its back-off. False, said why,
    when there is no terminal to report from."""
    try:
        await broker.connect()
    except TemporaryBrokerError:
        supervisor.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(up.wait(), wait_s)
        if not broker.connected:
            _err(note_text(broker.disconnect_reason, lang))
            return False
    except BrokerError as exc:
        _err(note_text(exc.note, lang))
        return False
    supervisor.start()  # a terminal lost during the report is noticed and reconnected
    return True


async def _report(
    parts: ReportParts, settings: Settings, kind: str, day: date_type | None, out: str | None
) -> int:
    lang = settings.app.language
    svc = parts.reports
    now = datetime.now(UTC)
    if kind == "hedge" and day is not None and day != svc.calendar().trading_day(now):
        print(t(lang, "cli_report_hedge_date"))
    ans = await svc.report(kind=kind, period=None, lang=lang, now=now, day=day)
    print(ans.text)
    if not ans.ok:
        return 1
    folder = Path(out) if out else settings.app.data_dir / "reports"
    written = _write(
        ans, folder, f"{kind}-{_safe(ans.period_key or now.strftime('%Y%m%d-%H%M'))}", kind
    )
    print(t(lang, "cli_report_written", paths=", ".join(str(p) for p in written)))
    return 0


def _write(ans: ReportAnswer, folder: Path, stem: str, kind: str) -> list[Path]:
    """The report as Markdown and HTML next to its PNG charts; the paths written, documents
    first."""
    folder.mkdir(parents=True, exist_ok=True)
    md = ans.markdown
    images: list[Path] = []
    for img in ans.images:
        p = folder / f"{stem}-{_safe(img.name)}"
        p.write_bytes(img.data)
        images.append(p)
        md += f"\n![{img.caption or img.name}]({p.name})\n"
    md_path = folder / f"{stem}.md"
    md_path.write_text(md, encoding="utf-8")
    html_path = folder / f"{stem}.html"
    html = markdown_to_html(md, title=f"tradechat {kind} {ans.period_key}")
    html_path.write_text(html, encoding="utf-8")
    return [md_path, html_path, *images]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)
