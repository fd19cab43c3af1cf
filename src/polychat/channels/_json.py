"""Defensive readers of decoded platform JSON, shared by the channels' parsers (pure, no I/O).

A webhook body is untrusted: any key may be missing, ``null`` or of another type than the platform
documents. These readers never raise on such input; they answer an empty value (``None``, ``{}``,
``[]``) instead, and each parser decides what a missing piece means for its platform. Only the
readers whose rule is the same on every platform live here; platform-specific ones (a Messenger
ref that may be a number, an Apple index, WhatsApp's first-of-several ids…) stay in the platform's
``parse.py``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

__all__ = [
    "account",
    "dict_at",
    "dict_or_none",
    "epoch_time",
    "ident",
    "list_at",
    "string",
    "text",
    "truthy",
]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_SECONDS: Final = Decimal(253402300799)  # 9999-12-31T23:59:59Z, the last datetime
_MAX_MICROS: Final = 253402300799 * 1_000_000
_TRUE_WORDS: Final = ("true", "1")


def string(obj: Any, key: str) -> str | None:
    """``obj[key]`` when ``obj`` is a dict and the value a string (even empty), else ``None``."""
    if isinstance(obj, dict):
        value = obj.get(key)
        if isinstance(value, str):
            return value
    return None


def text(obj: Any, key: str) -> str | None:
    """``obj[key]`` when it is a string with some non-blank content, else ``None``."""
    if isinstance(obj, dict):
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def dict_or_none(obj: Any, key: str) -> dict[str, Any] | None:
    """``obj[key]`` when ``obj`` is a dict and the value an object, else ``None``."""
    if isinstance(obj, dict):
        value = obj.get(key)
        if isinstance(value, dict):
            return value
    return None


def dict_at(obj: Any, key: str) -> dict[str, Any]:
    """``obj[key]`` when it is an object, else an empty dict."""
    value = dict_or_none(obj, key)
    return {} if value is None else value


def list_at(obj: Any, key: str) -> list[Any]:
    """``obj[key]`` when it is a list, else an empty list."""
    if isinstance(obj, dict):
        value = obj.get(key)
        if isinstance(value, list):
            return value
    return []


def ident(value: Any) -> str | None:
    """An id as a string: a non-empty string without surrounding blanks, or an integer."""
    if type(value) is str:  # the common case first (decoded JSON holds exact types)
        return value if value and value == value.strip() else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value and value == value.strip():
        return value
    return None


def account(value: Any) -> str | None:
    """An id usable as ``Address.account``: an :func:`ident` without a colon."""
    found = ident(value)
    return found if found is not None and ":" not in found else None


def truthy(value: Any, words: Collection[str] = _TRUE_WORDS) -> bool:
    """A JSON flag: ``true``, ``1``, or a string that is one of ``words`` (case and blanks aside).

    Args:
        value: the decoded JSON value.
        words: the lower-case strings that mean true (``"true"`` and ``"1"`` unless given).
    """
    if isinstance(value, str):
        return value.strip().lower() in words
    return value is True or (isinstance(value, int) and value == 1)


def epoch_time(value: Any, *, millis_from: Decimal) -> datetime | None:
    """Epoch seconds, or milliseconds from ``millis_from`` up, as an aware UTC datetime.

    Args:
        value: a number or a numeric string (blanks around it allowed); booleans are refused.
        millis_from: the smallest value read as milliseconds; smaller ones are seconds.

    Returns:
        The time, or ``None`` for a value that is not a finite non-negative number or lies beyond
        the last datetime (year 9999).
    """
    if type(value) is int or (type(value) is str and len(value) <= 18 and value.isascii()
                              and value.isdigit()):
        # The common case (whole seconds or milliseconds), without Decimal: same result.
        whole = int(value)
        if whole < 0:
            return None
        micros = whole * 1000 if whole >= millis_from else whole * 1_000_000
        return None if micros > _MAX_MICROS else _EPOCH + timedelta(microseconds=micros)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
        if not number.is_finite() or number < 0:
            return None
        if number >= millis_from:
            number /= 1000
        if number > _MAX_SECONDS:
            return None
        return _EPOCH + timedelta(microseconds=int(number * 1_000_000))
    except (ArithmeticError, ValueError):  # InvalidOperation, decimal Overflow, OverflowError
        return None
