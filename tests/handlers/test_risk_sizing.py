"""Risk-% sizing ("按1%风险买黄金 止损2630", "risk 1% on eurusd sl 1.0750"): the volume whose
loss at the SL is that share of equity, rounded DOWN to the lot step; the preview shows the money
at risk at that volume. The expected volumes are computed here from the contract sizes and the
prices, independently of the project's arithmetic (a JPY-quoted pair and gold included)."""

from __future__ import annotations

import math

from handlers.config import TradeManagement
from handlers.messages import Outgoing
from tests.conftest import ChatWorld, conv_config

EQUITY = 10_000.0  # the test account's, nothing held


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


def lots_for(risk: float, loss_per_lot: float, step: float = 0.01) -> float:
    return round(math.floor(risk / loss_per_lot / step + 1e-9) * step, 2)


async def sized(world: ChatWorld, text: str) -> tuple[Outgoing, dict[str, object]]:
    preview = only(await world.say(text))
    assert preview.buttons, preview.text
    only(await world.press(preview.buttons[0].id))
    [request] = world.orders_sent()
    return preview, request


async def test_one_percent_on_gold(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.0, 2650.2)
    # a buy fills at the ask; 100 oz per lot, USD-quoted: 1.0 of price is 100 USD per lot
    loss_per_lot = (2650.2 - 2630.0) * 100
    volume = lots_for(0.01 * EQUITY, loss_per_lot)
    assert volume == 0.04
    money = round(volume * loss_per_lot, 2)
    preview, request = await sized(world, "按1%风险买黄金 止损2630")
    assert f"按 1% 风险：止损距离 20.20，打到止损亏 {money:,.2f} USD（权益的 0.81%）" in (
        preview.text
    )
    assert "买入 XAUUSD 0.04 手" in preview.text
    assert request["volume"] == volume
    assert request["sl"] == 2630.0


async def test_one_percent_on_eurusd_in_english(world: ChatWorld) -> None:
    world.terminal.set_price("EURUSD", 1.08000, 1.08003)
    loss_per_lot = (1.08003 - 1.0750) * 100_000  # USD-quoted, 100 000 EUR per lot
    volume = lots_for(100.0, loss_per_lot)
    assert volume == 0.19
    money = round(volume * loss_per_lot, 2)
    preview, request = await sized(world, "buy eurusd risk 1% sl 1.0750")
    assert f"Risk 1%: SL distance 0.00503, loss at the SL {money:,.2f} USD" in preview.text
    assert request["volume"] == volume


async def test_one_percent_on_usdjpy_converts_the_yen_loss_to_dollars(world: ChatWorld) -> None:
    world.terminal.set_price("USDJPY", 150.000, 150.006)
    # the loss is in JPY (100 000 USD per lot × the distance), worth 1/USDJPY dollars each
    # (the paper terminal converts at the mid price)
    loss_per_lot = (150.006 - 149.500) * 100_000 / 150.003
    volume = lots_for(100.0, loss_per_lot)
    assert volume == 0.29
    preview, request = await sized(world, "按1%风险买美日 止损149.5")
    money = round(volume * loss_per_lot, 2)
    assert f"打到止损亏 {money:,.2f} USD" in preview.text
    assert request["volume"] == volume


async def test_a_sell_sized_by_risk_measures_from_the_bid(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.0, 2650.2)
    volume = lots_for(200.0, (2680.0 - 2650.0) * 100)
    _, request = await sized(world, "按2%风险卖黄金 止损2680")
    assert request["volume"] == volume == 0.06


async def test_a_risk_that_rounds_to_zero_is_refused(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.0, 2650.2)
    answer = only(await world.say("按0.01%风险买黄金 止损2600"))  # 1 USD against 5.02 per 0.01
    assert not answer.buttons
    assert "向下取整为 0，没有生成预览" in answer.text
    assert world.orders_sent() == []


async def test_a_risk_beyond_the_cap_is_refused(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.0, 2650.2)
    answer = only(await world.say("risk 50% buy gold sl 2630"))
    assert answer.text == (
        "A 50% risk is above the cap of 5% ([trade] max_risk_percent); no preview."
    )
    world.conv = await world.make(conv_config(trade=TradeManagement(max_risk_percent=60)))
    allowed = only(await world.say("risk 50% buy gold sl 2630"))
    assert "Risk 50%" in allowed.text
    assert world.orders_sent() == []


async def test_a_risk_without_a_stop_loss_asks_for_it_and_the_answer_continues(
    world: ChatWorld,
) -> None:
    world.terminal.set_price("XAUUSD", 2650.0, 2650.2)
    question = only(await world.say("按1%风险买黄金"))
    assert question.text == "按风险算手数要知道止损：止损放在哪个价格？（例如 2630）"
    assert world.orders_sent() == []
    preview = only(await world.say("止损2630"))
    assert "按 1% 风险：止损距离 20.20" in preview.text
    assert "买入 XAUUSD 0.04 手" in preview.text
    assert preview.buttons


async def test_a_stop_loss_on_the_wrong_side_is_refused(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.0, 2650.2)
    answer = only(await world.say("按1%风险买黄金 止损2700"))
    assert answer.text == "买单的止损 2700.00 必须低于开仓价 2650.20，没有生成预览。"


async def test_zero_percent_gets_a_clear_answer(world: ChatWorld) -> None:
    answer = only(await world.say("按0%风险买黄金 止损2630"))
    assert answer.text.startswith("读到了按 0% 风险，但风险百分比要大于 0%")
    assert world.orders_sent() == []


async def test_a_risk_sized_open_without_a_side_asks_the_side_first(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.0, 2650.2)
    question = only(await world.say("按1%风险下单黄金 止损2630"))
    assert [b.id for b in question.buttons] == ["q:side:buy", "q:side:sell"]
    preview = only(await world.press("q:side:buy"))
    assert "按 1% 风险" in preview.text
    assert preview.buttons
