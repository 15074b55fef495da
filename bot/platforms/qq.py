"""QQ through a OneBot v11 implementation (NapCat, Lagrange.OneBot, LLOneBot), spoken directly
over aiohttp WebSockets — no bot framework owns the loop.

- reverse WebSocket (the implementation dials `ws://listen_host:listen_port/path`; we check
  `Authorization: Bearer <access_token>` (or `?access_token=`, as OneBot v11 allows), `X-Self-ID`
  and `X-Client-Role`) or forward WebSocket (we dial `forward_url` with the same bearer token and
  reconnect with back-off when it drops). The access token is required in both modes and on
  every host: any local program can dial a loopback port, and without the token it would talk
  to the bot as whichever QQ user it names;
- identity comes from one trusted field: an event whose top-level `user_id` differs from its
  `sender.user_id` (or has none there) is forged or broken, so it is dropped and audited
  (`impersonation`), never answered;
- private and group message events, message in array or CQ-string format;
- answers with `send_private_msg` / `send_group_msg`, the `echo` of each action matched to its
  response, with a timeout; images as `base64://` segments;
- in groups only listed users are answered, and only when they @-mention the bot, reply to one
  of its messages, type a slash command or type a reply code the bot just showed in that chat;
- sending is throttled (≥ `min_send_interval_s` between messages, plus random jitter), which
  keeps a personal QQ account from looking like a spam bot.

Chat ids are "private:<user_id>" and "group:<group_id>".
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hmac
import itertools
import json
import logging
import re
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from typing import Any, Literal

import aiohttp
from aiohttp import web

from bot.platforms.base import Audit, Handle, PlatformParts, Plumbing, no_audit, once
from bot.platforms.listener import serve
from bot.platforms.render import render
from bot.settings import ConfigError, Settings, qq_token_problem, secret
from handlers.messages import (
    Incoming,
    Outgoing,
    PermanentPlatformError,
    PlatformCaps,
    PlatformError,
    TemporaryPlatformError,
)

log = logging.getLogger("tradechat.qq")

Segment = dict[str, Any]
WS = web.WebSocketResponse | aiohttp.ClientWebSocketResponse

QQ_CAPS = PlatformCaps(buttons="command", max_text=4500, image_mode="base64", push="always")


class OneBotError(Exception):
    """An action that did not go through; `send()` raises it as our `PlatformError`
    (`classify`)."""


class OneBotNotConnected(OneBotError):
    pass


class OneBotTimeout(OneBotError):
    pass


class OneBotActionFailed(OneBotError):
    def __init__(self, action: str, retcode: int, message: str) -> None:
        super().__init__(f"{action} failed: retcode {retcode} {message}".strip())
        self.retcode = retcode


def classify(exc: OneBotError) -> PlatformError:
    """No connection and no answer in time are temporary; an action the implementation refuses
    with an HTTP-like 4xx retcode (1400 bad request, 1401, 1403, 1404 unknown action) or as bad
    parameters (100) or a dead session (104) is permanent; other failures (e.g. NapCat's 1200
    while QQ is busy) are worth another try."""
    text = f"QQ: {exc}"
    if isinstance(exc, OneBotActionFailed) and (
        1400 <= exc.retcode < 1500 or exc.retcode in (100, 104)
    ):
        return PermanentPlatformError(text, platform="qq")
    return TemporaryPlatformError(text, platform="qq")


# ---- message formats ------------------------------------------------------------------------

_CQ = re.compile(r"\[CQ:([A-Za-z0-9_.\-]+)((?:,[^\]]*)?)\]")


def _cq_unescape(s: str) -> str:
    return s.replace("&#44;", ",").replace("&#91;", "[").replace("&#93;", "]").replace("&amp;", "&")


def parse_cq(message: str) -> list[Segment]:
    """A CQ-code string ("hi [CQ:at,qq=10001] there") as array-format segments."""
    segs: list[Segment] = []
    pos = 0
    for m in _CQ.finditer(message):
        if m.start() > pos:
            segs.append({"type": "text", "data": {"text": _cq_unescape(message[pos : m.start()])}})
        data: dict[str, str] = {}
        for pair in filter(None, m.group(2).split(",")):
            key, _, value = pair.partition("=")
            data[key] = _cq_unescape(value)
        segs.append({"type": m.group(1), "data": data})
        pos = m.end()
    if pos < len(message):
        segs.append({"type": "text", "data": {"text": _cq_unescape(message[pos:])}})
    return segs


def segments_of(message: Any) -> list[Segment]:
    """The event's `message` in either format, as a list of segments."""
    if isinstance(message, str):
        return parse_cq(message)
    if isinstance(message, list):
        return [s for s in message if isinstance(s, dict) and isinstance(s.get("type"), str)]
    return []


