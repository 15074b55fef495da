"""Trading for programs (handlers/trading_service.py) and proposals confirmed in chat
(handlers/proposals.py), on the conversation's own parts over the paper terminal: the same
planner, risk gate, confirmation rows and executor as a chat's ✅, counted at the terminal's
API (`order_send`)."""

from __future__ import annotations

from handlers.config import RiskLimits
from handlers.messages import Outgoing
from handlers.plans import Plan, Problem
from handlers.proposals import Proposal, ProposalRefused, Proposals
from handlers.trading_service import Actor, TradingService
from nlp.intent import Intent
from store.idempotency import IdempotencyStore
from store.proposals import ProposalStore
from tests.conftest import TRADER, VIEWER, ChatWorld
from tests.fakes.mt5_fakes import Outage

SCRIPT = Actor("api", "scripts")
BUY = Intent(intent="open", symbol="EURUSD", side="buy", volume=0.01)


class RecordingPusher:
    """The fan-out's edge: what would reach each chat."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.sent: list[tuple[str, str, Outgoing]] = []
        self.fail = fail

    async def push(self, platform: str, chat_id: str, out: Outgoing) -> None:
        if self.fail is not None:
            raise self.fail
        self.sent.append((platform, chat_id, out))


def _service(world: ChatWorld) -> TradingService:
    conv = world.conv
    return TradingService(conv.flow, conv.trail, IdempotencyStore(world.db), clock=world.clock.now)


def _proposals(world: ChatWorld, pusher: RecordingPusher) -> Proposals:
    conv = world.conv
    return Proposals(
        flow=conv.flow,
        trading=_service(world),
        store=ProposalStore(world.db),
        pusher=pusher,
        acl=conv.acl,
        prefs=conv.prefs,
        trail=conv.trail,
        default_lang="zh",
        chat_of=lambda platform, user: user,
        clock=world.clock.now,
    )


async def test_a_programs_order_runs_the_chats_path_once_per_idempotency_key(
    world: ChatWorld,
) -> None:
    service = _service(world)
    first = await service.order(BUY, SCRIPT, "key-1")
    assert first.state == "done"
    assert first.legs[0]["ok"] is True
    again = await service.order(BUY, SCRIPT, "key-1")
    assert again.replayed
    assert again.legs == first.legs
    assert len(world.orders_sent()) == 1
    # the order carries the confirmation's idempotency comment, as a chat's does
    assert world.orders_sent()[0]["comment"].startswith(f"tc:{first.reference}")
    other = await service.order(replace_volume(BUY, 0.02), SCRIPT, "key-1")
    assert other.state == "conflict"
    assert len(world.orders_sent()) == 1


def replace_volume(intent: Intent, volume: float) -> Intent:
    return Intent.model_validate({**intent.to_json_dict(), "volume": volume})


async def test_preview_shows_the_plan_and_its_checks_and_sends_nothing(world: ChatWorld) -> None:
    built = await _service(world).preview(BUY, SCRIPT)
    assert isinstance(built, Plan)
    assert built.ok
    assert built.legs[0].symbol == "EURUSD"
    missing = await _service(world).preview(Intent(intent="open", symbol="EURUSD"), SCRIPT)
    assert isinstance(missing, Problem)
    assert world.orders_sent() == []


async def test_a_blocked_plan_is_the_answer_and_nothing_is_sent(world: ChatWorld) -> None:
    world.conv.flow.risk.limits = RiskLimits(max_lots_per_order=0.005)
    receipt = await _service(world).order(BUY, SCRIPT, "key-2")
    assert receipt.state == "blocked"
    assert receipt.code == "risk_blocked"
    assert world.orders_sent() == []


async def test_a_terminal_gone_at_the_send_leaves_nothing_pending_and_the_key_free(
    world: ChatWorld,
) -> None:
    service = _service(world)
    built = await service.preview(BUY, SCRIPT)
    assert isinstance(built, Plan)
    outage = Outage(world.api)
    outage.begin()
    world.broker.mark_disconnected()
    receipt = await service.execute(built, SCRIPT, "key-3")
    assert receipt.state == "terminal_away"
    await outage.end(world)
    # no confirmation was left pending (none is there to expire later)
    world.clock.advance(world.conv.flow.trading.confirm_ttl_s + 1)
    assert await world.conv.flow.store.expire_due(world.clock.now()) == 0
    assert world.orders_sent() == []
    # nothing was sent, so the same key is a fresh request once the terminal is back
    again = await service.execute(built, SCRIPT, "key-3")
    assert again.state == "done"
    assert not again.replayed
    assert len(world.orders_sent()) == 1


async def test_a_proposal_sends_one_preview_and_executes_only_on_the_owners_press(
    world: ChatWorld,
) -> None:
    pusher = RecordingPusher()
    proposals = _proposals(world, pusher)
    made = await proposals.propose(BUY, ("telegram", TRADER), SCRIPT)
    assert isinstance(made, Proposal)
    assert made.status == "pending"
    [(platform, chat, preview)] = pusher.sent
    assert (platform, chat) == ("telegram", TRADER)
    assert "scripts" in preview.text
    assert world.orders_sent() == []
    await world.press(preview.buttons[0].id, user=TRADER)
    assert len(world.orders_sent()) == 1
    status = await proposals.status(made.id)
    assert status is not None
    assert status.status == "executed"
    assert await proposals.status(made.id, caller="someone-else") is None


async def test_a_proposal_nobody_confirms_expires(world: ChatWorld) -> None:
    proposals = _proposals(world, RecordingPusher())
    made = await proposals.propose(BUY, ("telegram", TRADER), SCRIPT)
    assert isinstance(made, Proposal)
    world.clock.advance(world.conv.flow.trading.confirm_ttl_s + 1)
    status = await proposals.status(made.id)
    assert status is not None
    assert status.status == "expired"
    assert world.orders_sent() == []


async def test_a_proposal_to_a_viewer_or_an_unreachable_owner_is_refused(world: ChatWorld) -> None:
    viewer = await _proposals(world, RecordingPusher()).propose(BUY, ("telegram", VIEWER), SCRIPT)
    assert isinstance(viewer, ProposalRefused)
    assert viewer.code == "owner_cannot_trade"
    gone = _proposals(world, RecordingPusher(fail=LookupError("telegram is not running")))
    refused = await gone.propose(BUY, ("telegram", TRADER), SCRIPT)
    assert isinstance(refused, ProposalRefused)
    assert refused.code == "owner_unreachable"
    # the preview that could not be delivered was cancelled, not left to be pressed
    world.clock.advance(world.conv.flow.trading.confirm_ttl_s + 1)
    assert await world.conv.flow.store.expire_due(world.clock.now()) == 0
    assert world.orders_sent() == []
