"""A small WeCom server on 127.0.0.1 (gettoken, message/send, media/upload,
message/update_template_card, a group-robot webhook) and a callback driver that encrypts and
signs like WeCom does. The driver's cryptography is written here on its own, from WeCom's
description, so that the adapter's `bot.platforms.wecom_crypto` is checked against a second
implementation rather than against itself."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import os
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

CORP_ID = "ww4d3c2b1a09876543"
AGENT_ID = 1000002
SECRET = "app-secret-for-tests"
TOKEN = "CallbackToken123"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters


@dataclass
class Call:
    api: str
    token: str | None
    body: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)

    @property
    def msgtype(self) -> str:
        return str(self.body.get("msgtype", ""))

    @property
    def text(self) -> str:
        return str((self.body.get("text") or {}).get("content", ""))


class FakeWeCom:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.uploads: list[tuple[str, bytes]] = []  # (filename, bytes)
        self.robot: list[dict[str, Any]] = []
        self.tokens_issued = 0
        self.valid_tokens: set[str] = set()
        self.expire_next = False  # the next API call answers 42001 (token expired)
        self.busy_next = 0  # the next N message/send calls answer -1 (system busy)
        self.refuse_cards = False  # template cards answer 86xxx (app has no callback)
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self.base_url = ""

    async def start(self) -> str:
        app = web.Application(client_max_size=8 << 20)
        app.router.add_get("/cgi-bin/gettoken", self._gettoken)
        app.router.add_post("/cgi-bin/message/send", self._send)
        app.router.add_post("/cgi-bin/media/upload", self._upload)
        app.router.add_post("/cgi-bin/message/update_template_card", self._update_card)
        app.router.add_post("/cgi-bin/webhook/send", self._robot)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    @property
    def robot_url(self) -> str:
        return f"{self.base_url}/cgi-bin/webhook/send?key=robot-key"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- API ---------------------------------------------------------------------------------

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _gettoken(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("corpid") != CORP_ID or q.get("corpsecret") != SECRET:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        self.tokens_issued += 1
        token = f"ACCESS{self.tokens_issued}"
        self.valid_tokens.add(token)
        await self._record(Call("gettoken", None))
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
        )

    def _token_error(self, request: web.Request) -> dict[str, Any] | None:
        token = request.query.get("access_token")
        if not token:
            return {"errcode": 41001, "errmsg": "access_token missing"}
        if self.expire_next:
            self.expire_next = False
            self.valid_tokens.discard(token)
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if token not in self.valid_tokens:
            return {"errcode": 40014, "errmsg": "invalid access_token"}
        return None

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        call = Call("message/send", request.query.get("access_token"), body)
        err = self._token_error(request)
        if err is None and self.busy_next > 0:
            self.busy_next -= 1
            err = {"errcode": -1, "errmsg": "system busy"}
        if err is None and body.get("agentid") != AGENT_ID:
            err = {"errcode": 40056, "errmsg": "invalid agentid"}
        too_long = body.get("msgtype") == "text" and len(body["text"]["content"].encode()) > 2048
        if err is None and too_long:
            err = {"errcode": 44004, "errmsg": "text content too long"}
        if err is None and body.get("msgtype") == "template_card" and self.refuse_cards:
            err = {"errcode": 86224, "errmsg": "app has no callback url"}
        if err is not None:
            call.body = {**body, "_refused": err["errcode"]}
            await self._record(call)
            return web.json_response(err)
        await self._record(call)
        answer: dict[str, Any] = {"errcode": 0, "errmsg": "ok", "msgid": f"m{next(self._ids)}"}
        if body.get("msgtype") == "template_card":
            answer["response_code"] = f"rc-send-{next(self._ids)}"
        return web.json_response(answer)

    async def _upload(self, request: web.Request) -> web.Response:
        err = self._token_error(request)
        if err is not None:
            return web.json_response(err)
        if request.query.get("type") != "image":
            return web.json_response({"errcode": 40004, "errmsg": "invalid media type"})
        form = await request.post()
        media = form.get("media")
        if not isinstance(media, web.FileField):
            return web.json_response({"errcode": 41005, "errmsg": "media data missing"})
        data = media.file.read()
        self.uploads.append((media.filename, data))
        media_id = f"MEDIA{len(self.uploads)}"
        await self._record(
            Call("media/upload", request.query["access_token"], {"media_id": media_id})
        )
        return web.json_response(
            {
                "errcode": 0,
                "errmsg": "ok",
                "type": "image",
                "media_id": media_id,
                "created_at": str(int(time.time())),
            }
        )

    async def _update_card(self, request: web.Request) -> web.Response:
        body = await request.json()
        err = self._token_error(request)
        if err is not None:
            return web.json_response(err)
        await self._record(
            Call("message/update_template_card", request.query["access_token"], body)
        )
        return web.json_response({"errcode": 0, "errmsg": "ok", "invaliduser": []})

    async def _robot(self, request: web.Request) -> web.Response:
        if request.query.get("key") != "robot-key":
            return web.json_response({"errcode": 93000, "errmsg": "invalid webhook url"})
        body = await request.json()
        self.robot.append(body)
        await self._record(Call("webhook/send", None, body))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    # ---- helpers for tests -------------------------------------------------------------------

    def sends(self) -> list[Call]:
        return [c for c in self.calls if c.api == "message/send" and "_refused" not in c.body]

    async def wait_sends(self, n: int, timeout: float = 5.0) -> list[Call]:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.sends()) >= n)
        return self.sends()

    def card_updates(self) -> list[Call]:
        return [c for c in self.calls if c.api == "message/update_template_card"]


# ---- the callback driver: what WeCom's servers send to our endpoint --------------------------


def _sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode(), usedforsecurity=False).hexdigest()


def wecom_encrypt(plain: str, aes_key: str = AES_KEY, corp_id: str = CORP_ID) -> str:
    key = base64.b64decode(aes_key + "=")
    msg = plain.encode()
    raw = os.urandom(16) + struct.pack(">I", len(msg)) + msg + corp_id.encode()
    pad = 32 - len(raw) % 32
    raw += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(raw) + enc.finalize()).decode()


@dataclass(frozen=True)
class Captured:
    """One callback request exactly as it went over the wire: what an attacker who sniffed it
    (a proxy log, a leaked capture) can send again, byte for byte. Without the Token and the
    EncodingAESKey nothing in it can be changed without breaking the signature."""

    params: dict[str, str]
    body: bytes


class CallbackDriver:
    """Posts encrypted, signed callbacks to the adapter's endpoint, as WeCom would; every
    request it made is kept in `captured`, and `replay` sends one again unchanged."""

    def __init__(self, url: str, token: str = TOKEN, aes_key: str = AES_KEY) -> None:
        self.url = url
        self.token = token
        self.aes_key = aes_key
        self.captured: list[Captured] = []
        self._session = aiohttp.ClientSession()
        self._msgids = itertools.count(7_000_000_000_000_000_001)
        self._nonces = itertools.count(1_372_623_149)

    async def close(self) -> None:
        await self._session.close()

    def _sign(self, encrypt: str, ts: str | None = None) -> dict[str, str]:
        ts = ts or str(int(time.time()))
        nonce = str(next(self._nonces))
        return {
            "msg_signature": _sha1_signature(self.token, ts, nonce, encrypt),
            "timestamp": ts,
            "nonce": nonce,
        }

    async def verify_url(self, *, tamper: bool = False) -> tuple[int, str]:
        echostr = wecom_encrypt("8391729364012834401", self.aes_key)
        params = {**self._sign(echostr), "echostr": echostr}
        if tamper:
            params["msg_signature"] = "0" * 40
        async with self._session.get(self.url, params=params) as resp:
            return resp.status, await resp.text()

    async def post_xml(
        self, inner: str, *, tamper: bool = False, ts: str | None = None
    ) -> tuple[int, str]:
        encrypt = wecom_encrypt(inner, self.aes_key)
        params = self._sign(encrypt, ts)
        if tamper:
            params["msg_signature"] = _sha1_signature(
                "wrong-token", params["timestamp"], params["nonce"], encrypt
            )
        body = (
            f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt>"
            f"<AgentID><![CDATA[{AGENT_ID}]]></AgentID></xml>"
        )
        captured = Captured(params, body.encode())
        self.captured.append(captured)
        return await self.replay(captured)

    async def replay(self, captured: Captured, url: str | None = None) -> tuple[int, str]:
        """Send a captured request again, unchanged (to `url`: a restarted adapter's)."""
        target = url or self.url
        async with self._session.post(target, params=captured.params, data=captured.body) as resp:
            return resp.status, await resp.text()

    @staticmethod
    def text_xml(user: str, content: str, msg_id: int, created: int | None = None) -> str:
        return (
            f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
            f"<FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{created or int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content>"
            f"<MsgId>{msg_id}</MsgId><AgentID>{AGENT_ID}</AgentID></xml>"
        )

    @staticmethod
    def card_event_xml(
        user: str, key: str, task_id: str, response_code: str, created: int | None = None
    ) -> str:
        return (
            f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
            f"<FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{created or int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[template_card_event]]></Event>"
            f"<EventKey><![CDATA[{key}]]></EventKey>"
            f"<TaskId><![CDATA[{task_id}]]></TaskId>"
            f"<CardType><![CDATA[button_interaction]]></CardType>"
            f"<ResponseCode><![CDATA[{response_code}]]></ResponseCode>"
            f"<AgentID>{AGENT_ID}</AgentID></xml>"
        )

    async def text(self, user: str, content: str, *, msg_id: int | None = None) -> int:
        mid = msg_id if msg_id is not None else next(self._msgids)
        status, _ = await self.post_xml(self.text_xml(user, content, mid))
        assert status == 200
        return mid

    async def press(self, user: str, key: str, task_id: str, *, created: int | None = None) -> int:
        xml = self.card_event_xml(user, key, task_id, f"rc-press-{next(self._nonces)}", created)
        status, _ = await self.post_xml(xml)
        return status
