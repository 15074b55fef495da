"""`tradechat report daily|weekly|monthly|hedge [--date D] [--out DIR]`: print the report, write
it as Markdown and HTML with its PNG charts. Usable from cron: exit 0 = written, 1 = no report
(terminal unreachable, period not started), 2 = bad arguments."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from datetime import date as date_type
from pathlib import Path

from bot.build import ReportParts, build_report_parts
from bot.settings import ConfigError, Settings
from broker.errors import BrokerError
from handlers.broker_text import note_text
from handlers.i18n import t
from handlers.report_service import ReportAnswer
from reports.periods import PeriodError, parse_report_date
from reports.render import markdown_to_html


def _err(text: str) -> None:
    print(f"tradechat report: {text}", file=sys.stderr)


async def run_report(settings: Settings, kind: str, date: str | None, out: str | None) -> int:
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
    try:
        try:
            await parts.broker.connect()
        except BrokerError as exc:
            _err(note_text(exc.note, lang))
            return 1
        return await _report(parts, settings, kind, day, out)
    finally:
        await parts.close()


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
