"""bot/platforms/sent_ledger.py: where the copy of a send whose answer was lost may be looked
for, and where never (the attacks with the real client are in test_telegram_faults.py)."""

from __future__ import annotations

from bot.platforms.sent_ledger import SentLedger


def test_ledger_looks_for_copies_only_where_no_unknown_bot_message_can_be() -> None:
    ledger = SentLedger()
    ledger.unsure("1", "k", None)  # nothing known of the chat: nothing to bound a search by
    assert ledger.settle("1", "k") is None
    ledger.saw("1", 10)
    ledger.saw("1", 12)
    ledger.unsure("1", "k", ledger.top("1"))
    ledger.saw("1", 20)  # the repeat
    assert ledger.settle("1", "k") == 12
    assert ledger.candidates("1", 12, 20) == [19, 18, 17, 16, 15, 14]  # newest first, bounded
    assert ledger.settle("1", "k") is None  # settled once
    # two different uncertain sends at once would be each other's unknowns: no search
    ledger.unsure("1", "a", 20)
    ledger.unsure("1", "b", 20)
    assert ledger.settle("1", "a") is None
    # known ids are never probed
    ledger.saw("2", 1)
    ledger.saw("2", 3)
    assert ledger.candidates("2", 1, 4) == [2]


def test_an_abandoned_uncertain_send_stops_blocking_the_chat_after_a_while() -> None:
    now = [0.0]
    ledger = SentLedger(clock=lambda: now[0])
    ledger.saw("1", 5)
    ledger.unsure("1", "gone", 5)  # a delivery that gave up
    now[0] += SentLedger.UNSURE_TTL_S + 1
    ledger.unsure("1", "k", 5)
    ledger.saw("1", 9)
    assert ledger.settle("1", "k") == 5


def test_the_ledger_forgets_old_chats_and_old_ids() -> None:
    ledger = SentLedger()
    for chat in range(SentLedger.KEEP_CHATS + 10):
        ledger.saw(str(chat), 1)
    assert ledger.top("0") is None
    assert ledger.top(str(SentLedger.KEEP_CHATS + 9)) == 1
    for mid in range(SentLedger.KEEP_IDS + 50):
        ledger.saw("x", mid)
    assert ledger.top("x") == SentLedger.KEEP_IDS + 49
    assert ledger.candidates("x", 0, 3) == [2, 1]  # forgotten ids are unknown again
