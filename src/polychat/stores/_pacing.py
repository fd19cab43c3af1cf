"""The pacing arithmetic every store shares: a GCRA token bucket with reservation (pure).

GCRA (the generic cell rate algorithm) keeps one number per bucket, the *theoretical arrival
time* (TAT): the moment the bucket would be empty again if every reservation so far were used.
With ``interval = 1 / rate`` and ``tau = (burst - 1) * interval`` (how far ahead of the steady
rate a burst may run), a request at ``now`` gets::

    tat  = max(stored TAT, now)                # an idle bucket refills up to ``burst``
    wait = max(0, tat - tau - now)             # how long until this request conforms

and, when the caller accepts that wait, reserves its slot by storing ``TAT = tat + interval``.
Because the slot is reserved before the caller sleeps, concurrent callers queue up behind each
other instead of all waking at once.

The stores evaluate exactly these operations, in this order, on IEEE doubles (RedisStore's Lua
script does the same steps), so every store takes the same decisions for the same inputs.
"""

from __future__ import annotations

import math

__all__ = ["SLACK", "Bucket", "acquire", "bucket", "check_max_wait", "check_time", "hold_target",
           "release_target"]

Bucket = tuple[float, float]
"""``(interval, tau)`` of a bucket, in seconds."""

SLACK = 1.0
"""Seconds a bucket's state is kept after it stops mattering: expiry at ``TAT + tau + SLACK``."""


def bucket(rate: float, burst: int) -> Bucket:
    """``(interval, tau)`` for a bucket of ``rate`` requests per second and ``burst`` at once.

    Raises:
        ValueError: ``rate`` is not a positive finite number, or ``burst`` is below 1.
    """
    if isinstance(rate, bool) or not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"rate must be a positive number of requests per second, got {rate!r}")
    if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
        raise ValueError(f"burst must be an integer of at least 1, got {burst!r}")
    interval = 1.0 / rate
    return interval, (burst - 1) * interval


def check_time(name: str, value: float) -> float:
    """``value`` as a float, refusing NaN and infinities (they would poison the stored TAT)."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number of seconds, got {value!r}")
    return value


def check_max_wait(max_wait: float) -> float:
    """``max_wait`` as a float (``math.inf`` allowed: wait as long as needed)."""
    max_wait = float(max_wait)
    if math.isnan(max_wait) or max_wait < 0:
        raise ValueError(f"max_wait must be a number of seconds >= 0, got {max_wait!r}")
    return max_wait


def acquire(stored: float | None, now: float, interval: float, tau: float,
            max_wait: float) -> tuple[float, float | None]:
    """One GCRA decision: ``(wait, new TAT)``, the new TAT None when ``wait > max_wait``.

    Args:
        stored: the bucket's TAT, or None for a bucket with no state.
        now: the caller's clock, in seconds.
        interval: from :func:`bucket`.
        tau: from :func:`bucket`.
        max_wait: the longest wait the caller accepts.
    """
    tat = stored if stored is not None and stored > now else now
    wait = tat - tau - now
    if wait < 0:
        wait = 0.0
    if wait > max_wait:
        return wait, None
    return wait, tat + interval


def hold_target(until: float, tau: float) -> float:
    """The TAT below which a hold until ``until`` lifts a bucket: no grant before ``until``."""
    return until + tau


def release_target(stored: float, interval: float) -> float:
    """The TAT once one reserved slot is given back."""
    return stored - interval
