"""`tradechat demo-history --days N`: seed the paper account with EA history."""

from __future__ import annotations

import sys

from bot.settings import Settings
from broker.paper import PaperTerminal
from broker.paper.demo import seed_demo_history

_TEXT = {
    "exists": {
        "en": "The paper account at {path} already has trading history; demo history is only "
        "added to a fresh account. Delete that file to start over.",
        "zh": "模拟账户 {path} 已有交易记录，演示历史只能写入新账户。删除该文件即可重新开始。",
    },
    "days": {
        "en": "--days must be between 1 and 3650.",
        "zh": "--days 必须在 1 到 3650 之间。",
    },
    "done": {
        "en": "Paper account {path}: {deals} deals over {days} days, {positions} open "
        "positions, balance {balance:.2f} USD, equity {equity:.2f} USD.",
        "zh": "模拟账户 {path}：{days} 天内 {deals} 笔成交，持仓 {positions} 笔，"
        "余额 {balance:.2f} USD，净值 {equity:.2f} USD。",
    },
}


def run_demo_history(settings: Settings, days: int) -> int:
    lang = settings.app.language
    if not 1 <= days <= 3650:
        print(_TEXT["days"][lang], file=sys.stderr)
        return 1
    paper = settings.broker.paper
    path = settings.app.data_dir / "paper.sqlite"
    term = PaperTerminal(
        path,
        seed=paper.seed,
        balance=paper.balance,
        leverage=paper.leverage,
        hedging=paper.hedging,
        server_utc_offset_hours=paper.server_utc_offset_hours,
    )
    try:
        if term.has_trading_history():
            print(_TEXT["exists"][lang].format(path=path), file=sys.stderr)
            return 1
        summary = seed_demo_history(term, days=days, seed=paper.seed)
        print(
            _TEXT["done"][lang].format(
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
