"""Each provider's wire format, against a fake that behaves like that provider's server (the real
`openai` client talks to it on 127.0.0.1): OpenAI structured outputs, DeepSeek's 400 to
`json_schema`, Qwen/DashScope's compatible mode, a local Ollama/vLLM that fences its JSON.
The tested setups are the ones docs/llm.md documents."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from nlp.intent import Intent
from nlp.llm import LLMFailure, LLMParser, ResponseFormat, intent_json_schema
from nlp.parser import IntentParser
from nlp.rules import RuleParser
from tests.fakes.fake_openai import FakeOpenAI, Reply

TIMEOUT_S = 0.5
ACCOUNT = {"intent": "account"}

Make = Callable[..., LLMParser]


@pytest.fixture
async def make() -> AsyncIterator[Make]:
    made: list[LLMParser] = []

    def _make(srv: FakeOpenAI, fmt: ResponseFormat = "json_schema", model: str = "m") -> LLMParser:
        llm = LLMParser(
            base_url=srv.base_url,
            model=model,
            api_key="k",
            timeout_s=TIMEOUT_S,
            response_format=fmt,
        )
        made.append(llm)
        return llm

    yield _make
    for llm in made:
        await llm.aclose()


# ---------------------------------------------------------------------- OpenAI


async def test_openai_gets_a_named_json_schema_built_from_the_intent_model(make: Make) -> None:
    async with FakeOpenAI(profile="openai") as srv:
        srv.push(Reply.json_answer(ACCOUNT))
        assert await make(srv, "json_schema", "gpt-4o-mini").parse("余额") == Intent(
            intent="account"
        )
        fmt = srv.requests[0]["response_format"]
        assert fmt["type"] == "json_schema"
        assert fmt["json_schema"]["name"] == "trade_intent"
        assert fmt["json_schema"]["schema"] == intent_json_schema()
        assert srv.rejected == []


async def test_openai_json_object_mode_is_accepted_because_the_prompt_says_json(
    make: Make,
) -> None:
    async with FakeOpenAI(profile="openai") as srv:
        srv.push(Reply.json_answer(ACCOUNT))
        assert await make(srv, "json_object").parse("余额") == Intent(intent="account")
        assert srv.requests[0]["response_format"] == {"type": "json_object"}
        assert srv.rejected == []


# ---------------------------------------------------------------------- DeepSeek


async def test_deepseek_configured_for_json_object_is_never_rejected(make: Make) -> None:
    async with FakeOpenAI(profile="deepseek") as srv:
        srv.push(Reply.json_answer(ACCOUNT), Reply.json_answer({"intent": "positions"}))
        llm = make(srv, "json_object", "deepseek-chat")
        assert await llm.parse("余额") == Intent(intent="account")
        assert await llm.parse("持仓") == Intent(intent="positions")
        assert srv.rejected == []
        assert all(r["response_format"] == {"type": "json_object"} for r in srv.requests)


async def test_deepseek_400_to_json_schema_steps_down_once_and_is_remembered(
    make: Make,
) -> None:
    async with FakeOpenAI(profile="deepseek") as srv:
        srv.push(Reply.json_answer(ACCOUNT), Reply.json_answer({"intent": "positions"}))
        llm = make(srv, "json_schema", "deepseek-chat")
        assert await llm.parse("余额") == Intent(intent="account")
        assert len(srv.rejected) == 1
        assert srv.rejected[0]["response_format"]["type"] == "json_schema"
        assert llm.response_format == "json_object"
        assert await llm.parse("持仓") == Intent(intent="positions")
        assert len(srv.rejected) == 1  # the second message went straight to json_object
        assert [r["response_format"]["type"] for r in srv.requests] == [
            "json_schema",
            "json_object",
            "json_object",
        ]


async def test_deepseek_step_down_answers_within_the_same_parse_through_the_parser(
    make: Make,
) -> None:
    async with FakeOpenAI(profile="deepseek") as srv:
        srv.push(Reply.json_answer({"intent": "pnl", "period": "month"}))
        res = await IntentParser(RuleParser(), make(srv, "json_schema")).parse("本月盈亏")
        assert (res.engine, res.fallback_reason) == ("llm", None)
        assert res.intent == Intent(intent="pnl", period="month")


# ---------------------------------------------------------------------- Qwen / DashScope


async def test_dashscope_compatible_mode_path_and_json_object(make: Make) -> None:
    async with FakeOpenAI(profile="dashscope") as srv:
        assert srv.base_url.endswith("/compatible-mode/v1")
        srv.push(Reply.json_answer({"intent": "quote", "symbol": "XAUUSD"}))
        llm = make(srv, "json_object", "qwen-plus")
        assert await llm.parse("黄金现在多少") == Intent(intent="quote", symbol="XAUUSD")
        assert srv.requests[0]["model"] == "qwen-plus"
        assert srv.requests[0]["response_format"] == {"type": "json_object"}
        assert srv.rejected == []


async def test_dashscope_fake_refuses_json_object_without_the_word_json() -> None:
    """The fake is faithful: DashScope/OpenAI refuse json_object when no message says 'json'
    (so the test above passing means our prompt says it)."""
    async with FakeOpenAI(profile="dashscope") as srv:
        bad = {"response_format": {"type": "json_object"}, "messages": [{"content": "hi"}]}
        assert srv._profile_rejects(bad) is not None
        good = {"response_format": {"type": "json_object"}, "messages": [{"content": "JSON"}]}
        assert srv._profile_rejects(good) is None


# ---------------------------------------------------------------------- Ollama / vLLM


@pytest.mark.parametrize("fmt", ["json_object", "none", "json_schema"])
async def test_ollama_fenced_json_is_read_in_every_format(make: Make, fmt: ResponseFormat) -> None:
    async with FakeOpenAI(profile="ollama") as srv:
        srv.push(Reply.json_answer({"intent": "close", "symbol": "XAUUSD", "side": "buy"}))
        llm = make(srv, fmt, "qwen2.5:7b-instruct")
        assert await llm.parse("平掉黄金多单") == Intent(
            intent="close", symbol="XAUUSD", side="buy"
        )
        sent = srv.requests[0].get("response_format")
        assert (sent is None) == (fmt == "none")


@pytest.mark.parametrize(
    "reply",
    [
        Reply.prose_around({"intent": "orders"}),
        Reply.fenced({"intent": "orders"}, lang=""),
        Reply.text(
            '<think>The user wants their orders. {"intent": "pnl"}?</think>\n{"intent": "orders"}'
        ),
        Reply.text('Answer:\n```json\n{"intent": "orders"}\n```\nDone.'),
        Reply.text('{"intent": "orders"}\n```json\n{"intent": "orders"}\n```'),
        Reply.text('```json\n{\n  "intent": "orders",\n  "symbol": null\n}\n```'),
    ],
    ids=["prose", "bare-fence", "think-block", "fence-in-prose", "said-twice", "nulls"],
)
async def test_local_model_chatter_around_the_json_is_ignored(make: Make, reply: Reply) -> None:
    async with FakeOpenAI() as srv:
        srv.push(reply)
        assert await make(srv, "none").parse("挂单列表") == Intent(intent="orders")


async def test_server_that_rejects_json_object_too_steps_down_to_no_format(make: Make) -> None:
    async with FakeOpenAI() as srv:
        srv.push(
            Reply.http(400, "response_format json_object is not supported by this model"),
            Reply.fenced(ACCOUNT),
        )
        llm = make(srv, "json_object")
        assert await llm.parse("余额") == Intent(intent="account")
        assert "response_format" not in srv.requests[1]
        assert llm.response_format == "none"


async def test_a_400_about_something_else_is_a_failure_not_a_step_down(make: Make) -> None:
    async with FakeOpenAI() as srv:
        srv.push(Reply.http(400, "model 'gpt-5-nano' does not exist"))
        llm = make(srv, "json_schema")
        with pytest.raises(LLMFailure) as err:
            await llm.parse("余额")
        assert err.value.reason == "http_400"
        assert err.value.endpoint_fault
        assert llm.response_format == "json_schema"
        assert len(srv.requests) == 1


# ---------------------------------------------------------------------- unwell endpoints


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply.hang(30), "timeout"),
        (Reply.http(500), "http_500"),
        (Reply.http(502, "bad gateway"), "http_502"),
        (Reply.rate_limited(retry_after_s=7), "http_429"),
        (Reply.text('{"intent": "open", "symbol": '), "invalid_json"),
        (Reply.text("You should buy gold."), "invalid_json"),
        (Reply.text('["open"]'), "invalid_json"),
        (Reply.text('```json\n["open"]\n```'), "invalid_json"),
        (Reply.text('{"intent": "positions"} or maybe {"intent": "orders"}'), "invalid_json"),
        (Reply.text(""), "empty"),
        (Reply.raw_body("<html>gateway</html>"), "bad_response"),
    ],
    ids=[
        "hang",
        "500",
        "502",
        "429",
        "cut-json",
        "prose-only",
        "array",
        "fenced-array",
        "two-objects",
        "empty",
        "html",
    ],
)
async def test_every_unwell_endpoint_is_a_named_endpoint_fault(
    make: Make, reply: Reply, reason: str
) -> None:
    async with FakeOpenAI() as srv:
        srv.push(reply)
        with pytest.raises(LLMFailure) as err:
            await make(srv, "json_object").parse("余额")
        assert err.value.reason == reason
        assert err.value.endpoint_fault


async def test_retry_after_is_carried_on_the_failure(make: Make) -> None:
    async with FakeOpenAI() as srv:
        srv.push(Reply.rate_limited(retry_after_s=7))
        with pytest.raises(LLMFailure) as err:
            await make(srv).parse("余额")
        assert err.value.retry_after_s == 7


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply.json_answer({"intent": "open", "symbol": "GER40"}), "invalid"),
        (Reply.json_answer({"intent": "open", "symbol": "XAGUSD", "side": "buy"}), "ungrounded"),
        (Reply.refusal(), "refusal"),
    ],
)
async def test_an_unusable_answer_is_not_an_endpoint_fault(
    make: Make, reply: Reply, reason: str
) -> None:
    async with FakeOpenAI() as srv:
        srv.push(reply)
        with pytest.raises(LLMFailure) as err:
            await make(srv).parse("buy gold")
        assert err.value.reason == reason
        assert not err.value.endpoint_fault


def test_unknown_response_format_is_refused() -> None:
    with pytest.raises(ValueError):
        LLMParser(base_url="http://127.0.0.1:9/v1", model="m", api_key=None, response_format="xml")  # type: ignore[arg-type]
