"""Broker-level endpoints for another tradechat (`[broker] kind = "remote"`,
`broker/remote/`): `POST /api/v1/broker/{operation}` with the operation's arguments as JSON,
answered with its result as our broker models in JSON (`broker/remote/codec.py`).

These are the broker's verbs, not the chat's: the calling bot runs its own planner, risk gate
and ✅ confirmation, so the token must have the `admin` scope. Every request of a token with a
`signing_secret_env` must be signed (`broker/remote/signing.py`: HMAC-SHA256 over method,
path, timestamp, nonce and the body's hash; stale, forged and replayed signatures are refused
with 401), and order operations are refused for a token without one: a leaked bearer token
alone never trades. An order operation needs an `Idempotency-Key`; the same key again gets the
stored result (store/idempotency.py), so the client can ask again for a reply it lost without
opening twice. A `BrokerError` is answered with its class, note and code
(`details.broker`), so the client raises the same error and words the same note.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse

from bot.api.app import ApiError, Gateway, _key, failure, ok, requires
from bot.api.auth import Principal
from broker.errors import BrokerError, SymbolNotFound, TemporaryBrokerError
from broker.remote.codec import OPERATIONS, Operation, args_from_json, error_to_json, to_json
from broker.remote.signing import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from handlers.broker_text import note_text
from handlers.i18n import t
from store.idempotency import fingerprint


def _error_status(exc: BrokerError) -> int:
    if isinstance(exc, TemporaryBrokerError):
        return 503
    if isinstance(exc, SymbolNotFound):
        return 404
    return 400


def broker_error_response(exc: BrokerError) -> JSONResponse:
    return failure(
        _error_status(exc),
        "broker_error",
        note_text(exc.note, "en"),
        {"broker": error_to_json(exc)},
    )


def _check_signature(
    gw: Gateway, who: Principal, op: Operation, request: Request, body: bytes
) -> None:
    secret = gw.signing_secrets.get(who.name)
    if secret is None:
        if op.trade:
            raise ApiError(
                403, "signature_required", t("en", "rb_gw_signature_required", name=who.name)
            )
        return
    headers = {
        h: request.headers.get(h) for h in (TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)
    }
    problem = gw.verifier.problem(who.name, secret, request.method, request.url.path, body, headers)
    if problem is not None:
        raise ApiError(
            401, problem, t("en", f"rb_gw_{problem}", max_age=f"{gw.verifier.max_age_s:g}")
        )


def _arguments(op: Operation, body: bytes) -> dict[str, Any]:
    try:
        return args_from_json(op, json.loads(body or b"{}"))
    except ValueError as exc:  # JSON, unknown or invalid arguments (pydantic's errors are too)
        raise ApiError(
            400, "bad_request", t("en", "gw_api_bad_request", problems=str(exc)[:300])
        ) from None


async def _trade(
    gw: Gateway, who: Principal, name: str, args: dict[str, Any], key: str, body: bytes
) -> JSONResponse:
    caller = f"broker:{who.name}"
    state = await gw.keys.begin(caller, key, fingerprint([name, body.decode()]), now=gw.clock())
    if state.outcome == "conflict":
        return failure(409, "idempotency_conflict", t("en", "gw_key_conflict"))
    if state.outcome == "running":
        return failure(409, "in_progress", t("en", "gw_key_in_progress"))
    if state.outcome == "replay" and state.response is not None:
        return JSONResponse({"success": True, "data": state.response, "replayed": True})
    try:
        result = await getattr(gw.broker, name)(**args)
    except BaseException:
        await gw.keys.forget(caller, key)
        raise
    data = to_json(result)
    await gw.keys.finish(caller, key, data)
    return ok(data)


def install(router: APIRouter, gw: Gateway) -> None:
    admin = Depends(requires(gw, "admin"))
    key_header = Header(None, alias="Idempotency-Key", description="required for order operations")

    @router.post("/broker/{operation}", summary="one broker operation (for a remote tradechat)")
    async def broker_operation(
        operation: str, request: Request, key: str | None = key_header, who: Principal = admin
    ) -> JSONResponse:
        op = OPERATIONS.get(operation)
        if op is None:
            raise ApiError(
                404,
                "unknown_operation",
                t("en", "rb_gw_unknown_operation", name=operation, known=", ".join(OPERATIONS)),
            )
        body = await request.body()
        _check_signature(gw, who, op, request, body)
        args = _arguments(op, body)
        if op.trade:
            return await _trade(gw, who, operation, args, _key(key), body)
        found = getattr(gw.broker, operation, None)
        try:
            # a property (the server's UTC offset) is a fact, not a call
            result = await found(**args) if callable(found) else found
        except BrokerError as exc:
            return broker_error_response(exc)
        return ok(to_json(result))
