"""WXBizMsgCrypt against the known-answer vectors of WeCom's documentation and samples
(Token "QDG6eK", EncodingAESKey "jWmYm7qr5…", CorpID "wx5823bf96d3bd56c7")."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.platforms.wecom_crypto import WeComCryptoError, WXBizMsgCrypt, signature

TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
CORP_ID = "wx5823bf96d3bd56c7"

# POST callback sample of the WeCom "加解密方案说明" page
POST_SIG = "477715d11cdb4164915debcba66cb864d751f3e6"
POST_TS = "1409659813"
POST_NONCE = "1372623149"
POST_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/"
    "sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZ"
    "fJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3L"
    "AVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28"
    "H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
POST_PLAIN_FIELDS = [
    "<ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>",
    "<FromUserName><![CDATA[mycreate]]></FromUserName>",
    "<CreateTime>1409659813</CreateTime>",
    "<MsgType><![CDATA[text]]></MsgType>",
    "<Content><![CDATA[hello]]></Content>",
    "<MsgId>4561255354251345929</MsgId>",
    "<AgentID>218</AgentID>",
]

# GET URL-verification sample of WeCom's Sample.php / Sample.py
GET_SIG = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
GET_TS = "1409659589"
GET_NONCE = "263014780"
GET_ECHOSTR = (
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
)


def crypt() -> WXBizMsgCrypt:
    return WXBizMsgCrypt(TOKEN, AES_KEY, CORP_ID)


def test_documented_signature_is_reproduced() -> None:
    assert signature(TOKEN, POST_TS, POST_NONCE, POST_ENCRYPT) == POST_SIG


def test_documented_callback_decrypts_to_documented_plaintext() -> None:
    plain = crypt().decrypt_msg(POST_SIG, POST_TS, POST_NONCE, POST_ENCRYPT)
    assert plain == "<xml>" + "\n".join(POST_PLAIN_FIELDS) + "\n</xml>"


def test_documented_url_verification_returns_plain_echostr() -> None:
    assert crypt().verify_url(GET_SIG, GET_TS, GET_NONCE, GET_ECHOSTR) == "1616140317555161061"


def test_tampered_signature_is_rejected() -> None:
    bad = "0" * 40
    with pytest.raises(WeComCryptoError):
        crypt().decrypt_msg(bad, POST_TS, POST_NONCE, POST_ENCRYPT)
    with pytest.raises(WeComCryptoError):
        crypt().verify_url(GET_SIG, GET_TS, "263014781", GET_ECHOSTR)


def test_payload_for_another_corp_is_rejected() -> None:
    other = WXBizMsgCrypt(TOKEN, AES_KEY, "ww_other_corp")
    with pytest.raises(WeComCryptoError):
        other.decrypt_msg(POST_SIG, POST_TS, POST_NONCE, POST_ENCRYPT)


def test_encrypt_with_fixed_random_prefix_round_trips_and_pads_to_32_bytes() -> None:
    c = crypt()
    enc = c.encrypt("<xml>你好</xml>", random16=b"0123456789abcdef")
    assert len(base64.b64decode(enc)) % 32 == 0
    assert c.decrypt(enc) == "<xml>你好</xml>"


@given(st.text(max_size=300))
def test_any_text_round_trips_through_encrypt_msg(msg: str) -> None:
    c = crypt()
    e = c.encrypt_msg(msg, timestamp="1700000000", nonce="42")
    assert c.decrypt_msg(e.signature, e.timestamp, e.nonce, e.encrypt) == msg


def test_bad_encoding_aes_key_is_refused_at_construction() -> None:
    with pytest.raises(ValueError):
        WXBizMsgCrypt(TOKEN, "short", CORP_ID)
