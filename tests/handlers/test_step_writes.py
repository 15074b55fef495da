"""What each step writes, and when (handlers/confirm.py, handlers/audit_trail.py): a preview is
one transaction, a ✅ two — the claim with its order request on disk before the terminal sees
the order, the result after — and a preview whose row the database refuses is never shown with
a ✅ that would find nothing."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sqlalchemy import text

from handlers.i18n import t
from handlers.messages import Outgoing
from tests.conftest import ChatWorld


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


async def test_a_preview_is_one_commit_and_a_confirmation_two(world: ChatWorld) -> None:
    await world.say("余额")  # the language and the read-only switch are read once, first
    commits = world.db.stats.commits
    preview = only(await world.say("买入0.01手黄金"))
    assert preview.buttons
    assert world.db.stats.commits - commits == 1
    commits = world.db.stats.commits
    done = only(await world.press(preview.buttons[0].id))
    assert done.text.startswith("✅ 已成交")
    assert world.db.stats.commits - commits == 2


async def test_the_order_request_and_the_claim_are_on_disk_before_the_terminal_sees_it(
    world: ChatWorld,
) -> None:
    preview = only(await world.say("买入0.01手黄金"))
    cid = preview.buttons[0].id.split(":")[1]
    seen: dict[str, Any] = {}

    def look(send: Any, *args: Any, **kwargs: Any) -> Any:
        # another connection, as another process would read the file at this moment
        con = sqlite3.connect(world.db_path)
        try:
            seen["state"] = con.execute(
                "SELECT state FROM confirmations WHERE id = ?", (cid,)
            ).fetchone()[0]
            seen["order"] = [
                json.loads(d)
                for (d,) in con.execute("SELECT detail FROM audit_log WHERE event = 'order'")
            ]
        finally:
            con.close()
        return send(*args, **kwargs)

    world.api.hooks["order_send"] = look
    only(await world.press(preview.buttons[0].id))
    assert seen["state"] == "executing"
    [order] = seen["order"]
    assert order["cid"] == cid
    assert order["legs"][0]["comment"] == f"tc:{cid[:16]}.0"


async def test_a_second_press_writes_no_order_request(world: ChatWorld) -> None:
    preview = only(await world.say("买入0.01手黄金"))
    only(await world.press(preview.buttons[0].id))
    again = only(await world.press(preview.buttons[0].id))
    assert "已经处理过了" in again.text
    orders = [e for e in await world.conv.audit.entries(limit=100) if e.event == "order"]
    assert len(orders) == 1
    assert len(world.orders_sent()) == 1


async def test_a_preview_the_database_refuses_is_answered_as_such_without_a_button(
    world: ChatWorld,
) -> None:
    async with world.db.session() as s:
        await s.execute(text("ALTER TABLE confirmations RENAME TO confirmations_away"))
        await s.commit()
    answer = only(await world.say("买入0.01手黄金"))
    assert answer.text == t("zh", "step_not_stored")
    assert answer.buttons == []
    assert answer.kind == "error"
    assert world.orders_sent() == []
    # the message's audit rows are stored all the same
    rows = [e.event for e in await world.conv.audit.entries(limit=20)]
    assert rows.count("preview") == 1
    assert rows.count("decision") == 1
    async with world.db.session() as s:
        await s.execute(text("ALTER TABLE confirmations_away RENAME TO confirmations"))
        await s.commit()
    again = only(await world.say("buy 0.01 gold"))
    assert again.buttons  # the database back: previews are stored and shown again


async def test_a_confirmations_rows_are_in_the_order_things_happened(world: ChatWorld) -> None:
    preview = only(await world.say("买入0.01手黄金"))
    only(await world.press(preview.buttons[0].id))
    events = [e.event for e in await world.conv.audit.entries(limit=100)]
    assert events[-5:] == ["message", "confirm", "order", "result", "decision"]
