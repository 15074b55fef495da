"""The wire format of the broker's operations: our models to JSON and back unchanged (times
in UTC, notes nested in notes still notes), errors as their class, note and code, and
arguments validated against the operation's table."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from broker.errors import InvalidOrder, SymbolNotFound, TemporaryBrokerError
from broker.models import Deal, Note, TradeResult
from broker.remote.codec import (
    OPERATIONS,
    args_from_json,
    error_from_json,
    error_to_json,
    from_json,
    to_json,
)


def _wire(value: object) -> object:
    """Through real JSON text, as on the network."""
    return json.loads(json.dumps(to_json(value)))


def test_a_trade_result_with_nested_notes_comes_back_equal() -> None:
    inner = Note("last_error", {"code": -10005, "text": ""})
    result = TradeResult(
        "unknown",
        -10005,
        Note("may_have_executed", {"reason": inner, "legs": [Note("opened", {"ticket": 1})]}),
        request={"action": 1, "comment": "tc:abc.1"},
    )
    back = from_json(_wire(result), TradeResult)
    assert back == result
    assert isinstance(back.note.facts["reason"], Note)
    assert isinstance(back.note.facts["legs"][0], Note)


def test_times_travel_as_utc_iso_and_come_back_in_datetime_utc() -> None:
    at = datetime(2026, 12, 4, 6, 30, tzinfo=timezone(timedelta(hours=2)))
    deal = Deal(1, 2, 3, at, "buy", "in", "XAUUSD", "XAUUSD.m", 0.1, 2000.5, 0, -0.5, 0, 0, 7, "x")
    wire = _wire(deal)
    assert isinstance(wire, dict)
    assert wire["time"] == "2026-12-04T04:30:00+00:00"
    back = from_json(wire, Deal)
    assert back == deal
    assert back.time.tzinfo is UTC


@pytest.mark.parametrize(
    "exc",
    [
        SymbolNotFound(Note("unknown_symbol", {"symbol": "XX", "close": ["XAUUSD"]})),
        TemporaryBrokerError(Note("not_connected"), -10004),
        InvalidOrder(Note("invalid_volume", {"volume": 0.001})),
    ],
)
def test_broker_errors_come_back_as_the_same_class_note_and_code(exc: Exception) -> None:
    assert isinstance(exc, SymbolNotFound | TemporaryBrokerError | InvalidOrder)
    back = error_from_json(_wire(error_to_json(exc)))
    assert type(back) is type(exc)
    assert back is not None
    assert back.note == exc.note
    assert back.code == exc.code


def test_an_answer_that_is_no_error_is_not_taken_for_one() -> None:
    assert error_from_json({"class": "SystemExit", "note": {}}) is None
    assert error_from_json("nope") is None


def test_arguments_are_validated_against_the_operations_table() -> None:
    op = OPERATIONS["deals"]
    args = args_from_json(op, {"start": "2026-12-01T00:00:00Z", "end": "2026-12-02T00:00:00Z"})
    assert args["start"] == datetime(2026, 12, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="unknown argument"):
        args_from_json(op, {"start": "2026-12-01T00:00:00Z", "limit": 5})
    with pytest.raises(ValueError):
        args_from_json(OPERATIONS["open_market"], {"symbol": "EURUSD", "side": "long"})
    with pytest.raises(ValueError, match="JSON object"):
        args_from_json(op, [1, 2])


def test_every_trade_operation_is_marked_as_one() -> None:
    trades = {name for name, op in OPERATIONS.items() if op.trade}
    assert trades == {
        "open_market",
        "place_pending",
        "close_position",
        "modify_position",
        "modify_order",
        "cancel_order",
    }
