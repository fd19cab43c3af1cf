"""``epoch_time``: the integer fast path gives exactly what the Decimal reading gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from polychat.channels._json import epoch_time

MILLIS = Decimal(10) ** 12
LAST = Decimal(253402300799)


def _reference(value: int) -> datetime | None:
    """The Decimal reading (what epoch_time did for every value before its fast path)."""
    number = Decimal(value)
    if number < 0:
        return None
    if number >= MILLIS:
        number /= 1000
    if number > LAST:
        return None
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(number * 1_000_000))


@given(st.integers(min_value=-10, max_value=10**18 - 1))
def test_integers_and_digit_strings_read_as_before(value: int) -> None:
    expected = _reference(value)
    assert epoch_time(value, millis_from=MILLIS) == expected
    if value >= 0:
        assert epoch_time(str(value), millis_from=MILLIS) == expected
        assert epoch_time(str(value).zfill(18), millis_from=MILLIS) == expected


def test_edges() -> None:
    assert epoch_time(253402300799, millis_from=MILLIS) == datetime(9999, 12, 31, 23, 59, 59,
                                                                    tzinfo=UTC)
    assert epoch_time(253402300800, millis_from=MILLIS) is None
    assert epoch_time("253402300799999", millis_from=MILLIS) is None
    assert epoch_time(999999999999, millis_from=MILLIS) is None  # seconds beyond year 9999
    assert epoch_time(1763200000000, millis_from=MILLIS) == datetime(2025, 11, 15, 9, 46, 40,
                                                                     tzinfo=UTC)
    assert epoch_time(True, millis_from=MILLIS) is None
    assert epoch_time(" 17 ", millis_from=MILLIS) == datetime(1970, 1, 1, 0, 0, 17, tzinfo=UTC)
    assert epoch_time("1" * 40, millis_from=MILLIS) is None  # long strings take the slow path
