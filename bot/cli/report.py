"""`tradechat report daily|weekly|monthly|hedge [--date D] [--out DIR]`: print the report, write
it as Markdown and HTML with its PNG charts. Usable from cron: exit 0 = written, 1 = no report
(terminal unreachable, period not started), 2 = bad arguments."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.report_factory import make_report_service
from bot.settings import ConfigError, Settings
from broker.errors import BrokerError
from reports.periods import PeriodError, parse_report_date
from reports.render import markdown_to_html
from store.db import Database


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
        from bot.broker_factory import make_broker

        broker = make_broker(settings)
    except ConfigError as exc:
        _err(str(exc))
        return 2
    db = await Database.open(settings.database_url)
    try:
        try:
            await broker.connect()
        except BrokerError as exc:
            _err(exc.text(lang))
            return 1
        svc = make_report_service(settings, broker, db)
        now = datetime.now(UTC)
        if kind == "hedge" and day is not None and day != svc.calendar().trading_day(now):
            print(
                "（对冲汇报只反映当前持仓，--date 已忽略）"
                if lang == "zh"
                else "(the hedge summary shows what is open now; --date is ignored)"
            )
        ans = await svc.report(kind=kind, period=None, lang=lang, now=now, day=day)
        print(ans.text)
        if not ans.ok:
            return 1
        folder = Path(out) if out else settings.app.data_dir / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{kind}-{_safe(ans.period_key or now.strftime('%Y%m%d-%H%M'))}"
        md = ans.markdown
        written: list[Path] = []
        for img in ans.images:
            p = folder / f"{stem}-{_safe(img.name)}"
            p.write_bytes(img.data)
            written.append(p)
            md += f"\n![{img.caption or img.name}]({p.name})\n"
        md_path = folder / f"{stem}.md"
        md_path.write_text(md, encoding="utf-8")
        html_path = folder / f"{stem}.html"
        html = markdown_to_html(md, title=f"tradechat {kind} {ans.period_key}")
        html_path.write_text(html, encoding="utf-8")
        print(
            ("已写入：" if lang == "zh" else "Written: ")
            + ", ".join(str(p) for p in [md_path, html_path, *written])
        )
        return 0
    finally:
        await broker.close()
        await db.close()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)
