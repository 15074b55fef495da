"""The outbox between a process without chats (`tradechat mcp`) and the running bot: each
queued preview is delivered once, a temporary failure is tried again next round, a permanent
one, a platform not running here, or a preview too old to be true ends the row."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handlers.messages import (
    Button,
    Image,
    Outgoing,
    PermanentPlatformError,
    TemporaryPlatformError,
)
from handlers.outbox import OutboxCourier, OutboxPusher, outgoing_to_payload, payload_to_outgoing
from store.db import Database, sqlite_url
from store.outbox import OutboxStore

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


class Now:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> datetime:
        return self.t


class EdgePusher:
    """The fan-out's edge: records sends, or fails with what `failures` says, in order."""

    def __init__(self, failures: list[BaseException | None] | None = None) -> None:
        self.failures = failures or []
        self.sent: list[tuple[str, str, Outgoing]] = []

    async def push(self, platform: str, chat_id: str, out: Outgoing) -> None:
        if self.failures:
            failure = self.failures.pop(0)
            if failure is not None:
                raise failure
        self.sent.append((platform, chat_id, out))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[OutboxStore]:
    db = await Database.open(sqlite_url(tmp_path / "outbox.sqlite"))
    try:
        yield OutboxStore(db)
    finally:
        await db.close()


def preview() -> Outgoing:
    return Outgoing(
        "📋 Buy 0.01 EURUSD",
        buttons=[Button("c:abc:1", "✅ Confirm", reply_code="confirm 7F3K")],
        images=[Image(b"\x89PNG-bytes", "c.png", "chart")],
        lang="en",
        kind="preview",
    )


def test_an_outgoing_survives_the_round_trip_through_json() -> None:
    back = payload_to_outgoing(outgoing_to_payload(preview()))
    assert back.text == "📋 Buy 0.01 EURUSD"
    assert back.buttons == [Button("c:abc:1", "✅ Confirm", reply_code="confirm 7F3K")]
    assert back.images[0].data == b"\x89PNG-bytes"
    assert (back.lang, back.kind) == ("en", "preview")


async def test_a_queued_preview_is_delivered_once(store: OutboxStore) -> None:
    now = Now()
    await OutboxPusher(store, source="mcp", clock=now).push("telegram", "100", preview())
    edge = EdgePusher()
    courier = OutboxCourier(store, edge, clock=now)
    assert (await courier.deliver_due()).sent == 1
    assert (await courier.deliver_due()).sent == 0
    assert [(p, c, o.text) for p, c, o in edge.sent] == [("telegram", "100", "📋 Buy 0.01 EURUSD")]


async def test_two_couriers_never_both_send_a_row(store: OutboxStore) -> None:
    now = Now()
    await OutboxPusher(store, source="mcp", clock=now).push("telegram", "100", preview())
    first = await store.claim_due(now=now())
    second = await store.claim_due(now=now())
    assert len(first) == 1
    assert second == []


async def test_a_temporary_failure_is_tried_again_next_round(store: OutboxStore) -> None:
    now = Now()
    await OutboxPusher(store, source="mcp", clock=now).push("telegram", "100", preview())
    edge = EdgePusher([TemporaryPlatformError("timeout", platform="telegram")])
    courier = OutboxCourier(store, edge, clock=now)
    assert (await courier.deliver_due()).retried == 1
    assert (await courier.deliver_due()).sent == 1
    assert len(edge.sent) == 1


async def test_temporary_failures_stop_after_the_attempts(store: OutboxStore) -> None:
    now = Now()
    pusher = OutboxPusher(store, source="mcp", clock=now)
    await pusher.push("telegram", "100", preview())
    edge = EdgePusher([TemporaryPlatformError("timeout")] * 3)
    courier = OutboxCourier(store, edge, clock=now, max_attempts=3)
    rounds = [await courier.deliver_due() for _ in range(4)]
    assert [r.retried for r in rounds] == [1, 1, 0, 0]
    assert rounds[2].failed == 1
    item = await store.get(pusher.queued[0])
    assert item is not None
    assert item.state == "failed"
    assert edge.sent == []


@pytest.mark.parametrize(
    "failure",
    [PermanentPlatformError("chat not found", platform="telegram"), LookupError("telegram")],
)
async def test_a_permanent_failure_or_a_platform_not_running_ends_the_row(
    store: OutboxStore, failure: BaseException
) -> None:
    now = Now()
    pusher = OutboxPusher(store, source="mcp", clock=now)
    await pusher.push("telegram", "100", preview())
    courier = OutboxCourier(store, EdgePusher([failure]), clock=now)
    assert (await courier.deliver_due()).failed == 1
    item = await store.get(pusher.queued[0])
    assert item is not None
    assert item.state == "failed"
    assert (await courier.deliver_due()).sent == 0


async def test_a_preview_older_than_its_confirmation_is_not_delivered(store: OutboxStore) -> None:
    now = Now()
    await OutboxPusher(store, source="mcp", clock=now).push("telegram", "100", preview())
    now.t += timedelta(minutes=11)  # the bot was down; the prices in it are stale
    edge = EdgePusher()
    assert (await OutboxCourier(store, edge, clock=now).deliver_due()).failed == 1
    assert edge.sent == []


async def test_a_row_a_dead_courier_left_sending_is_given_back(store: OutboxStore) -> None:
    now = Now()
    await OutboxPusher(store, source="mcp", clock=now).push("telegram", "100", preview())
    assert len(await store.claim_due(now=now())) == 1  # claimed, then the process died
    assert await store.claim_due(now=now() + timedelta(minutes=1)) == []
    again = await store.claim_due(now=now() + timedelta(minutes=6))
    assert len(again) == 1
    assert again[0].attempts == 2
