"""Previews built by one process, delivered by the one that runs the chats (store/outbox.py).

`OutboxPusher` is a `Pusher` for processes without chat platforms (`tradechat mcp`, `tradechat
api` alone): it writes the message to the outbox instead of sending it. `OutboxCourier` runs in
`tradechat run` (a scheduler job every few seconds) and delivers what is queued through the
platforms, one attempt per round: a temporary failure waits for the next round (up to
`max_attempts`), a permanent one — or a platform this process does not run — ends the row as
failed with the reason in the log. A row older than `max_age` is not delivered at all: its
preview would show prices from minutes ago, and its confirmation has expired.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handlers.messages import (
    Button,
    Image,
    Outgoing,
    PermanentPlatformError,
    PlatformError,
    Pusher,
)
from store.outbox import OutboxItem, OutboxStore

log = logging.getLogger(__name__)


def outgoing_to_payload(out: Outgoing) -> dict[str, Any]:
    """The parts of an `Outgoing` a push carries, as JSON (an edit or a reply-chain note is
    meaningless in another process, so they are not taken)."""
    return {
        "text": out.text,
        "lang": out.lang,
        "kind": out.kind,
        "buttons": [
            {"id": b.id, "label": b.label, "reply_code": b.reply_code} for b in out.buttons
        ],
        "images": [
            {
                "name": i.name,
                "caption": i.caption,
                "base64": base64.b64encode(i.data).decode("ascii"),
            }
            for i in out.images
        ],
    }


def payload_to_outgoing(p: dict[str, Any]) -> Outgoing:
    return Outgoing(
        text=str(p.get("text", "")),
        lang="en" if p.get("lang") == "en" else "zh",
        kind=p.get("kind", "push"),
        buttons=[
            Button(id=str(b["id"]), label=str(b["label"]), reply_code=b.get("reply_code"))
            for b in p.get("buttons", [])
        ],
        images=[
            Image(
                data=base64.b64decode(i["base64"]),
                name=str(i.get("name", "chart.png")),
                caption=str(i.get("caption", "")),
            )
            for i in p.get("images", [])
        ],
    )


class OutboxPusher:
    """A `Pusher` that queues: the message is delivered by the process running the chats."""

    def __init__(self, store: OutboxStore, *, source: str, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.source = source
        self.clock = clock
        self.queued: list[str] = []  # ids this process queued (for its own answers)

    async def push(self, platform: str, chat_id: str, out: Outgoing) -> None:
        item_id = await self.store.enqueue(
            platform, chat_id, outgoing_to_payload(out), source=self.source, now=self.clock()
        )
        self.queued.append(item_id)
        log.info("queued a message for %s:%s (outbox %s)", platform, chat_id, item_id)


@dataclass(frozen=True, slots=True)
class CourierRound:
    sent: int = 0
    retried: int = 0
    failed: int = 0


class OutboxCourier:
    def __init__(
        self,
        store: OutboxStore,
        pusher: Pusher,
        *,
        clock: Callable[[], datetime],
        max_age: timedelta = timedelta(minutes=10),
        max_attempts: int = 5,
        keep: timedelta = timedelta(days=7),
    ) -> None:
        self.store = store
        self.pusher = pusher
        self.clock = clock
        self.max_age = max_age
        self.max_attempts = max_attempts
        self.keep = keep
        self._pruned_at: datetime | None = None

    async def deliver_due(self) -> CourierRound:
        """One round: every queued row, one attempt each."""
        now = self.clock()
        sent = retried = failed = 0
        for item in await self.store.claim_due(now=now):
            outcome = await self._deliver(item, now)
            sent += outcome == "sent"
            retried += outcome == "retry"
            failed += outcome == "failed"
        await self._prune(now)
        return CourierRound(sent, retried, failed)

    async def _deliver(self, item: OutboxItem, now: datetime) -> str:
        if now - item.created_at > self.max_age:
            await self.store.fail(item.id, "too old to deliver", now=now)
            log.warning("outbox %s for %s:%s was too old to deliver", item.id, item.platform,
                        item.chat_id)  # fmt: skip
            return "failed"
        try:
            await self.pusher.push(item.platform, item.chat_id, payload_to_outgoing(item.payload))
        except LookupError:
            await self.store.fail(item.id, f"platform {item.platform} is not running", now=now)
            log.warning("outbox %s: platform %s is not running here", item.id, item.platform)
            return "failed"
        except PermanentPlatformError as exc:
            await self.store.fail(item.id, str(exc), now=now)
            log.warning("outbox %s to %s:%s failed: %s", item.id, item.platform, item.chat_id,
                        exc)  # fmt: skip
            return "failed"
        except PlatformError as exc:
            if item.attempts >= self.max_attempts:
                await self.store.fail(item.id, str(exc), now=now)
                return "failed"
            await self.store.release(item.id, str(exc))
            return "retry"
        await self.store.finish(item.id, now=now)
        return "sent"

    async def _prune(self, now: datetime) -> None:
        if self._pruned_at is not None and now - self._pruned_at < timedelta(hours=1):
            return
        self._pruned_at = now
        await self.store.prune(now=now, keep=self.keep)
