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
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass
class Reply:
    kind: str  # "content" | "status" | "hang" | "refusal" | "tool" | "raw_body"
    content: str | None = None
    status: int = 200
    delay_s: float = 0.0
    finish_reason: str = "stop"

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
    def http(cls, status: int, message: str = "fake server error") -> Reply:
        return cls("status", content=message, status=status)

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
        return cls(reply.kind, reply.content, reply.status, seconds, reply.finish_reason)


class FakeOpenAI:
    def __init__(self, default: Reply | None = None) -> None:
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
        return f"http://127.0.0.1:{self.port}/v1"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        app.router.add_get("/v1/models", self._models)
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
            )
        if reply.kind == "raw_body":
            return web.Response(
                text=reply.content or "", status=reply.status, content_type="application/json"
            )
        return web.json_response(self._completion(body, reply))

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
