"""Decoding untrusted JSON (webhook bodies, platform answers) into values every layer can handle.

``json.loads`` accepts more than the rest of polychat can carry, and fails in ways callers do not
expect:

- nesting deeper than the interpreter's recursion limit raises ``RecursionError`` (not a
  ``ValueError``), and nesting a few hundred levels deep decodes but cannot be serialised again
  by pydantic, so an event holding it could not be queued (``model_dump_json``);
- a ``\\ud800``-style escape decodes to a lone surrogate, a ``str`` that cannot be encoded as
  UTF-8: every event built from it fails to serialise, and so does the hub's de-duplication key;
- ``NaN``, ``Infinity`` and numbers beyond the float range (``1e400``) are not JSON values
  (RFC 8259 §6) and do not survive a round trip.

:func:`loads` turns the first and the last into a ``ValueError`` (callers already treat that as
"not JSON") and replaces lone surrogates with U+FFFD, so one broken emoji does not refuse a whole
batch of messages. The extra checks are skipped for bodies that cannot need them, so well-formed
bodies pay next to nothing. Pure; no I/O.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Final

__all__ = ["MAX_DEPTH", "loads"]

MAX_DEPTH: Final = 64
"""Deepest nesting of arrays and objects accepted (platform payloads use about ten levels)."""

_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE: Final = re.compile(r"[\ud800-\udfff]")
_CONTAINERS: Final = (dict, list)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is beyond the float range")
    return value


_DECODER: Final = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def _has_lone_surrogate(text: str) -> bool:
    """Whether decoding ``text`` gives a lone surrogate: one written raw, or a ``\\udXXX`` escape
    that is not half of a pair (pairs, as Meta escapes emoji, decode to one character)."""
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:
            return True
    pending_high = -1  # end of a high-surrogate escape still waiting for its low half
    for match in _SURROGATE_ESCAPE.finditer(text):
        low = match.group()[3].lower() in "cdef"
        if low and match.start() != pending_high:
            return True
        if not low and pending_high != -1:
            return True
        pending_high = -1 if low else match.end()
    return pending_high != -1


def _too_deep(value: Any) -> bool:
    """Whether containers nest deeper than :data:`MAX_DEPTH` in the decoded ``value``."""
    level: list[Any] = [value]
    for _ in range(MAX_DEPTH):
        below: list[Any] = []
        for node in level:
            for child in node.values() if type(node) is dict else node:
                if type(child) in _CONTAINERS:
                    below.append(child)
        if not below:
            return False
        level = below
    return True


def _clean(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings (keys too) replaced by U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    return value


def loads(data: bytes | bytearray | str) -> Any:
    """Decode ``data`` as JSON; see the module docstring for what differs from ``json.loads``.

    Raises:
        ValueError: not JSON (``UnicodeDecodeError`` and ``json.JSONDecodeError`` included),
            nested deeper than :data:`MAX_DEPTH`, or holding ``NaN``/``Infinity``/an overflowing
            number.
    """
    # As json.loads does for bytes: UTF-8, -16 or -32 by the first bytes; surrogates let through
    # (they are replaced below).
    text = data if isinstance(data, str) else bytes(data).decode(json.detect_encoding(data),
                                                                 "surrogatepass")
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    if type(value) in _CONTAINERS and text.count("[") + text.count("{") > MAX_DEPTH and _too_deep(value):
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
    return _clean(value) if _has_lone_surrogate(text) else value
