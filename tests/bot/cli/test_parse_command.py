"""`tradechat parse` and the parser factory: what the scorer drives, and the LLM wiring."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.build import make_parser
from bot.cli.parse import run_parse
from bot.settings import Settings
from nlp.intent import Intent
from tests.fakes.fake_openai import FakeOpenAI, Reply

ROOT = Path(__file__).resolve().parents[3]


def _settings(**llm: object) -> Settings:
    return Settings(llm=llm) if llm else Settings()


def test_jsonl_mode_answers_one_line_per_input_in_order() -> None:
    lines = [
        json.dumps({"text": "买入0.01手黄金"}, ensure_ascii=False),
        "this is not json",
        json.dumps({"no_text": 1}),
        "",
        json.dumps({"text": "本月盈亏"}, ensure_ascii=False),
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "parse", "--engine", "rules", "--jsonl"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(x) for x in proc.stdout.splitlines() if x.strip()]
    assert out == [
        {"intent": "open", "symbol": "XAUUSD", "side": "buy", "volume": 0.01},
        {"intent": "unknown"},
        {"intent": "unknown"},
        {"intent": "pnl", "period": "month"},
    ]


def test_single_text_prints_intent_json_and_engine_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_parse(_settings(), "rules", "平掉最早的两单黄金", jsonl=False) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {
        "intent": "close",
        "symbol": "XAUUSD",
        "selector": "earliest",
        "count": 2,
    }
    assert "engine: rules" in err


def test_explain_names_the_slot_each_word_set_and_the_rule_behind_unknown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_parse(_settings(), "rules", "黃金全部平倉", jsonl=False, explain=True) == 0
    out, _ = capsys.readouterr()
    first, *rest = out.splitlines()
    assert json.loads(first) == {"intent": "close", "symbol": "XAUUSD", "selector": "all"}
    text = "\n".join(rest)
    assert "rules read: '黄金全部平仓'" in text  # Traditional read as Simplified
    assert "symbol=XAUUSD" in text
    assert "selector=all" in text
    assert "unknown because" not in text

    assert run_parse(_settings(), "rules", "我朋友说做空原油很赚钱", jsonl=False, explain=True) == 0
    out, _ = capsys.readouterr()
    assert json.loads(out.splitlines()[0]) == {"intent": "unknown"}
    assert "unknown because: reported speech" in out


def test_engine_llm_without_an_llm_configured_is_a_clear_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_parse(_settings(), "llm", "余额", jsonl=False) == 2
    assert "[llm] enabled" in capsys.readouterr().err


def test_factory_uses_rules_only_when_llm_is_disabled() -> None:
    parser = make_parser(_settings())
    assert parser.llm is None
    assert not parser.uses_llm


def test_factory_passes_user_aliases_to_the_rules() -> None:
    parser = make_parser(Settings(symbols={"aliases": {"狗狗": "XAUUSD"}}))
    assert parser.rules.parse("买入狗狗0.1手").symbol == "XAUUSD"


def test_factory_engine_rules_overrides_an_enabled_llm() -> None:
    parser = make_parser(_settings(enabled=True, base_url="http://127.0.0.1:9/v1"), "rules")
    assert parser.llm is None


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as srv:
        yield srv


async def test_factory_llm_talks_to_the_configured_endpoint_with_the_key_from_env(
    server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_LLM_KEY", "sk-test")
    server.push(Reply.json_answer({"intent": "account"}))
    settings = _settings(
        enabled=True,
        base_url=server.base_url,
        model="qwen-plus",
        api_key_env="MY_LLM_KEY",
        timeout_s=2.0,
    )
    parser = make_parser(settings)
    assert parser.llm is not None
    try:
        res = await parser.parse("净值多少")
    finally:
        await parser.llm.aclose()
    assert (res.engine, res.intent) == ("llm", Intent(intent="account"))
    assert server.requests[0]["model"] == "qwen-plus"
    assert server.headers[0]["Authorization"] == "Bearer sk-test"


async def test_factory_llm_without_a_key_still_works_for_local_endpoints(
    server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRADECHAT_LLM_API_KEY", raising=False)
    server.push(Reply.json_answer({"intent": "help"}))
    parser = make_parser(_settings(enabled=True, base_url=server.base_url, model="llama3"))
    assert parser.llm is not None
    try:
        res = await parser.parse("what can you do")
    finally:
        await parser.llm.aclose()
    assert res.engine == "llm"
    assert res.intent == Intent(intent="help")


def test_rules_jsonl_in_process_matches_the_single_text_answer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = ["sell 0.5 lots", "原油下单0.5手", "/report hedge month"]
    monkeypatch.setattr(
        sys, "stdin", io.StringIO("".join(json.dumps({"text": t}) + "\n" for t in texts))
    )
    assert run_parse(_settings(), "rules", "", jsonl=True) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert out == [
        {"intent": "open", "side": "sell", "volume": 0.5},
        {"intent": "open", "symbol": "USOIL", "volume": 0.5},
        {"intent": "report", "kind": "hedge", "period": "month"},
    ]