def read_segments(segs: Sequence[Segment], self_id: str | None) -> tuple[str, bool, str | None]:
    """(plain text, bot was @-mentioned, id of the message replied to)."""
    parts: list[str] = []
    mentioned = False
    reply_to: str | None = None
    for seg in segs:
        data = seg.get("data") or {}
        kind = seg.get("type")
        if kind == "text":
            parts.append(str(data.get("text", "")))
        elif kind == "at":
            if self_id is not None and str(data.get("qq")) == self_id:
                mentioned = True
            else:
                parts.append(f"@{data.get('name') or data.get('qq')}")
        elif kind == "reply":
            reply_to = str(data.get("id"))
    return "".join(parts).strip(), mentioned, reply_to


def image_segment(data: bytes) -> Segment:
    return {"type": "image", "data": {"file": "base64://" + base64.b64encode(data).decode()}}


def text_segment(text: str) -> Segment:
    return {"type": "text", "data": {"text": text}}


def parse_chat_id(chat_id: str) -> tuple[Literal["private", "group"], int]:
    kind, _, target = chat_id.partition(":")
    if kind not in ("private", "group") or not target.isdigit():
        raise ValueError(f"not a QQ chat id: {chat_id!r} (private:<qq> or group:<group>)")
    return ("private" if kind == "private" else "group"), int(target)


# ---- the platform ---------------------------------------------------------------------------


