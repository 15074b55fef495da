"""The composition root's market-data service: [market] reaches it, and the AI paragraph is
wired to the parser's LLM and circuit breaker only when an LLM is in use and wanted."""

from __future__ import annotations

import pytest

from bot.build import make_market, make_parser
from bot.settings import Settings
from broker.mt5 import MT5Broker
from nlp.llm import TextCompletion

LLM = {"enabled": True, "base_url": "http://127.0.0.1:9/v1", "model": "m"}


def test_market_settings_reach_the_service() -> None:
    settings = Settings(market={"default_timeframe": "H4", "chart_bars": 150, "levels_bars": 300})
    market = make_market(settings, MT5Broker(None))
    assert market.config.default_timeframe == "H4"
    assert market.config.default_bars == 150
    assert market.config.levels_bars == 300
    assert market.commentary is None


def test_the_ai_paragraph_uses_the_parsers_llm_and_breaker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADECHAT_LLM_API_KEY", "sk-test")
    settings = Settings(llm=LLM)
    parser = make_parser(settings)
    market = make_market(settings, MT5Broker(None), parser)
    assert isinstance(market.commentary, TextCompletion)
    assert market.commentary.llm is parser.llm
    assert market.commentary.breaker is parser.breaker


@pytest.mark.parametrize(
    "settings",
    [
        Settings(llm={"enabled": False}),
        Settings(llm=LLM, market={"ai_commentary": False}),
        Settings(llm={**LLM, "engine": "rules"}),
    ],
)
def test_no_ai_paragraph_without_an_llm_in_use_or_when_turned_off(settings: Settings) -> None:
    market = make_market(settings, MT5Broker(None), make_parser(settings))
    assert market.commentary is None
