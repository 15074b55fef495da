"""A small OneBot v11 implementation on 127.0.0.1, standing in for NapCat / Lagrange.OneBot:
it dials our reverse WebSocket (or accepts our forward connection), posts private and group
message events in array or CQ-string format, and answers actions with `echo`.

It can also play the attacker: a token in the query string, a missing or wrong token, and
message events whose `sender.user_id` is not the top-level `user_id` (`sender_user_id=`), or
has none (`MISSING`)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Final

import aiohttp
from aiohttp import web

MISSING: Final = "missing"  # sender_user_id=MISSING: the event's sender has no user_id


@dataclass
class Action:
    action: str
    params: dict[str, Any]
    echo: Any
    at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        segs = self.params.get("message") or []
        return "".join(s["data"].get("text", "") for s in segs if s.get("type") == "text")

    @property
    def images(self) -> list[str]:
        segs = self.params.get("message") or []
        return [s["data"]["file"] for s in segs if s.get("type") == "image"]

    @property
    def segment_types(self) -> list[str]:
        return [s.get("type", "") for s in self.params.get("message") or []]


class FakeOneBot:
    def __init__(self, self_id: int = 10001, access_token: str | None = None) -> None:
        self.self_id = self_id
        self.access_token = access_token
        self.actions: list[Action] = []
        self.muted: set[str] = set()  # actions never answered (to exercise timeouts)
        self.failures: dict[str, int] = {}  # action -> how many next calls fail (retcode 1200)
        # action -> retcode every call is refused with (e.g. 1403: the bot may not post there)
        self.refusals: dict[str, int] = {}
        self._ws: web.WebSocketResponse | aiohttp.ClientWebSocketResponse | None = None
        self._session: aiohttp.ClientSession | None = None
        self._reader: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._msg_ids = itertools.count(5000)
        self._changed = asyncio.Condition()
        self.connections = 0
        self.refused = 0

    # ---- reverse: we dial the bot ------------------------------------------------------------

    async def dial(
        self,
        url: str,
        *,
        token: str | None = "use-mine",
        role: str = "Universal",
        self_id_header: str | None = None,
        token_in_query: bool = False,
    ) -> None:
        """Connect like NapCat's reverse WS client; raises WSServerHandshakeError on refusal.
        `token_in_query`: send the token as `?access_token=` instead of the header."""
        self._session = self._session or aiohttp.ClientSession()
        tok = self.access_token if token == "use-mine" else token
        headers = {
            "X-Self-ID": self_id_header if self_id_header is not None else str(self.self_id),
            "X-Client-Role": role,
            "User-Agent": "FakeOneBot/11",
        }
        params: dict[str, str] = {}
        if tok and token_in_query:
            params["access_token"] = tok
        elif tok:
            headers["Authorization"] = f"Bearer {tok}"
        ws = await self._session.ws_connect(url, headers=headers, params=params)
        self._attach(ws)

    # ---- forward: the bot dials us -----------------------------------------------------------

    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application()
        app.router.add_get("/", self._accept)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"ws://{host}:{bound}/"

    async def _accept(self, request: web.Request) -> web.StreamResponse:
        if self.access_token:
            header = request.headers.get("Authorization", "")
            given = header.removeprefix("Bearer ").strip() or request.query.get("access_token")
            if given != self.access_token:
                self.refused += 1
                return web.Response(status=401)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._attach(ws)
        assert self._reader is not None
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        return ws

    # ---- common ------------------------------------------------------------------------------

    def _attach(self, ws: Any) -> None:
        self._ws = ws
        self.connections += 1
        self._reader = asyncio.create_task(self._read(ws))
        asyncio.get_running_loop().create_task(
            self.post(
                {
                    "post_type": "meta_event",
                    "meta_event_type": "lifecycle",
                    "sub_type": "connect",
                    "time": int(time.time()),
                    "self_id": self.self_id,
                }
            )
        )

    async def _read(self, ws: Any) -> None:
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            act = Action(frame["action"], frame.get("params") or {}, frame.get("echo"))
            async with self._changed:
                self.actions.append(act)
                self._changed.notify_all()
            if act.action in self.muted:
                continue
            await ws.send_str(json.dumps(self._answer(act)))
        async with self._changed:
            self._changed.notify_all()

    def _answer(self, act: Action) -> dict[str, Any]:
        if act.action in self.refusals:
            retcode = self.refusals[act.action]
            return {"status": "failed", "retcode": retcode, "data": None, "echo": act.echo}
        if self.failures.get(act.action, 0) > 0:
            self.failures[act.action] -= 1
            return {
                "status": "failed",
                "retcode": 1200,
                "data": None,
                "message": "send failed",
                "wording": "消息发送失败",
                "echo": act.echo,
            }
        data: Any = None
        if act.action in ("send_private_msg", "send_group_msg", "send_msg"):
            data = {"message_id": next(self._msg_ids)}
        elif act.action == "get_login_info":
            data = {"user_id": self.self_id, "nickname": "tradechat-bot"}
        elif act.action == "get_status":
            data = {"online": True, "good": True}
        else:
            return {"status": "failed", "retcode": 1404, "data": None, "echo": act.echo}
        return {"status": "ok", "retcode": 0, "data": data, "echo": act.echo}

    async def post(self, event: dict[str, Any]) -> None:
        assert self._ws is not None, "not connected"
        await self._ws.send_str(json.dumps(event, ensure_ascii=False))

    def _message_event(
        self, kind: str, user_id: int, message: Any, raw: str, sender_user_id: int | str | None
    ) -> dict[str, Any]:
        sender: dict[str, Any] = {"user_id": user_id, "nickname": f"user{user_id}", "card": ""}
        if sender_user_id == MISSING:
            del sender["user_id"]
        elif sender_user_id is not None:
            sender["user_id"] = sender_user_id
        return {
            "time": int(time.time()),
            "self_id": self.self_id,
            "post_type": "message",
            "message_type": kind,
            "sub_type": "friend" if kind == "private" else "normal",
            "message_id": next(self._msg_ids),
            "user_id": user_id,
            "message": message,
            "raw_message": raw,
            "font": 0,
            "sender": sender,
        }

    async def private_message(
        self,
        user_id: int,
        text: str,
        *,
        fmt: str = "array",
        sender_user_id: int | str | None = None,
    ) -> None:
        """`sender_user_id`: what `sender.user_id` says (default: `user_id`, as it should)."""
        message: Any = text if fmt == "string" else [{"type": "text", "data": {"text": text}}]
        await self.post(self._message_event("private", user_id, message, text, sender_user_id))

    async def group_message(
        self,
        group_id: int,
        user_id: int,
        text: str,
        *,
        at_self: bool = False,
        reply_to: int | None = None,
        fmt: str = "array",
        sender_user_id: int | str | None = None,
    ) -> int:
        segs: list[dict[str, Any]] = []
        raw = ""
        if reply_to is not None:
            segs.append({"type": "reply", "data": {"id": str(reply_to)}})
            raw += f"[CQ:reply,id={reply_to}]"
        if at_self:
            segs.append({"type": "at", "data": {"qq": str(self.self_id)}})
            raw += f"[CQ:at,qq={self.self_id}] "
        segs.append({"type": "text", "data": {"text": (" " if at_self else "") + text}})
        escaped = text.replace("&", "&amp;").replace("[", "&#91;").replace("]", "&#93;")
        raw += escaped
        ev = self._message_event(
            "group", user_id, raw if fmt == "string" else segs, raw, sender_user_id
        )
        ev["group_id"] = group_id
        ev["sender"]["role"] = "member"
        await self.post(ev)
        return int(ev["message_id"])

    async def heartbeat(self) -> None:
        await self.post(
            {
                "post_type": "meta_event",
                "meta_event_type": "heartbeat",
                "time": int(time.time()),
                "self_id": self.self_id,
                "status": {"online": True, "good": True},
                "interval": 5000,
            }
        )

    async def wait_actions(self, n: int, timeout: float = 5.0) -> list[Action]:
        """Wait until at least `n` actions have arrived; returns all of them."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.actions) >= n)
        return list(self.actions)

    def sends(self) -> list[Action]:
        return [a for a in self.actions if a.action.startswith("send_")]

    async def wait_sends(self, n: int, timeout: float = 5.0) -> list[Action]:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.sends()) >= n)
        return self.sends()

    async def drop(self) -> None:
        """Close the connection like a restarting NapCat."""
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def close(self) -> None:
        await self.drop()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()
