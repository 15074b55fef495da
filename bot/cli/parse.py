"""`tradechat parse [--engine rules|llm|auto] [--jsonl] [--explain] [TEXT]`: print intents as
JSON; `--explain` also says why — which engine answered (and why it fell back), which words set
which slots, and which rule made a message `unknown`."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, cast

from bot.build import EngineName, llm_configured, make_parser
from bot.settings import Settings
from nlp.explain import Explanation
from nlp.intent import UNKNOWN
from nlp.parser import IntentParser

_ENGINES = ("auto", "rules", "llm")


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)


def run_parse(
    settings: Settings, engine: str | None, text: str, jsonl: bool, explain: bool = False
) -> int:
    if engine is not None and engine not in _ENGINES:
        print(f"tradechat parse: unknown engine {engine!r}", file=sys.stderr)
        return 2
    if engine == "llm" and not llm_configured(settings):
        print(
            "tradechat parse: --engine llm needs an LLM: set [llm] enabled = true, base_url and "
            "model in the settings file (and the API key in the variable api_key_env names).",
            file=sys.stderr,
        )
        return 2
    parser = make_parser(settings, cast("EngineName | None", engine))
    if jsonl:
        return asyncio.run(_run_jsonl(parser))
    if not text.strip():
        text = sys.stdin.read()
    return asyncio.run(_run_one(parser, text, explain=explain))


async def _run_one(parser: IntentParser, text: str, *, explain: bool = False) -> int:
    try:
        res = await parser.parse(text.strip())
    finally:
        await _close(parser)
    print(_dump(res.intent.to_json_dict()))
    note = f"engine: {res.engine}, {res.elapsed_ms:.2f} ms"
    if res.fallback_reason:
        note += f" (fallback: {res.fallback_reason})"
    if parser.llm is not None:
        note += f", breaker {res.breaker}"
    print(note, file=sys.stderr)
    if explain:
        print(explanation_text(parser.rules.explain(text.strip())))
    return 0


def explanation_text(ex: Explanation) -> str:
    """The rules' reading of a message, one line per token, for a person at a terminal."""
    lines = [f"rules read: {ex.normalised!r}"]
    for tok in ex.tokens:
        slots = ", ".join(f"{k}={v}" for k, v in tok.slots.items())
        tags = "/".join(tok.tags) or "-"
        lines.append(f"  {tok.text!r:<14} {tok.kind:<4} {tags:<24} {slots}".rstrip())
    lines.append(f"rules intent: {_dump(ex.intent.to_json_dict())}")
    if ex.rule:
        lines.append(f"unknown because: {ex.rule}")
    return "\n".join(lines)


async def _run_jsonl(parser: IntentParser) -> int:
    out = sys.stdout
    stdin = sys.stdin
    if hasattr(stdin, "reconfigure"):
        stdin.reconfigure(encoding="utf-8", errors="replace")
    if hasattr(out, "reconfigure"):
        out.reconfigure(encoding="utf-8")
    lines: list[str] = []
    try:
        for line in stdin:
            if not line.strip():
                continue
            text = _text_of(line)
            if text is None:
                lines.append(_dump(UNKNOWN.to_json_dict()))
                continue
            if parser.uses_llm:
                intent = (await parser.parse(text)).intent
            else:
                intent = parser.rules.parse(text)
            lines.append(_dump(intent.to_json_dict()))
    finally:
        await _close(parser)
    out.write("".join(s + "\n" for s in lines))
    out.flush()
    return 0


def _text_of(line: str) -> str | None:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        return None
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return cast(str, obj["text"])
    return None


async def _close(parser: IntentParser) -> None:
    if parser.llm is not None:
        await parser.llm.aclose()
