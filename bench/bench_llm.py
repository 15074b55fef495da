"""LLM fallback speed: what a hanging endpoint costs per message, before and after the circuit
breaker opens.

A fake OpenAI-compatible server on 127.0.0.1 (tests/fakes/fake_openai.py) accepts every request
and never answers. The real `openai` client talks to it through `IntentParser` with a short
timeout. The first messages each wait the full timeout; once the breaker has opened, the next
20 are answered by the rules at once. The same then for an endpoint that refuses connections,
and for the half-open probe after the cool-down (a manual clock jumps the cool-down).

`python -m bench.bench_llm` prints the Markdown section; `bench/run.py` collects `run()`.
"""

from __future__ import annotations

import asyncio
import os
import platform
import socket
import statistics
import time
from dataclasses import dataclass

from nlp.llm import LLMParser
from nlp.parser import IntentParser, ParseResult
from nlp.rules import RuleParser
from tests.fakes.fake_openai import FakeOpenAI, Reply

TIMEOUT_S = 0.5  # short, so the bench is quick; the point is the ratio to the rules' time
FAILURES = 3
COOLDOWN_S = 60.0
AFTER = 20
MESSAGES = [
    "买入0.01手黄金",
    "卖出欧美0.1手",
    "黄金2320挂多0.01手 止损2305 止盈2360",
    "平最早的两单黄金",
    "close all my gold longs",
    "修改订单55667788 止损1.2650 止盈1.2800",
    "/buy XAUUSD 0.01 sl 2300",
    "show my positions",
    "本月盈亏",
    "对冲EA本月分品种报告",
    "黄金多少钱",
    "黄金1小时图",
    "欧美点差多少",
    "黄金到2700提醒我",
    "订阅日报",
    "黄金保本",
    "欧美平一半",
    "历史成交",
    "余额",
    "帮我写一首关于黄金的诗",
]


@dataclass
class Scenario:
    before: list[float]  # ms per message until the breaker opened
    after: list[float]  # ms per message while it is open
    reasons: set[str | None]
    probe_ms: float
    probe_reason: str | None
    rest: list[float]  # ms per message after the probe


class ManualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _rules_ms() -> float:
    """p50 of the rules alone through the same IntentParser.parse (no LLM configured)."""
    parser = IntentParser(RuleParser())
    for t in MESSAGES:
        parser.parse_rules(t)
    samples = []
    for _ in range(20):
        for t in MESSAGES:
            t0 = time.perf_counter()
            parser.parse_rules(t)
            samples.append((time.perf_counter() - t0) * 1000)
    return _p50(samples)


async def _timed(parser: IntentParser, text: str) -> tuple[float, ParseResult]:
    t0 = time.perf_counter()
    res = await parser.parse(text)
    return (time.perf_counter() - t0) * 1000, res


async def _scenario(base_url: str, clock: ManualClock) -> Scenario:
    llm = LLMParser(base_url=base_url, model="fake", api_key="k", timeout_s=TIMEOUT_S)
    parser = IntentParser(
        RuleParser(),
        llm,
        breaker_failures=FAILURES,
        breaker_cooldown_s=COOLDOWN_S,
        clock=clock,
    )
    try:
        before: list[float] = []
        while parser.breaker.state == "closed" and len(before) < 10:
            ms, _ = await _timed(parser, MESSAGES[len(before) % len(MESSAGES)])
            before.append(ms)
        after: list[float] = []
        reasons: set[str | None] = set()
        for i in range(AFTER):
            ms, res = await _timed(parser, MESSAGES[i % len(MESSAGES)])
            after.append(ms)
            reasons.add(res.fallback_reason)
        clock.now += COOLDOWN_S
        probe_ms, probe = await _timed(parser, MESSAGES[0])
        rest = [(await _timed(parser, t))[0] for t in MESSAGES[1:]]
    finally:
        await llm.aclose()
    return Scenario(before, after, reasons, probe_ms, probe.fallback_reason, rest)


async def _hanging() -> tuple[Scenario, int]:
    async with FakeOpenAI(default=Reply.hang(120)) as srv:
        out = await _scenario(srv.base_url, ManualClock())
        return out, len(srv.requests)


async def _refused() -> Scenario:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return await _scenario(f"http://127.0.0.1:{port}/v1", ManualClock())


def _row(name: str, r: Scenario, rules_ms: float) -> list[str]:
    p_after = _p50(r.after)
    return [
        f"| {name}: messages until the breaker opened | {len(r.before)} |",
        f"| {name}: p50 per message before it opened | {_p50(r.before):.1f} ms |",
        f"| {name}: p50 of the next {len(r.after)} messages (breaker open) | {p_after:.3f} ms "
        f"({p_after / rules_ms:.1f}× the rules alone) |",
        f"| {name}: slowest of those {len(r.after)} | {max(r.after):.3f} ms |",
        f"| {name}: fallback reasons while open | {', '.join(sorted(map(str, r.reasons)))} |",
        f"| {name}: half-open probe after the cool-down | {r.probe_ms:.1f} ms "
        f"({r.probe_reason}); the next {len(r.rest)}: p50 {_p50(r.rest):.3f} ms |",
    ]


def run() -> str:
    rules_ms = _rules_ms()
    hanging, hanging_requests = asyncio.run(_hanging())
    refused = asyncio.run(_refused())
    print(
        f"bench_llm: hanging endpoint p50 before {_p50(hanging.before):.1f} ms "
        f"→ after opening {_p50(hanging.after):.3f} ms (rules alone {rules_ms:.3f} ms)",
        flush=True,
    )
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    machine = (
        f"{platform.machine()}, {os.cpu_count()} CPUs{load}, Python {platform.python_version()}"
    )
    return "\n".join(
        [
            "## LLM fallback and circuit breaker (nlp)",
            "",
            "| measure | value |",
            "|---|---|",
            f"| rules alone, p50 per message (IntentParser.parse_rules) | {rules_ms:.3f} ms |",
            *_row("hanging endpoint", hanging, rules_ms),
            f"| hanging endpoint: requests that reached the server in all | {hanging_requests} |",
            *_row("refused connection", refused, rules_ms),
            "",
            f"Breaker: {FAILURES} consecutive failures, {COOLDOWN_S:g} s cool-down (a manual "
            f"clock jumps it); LLM timeout {TIMEOUT_S:g} s; the real `openai` client against a "
            "fake server on 127.0.0.1 that accepts the request and never answers (or a port "
            "nobody listens on). Without the breaker every message would wait the timeout, as "
            f"the 'before' rows do. Machine: {machine}.",
            "",
        ]
    )


if __name__ == "__main__":
    print(run())
