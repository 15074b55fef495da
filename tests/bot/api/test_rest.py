"""The gateway's REST endpoints, driven by httpx against uvicorn on 127.0.0.1: the body shape,
every read endpoint, authentication (401), allow-lists and scopes (403), the rate limit (429),
the terminal away (503), JWTs, and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.logs import secret_env_names
from bot.settings import ApiSettings, bind_problem
from tests.bot.api.conftest import ADMIN, FAR, READER, SCRIPTS, TOKENS, Factory, GatewayWorld


async def test_health_needs_no_token_and_tells_the_terminal_state(gw: GatewayWorld) -> None:
    r = await gw.http.get("/api/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["success"] is True
    data = body["data"]
    assert data["terminal_connected"] is True
    assert data["since"] is not None
    assert data["ws_connections"] == 0
    assert data["version"]


async def test_every_read_endpoint_answers_success_with_canonical_symbols(
    gw: GatewayWorld,
) -> None:
    opened = await gw.app.broker.open_market("XAUUSD", "buy", 0.02)
    assert opened.ok
    account = (await gw.get("/api/v1/account")).json()
    assert account["success"] is True
    assert account["data"]["currency"] == "USD"
    assert account["data"]["balance"] > 0

    positions = (await gw.get("/api/v1/positions", symbol="xauusd")).json()["data"]
    assert [p["symbol"] for p in positions] == ["XAUUSD"]
    assert positions[0]["volume"] == pytest.approx(0.02)
    assert (await gw.get("/api/v1/positions", symbol="EURUSD")).json()["data"] == []

    pending = await gw.get("/api/v1/orders/pending")
    assert pending.status_code == 200
    assert pending.json()["data"] == []

    symbols = (await gw.get("/api/v1/symbols")).json()["data"]
    assert {"XAUUSD", "EURUSD"} <= {s["symbol"] for s in symbols}
    spec = (await gw.get("/api/v1/symbol/XAUUSD")).json()["data"]
    assert spec["symbol"] == "XAUUSD"
    assert spec["volume_step"] > 0

    quote = (await gw.get("/api/v1/quote/EURUSD")).json()["data"]
    assert quote["symbol"] == "EURUSD"
    assert quote["ask"] >= quote["bid"] > 0

    bars = (await gw.get("/api/v1/rates/EURUSD", tf="h1", count=10)).json()["data"]
    assert len(bars) == 10
    assert all(b["high"] >= b["low"] for b in bars)

    start = (datetime.now(UTC) - timedelta(hours=6)).isoformat()
    ranged = (await gw.get("/api/v1/rates/EURUSD/range", tf="m15", start=start)).json()["data"]
    assert ranged
    assert all(datetime.fromisoformat(b["time"]) >= datetime.fromisoformat(start) for b in ranged)

    closed = await gw.app.broker.close_position(positions[0]["ticket"])
    assert closed.ok
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    deals = (await gw.get("/api/v1/deals", start=since, symbol="XAUUSD")).json()["data"]
    assert {d["entry"] for d in deals} == {"in", "out"}
    assert all(d["symbol"] == "XAUUSD" for d in deals)


async def test_an_unknown_symbol_is_404_and_a_bad_query_400_in_the_error_body(
    gw: GatewayWorld,
) -> None:
    r = await gw.get("/api/v1/symbol/NOSUCH")
    assert r.status_code == 404
    assert r.json()["success"] is False
    assert r.json()["error"]["code"] == "symbol_not_found"
    r = await gw.get("/api/v1/rates/EURUSD", tf="h7")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_timeframe"
    r = await gw.get("/api/v1/rates/EURUSD", count="many")
    assert r.status_code == 400
    assert "count" in r.json()["error"]["message"]
    assert "Traceback" not in r.text
    r = await gw.get("/api/v1/no/such/endpoint")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


async def test_no_token_a_wrong_token_and_a_disabled_token_get_401(gw: GatewayWorld) -> None:
    r = await gw.get("/api/v1/account", token=None)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "no_token"
    assert r.headers["WWW-Authenticate"] == "Bearer"
    r = await gw.get("/api/v1/account", token=READER + "x")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "bad_token"
    # the "empty" token's variable is set but empty: the entry is disabled, never blank
    r = await gw.http.get("/api/v1/account", headers={"Authorization": "Bearer"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "no_token"
    assert gw.server.gateway.tokens.by_name("empty") is None


async def test_an_address_outside_the_allow_list_and_a_missing_scope_get_403(
    gw: GatewayWorld,
) -> None:
    r = await gw.get("/api/v1/account", token=FAR)  # far may come from 10/8 and 2001:db8::/32
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "ip_not_allowed"
    order = {"symbol": "EURUSD", "type": "buy", "volume": 0.01}
    r = await gw.post("/api/v1/order/open", order, token=READER, key="k-read")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "missing_scope"
    assert await gw.positions() == 0


async def test_past_the_rate_limit_a_token_gets_429_with_retry_after(make_gateway: Factory) -> None:
    gw = await make_gateway(requests_per_minute=1, burst=3)
    statuses = [(await gw.get("/api/v1/account")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    r = await gw.get("/api/v1/account")
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) >= 1
    # the bucket is per token: another token still passes
    assert (await gw.get("/api/v1/account", token=SCRIPTS)).status_code == 200


async def test_while_the_terminal_is_away_reads_and_orders_get_503(gw: GatewayWorld) -> None:
    gw.app.broker.mark_disconnected()
    r = await gw.get("/api/v1/account")
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "terminal_away"
    order = {"symbol": "EURUSD", "type": "buy", "volume": 0.01}
    r = await gw.post("/api/v1/order/open", order, key="away-1")
    assert r.status_code == 503
    health = (await gw.http.get("/api/v1/health")).json()["data"]
    assert health["terminal_connected"] is False
    assert await gw.app.broker.reconnect()
    assert await gw.positions() == 0
    # nothing was decided while away: the same key may go again, and now it opens
    r = await gw.post("/api/v1/order/open", order, key="away-1")
    assert r.status_code == 200
    assert await gw.positions() == 1


async def test_a_jwt_issued_against_a_token_acts_for_it_with_at_most_its_scopes(
    gw: GatewayWorld,
) -> None:
    r = await gw.post("/api/v1/auth/token", {"ttl_s": 60, "scopes": ["read"]}, token=SCRIPTS)
    assert r.status_code == 200
    issued = r.json()["data"]
    assert issued["scopes"] == ["read"]
    jwt = issued["token"]
    assert (await gw.get("/api/v1/account", token=jwt)).status_code == 200
    order = {"symbol": "EURUSD", "type": "buy", "volume": 0.01}
    r = await gw.post("/api/v1/order/open", order, token=jwt, key="jwt-1")
    assert r.status_code == 403  # the JWT carries read only
    r = await gw.post("/api/v1/auth/token", {"scopes": ["admin"]}, token=SCRIPTS)
    assert r.status_code == 403
    r = await gw.post("/api/v1/auth/token", {}, token=jwt)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "jwt_from_jwt"
    # a JWT is capped at [api] jwt_max_ttl_s
    r = await gw.post("/api/v1/auth/token", {"ttl_s": 10**6}, token=SCRIPTS)
    expires = datetime.fromisoformat(r.json()["data"]["expires_at"])
    assert expires <= datetime.now(UTC) + timedelta(seconds=gw.app.settings.api.jwt_max_ttl_s + 5)
    forged = jwt[:-4] + ("AAAA" if not jwt.endswith("AAAA") else "BBBB")
    assert (await gw.get("/api/v1/account", token=forged)).status_code == 401


async def test_every_request_is_audited_with_the_tokens_name_and_never_the_token(
    gw: GatewayWorld,
) -> None:
    await gw.get("/api/v1/account")
    await gw.get("/api/v1/account", token="wrong")
    await gw.get("/api/v1/positions", token=ADMIN)
    rows = [e for e in await gw.app.audit.entries(limit=500) if e.event == "api_request"]
    assert [(e.user_id, '"status": 200' in e.detail) for e in rows] == [
        ("reader", True),
        ("", False),
        ("boss", True),
    ]
    everything = " ".join(
        f"{e.detail} {e.user_id} {e.chat_id}" for e in await gw.app.audit.entries(limit=1000)
    )
    for token in TOKENS.values():
        if token:
            assert token not in everything


def test_a_non_loopback_bind_is_refused_without_tls_or_an_explicit_plain_http_host() -> None:
    assert bind_problem(ApiSettings()) is None
    assert bind_problem(ApiSettings(listen_host="::1")) is None
    problem = bind_problem(ApiSettings(listen_host="0.0.0.0"))
    assert problem is not None
    assert "ssl_certfile" in problem
    assert "allow_plain_http_on" in problem
    tls = ApiSettings(listen_host="0.0.0.0", ssl_certfile="c.pem", ssl_keyfile="k.pem")
    assert bind_problem(tls) is None
    vpn = ApiSettings(listen_host="10.8.0.1", allow_plain_http_on=["10.8.0.1"])
    assert bind_problem(vpn) is None
    half = ApiSettings(ssl_certfile="c.pem")
    assert bind_problem(half) is not None


async def test_the_openapi_document_lists_every_endpoint(gw: GatewayWorld) -> None:
    paths = set((await gw.http.get("/openapi.json")).json()["paths"])
    for path in (
        "/api/v1/health",
        "/api/v1/account",
        "/api/v1/positions",
        "/api/v1/orders/pending",
        "/api/v1/order/open",
        "/api/v1/order/modify",
        "/api/v1/order/close",
        "/api/v1/order/close_all",
        "/api/v1/symbol/{name}",
        "/api/v1/symbols",
        "/api/v1/rates/{name}",
        "/api/v1/rates/{name}/range",
        "/api/v1/quote/{name}",
        "/api/v1/deals",
        "/api/v1/reports",
        "/api/v1/jobs",
        "/api/v1/jobs/{job_id}",
    ):
        assert path in paths
    assert (await gw.http.get("/docs")).status_code == 200


def test_the_tokens_variables_are_redacted_from_the_log(gw: GatewayWorld) -> None:
    names = secret_env_names(gw.app.settings)
    assert {"TC_TEST_SCRIPTS", "TC_TEST_READER", "TC_TEST_JWT"} <= set(names)
