"""Orders over the gateway keep the chat's guarantees: the same risk gate and execution path,
an Idempotency-Key that makes a retried POST open once, and confirm = "chat" tokens whose
orders wait for the owner's ✅ in Telegram."""

from __future__ import annotations

import asyncio

import pytest

from handlers.config import RiskLimits
from tests.bot.api.conftest import ADMIN, CHATTY, OWNER, SCRIPTS, Factory, GatewayWorld

BUY = {"symbol": "EURUSD", "type": "buy", "volume": 0.01}


async def test_a_retried_post_with_the_same_idempotency_key_opens_once(gw: GatewayWorld) -> None:
    first = await gw.post("/api/v1/order/open", BUY, key="retry-1")
    assert first.status_code == 200
    data = first.json()["data"]
    assert data["state"] == "done"
    assert data["legs"][0]["ticket"]
    assert data["plan"]["legs"][0]["symbol"] == "EURUSD"
    again = await gw.post("/api/v1/order/open", BUY, key="retry-1")
    assert again.status_code == 200
    assert again.json()["data"]["replayed"] is True
    assert again.json()["data"]["legs"] == data["legs"]
    assert await gw.positions() == 1
    # two retries at the same moment: still one order
    both = await asyncio.gather(
        gw.post("/api/v1/order/open", BUY, key="retry-2"),
        gw.post("/api/v1/order/open", BUY, key="retry-2"),
    )
    assert sorted(r.status_code for r in both) in ([200, 200], [200, 409])
    assert await gw.positions() == 2


async def test_the_same_key_with_another_body_is_a_conflict_and_a_missing_key_is_400(
    gw: GatewayWorld,
) -> None:
    assert (await gw.post("/api/v1/order/open", BUY, key="k1")).status_code == 200
    other = {**BUY, "volume": 0.02}
    r = await gw.post("/api/v1/order/open", other, key="k1")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "idempotency_conflict"
    r = await gw.post("/api/v1/order/open", BUY)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "idempotency_key_needed"
    assert await gw.positions() == 1


async def test_keys_are_per_token_so_two_clients_never_share_an_answer(gw: GatewayWorld) -> None:
    assert (await gw.post("/api/v1/order/open", BUY, key="same", token=SCRIPTS)).status_code == 200
    r = await gw.post("/api/v1/order/open", BUY, key="same", token=ADMIN)
    assert r.status_code == 200
    assert r.json()["data"]["replayed"] is False
    assert await gw.positions() == 2


async def test_orders_go_through_the_risk_gate_and_bad_orders_are_plain_400s(
    make_gateway: Factory,
) -> None:
    gw = await make_gateway()
    gw.app.conversation.flow.risk.limits = RiskLimits(max_lots_per_order=0.05)
    r = await gw.post("/api/v1/order/open", {**BUY, "volume": 0.5}, key="big")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "risk_blocked"
    assert "0.05" in r.json()["error"]["message"]
    r = await gw.post("/api/v1/order/open", {**BUY, "type": "buy_limit"}, key="nolimit")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "price_needed"
    r = await gw.post("/api/v1/order/open", {**BUY, "symbol": "DOGEUSD"}, key="doge")
    assert r.status_code == 400
    assert "symbol" in r.json()["error"]["message"]
    r = await gw.post("/api/v1/order/open", {**BUY, "magic": 1}, key="magic")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_magic"
    r = await gw.post("/api/v1/order/open", {**BUY, "colour": "red"}, key="typo")
    assert r.status_code == 400
    assert await gw.positions() == 0


async def test_modify_close_and_close_all_over_the_api(gw: GatewayWorld) -> None:
    for i in range(3):
        r = await gw.post("/api/v1/order/open", {**BUY, "volume": 0.02}, key=f"o{i}")
        assert r.status_code == 200
    [first, *_] = sorted(await gw.app.broker.positions(), key=lambda p: p.ticket)
    sl = round(first.price_open - 0.0100, 5)
    r = await gw.post("/api/v1/order/modify", {"ticket": first.ticket, "sl": sl}, key="m")
    assert r.status_code == 200, r.text
    moved = [p for p in await gw.app.broker.positions() if p.ticket == first.ticket]
    assert moved[0].sl == pytest.approx(sl)
    r = await gw.post("/api/v1/order/close", {"ticket": first.ticket, "volume": 0.01}, key="c")
    assert r.status_code == 200, r.text
    left = {p.ticket: p.volume for p in await gw.app.broker.positions()}
    assert left[first.ticket] == pytest.approx(0.01)
    r = await gw.post("/api/v1/order/close_all", {"symbol": "EURUSD"}, key="all")
    assert r.status_code == 200, r.text
    assert len(r.json()["data"]["legs"]) == 3
    assert await gw.positions() == 0
    r = await gw.post("/api/v1/order/close", {"ticket": 999999}, key="none")
    assert r.status_code == 400
    assert r.json()["success"] is False


async def test_a_chat_confirmed_api_order_executes_only_after_the_owners_press(
    gw: GatewayWorld,
) -> None:
    r = await gw.post("/api/v1/order/open", BUY, token=CHATTY, key="p1")
    assert r.status_code == 202, r.text
    proposal = r.json()["data"]
    assert proposal["status"] == "pending"
    assert proposal["owner"] == {"platform": "telegram", "id": OWNER}
    assert "confirmation" in proposal["message"]
    [(chat, preview)] = gw.telegram.sent
    assert chat == OWNER
    assert "chatty" in preview.text
    assert await gw.positions() == 0  # nothing until ✅
    # the retried POST makes no second preview
    again = await gw.post("/api/v1/order/open", BUY, token=CHATTY, key="p1")
    assert again.status_code == 202
    assert again.json()["data"]["proposal_id"] == proposal["proposal_id"]
    assert len(gw.telegram.sent) == 1

    status = await gw.get(f"/api/v1/proposals/{proposal['proposal_id']}", token=CHATTY)
    assert status.json()["data"]["status"] == "pending"
    # somebody else's ✅ does nothing; the owner's executes once
    confirm = preview.buttons[0].id
    await gw.press(confirm, user="555")
    assert await gw.positions() == 0
    [result] = await gw.press(confirm)
    assert result.kind == "result"
    assert await gw.positions() == 1
    await gw.press(confirm)
    assert await gw.positions() == 1
    status = await gw.get(f"/api/v1/proposals/{proposal['proposal_id']}", token=CHATTY)
    assert status.json()["data"]["status"] == "executed"
    # another token cannot read it
    other = await gw.get(f"/api/v1/proposals/{proposal['proposal_id']}", token=SCRIPTS)
    assert other.status_code == 404


async def test_a_proposal_the_owner_cancels_is_refused_and_nothing_executes(
    gw: GatewayWorld,
) -> None:
    r = await gw.post("/api/v1/order/open", BUY, token=CHATTY, key="p2")
    pid = r.json()["data"]["proposal_id"]
    [(_, preview)] = gw.telegram.sent
    await gw.press(preview.buttons[1].id)  # ❌
    status = await gw.get(f"/api/v1/proposals/{pid}", token=CHATTY)
    assert status.json()["data"]["status"] == "refused"
    assert await gw.positions() == 0


async def test_a_proposal_whose_owner_chat_is_not_running_is_refused_plainly(
    gw: GatewayWorld,
) -> None:
    gw.app.fanout.platforms.clear()  # as under `tradechat api`: no chat platform
    r = await gw.post("/api/v1/order/open", BUY, token=CHATTY, key="p3")
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "owner_unreachable"
    assert await gw.positions() == 0
