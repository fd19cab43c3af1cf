"""Apple MSP gateway errors: classified by HTTP status (apple.md §3.4 and §8).

Apple answers errors with a status and usually no body. ``400`` is a malformed request (fix the
payload), ``401`` a missing ``Authorization``, ``403`` a JWT that failed (secret, ``iss``, clock),
``404`` an unknown ``Destination-Id``, ``5xx`` a server error (retry with backoff). ``410``,
``429`` and ``503`` are not documented; they are handled defensively: 410 as an unreachable
customer (the conversation may be closed or the business blocked), 429 and 503 as throttling /
transient, honouring ``Retry-After``.
"""

from __future__ import annotations

import math
from typing import Any

from ...errors import (
    AuthError,
    PermanentError,
    PlatformError,
    RateLimited,
    RecipientUnreachable,
    TemporaryError,
)
from ...wire import HttpResponse

__all__ = ["classify"]

CHANNEL = "apple"


def _retry_after(response: HttpResponse) -> float | None:
    value = response.headers.get("retry-after")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    # "inf" and "1e400" parse as floats; a wait nobody can keep is no Retry-After at all.
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None


def _detail(response: HttpResponse) -> str | None:
    body = response.json_body()
    if isinstance(body, dict):
        for key in ("message", "error", "reason", "description"):
            if isinstance(body.get(key), str):
                return str(body[key])
    text = response.content[:200].decode("utf-8", "replace").strip()
    return text or None


def classify(response: HttpResponse) -> PlatformError:
    """The ``PlatformError`` for an error answer of Apple's MSP gateway."""
    status = response.status_code
    detail = _detail(response)
    trace = response.headers.get("apple-request-id") or response.headers.get("x-request-id")
    common: dict[str, Any] = {"channel": CHANNEL, "code": status, "http_status": status, "details": detail,
              "trace_id": trace}
    if status == 400:
        return PermanentError("Apple refused the request as malformed (400)",
                              hint="a field is missing or invalid: fix the payload", **common)
    if status == 401:
        return AuthError("Apple found no Authorization header (401)", **common)
    if status == 403:
        return AuthError("Apple refused the Authorization JWT (403)",
                         hint="check the MSP id (iss), the Base64 secret and the clock", **common)
    if status == 404:
        return RecipientUnreachable("Apple does not know this Destination-Id (404)",
                                    hint="the opaque customer id is wrong or no longer valid",
                                    **common)
    if status == 410:
        return RecipientUnreachable("Apple says the conversation is gone (410)",
                                    hint="the customer may have closed the chat or blocked the "
                                    "business: send nothing until they write again", **common)
    if status in (429, 503):
        return RateLimited(f"Apple is throttling or unavailable ({status})",
                           retry_after=_retry_after(response), **common)
    if status >= 500:
        return TemporaryError(f"Apple's gateway failed ({status})", **common)
    return PermanentError(f"Apple answered {status}", **common)
