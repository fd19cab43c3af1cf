"""Limit checks shared by the WhatsApp renderers.

Every check reads its number from :data:`~polychat.channels.whatsapp.limits.LIMITS` and raises
:class:`~polychat.errors.ContentError` whose ``limit`` is ``"whatsapp." + key`` and whose message
names the rule, the limit and the value that broke it. Lengths are Python ``len()`` (code points).
The checks themselves are :class:`~polychat.channels._check.LimitChecks`, bound to this channel.
"""

from __future__ import annotations

from .._check import LimitChecks
from .limits import LIMITS

__all__ = ["check_count", "check_length", "check_required", "check_unique", "fail", "unsupported"]

_CHECKS = LimitChecks("whatsapp", "WhatsApp", LIMITS)

fail = _CHECKS.fail
unsupported = _CHECKS.unsupported
check_length = _CHECKS.check_length
check_required = _CHECKS.check_required
check_count = _CHECKS.check_count


def check_unique(values: list[str], key: str, what: str) -> None:
    """Check no value repeats in ``values``; the message names the first duplicate."""
    _CHECKS.check_unique(values, key, what, "within a message,")
