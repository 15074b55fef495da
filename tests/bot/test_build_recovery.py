"""The composition root wires recovery: the reconciler works on the conversation's own
confirmations and executor, tells owners through the app's fan-out, and the terminal's return
(the supervisor's `on_reconnect` → `pushes.terminal_up`) starts it."""

from __future__ import annotations

from pathlib import Path

from bot.build import build_app, close_app
from bot.settings import Settings
from handlers.execute import order_comment
from handlers.messages import Incoming, Outgoing, PlatformCaps


class RecordingTelegram:
    """The Telegram platform at the fan-out's edge: records what it was asked to send."""

    name = "telegram"
    caps = PlatformCaps(buttons="native", max_text=4096, image_mode="upload", push="always")

    def __init__(self) -> None:
        self.sent: list[tuple[str, Outgoing]] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, chat_id: str, out: Outgoing) -> None:
        self.sent.append((chat_id, out))


async def test_the_terminal_coming_back_settles_an_interrupted_trade_and_tells_its_owner(
    tmp_path: Path,
) -> None:
    settings = Settings(
        app={"data_dir": tmp_path},
        broker={"paper": {"demo_history_days": 0}},
        users=[{"platform": "telegram", "id": "100", "role": "trader"}],
    )
    app = await build_app(settings)
    telegram = RecordingTelegram()
    app.fanout.add(telegram)
    try:
        [preview] = await app.conversation.handle(
            Incoming("telegram", "100", "100", text="buy 0.01 gold", message_id="1")
        )
        cid = preview.buttons[0].id.split(":")[1]
        # what a crash inside order_send leaves: the row claimed, the order in the terminal
        store = app.conversation.flow.store
        status, _conf = await store.claim(
            cid, platform="telegram", chat_id="100", user_id="100", now=app.conversation.clock()
        )
        assert status == "ok"
        sent = await app.broker.open_market("XAUUSD", "buy", 0.01, comment=order_comment(cid, 0))

        assert not app.reconciler.running
        await app.pushes.terminal_up()  # what the supervisor calls when the terminal is back
        assert app.reconciler.running
        await app.reconciler.wait()  # the passes it started, to their end

        conf = await store.get(cid)
        assert conf is not None
        assert conf.state == "done"
        [(chat, out)] = telegram.sent
        assert chat == "100"
        assert f"#{sent.ticket}" in out.text
    finally:
        await close_app(app)
