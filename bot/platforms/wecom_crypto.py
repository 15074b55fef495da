"""WeCom callback cryptography (the scheme of WeCom's WXBizMsgCrypt samples), on `cryptography`.

- signature = sha1 of the sorted, concatenated [token, timestamp, nonce, encrypt] (hex);
- AES key = base64decode(EncodingAESKey + "="), 32 bytes; IV = the key's first 16 bytes;
- plaintext = 16 random bytes + 4-byte big-endian length + msg + receiveid (the corp id),
  PKCS#7-padded to a multiple of 32 bytes, AES-256-CBC, base64.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import struct
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_BLOCK = 32  # WeCom pads to 32 bytes, not AES's 16


class WeComCryptoError(Exception):
    """A callback that fails the signature check or cannot be decrypted; never answered."""


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    parts = sorted([token, timestamp, nonce, encrypt])
    return hashlib.sha1("".join(parts).encode(), usedforsecurity=False).hexdigest()


def _pad(data: bytes) -> bytes:
    n = _BLOCK - len(data) % _BLOCK
    return data + bytes([n]) * n


def _unpad(data: bytes) -> bytes:
    if not data:
        raise WeComCryptoError("empty plaintext")
    n = data[-1]
    if not 1 <= n <= _BLOCK or data[-n:] != bytes([n]) * n:
        raise WeComCryptoError("bad padding")
    return data[:-n]


@dataclass(frozen=True, slots=True)
class Encrypted:
    encrypt: str
    signature: str
    timestamp: str
    nonce: str

    def xml(self) -> str:
        """The passive-reply envelope WeCom expects."""
        return (
            f"<xml><Encrypt><![CDATA[{self.encrypt}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{self.signature}]]></MsgSignature>"
            f"<TimeStamp>{self.timestamp}</TimeStamp>"
            f"<Nonce><![CDATA[{self.nonce}]]></Nonce></xml>"
        )


class WXBizMsgCrypt:
    """Verify, decrypt and encrypt WeCom callback payloads for one app."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        if len(encoding_aes_key) != 43:
            raise ValueError("EncodingAESKey must be 43 characters")
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except binascii.Error:
            raise ValueError("EncodingAESKey is not valid base64") from None
        if len(key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes")
        self._token = token
        self._key = key
        self._receive_id = receive_id

    def check_signature(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        expected = signature(self._token, timestamp, nonce, encrypt)
        if not hmac.compare_digest(expected, msg_signature.lower()):
            raise WeComCryptoError("signature mismatch")

    def decrypt(self, encrypt: str) -> str:
        """Decrypt one `Encrypt` / `echostr` value; the receiveid must be our corp id."""
        try:
            raw = base64.b64decode(encrypt, validate=True)
        except binascii.Error:
            raise WeComCryptoError("not base64") from None
        if not raw or len(raw) % 16:
            raise WeComCryptoError("bad ciphertext length")
        dec = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).decryptor()
        plain = _unpad(dec.update(raw) + dec.finalize())
        if len(plain) < 20:
            raise WeComCryptoError("plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        msg = plain[20 : 20 + length]
        receive_id = plain[20 + length :]
        if len(msg) != length:
            raise WeComCryptoError("bad message length")
        if receive_id.decode("utf-8", "replace") != self._receive_id:
            raise WeComCryptoError("receiveid mismatch")
        try:
            return msg.decode("utf-8")
        except UnicodeDecodeError:
            raise WeComCryptoError("message is not UTF-8") from None

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The GET check WeCom makes when the callback URL is saved: returns the plain echostr."""
        self.check_signature(msg_signature, timestamp, nonce, echostr)
        return self.decrypt(echostr)

    def decrypt_msg(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> str:
        self.check_signature(msg_signature, timestamp, nonce, encrypt)
        return self.decrypt(encrypt)

    def encrypt(self, msg: str, *, random16: bytes | None = None) -> str:
        body = msg.encode()
        rnd = random16 if random16 is not None else os.urandom(16)
        if len(rnd) != 16:
            raise ValueError("random prefix must be 16 bytes")
        plain = _pad(rnd + struct.pack(">I", len(body)) + body + self._receive_id.encode())
        enc = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).encryptor()
        return base64.b64encode(enc.update(plain) + enc.finalize()).decode()

    def encrypt_msg(
        self, msg: str, *, timestamp: str | None = None, nonce: str | None = None
    ) -> Encrypted:
        ts = timestamp or str(int(time.time()))
        nc = nonce or str(secrets.randbelow(10**10))
        enc = self.encrypt(msg)
        return Encrypted(enc, signature(self._token, ts, nc, enc), ts, nc)
