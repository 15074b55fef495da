"""`tradechat demo-history --days N`: seed the paper account with EA history."""

from __future__ import annotations

import sys

from bot.build import make_paper_terminal, paper_path
from bot.settings import Settings
from broker.paper.demo import seed_demo_history
from handlers.i18n import t


def run_demo_history(settings: Settings, days: int) -> int:
    lang = settings.app.language
    if not 1 <= days <= 3650:
        print(t(lang, "cli_demo_days"), file=sys.stderr)
        return 1
    path = paper_path(settings)
    term = make_paper_terminal(settings, demo_history_days=0)
    try:
        if term.has_trading_history():
            print(t(lang, "cli_demo_exists", path=path), file=sys.stderr)
            return 1
        summary = seed_demo_history(term, days=days, seed=settings.broker.paper.seed)
        print(
            t(
                lang,
                "cli_demo_done",
                path=path,
                deals=summary.deals,
                days=days,
                positions=summary.open_positions,
                balance=summary.balance,
                equity=summary.equity,
            )
        )
        return 0
    finally:
        term.close()