class OneBotPlatform:
    name = "qq"
    caps = QQ_CAPS

    def __init__(
        self,
        handle: Handle,
        is_listed: Callable[[str], bool],
        *,
        mode: Literal["reverse", "forward"] = "reverse",
        listen_host: str = "127.0.0.1",
        listen_port: int = 8080,
        path: str = "/onebot/v11/ws",
        forward_url: str = "ws://127.0.0.1:3001",
        access_token: str,
        audit: Audit = no_audit,
        expected_self_id: str | None = None,
        min_send_interval_s: float = 1.0,
        send_jitter_s: float = 0.5,
        action_timeout_s: float = 10.0,
        send_attempts: int = 3,
        retry_wait_s: float = 2.0,
        reconnect_delays_s: Sequence[float] = (1.0, 2.0, 5.0, 10.0, 30.0),
        ws_heartbeat_s: float = 30.0,
    ) -> None:
        if not access_token:
            raise ValueError("a OneBot connection needs an access token (none was given)")
        self._is_listed = is_listed
        self._audit = audit
        self.plumbing = Plumbing(self.name, handle, attempts=send_attempts, backoff_s=retry_wait_s)
        self.mode = mode
        self._host = listen_host
        self._port = listen_port
        self._path = path
        self._forward_url = forward_url
        self._token = access_token
        self._expected_self_id = expected_self_id
        self._interval = max(0.0, min_send_interval_s)
        self._jitter = max(0.0, send_jitter_s)
        self._action_timeout = action_timeout_s
        self._reconnect_delays = tuple(reconnect_delays_s) or (1.0,)
        self._ws_heartbeat = ws_heartbeat_s

        self.self_id: str | None = expected_self_id
        self.last_heartbeat: float | None = None
        self._api_ws: WS | None = None
        self._event_sockets: set[WS] = set()
        self._api_ready = asyncio.Event()
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._echo = itertools.count(1)
        self._send_lock = asyncio.Lock()
        self._next_send_at = 0.0
        self._rng = secrets.SystemRandom()  # send jitter
        self._sent_ids: deque[str] = deque(maxlen=500)
        self._codes: OrderedDict[str, tuple[float, set[str]]] = OrderedDict()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._forward_task: asyncio.Task[None] | None = None
        self._stopping = False
        self.bound_port: int | None = None

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._stopping = False
        if self.mode == "reverse":
            app = web.Application()
            app.router.add_get(self._path, self._accept)
            self._runner, self.bound_port = await serve(app, self._host, self._port)
            log.info(
                "QQ: waiting for OneBot on ws://%s:%s%s", self._host, self.bound_port, self._path
            )
        else:
            self._session = aiohttp.ClientSession()
            self._forward_task = asyncio.create_task(self._forward_loop(), name="onebot-forward")

    async def stop(self) -> None:
        self._stopping = True
        if self._forward_task is not None:
            self._forward_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._forward_task
            self._forward_task = None
        for ws in {*self._event_sockets, *([self._api_ws] if self._api_ws else [])}:
            with contextlib.suppress(Exception):
                await ws.close()
        await self.plumbing.close()
        self._fail_pending(OneBotNotConnected("stopped"))
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def connected(self) -> bool:
        return self._api_ws is not None and not self._api_ws.closed

    async def wait_connected(self, within_s: float) -> bool:
        try:
            await asyncio.wait_for(self._api_ready.wait(), within_s)
        except TimeoutError:
            return False
        return True

    # ---- connections -------------------------------------------------------------------------

    def _authorized(self, request: web.Request) -> bool:
        """The connection carries our access token: `Authorization: Bearer <token>` (older
        implementations write `Token <token>`), else `?access_token=<token>` (OneBot v11 allows
        it where headers cannot be set). Compared in constant time."""
        header = request.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() not in ("bearer", "token"):
            given = request.query.get("access_token", "")
        return hmac.compare_digest(given.strip().encode(), self._token.encode())

    async def _accept(self, request: web.Request) -> web.StreamResponse:
        peer = request.remote
        if not self._authorized(request):
            log.warning("QQ: refused a OneBot connection from %s: bad access token", peer)
            return web.Response(status=401, text="bad access token")
        self_id = request.headers.get("X-Self-ID", "").strip()
        if not self_id.isdigit():
            return web.Response(status=400, text="X-Self-ID missing")
        if self._expected_self_id and self_id != self._expected_self_id:
            log.warning("QQ: refused OneBot connection for account %s", self_id)
            return web.Response(status=403, text="unexpected X-Self-ID")
        role = request.headers.get("X-Client-Role", "Universal").strip().lower()
        if role not in ("universal", "api", "event"):
            return web.Response(status=400, text="unknown X-Client-Role")
        ws = web.WebSocketResponse(heartbeat=self._ws_heartbeat, max_msg_size=16 * 2**20)
        await ws.prepare(request)
        self.self_id = self_id
        log.info("QQ: OneBot connected (account %s, role %s)", self_id, role)
        await self._serve(ws, api=role in ("universal", "api"), events=role != "api")
        return ws

    async def _forward_loop(self) -> None:
        if self._session is None:
            raise RuntimeError("QQ: forward mode started without a client session")
        failures = 0
        headers = {"Authorization": f"Bearer {self._token}"}
        while not self._stopping:
            try:
                async with self._session.ws_connect(
                    self._forward_url,
                    headers=headers,
                    heartbeat=self._ws_heartbeat,
                    max_msg_size=16 * 2**20,
                ) as ws:
                    failures = 0
                    log.info("QQ: connected to OneBot at %s", self._forward_url)
                    self.plumbing.spawn(self._learn_self_id(), "onebot-login-info")
                    await self._serve(ws, api=True, events=True)
            except (aiohttp.ClientError, OSError) as exc:
                log.warning("QQ: cannot reach OneBot at %s: %s", self._forward_url, exc)
            if self._stopping:
                break
            delay = self._reconnect_delays[min(failures, len(self._reconnect_delays) - 1)]
            failures += 1
            log.info("QQ: reconnecting in %.1f s", delay)
            await asyncio.sleep(delay)

    async def _learn_self_id(self) -> None:
        try:
            data = await self.call_action("get_login_info", {})
        except OneBotError as exc:
            log.warning("QQ: get_login_info failed: %s", exc)
            return
        if isinstance(data, dict) and data.get("user_id"):
            self.self_id = str(data["user_id"])

    async def _serve(self, ws: WS, *, api: bool, events: bool) -> None:
        if api:
            old = self._api_ws
            self._api_ws = ws
            self._api_ready.set()
            if old is not None and old is not ws and not old.closed:
                self.plumbing.spawn(old.close(), "onebot-close-old")
        if events:
            self._event_sockets.add(ws)
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    self._on_frame(msg.data)
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    log.warning("QQ: WebSocket error: %s", ws.exception())
        finally:
            self._event_sockets.discard(ws)
            if self._api_ws is ws:
                self._api_ws = None
                self._api_ready.clear()
                self._fail_pending(OneBotNotConnected("OneBot connection dropped"))
                log.warning("QQ: OneBot connection closed")

    def _fail_pending(self, exc: Exception) -> None:
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(exc)
        self._pending.clear()

    def _on_frame(self, raw: str) -> None:
        try:
            frame = json.loads(raw)
        except ValueError:
            log.warning("QQ: ignored a frame that is not JSON")
            return
        if not isinstance(frame, dict):
            return
        if "post_type" in frame:
            self._on_event(frame)
            return
        if "echo" in frame:
            fut = self._pending.pop(str(frame.get("echo")), None)
            if fut is not None and not fut.done():
                fut.set_result(frame)

    def _on_event(self, ev: dict[str, Any]) -> None:
        post = ev.get("post_type")
        if ev.get("self_id") is not None:
            self.self_id = str(ev["self_id"])
        if post == "meta_event":
            if ev.get("meta_event_type") == "heartbeat":
                self.last_heartbeat = time.monotonic()
            return
        if post == "message":
            self.plumbing.spawn(self._on_message(ev), "onebot-message")

    # ---- incoming ----------------------------------------------------------------------------

    def _addressed_in_group(
        self, chat: str, text: str, mentioned: bool, reply_to: str | None
    ) -> bool:
        if mentioned or text.startswith("/"):
            return True
        if reply_to is not None and reply_to in self._sent_ids:
            return True
        entry = self._codes.get(chat)
        return entry is not None and text in entry[1]

    async def _forged(self, ev: dict[str, Any], user_id: str) -> bool:
        """True (and audited) when the event's two user ids disagree: the top-level `user_id`
        is the one we act on, and a genuine implementation fills `sender.user_id` with the same
        QQ number. A stranger's message relabelled as a listed trader's fails here."""
        sender = ev.get("sender")
        claimed = str(sender.get("user_id", "")) if isinstance(sender, dict) else ""
        if claimed == user_id:
            return False
        group = ev.get("group_id")
        chat = f"group:{group}" if ev.get("message_type") == "group" else f"private:{user_id}"
        log.warning(
            "QQ: dropped a message whose user_id %s differs from sender.user_id %r",
            user_id,
            claimed,
        )
        await self._audit(
            "impersonation",
            platform=self.name,
            chat_id=chat,
            user_id=user_id,
            detail={
                "user_id": user_id,
                "sender_user_id": claimed or None,
                "message_id": ev.get("message_id"),
                "self_id": ev.get("self_id"),
            },
        )
        return True

    async def _on_message(self, ev: dict[str, Any]) -> None:
        user_id = str(ev.get("user_id", ""))
        if not user_id or user_id == self.self_id:
            return
        if await self._forged(ev, user_id):
            return
        segs = segments_of(ev.get("message", ev.get("raw_message", "")))
        text, mentioned, reply_to = read_segments(segs, self.self_id)
        kind = ev.get("message_type")
        if kind == "private":
            chat, is_group = f"private:{user_id}", False
        elif kind == "group" and ev.get("group_id") is not None:
            chat, is_group = f"group:{ev['group_id']}", True
            if not self._is_listed(user_id):
                return
            if not self._addressed_in_group(chat, text, mentioned, reply_to):
                return
        else:
            return
        if not text:
            return
        sender = ev.get("sender") or {}
        message_id = str(ev["message_id"]) if ev.get("message_id") is not None else None
        incoming = Incoming(
            platform=self.name,
            chat_id=chat,
            user_id=user_id,
            user_name=str(sender.get("card") or sender.get("nickname") or ""),
            text=text,
            is_group=is_group,
            message_id=message_id,
            mentioned=mentioned,
            private_chat=f"private:{user_id}",  # QQ can write to any group member privately
        )
        # One chat's messages are handled in order, and their answers go out in order on the
        # chat's delivery line: a slow send never holds the handling of the next message.
        async with self.plumbing.in_order(chat):
            outs = await self.plumbing.answer(incoming)
            quote = message_id if is_group else None
            self.plumbing.queue(chat, lambda: self._deliver_answers(chat, outs, quote))

    async def _deliver_answers(self, chat: str, outs: list[Outgoing], quote: str | None) -> None:
        """The answers to one message, in order (the first quotes it in a group); stops at
        the first that cannot be delivered."""
        for n, out in enumerate(outs):
            first = quote if n == 0 else None
            delivered = await self.plumbing.reply_to(
                out,
                chat,
                lambda to, o, first=first: self._attempt(  # type: ignore[misc]
                    to, o, quote=first if to == chat else None
                ),
            )
            if not delivered:
                return

    # ---- outgoing ----------------------------------------------------------------------------

    async def send(self, chat_id: str, out: Outgoing) -> None:
        """Deliver one message, one attempt; raises `TemporaryPlatformError` or
        `PermanentPlatformError` (`classify`)."""
        await self._attempt(chat_id, out, quote=None)

    async def _attempt(self, chat_id: str, out: Outgoing, *, quote: str | None) -> None:
        try:
            await self._deliver(chat_id, out, quote=quote)
        except OneBotError as exc:
            raise classify(exc) from exc
        except ValueError as exc:  # not a QQ chat id: no retry can fix that
            raise PermanentPlatformError(f"QQ: {exc}", platform=self.name) from exc

    async def _deliver(self, chat_id: str, out: Outgoing, *, quote: str | None) -> None:
        kind, target = parse_chat_id(chat_id)
        r = render(out, self.caps)
        if r.reply_codes:
            self._remember_codes(chat_id, r.reply_codes)
        messages: list[list[Segment]] = [[text_segment(t)] for t in r.texts]
        for img in r.images:
            segs = [image_segment(img.data)]
            if img.caption:
                segs.insert(0, text_segment(img.caption + "\n"))
            messages.append(segs)
        if quote is not None and messages:
            messages[0].insert(0, {"type": "reply", "data": {"id": quote}})
        for segs in messages:
            await self._send_one(kind, target, segs)

    def _remember_codes(self, chat: str, codes: list[str]) -> None:
        now = time.monotonic()
        entry = self._codes.pop(chat, None)
        known = entry[1] if entry is not None and now - entry[0] < 3600 else set()
        self._codes[chat] = (now, known | set(codes))
        while len(self._codes) > 1000:
            self._codes.popitem(last=False)

    async def _send_one(self, kind: str, target: int, segs: list[Segment]) -> None:
        action = "send_private_msg" if kind == "private" else "send_group_msg"
        params: dict[str, Any] = {"message": segs}
        params["user_id" if kind == "private" else "group_id"] = target
        data = await once(lambda: self._throttled(action, params))
        if isinstance(data, dict) and data.get("message_id") is not None:
            self._sent_ids.append(str(data["message_id"]))

    async def _throttled(self, action: str, params: dict[str, Any]) -> Any:
        loop = asyncio.get_running_loop()
        async with self._send_lock:
            wait = self._next_send_at - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                return await self.call_action(action, params)
            finally:
                gap = self._interval + self._rng.uniform(0.0, self._jitter)
                self._next_send_at = loop.time() + gap

    async def call_action(self, action: str, params: dict[str, Any]) -> Any:
        """Send one OneBot action and wait for the response with the same echo."""
        ws = self._api_ws
        if ws is None or ws.closed:
            raise OneBotNotConnected("no OneBot connection")
        echo = f"tc{next(self._echo)}"
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[echo] = fut
        try:
            await ws.send_str(json.dumps({"action": action, "params": params, "echo": echo}))
            resp = await asyncio.wait_for(fut, self._action_timeout)
        except TimeoutError:
            raise OneBotTimeout(f"{action}: no answer in {self._action_timeout:g} s") from None
        except (ConnectionError, RuntimeError) as exc:
            raise OneBotNotConnected(f"{action}: {exc}") from None
        finally:
            self._pending.pop(echo, None)
        status = resp.get("status")
        retcode = int(resp.get("retcode") or 0)
        if status == "failed" or retcode not in (0, 1):
            msg = str(resp.get("wording") or resp.get("message") or resp.get("msg") or "")
            raise OneBotActionFailed(action, retcode, msg)
        return resp.get("data")


def create(parts: PlatformParts, settings: Settings) -> OneBotPlatform | None:
    """The QQ platform from `[qq]`, or None when it is not enabled. Raises `ConfigError`
    naming the environment variable when the access token is missing: QQ never runs without
    one (`bot.settings.listener_problems`, which `check-config` reports too)."""
    qq = settings.qq
    if not qq.enabled:
        return None
    token = secret(qq.access_token_env)
    if token is None:
        raise ConfigError(qq_token_problem(qq) or f"[qq]: {qq.access_token_env} is not set")
    return OneBotPlatform(
        parts.handle,
        parts.listed_on("qq"),
        audit=parts.audit,
        mode=qq.mode,
        listen_host=qq.listen_host,
        listen_port=qq.listen_port,
        path=qq.path,
        forward_url=qq.forward_url,
        access_token=token,
        min_send_interval_s=qq.min_send_interval_s,
        send_jitter_s=qq.min_send_interval_s / 2,
        action_timeout_s=qq.action_timeout_s,
    )
