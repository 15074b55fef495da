"""Builds the IntentParser the bot uses from the settings (rules always, the LLM when enabled)."""

from __future__ import annotations

from typing import Literal

from bot.settings import Settings, secret
from nlp.parser import IntentParser
from nlp.rules import RuleParser

EngineName = Literal["auto", "rules", "llm"]


def llm_configured(settings: Settings) -> bool:
    return bool(settings.llm.enabled and settings.llm.base_url and settings.llm.model)


def make_parser(settings: Settings, engine: EngineName | None = None) -> IntentParser:
    """`engine` overrides `[llm] engine` (the CLI's --engine). The openai package is imported
    only when an LLM is actually used, so rule-only start-up stays fast."""
    choice: EngineName = engine or settings.llm.engine
    aliases = dict(settings.symbols.aliases)
    rules = RuleParser(aliases)
    if choice == "rules" or not llm_configured(settings):
        return IntentParser(rules, None, "rules")
    from nlp.llm import LLMParser

    llm = LLMParser(
        base_url=settings.llm.base_url,
        model=settings.llm.model,
        # a local endpoint (Ollama, vLLM) needs no key; the client still wants a string
        api_key=secret(settings.llm.api_key_env) or "not-needed",
        timeout_s=settings.llm.timeout_s,
        aliases=aliases,
    )
    return IntentParser(rules, llm, choice)
