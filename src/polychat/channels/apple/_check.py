"""Rule checks shared by the Apple renderers.

Every numeric check reads its number from :data:`~polychat.channels.apple.limits.LIMITS` and raises
:class:`~polychat.errors.ContentError` whose ``limit`` is ``"apple." + key`` and whose message names
the rule, the limit and the value that broke it. Lengths are Python ``len()`` (code points).
The checks themselves are :class:`~polychat.channels._check.LimitChecks`, bound to this channel.

Device capabilities (``QUICK``, ``LIST``, ``TIME``, ``AUTH``, ``AUTH2``, ``FORM``) are checked by
:func:`require_capability`; a missing one is a plain ``ContentError`` (not ``UnsupportedContent``)
with ``limit="apple.device.<CAPABILITY>"`` so the hub degrades the content for this customer.
"""

from __future__ import annotations

from collections.abc import Iterable

from .._check import LimitChecks
from .limits import LIMITS

__all__ = [
    "check_http_url",
    "check_length",
    "check_required",
    "check_unique",
    "fail",
    "has_capability",
    "require_capability",
    "unsupported",
]


_CHECKS = LimitChecks("apple", "Apple", LIMITS)

fail = _CHECKS.fail
unsupported = _CHECKS.unsupported
check_length = _CHECKS.check_length
check_required = _CHECKS.check_required
check_http_url = _CHECKS.check_http_url


def check_unique(ids: Iterable[str], key: str, what: str) -> None:
    """Check no id repeats: the customer's answer names its choice by id alone."""
    _CHECKS.check_unique(ids, key, what, "(the answer names the choice by it);")


def has_capability(device: frozenset[str] | None, capability: str) -> bool:
    """Whether the customer's device declared ``capability`` (``None``: unknown device → no)."""
    return device is not None and capability in device


def require_capability(device: frozenset[str] | None, what: str, *capabilities: str) -> None:
    """Check the device declared one of ``capabilities`` in its last ``capability-list``.

    Apple's rule (apple.md §9 pitfall 7) is to send a picker only when the customer's last
    ``capability-list`` names it, so an unknown device (``None``) has none.

    Raises:
        ContentError: with ``limit="apple.device.<first capability>"``.
    """
    if any(has_capability(device, c) for c in capabilities):
        return
    needed = " or ".join(capabilities)
    if device is None:
        seen = ("the customer's device capabilities are unknown (no capability-list seen yet), "
                "so none are assumed")
    else:
        seen = f"the customer's device declared {', '.join(sorted(device)) or 'none'}"
    fail(f"Apple {what} need the device capability {needed}; {seen}", f"device.{capabilities[0]}")
