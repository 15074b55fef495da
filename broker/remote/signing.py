"""Signed broker requests: HMAC-SHA256 over what identifies one request, on top of the token.

A bearer token stolen from a log or a proxy would let anybody trade; a signature made with a
secret that never travels (each side reads it from its own environment) cannot be reused for a
different request, and the timestamp and nonce keep a captured request from being sent again:
the gateway refuses a signature older (or newer) than `max_age_s` and a nonce it has seen
within that window. The signed text is

    METHOD \\n PATH \\n TIMESTAMP \\n NONCE \\n SHA-256(body) in hex

so the body is covered without being repeated, and the same bytes the client sent are the ones
verified (the client signs exactly the body it sends). Both ends use this module: the remote
broker to sign, the gateway (`bot/api/broker_routes.py`) to verify.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

TIMESTAMP_HEADER = "X-Tradechat-Timestamp"
NONCE_HEADER = "X-Tradechat-Nonce"
SIGNATURE_HEADER = "X-Tradechat-Signature"
NONCE_MAX = 64  # characters; longer nonces are refused before anything is stored


def signed_text(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join((method.upper(), path, timestamp, nonce, digest)).encode()


def signature(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    text = signed_text(method, path, timestamp, nonce, body)
    return hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()


def sign_headers(
    secret: str,
    method: str,
    path: str,
    body: bytes,
    *,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The three headers that sign one request (a fresh nonce each time)."""
    stamp = f"{time.time() if now is None else now:.3f}"
    once = nonce or secrets.token_hex(16)
    return {
        TIMESTAMP_HEADER: stamp,
        NONCE_HEADER: once,
        SIGNATURE_HEADER: signature(secret, method, path, stamp, once, body),
    }


@dataclass
class Verifier:
    """Checks signatures for one gateway; remembers nonces for `max_age_s` (a nonce older than
    that is refused by its timestamp anyway, so the memory stays bounded by the request rate)."""

    max_age_s: float = 5.0
    clock: Callable[[], float] = time.time
    _seen: dict[tuple[str, str], float] = field(default_factory=dict)

    def problem(
        self,
        caller: str,
        secret: str,
        method: str,
        path: str,
        body: bytes,
        headers: dict[str, str | None],
    ) -> str | None:
        """None when the request is signed, fresh and new; otherwise what is wrong with it:
        "signature_missing", "signature_stale", "signature_bad" or "signature_replayed"."""
        stamp = headers.get(TIMESTAMP_HEADER)
        nonce = headers.get(NONCE_HEADER)
        given = headers.get(SIGNATURE_HEADER)
        if not stamp or not nonce or not given or len(nonce) > NONCE_MAX:
            return "signature_missing"
        try:
            sent_at = float(stamp)
        except ValueError:
            return "signature_missing"
        now = self.clock()
        if abs(now - sent_at) > self.max_age_s:
            return "signature_stale"
        expected = signature(secret, method, path, stamp, nonce, body)
        if not hmac.compare_digest(expected, given.strip().lower()):
            return "signature_bad"
        self._forget_before(now - self.max_age_s)
        if (caller, nonce) in self._seen:
            return "signature_replayed"
        self._seen[(caller, nonce)] = sent_at
        return None

    def _forget_before(self, oldest: float) -> None:
        stale = [k for k, sent_at in self._seen.items() if sent_at < oldest - self.max_age_s]
        for k in stale:
            del self._seen[k]
