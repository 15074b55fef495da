"""The one money formatter, in each style its callers use."""

from __future__ import annotations

import pytest

from handlers import format as fmt
from reports.numbers import MISSING, money


def test_plain_amount_has_thousands_separators_and_two_decimals() -> None:
    assert money(1234.5) == "1,234.50"
    assert money(-1234567.891) == "-1,234,567.89"
    assert money(0.0) == "0.00"


def test_signed_amount_carries_plus_before_positive_and_zero() -> None:
    assert money(12, signed=True) == "+12.00"
    assert money(-0.35, signed=True) == "-0.35"
    assert money(0.0, signed=True) == "+0.00"
    assert money(0.0, signed=True, plus_zero=False) == "0.00"  # chart labels


@pytest.mark.parametrize("x", [-0.001, -0.004999, -0.0])
def test_amount_rounding_to_zero_has_no_minus(x: float) -> None:
    assert money(x) == "0.00"
    assert money(x, signed=True) == "+0.00"


def test_decimals_currency_and_missing() -> None:
    assert money(10_574.25, decimals=0) == "10,574"
    assert money(-0.4, decimals=0) == "0"
    assert money(1.23456, decimals=4) == "1.2346"
    assert money(250.0, currency="USD") == "250.00 USD"
    assert money(-3.5, signed=True, currency="USD") == "-3.50 USD"
    assert money(None) == MISSING == "—"


def test_handlers_format_money_and_signed_are_the_same_formatter() -> None:
    assert fmt.money(1234.5) == "1,234.50"
    assert fmt.signed(1234.5) == "+1,234.50"
    assert fmt.signed(-2) == "-2.00"
    assert fmt.signed(0) == "+0.00"
