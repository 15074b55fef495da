"""WeChat through a WeCom (企业微信) self-built app.

In: an aiohttp callback endpoint. GET answers WeCom's URL check (echostr); POST carries an
encrypted XML message whose msg_signature is checked before anything else, then decrypted
(`bot.wecom_crypto`). The answer is an empty 200 at once (WeCom retries after 5 s without one);
the work happens in a task.

Replays are refused in the database (`store.replay.ReplayGuard`), so a restart forgets none:
a callback whose signed timestamp is more than `[wecom] replay_window_s` (default 300 s) away
from now is refused (403); within the window, its timestamp + nonce and its MsgId (for events:
sender, time, key and task) are each accepted once. WeCom's own retries and an attacker's
replays of a captured callback are both ignored with an empty 200, and audited (`replay`).

Out: `message/send` with a cached access_token (refreshed once on 40014/42001), text split by
UTF-8 bytes (2048 per message), charts through `media/upload`, and confirmations as
`template_card` cards of type `button_interaction`. A press arrives as a
`template_card_event` (EventKey = the button id, TaskId = the card) and becomes an `Incoming`
with `button_id`; the card's buttons are then greyed out with the result through
`update_template_card`. When a card cannot be sent, the preview goes out as text with the typed
reply codes instead.

Optionally a group-robot webhook receives broadcasts: chat id "@robot".

Chat ids are WeCom userids.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import logging
import re
import secrets
import time
import xml.etree.ElementTree as ET
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from bot.platforms.base import Audit, Handle, PlatformParts, Plumbing, no_audit, once
from bot.platforms.listener import serve
from bot.platforms.render import Rendered, render, reply_code_line, split_message, text_size
from bot.platforms.wecom_crypto import WeComCryptoError, WXBizMsgCrypt
from bot.settings import Settings, secret
from handlers.messages import (
    Image,
    Incoming,
    Outgoing,
    PermanentPlatformError,
    PlatformCaps,
    PlatformError,
    TemporaryPlatformError,
)
from store.replay import ReplayGuard

log = logging.getLogger("tradechat.wecom")

WECOM_CAPS = PlatformCaps(
    buttons="native", max_text=2048, image_mode="upload", push="always", text_unit="bytes"
)
ROBOT_CAPS = PlatformCaps(
    buttons="none", max_text=2048, image_mode="base64", push="always", text_unit="bytes"
)
ROBOT_CHAT = "@robot"

TOKEN_ERRORS = frozenset({40014, 42001, 41001})  # invalid / expired / missing access_token
BUSY_ERRORS = frozenset({-1, 45009, 45033})  # system busy, rate limits: worth another try
CARD_TITLE_MAX = 26  # characters WeCom shows in a card's main title
CARD_BODY_MAX = 112  # characters of a card's sub_title_text
MAX_CALLBACK_BYTES = 1 << 20

_ENCRYPT = re.compile(r"<Encrypt>\s*<!\[CDATA\[([A-Za-z0-9+/=]+)\]\]>\s*</Encrypt>")


class WeComApiError(Exception):
    def __init__(self, api: str, errcode: int, errmsg: str) -> None:
        super().__init__(f"{api}: errcode {errcode} {errmsg}".strip())
        self.errcode = errcode
        self.errmsg = errmsg


def classify(exc: Exception) -> PlatformError:
    """WeCom's answer as ours: "system busy" and rate limits (-1, 45009, 45033), HTTP 5xx / 429,
    timeouts and connection errors are temporary; any other errcode (bad secret, bad agent,
    content refused) and other HTTP 4xx are permanent."""
    text = f"WeCom: {exc}"
    if isinstance(exc, WeComApiError):
        if exc.errcode in BUSY_ERRORS:
            return TemporaryPlatformError(text, platform="wecom")
        return PermanentPlatformError(text, platform="wecom")
    if isinstance(exc, aiohttp.ClientResponseError) and exc.status < 500 and exc.status != 429:
        return PermanentPlatformError(text, platform="wecom")
    return TemporaryPlatformError(text, platform="wecom")  # 5xx, 429, timeouts, network


_DELIVERY_ERRORS = (WeComApiError, aiohttp.ClientError, TimeoutError)


@dataclasses.dataclass(slots=True)
class _Card:
    user: str
    labels: dict[str, str]  # button key -> label
    created: float


class WeComPlatform:
    name = "wecom"
    caps = WECOM_CAPS

    def __init__(
        self,
        handle: Handle,
        is_listed: Callable[[str], bool],
        *,
        corp_id: str,
        agent_id: int,
        secret: str,
        token: str,
        aes_key: str,
        replay: ReplayGuard,
        audit: Audit = no_audit,
        api_base_url: str = "https://qyapi.weixin.qq.com",
        listen_host: str = "127.0.0.1",
        listen_port: int = 8081,
        path: str = "/wecom/callback",
        robot_webhook: str | None = None,
        send_attempts: int = 3,
        retry_wait_s: float = 1.0,
        http_timeout_s: float = 15.0,
    ) -> None:
        self._is_listed = is_listed
        self._replay = replay
        self._audit = audit
        self.plumbing = Plumbing(self.name, handle, attempts=send_attempts, backoff_s=retry_wait_s)
        self.corp_id = corp_id
        self.agent_id = agent_id
        self._secret = secret
        self._crypt = WXBizMsgCrypt(token, aes_key, corp_id)
        self._base = api_base_url.rstrip("/")
        self._host = listen_host
        self._port = listen_port
        self._path = path
        self._robot = robot_webhook or None
        self._timeout = aiohttp.ClientTimeout(total=http_timeout_s)

        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._access_token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()
        self._cards: OrderedDict[str, _Card] = OrderedDict()
        self.bound_port: int | None = None

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        app = web.Application(client_max_size=MAX_CALLBACK_BYTES)
        app.router.add_get(self._path, self._verify_url)
        app.router.add_post(self._path, self._callback)
        self._runner, self.bound_port = await serve(app, self._host, self._port)
        log.info("WeCom: callback on http://%s:%s%s", self._host, self.bound_port, self._path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.plumbing.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def idle(self) -> None:
        """Wait until every callback received so far has been answered (tests, shutdown)."""
        await self.plumbing.idle()

    # ---- callback endpoint -------------------------------------------------------------------

    async def _verify_url(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            echo = self._crypt.verify_url(
                q.get("msg_signature", ""),
                q.get("timestamp", ""),
                q.get("nonce", ""),
                q.get("echostr", "").replace(" ", "+"),  # an unencoded "+" reads as a space
            )
        except WeComCryptoError as exc:
            log.warning("WeCom: URL check from %s refused: %s", request.remote, exc)
            return web.Response(status=403, text="forbidden")
        return web.Response(text=echo)

    async def _callback(self, request: web.Request) -> web.Response:
        q = request.query
        body = await request.text()
        m = _ENCRYPT.search(body)
        if m is None:
            return web.Response(status=400, text="bad request")
        ts, nonce = q.get("timestamp", ""), q.get("nonce", "")
        try:
            plain = self._crypt.decrypt_msg(q.get("msg_signature", ""), ts, nonce, m.group(1))
        except WeComCryptoError as exc:
            log.warning("WeCom: callback from %s refused: %s", request.remote, exc)
            return web.Response(status=403, text="forbidden")
        try:
            msg = _fields(plain)  # authenticated XML from WeCom only
        except ET.ParseError:
            return web.Response(status=400, text="bad request")
        if self.agent_id and msg.get("AgentID") not in ("", str(self.agent_id)):
            log.warning("WeCom: callback for agent %s ignored", msg.get("AgentID"))
            return web.Response(text="")
        refused = await self._replayed(ts, nonce, msg)
        if refused is not None:
            await self._audit_replay(refused, ts, nonce, msg)
            if refused == "stale":
                return web.Response(status=403, text="forbidden")
            return web.Response(text="")
        self.plumbing.spawn(self._dispatch(msg), "wecom-callback")
        return web.Response(text="")

    async def _replayed(self, ts: str, nonce: str, msg: dict[str, str]) -> str | None:
        """Why an authentic callback must not be acted on: "stale" (its signed timestamp is
        outside the window), "nonce" (this very request came before) or "duplicate" (its
        message came before, in another request: WeCom's retry); None when it is new."""
        if not ts.isdigit() or not self._replay.within_window(int(ts)):
            return "stale"
        stamp = int(ts)
        if not await self._replay.first_time("wecom:nonce", f"{ts}:{nonce}", stamp):
            return "nonce"
        if not await self._replay.first_time("wecom:msg", _dedup_key(msg), stamp):
            return "duplicate"
        return None

    async def _audit_replay(self, reason: str, ts: str, nonce: str, msg: dict[str, str]) -> None:
        key = _dedup_key(msg)
        log.warning("WeCom: callback %s ignored (%s)", key, reason)
        user = msg.get("FromUserName", "")
        detail = {"reason": reason, "key": key, "timestamp": ts, "nonce": nonce}
        try:
            await self._audit(
                "replay", platform=self.name, chat_id=user, user_id=user, detail=detail
            )
        except Exception:  # the refusal stands even when its audit row cannot be written
            log.exception("WeCom: could not audit a refused callback")

    async def _dispatch(self, msg: dict[str, str]) -> None:
        user = msg.get("FromUserName", "")
        if not user:
            return
        kind = msg.get("MsgType")
        if kind == "text":
            inc = Incoming(
                platform=self.name,
                chat_id=user,
                user_id=user,
                text=msg.get("Content", "").strip(),
                message_id=msg.get("MsgId") or None,
            )
            if not inc.text:
                return
        elif kind == "event" and msg.get("Event") == "template_card_event":
            task_id = msg.get("TaskId", "")
            inc = Incoming(
                platform=self.name,
                chat_id=user,
                user_id=user,
                button_id=msg.get("EventKey", ""),
                message_id=task_id,
            )
        else:
            log.debug("WeCom: %s/%s ignored", kind, msg.get("Event"))
            return
        # One user's messages are handled in order, and the answers go out in order on the
        # user's delivery line: a slow send never holds the handling of the next message.
        async with self.plumbing.in_order(user):
            outs = await self.plumbing.answer(inc)
            self.plumbing.queue(user, lambda: self._deliver_answers(msg, inc, outs))

    async def _deliver_answers(
        self, msg: dict[str, str], inc: Incoming, outs: list[Outgoing]
    ) -> None:
        """A pressed card greyed out first, then the answers in order; stops at the first
        that cannot be delivered."""
        user = inc.user_id
        if inc.button_id is not None:
            await self._close_card(msg, inc.button_id, outs)
        for out in outs:
            if not await self.plumbing.reply(
                lambda out=out: self._attempt(user, out),  # type: ignore[misc]
                user,
            ):
                return

    async def _close_card(self, msg: dict[str, str], key: str, outs: list[Outgoing]) -> None:
        """Grey out the pressed card's buttons with a short word of what happened."""
        code = msg.get("ResponseCode", "")
        if not code:
            return
        card = self._cards.pop(msg.get("TaskId", ""), None)
        first = next((o.text.strip().splitlines()[0] for o in outs if o.text.strip()), "")
        label = first or (card.labels.get(key, "") if card else "") or "✓"
        body = {
            "userids": [msg.get("FromUserName", "")],
            "agentid": self.agent_id,
            "response_code": code,
            "button": {"replace_name": _clip(label, 20)},
        }
        try:
            await self._api("message/update_template_card", json_body=body)
        except _DELIVERY_ERRORS as exc:
            log.info("WeCom: card not updated: %s", exc)

    # ---- outgoing ----------------------------------------------------------------------------

    async def send(self, chat_id: str, out: Outgoing) -> None:
        """Deliver one message, one attempt; raises `TemporaryPlatformError` or
        `PermanentPlatformError` (`classify`)."""
        await self._attempt(chat_id, out)

    async def _attempt(self, chat_id: str, out: Outgoing) -> None:
        try:
            if chat_id == ROBOT_CHAT:
                await self._robot_send(out)
            else:
                await self._deliver(chat_id, out)
        except _DELIVERY_ERRORS as exc:
            raise classify(exc) from exc

    async def _deliver(self, user: str, out: Outgoing) -> None:
        r = render(out, self.caps)
        texts = await self._preview(user, out, r) if r.buttons else r.texts
        for text in texts:
            await self._message(user, "text", {"content": text})
        for img in r.images:
            if img.caption:
                await self._message(user, "text", {"content": _clip_bytes(img.caption, 2048)})
            media_id = await self._upload(img)
            await self._message(user, "image", {"media_id": media_id})

    async def _preview(self, user: str, out: Outgoing, r: Rendered) -> list[str]:
        """A button_interaction card. A preview that fits goes into the card itself; a longer
        one is sent as text first and the card carries the buttons. When the card is refused
        the typed reply codes go out as text instead. Returns the texts still to send."""
        full = "\n".join(r.texts)
        first, _, rest = full.partition("\n")
        fits = len(first) <= CARD_TITLE_MAX and len(rest) <= CARD_BODY_MAX
        if not fits:
            for text in r.texts:
                await self._message(user, "text", {"content": text})
        if await once(lambda: self._send_card(user, first, rest if fits else "", r)):
            return []
        # refused: the typed reply codes go out as text instead
        if fits:
            return render(out, dataclasses.replace(self.caps, buttons="command")).texts
        line = reply_code_line(out.buttons, out.lang)
        return split_message(line, self.caps.max_text, "bytes")

    async def _send_card(self, user: str, title: str, body: str, r: Rendered) -> bool:
        """Send the card and remember it (one step of a delivery: a retry does not send it
        again). False when WeCom refuses the card."""
        task_id = f"tc{int(time.time())}{secrets.token_hex(6)}"
        card: dict[str, Any] = {
            "card_type": "button_interaction",
            "main_title": {"title": _clip(title, CARD_TITLE_MAX) or "✓"},
            "task_id": task_id,
            "button_list": [
                {"text": _clip(b.label, 10), "style": 1 if i == 0 else 2, "key": b.id}
                for i, b in enumerate(r.buttons[:6])
            ],
        }
        if body:
            card["sub_title_text"] = body
        try:
            await self._message(user, "template_card", card)
        except WeComApiError as exc:
            if exc.errcode in BUSY_ERRORS:
                raise  # busy is not a refusal: the delivery is tried again
            log.warning("WeCom: card refused (%s); sending reply codes as text", exc)
            return False
        self._cards[task_id] = _Card(user, {b.id: b.label for b in r.buttons}, time.time())
        while len(self._cards) > 2000:
            self._cards.popitem(last=False)
        return True

    async def _message(self, user: str, msgtype: str, content: dict[str, Any]) -> dict[str, Any]:
        body = {"touser": user, "msgtype": msgtype, "agentid": self.agent_id, msgtype: content}
        return await once(lambda: self._api("message/send", json_body=body))

    async def _upload(self, img: Image) -> str:
        def form() -> aiohttp.FormData:
            fd = aiohttp.FormData()
            fd.add_field("media", img.data, filename=img.name, content_type="image/png")
            return fd

        data = await once(lambda: self._api("media/upload", form=form, query={"type": "image"}))
        return str(data["media_id"])

    async def _api(
        self,
        api: str,
        *,
        json_body: dict[str, Any] | None = None,
        form: Callable[[], aiohttp.FormData] | None = None,
        query: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """One WeCom API call; a rejected access_token is refreshed and the call made again
        once."""
        for fresh in (False, True):
            token = await self._token(force=fresh)
            params = {"access_token": token, **(query or {})}
            data = await self._post(f"{self._base}/cgi-bin/{api}", params, json_body, form)
            code = int(data.get("errcode") or 0)
            if code in TOKEN_ERRORS and not fresh:
                log.info("WeCom: access_token rejected (%s), refreshing", code)
                self._access_token = None
                continue
            if code != 0:
                raise WeComApiError(api, code, str(data.get("errmsg", "")))
            return data
        raise AssertionError("unreachable")

    async def _post(
        self,
        url: str,
        params: dict[str, str],
        json_body: dict[str, Any] | None,
        form: Callable[[], aiohttp.FormData] | None,
    ) -> dict[str, Any]:
        session = self._require_session()
        payload: Any = form() if form is not None else None
        async with session.post(url, params=params, json=json_body, data=payload) as resp:
            resp.raise_for_status()
            data = await resp.json(content_type=None)
        if not isinstance(data, dict):
            raise WeComApiError(url.rsplit("/cgi-bin/", 1)[-1], -2, "not a JSON object")
        return data

    async def _token(self, *, force: bool = False) -> str:
        async with self._token_lock:
            now = time.monotonic()
            if not force and self._access_token and now < self._token_expires:
                return self._access_token
            session = self._require_session()
            params = {"corpid": self.corp_id, "corpsecret": self._secret}
            async with session.get(f"{self._base}/cgi-bin/gettoken", params=params) as resp:
                resp.raise_for_status()
                data = await resp.json(content_type=None)
            code = int(data.get("errcode") or 0)
            if code != 0 or not data.get("access_token"):
                raise WeComApiError("gettoken", code, str(data.get("errmsg", "")))
            self._access_token = str(data["access_token"])
            lifetime = float(data.get("expires_in") or 7200)
            self._token_expires = now + max(60.0, lifetime - 300.0)  # renew 5 min early
            return self._access_token

    def _require_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("WeCom platform is not started")
        return self._session

    # ---- group robot -------------------------------------------------------------------------

    async def _robot_send(self, out: Outgoing) -> None:
        if self._robot is None:
            raise WeComApiError("webhook/send", -3, "no group-robot webhook is configured")
        r = render(out, ROBOT_CAPS)
        bodies: list[dict[str, Any]] = [
            {"msgtype": "text", "text": {"content": t}} for t in r.texts
        ]
        for img in r.images:
            if img.caption:
                bodies.append({"msgtype": "text", "text": {"content": img.caption}})
            bodies.append(
                {
                    "msgtype": "image",
                    "image": {
                        "base64": base64.b64encode(img.data).decode(),
                        "md5": hashlib.md5(img.data, usedforsecurity=False).hexdigest(),
                    },
                }
            )
        for body in bodies:
            await once(lambda body=body: self._robot_post(body))  # type: ignore[misc]

    async def _robot_post(self, body: dict[str, Any]) -> None:
        if self._robot is None:
            raise WeComApiError("webhook/send", -3, "no group-robot webhook is configured")
        async with self._require_session().post(self._robot, json=body) as resp:
            resp.raise_for_status()
            data = await resp.json(content_type=None)
        code = int(data.get("errcode") or 0)
        if code != 0:
            raise WeComApiError("webhook/send", code, str(data.get("errmsg", "")))


def _fields(xml_text: str) -> dict[str, str]:
    # Parsed only after its signature checked out (from WeCom), at most 1 MiB, and expat
    # refuses entity-expansion bombs: no need for defusedxml.
    root = ET.fromstring(xml_text)  # noqa: S314
    return {child.tag: (child.text or "").strip() for child in root}


def _dedup_key(msg: dict[str, str]) -> str:
    if msg.get("MsgId"):
        return "msg:" + msg["MsgId"]
    parts = ("FromUserName", "CreateTime", "Event", "EventKey", "TaskId")
    return "ev:" + "|".join(msg.get(p, "") for p in parts)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clip_bytes(text: str, limit: int) -> str:
    while text_size(text, "bytes") > limit:
        text = text[: max(0, len(text) - 16)]
    return text


def create(parts: PlatformParts, settings: Settings) -> WeComPlatform | None:
    """The WeCom platform from `[wecom]`, or None when it is not enabled (or its secrets are
    missing: then the error names the environment variables and the other platforms go on)."""
    wc = settings.wecom
    if not wc.enabled:
        return None
    if parts.db is None:  # the composition root always passes it
        raise RuntimeError("WeCom needs the app database: its replay protection lives there")
    values = {env: secret(env) for env in (wc.secret_env, wc.token_env, wc.aes_key_env)}
    missing = [env for env, value in values.items() if value is None]
    if missing or not wc.corp_id or not wc.agent_id:
        log.error(
            "WeCom is enabled but not configured: set [wecom] corp_id and agent_id and the "
            "environment variables %s",
            ", ".join(missing) or "(all set)",
        )
        return None
    try:
        return WeComPlatform(
            parts.handle,
            parts.listed_on("wecom"),
            corp_id=wc.corp_id,
            agent_id=wc.agent_id,
            secret=values[wc.secret_env] or "",
            token=values[wc.token_env] or "",
            aes_key=values[wc.aes_key_env] or "",
            replay=ReplayGuard(parts.db, window_s=wc.replay_window_s),
            audit=parts.audit,
            api_base_url=wc.api_base_url,
            listen_host=wc.listen_host,
            listen_port=wc.listen_port,
            path=wc.path,
            robot_webhook=secret(wc.robot_webhook_env),
        )
    except ValueError as exc:
        log.error("WeCom: %s (%s)", exc, wc.aes_key_env)
        return None
