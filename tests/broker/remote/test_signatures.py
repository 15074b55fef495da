"""Signed broker requests: the gateway refuses a missing, forged, stale or replayed
signature, an order from a token without a signing secret, and a token without the admin
scope — with httpx against the real gateway, and the `Verifier`'s rules on their own with a
clock the test sets."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import httpx
import pytest

from broker.errors import TemporaryBrokerError
from broker.remote import RemoteBroker
from broker.remote.signing import (
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Verifier,
    sign_headers,
)
from handlers.broker_text import note_text
from tests.broker.remote.conftest import ENV, READER, SECRET, TOKEN, Vps

PATH = "/api/v1/broker/open_market"
ORDER = json.dumps({"symbol": "EURUSD", "side": "buy", "volume": 0.01}).encode()


async def _post(
    vps: Vps, headers: dict[str, str], body: bytes = ORDER, token: str = TOKEN, path: str = PATH
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=vps.url) as http:
        return await http.post(
            path,
            content=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": uuid.uuid4().hex,
                **headers,
            },
        )


async def test_a_correctly_signed_order_opens(vps: Vps) -> None:
    r = await _post(vps, sign_headers(SECRET, "POST", PATH, ORDER))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["state"] == "done"
    assert len(await vps.app.broker.positions()) == 1


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        (dict, "signature_missing"),
        (lambda: sign_headers("a-different-secret", "POST", PATH, ORDER), "signature_bad"),
        # signed for another body: the signature covers the body's hash
        (lambda: sign_headers(SECRET, "POST", PATH, b'{"symbol":"EURUSD"}'), "signature_bad"),
        # signed for another operation: the signature covers the path
        (lambda: sign_headers(SECRET, "POST", "/api/v1/broker/account", ORDER), "signature_bad"),
        (lambda: sign_headers(SECRET, "POST", PATH, ORDER, now=1_000_000_000.0), "signature_stale"),
    ],
    ids=["missing", "forged", "other-body", "other-path", "stale"],
)
async def test_a_missing_forged_or_stale_signature_is_refused_and_nothing_opens(
    vps: Vps, headers: Callable[[], dict[str, str]], code: str
) -> None:
    r = await _post(vps, headers())  # signed now (a signature made at collection would be stale)
    assert r.status_code == 401
    body = r.json()
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert await vps.app.broker.positions() == []


async def test_a_replayed_request_is_refused(vps: Vps) -> None:
    headers = sign_headers(SECRET, "POST", PATH, ORDER)
    first = await _post(vps, headers)
    assert first.status_code == 200
    again = await _post(vps, headers)  # the same signed bytes, captured and sent again
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "signature_replayed"
    assert len(await vps.app.broker.positions()) == 1


async def test_a_token_without_a_signing_secret_may_read_but_never_order(vps: Vps) -> None:
    unsigned = ENV["TC_RB_UNSIGNED"]
    async with httpx.AsyncClient(base_url=vps.url) as http:
        headers = {"Authorization": f"Bearer {unsigned}"}
        read = await http.post("/api/v1/broker/account", content=b"{}", headers=headers)
    assert read.status_code == 200
    r = await _post(vps, {}, token=unsigned)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "signature_required"
    assert await vps.app.broker.positions() == []


async def test_the_broker_endpoints_need_the_admin_scope(vps: Vps) -> None:
    r = await _post(vps, sign_headers(SECRET, "POST", PATH, ORDER), token=READER)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "missing_scope"


async def test_an_order_without_an_idempotency_key_or_with_bad_arguments_is_refused(
    vps: Vps,
) -> None:
    async with httpx.AsyncClient(base_url=vps.url) as http:
        headers = {"Authorization": f"Bearer {TOKEN}", **sign_headers(SECRET, "POST", PATH, ORDER)}
        r = await http.post(PATH, content=ORDER, headers=headers)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "idempotency_key_needed"
    bad = json.dumps({"symbol": "EURUSD", "side": "up", "volume": 0.01}).encode()
    r = await _post(vps, sign_headers(SECRET, "POST", PATH, bad), body=bad)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_request"
    extra = json.dumps({"symbol": "EURUSD", "side": "buy", "volume": 0.01, "x": 1}).encode()
    r = await _post(vps, sign_headers(SECRET, "POST", PATH, extra), body=extra)
    assert r.status_code == 400
    assert "x" in r.json()["error"]["message"]
    unknown = await _post(vps, {}, path="/api/v1/broker/order_send")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "unknown_operation"
    assert await vps.app.broker.positions() == []


async def test_the_same_idempotency_key_answers_the_stored_result_and_opens_once(
    vps: Vps,
) -> None:
    key = uuid.uuid4().hex
    answers = []
    for _ in range(2):
        r = await _post(vps, {**sign_headers(SECRET, "POST", PATH, ORDER), "Idempotency-Key": key})
        assert r.status_code == 200
        answers.append(r.json())
    assert answers[0]["data"] == answers[1]["data"]
    assert answers[1].get("replayed") is True
    assert len(await vps.app.broker.positions()) == 1


async def test_a_remote_broker_with_the_wrong_secret_is_refused_in_words_and_sends_nothing(
    vps: Vps,
) -> None:
    broker = RemoteBroker(vps.url, TOKEN, signing_secret="not-the-secret")
    try:
        with pytest.raises(TemporaryBrokerError):  # the supervisor keeps trying, and says why
            await broker.connect()
        reason = broker.disconnect_reason
        assert reason.key == "gateway_refused"
        assert reason.facts["code"] == "signature_bad"
        result = await broker.open_market("EURUSD", "buy", 0.01)
        assert result.state == "refused"
        said = note_text(result.note, "en")
        assert "trading is paused" in said
        assert "signature does not match" in said
        assert await vps.app.broker.positions() == []
    finally:
        await broker.close()


# ---- the verifier's rules, with the test's clock -----------------------------------------


def _headers(stamp: float, nonce: str = "n1", body: bytes = b"{}") -> dict[str, str | None]:
    return dict(sign_headers("s", "POST", "/p", body, now=stamp, nonce=nonce))


def test_a_signature_is_fresh_within_max_age_either_way_and_stale_past_it() -> None:
    now = [1000.0]
    v = Verifier(max_age_s=5.0, clock=lambda: now[0])
    assert v.problem("c", "s", "POST", "/p", b"{}", _headers(996.0, "a")) is None
    assert v.problem("c", "s", "POST", "/p", b"{}", _headers(1004.0, "b")) is None
    assert v.problem("c", "s", "POST", "/p", b"{}", _headers(994.0, "c")) == "signature_stale"
    assert v.problem("c", "s", "POST", "/p", b"{}", _headers(1006.0, "d")) == "signature_stale"


def test_nonces_are_remembered_per_caller_and_forgotten_once_their_time_is_past() -> None:
    now = [1000.0]
    v = Verifier(max_age_s=5.0, clock=lambda: now[0])
    assert v.problem("c", "s", "POST", "/p", b"{}", _headers(1000.0)) is None
    assert v.problem("c", "s", "POST", "/p", b"{}", _headers(1000.0)) == "signature_replayed"
    assert v.problem("other", "s", "POST", "/p", b"{}", _headers(1000.0)) is None
    now[0] = 1020.0
    # the old request is now refused as stale, and its nonce no longer takes memory
    assert v.problem("c", "s", "POST", "/p", b"{}", _headers(1000.0)) == "signature_stale"
    assert v.problem("c", "s", "POST", "/p", b"{}", _headers(1020.0, "fresh")) is None
    assert ("c", "n1") not in v._seen


def test_headers_that_are_malformed_count_as_missing() -> None:
    v = Verifier(clock=lambda: 1000.0)
    bad = {TIMESTAMP_HEADER: "yesterday", NONCE_HEADER: "n", SIGNATURE_HEADER: "00"}
    assert v.problem("c", "s", "POST", "/p", b"", dict(bad)) == "signature_missing"
    long_nonce = {**_headers(1000.0), NONCE_HEADER: "n" * 65}
    assert v.problem("c", "s", "POST", "/p", b"{}", long_nonce) == "signature_missing"
