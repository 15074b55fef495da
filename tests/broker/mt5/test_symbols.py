"""Symbol mapping, the volume rule and the retcode table (no terminal needed). What the codes
mean in words is pinned in tests/handlers/test_broker_text.py."""

from __future__ import annotations

import pytest

from broker.errors import InsufficientFunds, InvalidOrder, MarketClosed, TemporaryBrokerError
from broker.models import Note
from broker.mt5 import clean_comment, filling_from_mask
from broker.mt5.retcodes import error_for_retcode, retcode_name
from broker.symbols import BrokerSymbol, SymbolMapper, canonical_name, normalize_volume
from handlers.broker_text import words


@pytest.mark.parametrize(
    ("broker_name", "canonical"),
    [
        ("XAUUSD", "XAUUSD"),
        ("XAUUSD.m", "XAUUSD"),
        ("XAUUSDm", "XAUUSD"),
        ("GOLD", "XAUUSD"),
        ("GOLD.pro", "XAUUSD"),
        ("EURUSD_i", "EURUSD"),
        ("EURUSD.pro", "EURUSD"),
        ("eurusd", "EURUSD"),
        ("#US30.cash", "US30"),
        ("NAS100m", "NAS100"),
        ("USTEC", "NAS100"),
        ("EURUSDT", "EURUSDT"),  # not a suffix: a different (crypto) symbol
        ("MYSTERY.x", "MYSTERY"),  # unknown: upper-cased, suffix dropped
    ],
)
def test_canonical_name_strips_suffixes_and_maps_aliases(broker_name: str, canonical: str) -> None:
    assert canonical_name(broker_name) == canonical


def _mapper(*names: str, overrides: dict[str, str] | None = None) -> SymbolMapper:
    m = SymbolMapper(overrides)
    m.load(BrokerSymbol(n) for n in names)
    return m


def test_mapper_finds_suffixed_and_aliased_broker_names() -> None:
    m = _mapper("EURUSD.m", "GOLD", "USTEC")
    assert m.resolve("EURUSD") == "EURUSD.m"
    assert m.resolve("eurusd") == "EURUSD.m"
    assert m.resolve("XAUUSD") == "GOLD"
    assert m.resolve("NAS100") == "USTEC"
    assert m.resolve("EURUSD.m") == "EURUSD.m"  # the broker's own spelling works too
    assert m.resolve("GBPUSD") is None


def test_mapper_prefers_tradable_then_visible_then_unsuffixed() -> None:
    m = SymbolMapper()
    m.load(
        [
            BrokerSymbol("XAUUSD", visible=True, trade_mode=0),  # disabled
            BrokerSymbol("XAUUSD.m", visible=False),
            BrokerSymbol("XAUUSD.pro", visible=True),
        ]
    )
    assert m.resolve("XAUUSD") == "XAUUSD.pro"
    m.load([BrokerSymbol("EURUSD"), BrokerSymbol("EURUSD.m")])
    assert m.resolve("EURUSD") == "EURUSD"


def test_mapper_override_wins_in_both_directions() -> None:
    m = _mapper("XAUUSD", "GOLD.x", "US30.m", overrides={"XAUUSD": "GOLD.x", "DOW": "US30.m"})
    assert m.resolve("XAUUSD") == "GOLD.x"
    assert m.resolve("dow") == "US30.m"
    assert m.canonical("GOLD.x") == "XAUUSD"
    assert m.canonical("US30.m") == "DOW"


def test_mapper_override_to_a_missing_symbol_resolves_to_nothing() -> None:
    m = _mapper("XAUUSD", overrides={"XAUUSD": "GOLD"})
    assert m.resolve("XAUUSD") is None


def test_volume_is_rounded_down_to_the_step() -> None:
    assert normalize_volume("XAUUSD", 0.013, 0.01, 50, 0.01).volume == 0.01
    assert normalize_volume("XAUUSD", 0.019, 0.01, 50, 0.01).volume == 0.01
    assert normalize_volume("XAUUSD", 0.03, 0.01, 50, 0.01).volume == 0.03
    assert normalize_volume("XAUUSD", 0.7, 0.01, 50, 0.01).volume == 0.7
    assert normalize_volume("NAS100", 0.35, 0.1, 500, 0.1).volume == 0.3


def test_volume_below_minimum_after_rounding_is_refused_with_the_limit_named() -> None:
    check = normalize_volume("XAUUSD", 0.003, 0.01, 50, 0.01)
    assert not check.ok
    assert check.note == Note(
        "volume_below_min", {"symbol": "XAUUSD", "volume": 0.003, "min": 0.01}
    )
    zh, en = words(check.note)  # worded by handlers
    assert en == "Volume 0.003 is below the minimum 0.01 for XAUUSD"
    assert zh == "XAUUSD 最小手数为 0.01，0.003 手无法下单"


def test_volume_above_maximum_is_refused_not_clamped() -> None:
    check = normalize_volume("XAUUSD", 60, 0.01, 50, 0.01)
    assert not check.ok
    assert check.note is not None
    assert check.note.key == "volume_above_max"
    zh, en = words(check.note)
    assert "maximum 50" in en
    assert "50" in zh


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_volume_zero_negative_or_not_finite_is_refused(bad: float) -> None:
    assert not normalize_volume("EURUSD", bad, 0.01, 100, 0.01).ok


def test_filling_mode_comes_from_the_bit_mask() -> None:
    assert filling_from_mask(1) == 0  # FOK
    assert filling_from_mask(3) == 0  # FOK preferred
    assert filling_from_mask(2) == 1  # IOC
    assert filling_from_mask(0) == 2  # RETURN


def test_comment_is_kept_exact_when_short_ascii_and_cut_to_29_otherwise() -> None:
    assert clean_comment("tc:7F3KQ2") == "tc:7F3KQ2"
    assert clean_comment("x" * 40) == "x" * 29
    assert clean_comment("黄金 tc:7F3K\n") == " tc:7F3K"


def test_codes_are_named_as_mt5_names_them() -> None:
    assert retcode_name(10016) == "TRADE_RETCODE_INVALID_STOPS"
    assert retcode_name(-10004) == "RES_E_INTERNAL_FAIL_CONNECT"
    assert retcode_name(12345) == "12345"


def test_error_classes_tell_retryable_from_user_errors() -> None:
    assert isinstance(error_for_retcode(-10004), TemporaryBrokerError)
    assert isinstance(error_for_retcode(10031), TemporaryBrokerError)
    assert isinstance(error_for_retcode(10019), InsufficientFunds)
    assert isinstance(error_for_retcode(10018), MarketClosed)
    assert isinstance(error_for_retcode(10016), InvalidOrder)
    assert not isinstance(error_for_retcode(10016), TemporaryBrokerError)


def test_lookup_errors_carry_the_code_and_what_failed_as_facts() -> None:
    exc = error_for_retcode(-10004, "No IPC connection", what=Note("read_account"))
    assert isinstance(exc, TemporaryBrokerError)
    assert exc.code == -10004
    reason = Note("last_error", {"code": -10004, "text": "No IPC connection"})
    assert exc.note == Note("lookup_failed", {"what": Note("read_account"), "reason": reason})
    assert str(exc) == (
        "lookup_failed(what=read_account, reason=last_error(code=-10004, "
        "text='No IPC connection')) [code -10004]"
    )
