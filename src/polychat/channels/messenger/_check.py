"""Limit checks shared by the Messenger renderers.

Every numeric check reads its number from :data:`~polychat.channels.messenger.limits.LIMITS` and
raises :class:`~polychat.errors.ContentError` whose ``limit`` is ``"messenger." + key`` and whose
message names the rule, the limit and the value that broke it. Lengths are Python ``len()``
(code points), which is how Meta counts "characters" for UTF-8 text. The checks themselves are
:class:`~polychat.channels._check.LimitChecks`, bound to this channel; counts here also have a
lower bound of 1.
"""

from __future__ import annotations

from .._check import LimitChecks
from .limits import LIMITS

__all__ = ["check_count", "check_http_url", "check_length", "check_required", "fail", "unsupported"]

_CHECKS = LimitChecks("messenger", "Messenger", LIMITS)

fail = _CHECKS.fail
unsupported = _CHECKS.unsupported
check_length = _CHECKS.check_length
check_required = _CHECKS.check_required


def check_count(count: int, key: str, what: str, unit: str) -> None:
    """Check ``1 <= count <= LIMITS[key]``: "Messenger {what} allow at most N {unit}, got M"."""
    if count < 1:
        fail(f"Messenger {what} need 1 to {LIMITS[key]} {unit}, got {count}", key)
    _CHECKS.check_count(count, key, what, unit)


def check_http_url(url: str | None, key: str, what: str) -> str:
    """Check ``url`` is an absolute ``http(s)`` URL with a network location; return it."""
    return _CHECKS.check_http_url(url, key, what, hostname=False)
