"""Free text from the LLM endpoint (`complete_text`, `TextCompletion`) against the fake
OpenAI server: the system prompt that forbids advice, failures as `LLMFailure` reasons, and
the parser's circuit breaker shared — an endpoint that is down is not asked again while the
breaker is open."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from nlp.llm import LLMFailure, LLMParser, TextCompletion, complete_text
from nlp.parser import CircuitBreaker
from tests.fakes.fake_openai import FakeOpenAI, Reply


class Ticks:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as srv:
        yield srv


@pytest.fixture
async def llm(server: FakeOpenAI) -> AsyncIterator[LLMParser]:
    parser = LLMParser(base_url=server.base_url, model="fake-model", api_key="k", timeout_s=0.5)
    yield parser
    await parser.aclose()


async def test_the_answer_is_the_text_and_the_system_prompt_forbids_advice(
    server: FakeOpenAI, llm: LLMParser
) -> None:
    server.push(Reply.text("<think>draft</think>  The close sits inside the value area.  "))
    assert await complete_text(llm, "describe: POC 2650") == (
        "The close sits inside the value area."
    )
    (req,) = server.requests
    assert req["model"] == "fake-model"
    assert "response_format" not in req
    system, user = req["messages"]
    assert system["role"] == "system"
    assert "Never recommend" in system["content"]
    assert user == {"role": "user", "content": "describe: POC 2650"}


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply.http(500), "http_500"),
        (Reply.hang(5), "timeout"),
        (Reply.refusal(), "refusal"),
        (Reply.text("   "), "empty"),
    ],
)
async def test_failures_are_llm_failures_with_a_reason(
    server: FakeOpenAI, llm: LLMParser, reply: Reply, reason: str
) -> None:
    server.push(reply)
    with pytest.raises(LLMFailure) as err:
        await complete_text(llm, "describe")
    assert err.value.reason == reason


async def test_an_unwell_endpoint_opens_the_shared_breaker_and_is_then_not_asked(
    server: FakeOpenAI, llm: LLMParser
) -> None:
    ticks = Ticks()
    breaker = CircuitBreaker(failures=2, cooldown_s=60.0, clock=ticks)
    complete = TextCompletion(llm, breaker)
    server.push(Reply.http(503), Reply.http(503))
    assert await complete("one") is None
    assert await complete("two") is None
    assert breaker.state == "open"
    assert await complete("three") is None
    assert len(server.requests) == 2  # the third was never sent
    ticks.t = 61.0  # after the cool-down one probe goes out, and its answer closes it
    server.push(Reply.text("back"))
    assert await complete("four") == "back"
    assert breaker.state == "closed"


async def test_an_unusable_answer_does_not_count_against_the_endpoint(
    server: FakeOpenAI, llm: LLMParser
) -> None:
    breaker = CircuitBreaker(failures=1)
    server.push(Reply.refusal())
    assert await TextCompletion(llm, breaker)("x") is None
    assert breaker.state == "closed"
