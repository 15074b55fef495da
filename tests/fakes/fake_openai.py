"""A small OpenAI-compatible chat-completions server on 127.0.0.1 for tests.

The real `openai` client talks to it over HTTP, so the SDK's own request/response code runs.
Script what it answers, one reply per request (then `default`):

    async with FakeOpenAI() as srv:
        srv.push(Reply.json_answer({"intent": "positions"}), Reply.http(500), Reply.hang(30))
        parser = LLMParser(base_url=srv.base_url, model="fake", api_key="k", timeout_s=0.5)
        ...
        assert srv.requests[0]["temperature"] == 0

`responder` may be set to a function (request JSON → Reply) for tests that answer by content,
e.g. a report commentary: `srv.responder = lambda req: Reply.text("Gold carried the week.")`.

`profile` makes it behave like one provider's server, as documented by each (docs/llm.md):

- "openai": `json_schema` needs `json_schema.name` and `.schema`; `json_object` needs the word
  "json" in the messages (400 otherwise, with OpenAI's wording);
- "deepseek": 400 "This response_format type is unavailable now" to `json_schema`; `json_object`
  needs "json" in the messages;
- "dashscope": served under /compatible-mode/v1 (Qwen's OpenAI-compatible mode); `json_object`
  needs "json" in the messages (DashScope's wording);
- "ollama": every JSON answer comes back in a ```json fence (small local models do this even in
  JSON mode);
- None: accepts everything and answers as scripted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

Profile = Literal["openai", "deepseek", "dashscope", "ollama"]

_JSON_WORD_OPENAI = "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'."
DEEPSEEK_NO_SCHEMA = "This response_format type is unavailable now"


@dataclass
class Reply:
    kind: str  # "content" | "status" | "hang" | "refusal" | "tool" | "raw_body"
    content: str | None = None
    status: int = 200
    delay_s: float = 0.0
    finish_reason: str = "stop"
    headers: dict[str, str] | None = None

    @classmethod
    def json_answer(cls, obj: dict[str, Any]) -> Reply:
        """A well-formed answer whose message content is this JSON object."""
        return cls("content", content=json.dumps(obj, ensure_ascii=False))

    @classmethod
    def text(cls, content: str) -> Reply:
        """A well-formed answer with free text (malformed JSON, prose, commentary …)."""
        return cls("content", content=content)

    malformed = text

    @classmethod
    def fenced(cls, obj: dict[str, Any], lang: str = "json") -> Reply:
        """The JSON object inside a Markdown code fence, as local models often answer."""
        return cls("content", content=f"```{lang}\n{json.dumps(obj, ensure_ascii=False)}\n```")

    @classmethod
    def prose_around(cls, obj: dict[str, Any]) -> Reply:
        """The JSON object with chatter before and after it."""
        body = json.dumps(obj, ensure_ascii=False)
        return cls("content", content=f"Sure! Here is the intent: {body}\nHope this helps.")

    @classmethod
    def http(
        cls, status: int, message: str = "fake server error", headers: dict[str, str] | None = None
    ) -> Reply:
        return cls("status", content=message, status=status, headers=headers)

    @classmethod
    def rate_limited(cls, retry_after_s: float | None = None) -> Reply:
        """429 Too Many Requests, with Retry-After when given."""
        headers = None if retry_after_s is None else {"Retry-After": f"{retry_after_s:g}"}
        return cls.http(429, "Rate limit reached for requests", headers)

    @classmethod
    def hang(cls, seconds: float = 60.0) -> Reply:
        """Answer nothing for `seconds` (released early when the server closes)."""
        return cls("hang", delay_s=seconds)

    @classmethod
    def refusal(cls, message: str = "I can't help with that.") -> Reply:
        return cls("refusal", content=message)

    @classmethod
    def tool_call(cls, arguments: dict[str, Any]) -> Reply:
        return cls(
            "tool", content=json.dumps(arguments, ensure_ascii=False), finish_reason="tool_calls"
        )

    @classmethod
    def raw_body(cls, body: str, status: int = 200) -> Reply:
        """An HTTP body that is not a chat completion at all."""
        return cls("raw_body", content=body, status=status)

    @classmethod
    def delayed(cls, reply: Reply, seconds: float) -> Reply:
        return cls(
            reply.kind, reply.content, reply.status, seconds, reply.finish_reason, reply.headers
        )


class FakeOpenAI:
    def __init__(self, default: Reply | None = None, profile: Profile | None = None) -> None:
        self.profile = profile
        self.prefix = "/compatible-mode/v1" if profile == "dashscope" else "/v1"
        self.rejected: list[dict[str, Any]] = []  # requests the profile answered 400 to
        self.script: deque[Reply] = deque()
        self.default = default or Reply.json_answer({"intent": "unknown"})
        self.responder: Callable[[dict[str, Any]], Reply] | None = None
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self.port = 0

    # ------------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(f"{self.prefix}/chat/completions", self._completions)
        app.router.add_get(f"{self.prefix}/models", self._models)
        self._runner = web.AppRunner(app, shutdown_timeout=0.2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOpenAI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def push(self, *replies: Reply) -> None:
        self.script.extend(replies)

    # ------------------------------------------------------------------ handlers
    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "fake", "object": "model"}]})

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return web.json_response({"error": {"message": "bad json"}}, status=400)
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        problem = self._profile_rejects(body)
        if problem is not None:
            self.rejected.append(body)
            return web.json_response(
                {
                    "error": {
                        "message": problem,
                        "type": "invalid_request_error",
                        "param": None,
                        "code": "invalid_request_error",
                    }
                },
                status=400,
            )
        if self.script:
            reply = self.script.popleft()
        elif self.responder is not None:
            reply = self.responder(body)
        else:
            reply = self.default
        if reply.delay_s:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), timeout=reply.delay_s)
            if reply.kind == "hang":
                return web.json_response({"error": {"message": "hung"}}, status=504)
        if reply.kind == "status":
            return web.json_response(
                {"error": {"message": reply.content, "type": "server_error", "code": None}},
                status=reply.status,
                headers=reply.headers,
            )
        if reply.kind == "raw_body":
            return web.Response(
                text=reply.content or "", status=reply.status, content_type="application/json"
            )
        if self.profile == "ollama" and reply.kind == "content":
            reply = _fence_json(reply)
        return web.json_response(self._completion(body, reply))

    def _profile_rejects(self, body: dict[str, Any]) -> str | None:
        """The 400 message this provider would answer to the request, or None."""
        fmt = body.get("response_format") or {}
        kind = fmt.get("type") if isinstance(fmt, dict) else None
        if self.profile == "deepseek" and kind == "json_schema":
            return DEEPSEEK_NO_SCHEMA
        if self.profile == "openai" and kind == "json_schema":
            spec = fmt.get("json_schema") or {}
            if not spec.get("name") or not isinstance(spec.get("schema"), dict):
                return "Missing required parameter: 'response_format.json_schema.name'."
        if self.profile in ("openai", "deepseek", "dashscope") and kind == "json_object":
            words = " ".join(str(m.get("content", "")) for m in body.get("messages", []))
            if "json" not in words.lower():
                return _JSON_WORD_OPENAI
        return None

    @staticmethod
    def _completion(req: dict[str, Any], reply: Reply) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
        if reply.kind == "refusal":
            message["refusal"] = reply.content
        elif reply.kind == "tool":
            message["tool_calls"] = [
                {
                    "id": "call_fake",
                    "type": "function",
                    "function": {"name": "trade_intent", "arguments": reply.content},
                }
            ]
        else:
            message["content"] = reply.content
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": req.get("model", "fake"),
            "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }


def _fence_json(reply: Reply) -> Reply:
    """Ollama-style: a JSON answer comes back inside a ```json fence."""
    try:
        json.loads(reply.content or "")
    except json.JSONDecodeError:
        return reply  # already prose, a fence or broken JSON: leave it as scripted
    return Reply(
        "content", f"```json\n{reply.content}\n```", reply.status, 0.0, reply.finish_reason
    )
