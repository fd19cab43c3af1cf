"""The Graph API error envelope and its classification into polychat's error classes.

Meta answers errors as ``{"error": {"message", "type", "code", "error_subcode", "error_data",
"is_transient", "fbtrace_id", …}}``, mostly with HTTP 400 (``shared/platforms/meta.md`` §6.1).
WhatsApp webhooks carry the same kind of object, without the wrapper and without an HTTP status, in
``statuses[].errors[]`` and ``value.errors[]`` (§5.4, §5.5).

Theory of operation (§6.2):

1. Classification keys on ``code``; where Meta overloads a code (Messenger 10, 100, 200, 551) a
   channel's ``subcode_table`` keyed on ``(code, error_subcode)`` wins.
2. Then the channel's own table, then :data:`GRAPH_CODES` (the codes both channels share), then
   the permission range 200–299.
3. HTTP 429 is throttling whatever the code (Meta sometimes answers 429 with a code nobody knows).
4. An unknown code is transient on a 5xx or when Meta says ``is_transient``; otherwise permanent.
5. ``RateLimited.retry_after`` comes from ``Retry-After`` or from the largest
   ``estimated_time_to_regain_access`` (minutes) of ``x-business-use-case-usage``; failing both,
   from the rule's own ``retry_after``.

Everything here is pure: it reads plain data and builds exceptions, it never raises them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from polychat import _safejson
from polychat._redact import redact_text
from polychat.errors import (
    AuthError,
    PermanentError,
    PlatformError,
    RateLimited,
    RecipientUnreachable,
    TemporaryError,
)
from polychat.wire import HttpResponse

__all__ = [
    "GRAPH_CODES",
    "ErrorRule",
    "GraphError",
    "auth",
    "build_platform_error",
    "classify_graph_error",
    "classify_graph_item",
    "parse_error_object",
    "parse_graph_error",
    "permanent",
    "rule_for",
    "throttled",
    "transient",
    "unreachable",
]


@dataclass(frozen=True)
class ErrorRule:
    """How one error code is classified.

    Attributes:
        kind: the :class:`~polychat.errors.PlatformError` subclass to build.
        retryable: overrides the class's default ``retryable`` when not ``None``.
        hint: what the caller should do, in a sentence.
        retry_after: for ``RateLimited`` only, the wait in seconds to report when the response's
            headers give none.
    """

    kind: type[PlatformError]
    retryable: bool | None = None
    hint: str | None = None
    retry_after: float | None = None


# The rules most codes follow, for the channels' tables: one line per code, the hint says why.


def throttled(hint: str) -> ErrorRule:
    """``RateLimited``, retryable: back off and retry later."""
    return ErrorRule(RateLimited, True, hint)


def transient(hint: str) -> ErrorRule:
    """``TemporaryError``, retryable: retry a few times."""
    return ErrorRule(TemporaryError, True, hint)


def unreachable(hint: str) -> ErrorRule:
    """``RecipientUnreachable``, not retryable: this recipient cannot get the message."""
    return ErrorRule(RecipientUnreachable, False, hint)


def permanent(hint: str) -> ErrorRule:
    """``PermanentError``, not retryable: the request or the account must change."""
    return ErrorRule(PermanentError, False, hint)


def auth(hint: str) -> ErrorRule:
    """``AuthError``, not retryable: the token or its permissions must change."""
    return ErrorRule(AuthError, False, hint)


@dataclass(frozen=True)
class GraphError:
    """The fields of a Graph error object, parsed defensively (every field may be missing)."""

    code: int | None
    subcode: int | None
    message: str
    details: str | None
    trace_id: str | None
    is_transient: bool | None


#: Meta does not echo tokens in error messages, but if one ever did (a bare ``EAA…`` token, or a
#: request URL with ``access_token=…``), it must not reach a log line through ``str(err)``:
#: :func:`polychat._redact.redact_text` masks both.
_scrub = redact_text
#: Older messages start with ``(#<code>)``; used when the ``code`` field itself is missing.
_CODE_PREFIX_RE = re.compile(r"^\s*\(#(\d+)\)")


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    return None


def parse_error_object(err: Mapping[str, Any]) -> GraphError:
    """Read one Graph error object: the envelope's ``error`` or a webhook ``errors[]`` item.

    Args:
        err: ``{"code", "message", "error_subcode"?, "error_data"?, "fbtrace_id"?, …}``; webhook
            items have ``title`` and ``href`` instead of ``type`` and ``fbtrace_id``.

    Returns:
        The parsed fields. ``code`` may be a number or a numeric string; ``error_data`` an object
        (its ``details`` is kept) or a plain string (kept whole); ``message`` falls back to
        ``title``, then ``error_user_msg``. Token-like strings are masked.
    """
    data = err.get("error_data")
    details = _text(data.get("details")) if isinstance(data, Mapping) else _text(data)
    message = (
        _text(err.get("message")) or _text(err.get("title")) or _text(err.get("error_user_msg"))
    )
    if details is None:
        user_msg = _text(err.get("error_user_msg"))
        if user_msg is not None and user_msg != message:
            details = user_msg
    code = _int(err.get("code"))
    if code is None and message is not None:
        prefix = _CODE_PREFIX_RE.match(message)
        code = int(prefix.group(1)) if prefix else None
    transient = err.get("is_transient")
    return GraphError(
        code=code,
        subcode=_int(err.get("error_subcode")),
        message=_scrub(message or "unknown error"),
        details=_scrub(details) if details is not None else None,
        trace_id=_text(err.get("fbtrace_id")),
        is_transient=transient if isinstance(transient, bool) else None,
    )


def parse_graph_error(body: Any) -> GraphError | None:
    """Read ``body`` (the decoded JSON of a response) as a Graph error, or ``None`` if it is not."""
    if not isinstance(body, Mapping) or not isinstance(body.get("error"), Mapping):
        return None
    return parse_error_object(body["error"])


_THROTTLED = throttled("throttled: back off with jitter and retry later")
_TRANSIENT = transient("a transient platform failure: retry a few times")
_PERMISSION = auth("the token lacks a permission for this call")
_UNKNOWN = ErrorRule(PermanentError)

GRAPH_CODES: dict[int, ErrorRule] = {
    1: _TRANSIENT,
    2: _TRANSIENT,
    4: _THROTTLED,
    17: _THROTTLED,
    32: _THROTTLED,
    341: _THROTTLED,
    613: _THROTTLED,
    0: ErrorRule(AuthError, hint="the app user could not be authenticated"),
    3: ErrorRule(AuthError, hint="the app lacks the capability for this call"),
    10: ErrorRule(AuthError, hint="the app lacks a permission for this call"),
    104: ErrorRule(AuthError, hint="no access token was sent"),
    190: ErrorRule(AuthError, hint="the access token is expired or invalid: renew it"),
    368: ErrorRule(PermanentError, retryable=False,
                   hint="temporarily blocked for policy violations: stop sending until it lifts"),
    100: ErrorRule(PermanentError, hint="a parameter is invalid"),
}
"""Codes Meta uses the same way on both channels. 200–299 (permissions) are handled as a range."""


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _retry_after_header(response: HttpResponse) -> float | None:
    header = response.headers.get("retry-after")
    if not header:
        return None
    seconds = _seconds(header)
    if seconds is not None:
        return seconds
    # An HTTP-date: measured against the response's own Date header, so no clock is read here.
    date = response.headers.get("date")
    if not date:
        return None
    try:
        wait = (parsedate_to_datetime(header) - parsedate_to_datetime(date)).total_seconds()
    except (TypeError, ValueError):
        return None
    return max(wait, 0.0)


def _regain_access(response: HttpResponse) -> float | None:
    usage = response.headers.get("x-business-use-case-usage")
    if not usage:
        return None
    try:
        data = _safejson.loads(usage)
    except ValueError:
        return None
    if not isinstance(data, Mapping):
        return None
    waits = [
        minutes * 60
        for items in data.values()
        if isinstance(items, list)
        for item in items
        if isinstance(item, Mapping)
        and (minutes := _seconds(item.get("estimated_time_to_regain_access"))) is not None
    ]
    return max(waits) if waits and max(waits) > 0 else None


def _retry_after(response: HttpResponse) -> float | None:
    header = _retry_after_header(response)
    return header if header is not None else _regain_access(response)


def rule_for(
    graph: GraphError,
    table: Mapping[int, ErrorRule],
    subcode_table: Mapping[tuple[int, int], ErrorRule] | None = None,
    *,
    http_status: int | None = None,
) -> ErrorRule:
    """The rule that classifies ``graph`` (steps 1–4 of the module docstring).

    Args:
        graph: the parsed error.
        table: the channel's codes; they win over :data:`GRAPH_CODES`.
        subcode_table: ``(code, subcode)`` rules; they win over ``table``.
        http_status: the response's status, or ``None`` for an error read from a webhook.

    Returns:
        The matching rule; an unknown code gives a transient or a permanent rule.
    """
    rule: ErrorRule | None = None
    code = graph.code
    if subcode_table and code is not None and graph.subcode is not None:
        rule = subcode_table.get((code, graph.subcode))
    if rule is None and code is not None:
        rule = table.get(code)
        if rule is None:
            rule = GRAPH_CODES.get(code)
        if rule is None and 200 <= code <= 299:
            rule = _PERMISSION
    if http_status == 429 and (rule is None or not issubclass(rule.kind, RateLimited)):
        return _THROTTLED
    if rule is None:
        transient = graph.is_transient or (http_status is not None and http_status >= 500)
        return _TRANSIENT if transient else _UNKNOWN
    return rule


def build_platform_error(
    channel: str,
    graph: GraphError,
    rule: ErrorRule,
    *,
    http_status: int | None = None,
    trace_id: str | None = None,
    retry_after: float | None = None,
) -> PlatformError:
    """Build the exception ``rule`` prescribes for ``graph`` (it is returned, not raised).

    Args:
        channel: the channel name stored on the error.
        graph: the parsed error.
        rule: from :func:`rule_for`.
        http_status: the response's status, if any.
        trace_id: used when ``graph`` carries no ``fbtrace_id`` (the ``x-fb-trace-id`` header).
        retry_after: seconds from the response headers; ``rule.retry_after`` is the fallback.
    """
    kwargs: dict[str, Any] = {
        "channel": channel,
        "code": graph.code,
        "subcode": graph.subcode,
        "trace_id": graph.trace_id or trace_id,
        "http_status": http_status,
        "details": graph.details,
        "hint": rule.hint,
    }
    if rule.retryable is not None:
        kwargs["retryable"] = rule.retryable
    if issubclass(rule.kind, RateLimited):
        wait = retry_after if retry_after is not None else rule.retry_after
        return rule.kind(graph.message, retry_after=wait, **kwargs)
    return rule.kind(graph.message, **kwargs)


def classify_graph_error(
    channel: str,
    response: HttpResponse,
    table: Mapping[int, ErrorRule],
    subcode_table: Mapping[tuple[int, int], ErrorRule] | None = None,
) -> PlatformError:
    """Classify a Graph error response for ``channel`` using ``table`` over :data:`GRAPH_CODES`.

    Args:
        channel: the channel name stored on the error (``"whatsapp"``, ``"messenger"``).
        response: the error response.
        table: the channel's codes.
        subcode_table: ``(code, subcode)`` rules; they win over ``table``.

    Returns:
        The matching error (never raised here). A body that is not a Graph envelope is
        classified on the HTTP status alone: 429 throttled, 5xx/408/425 transient, 401/403 auth,
        anything else permanent.
    """
    status = response.status_code
    trace_id = response.headers.get("x-fb-trace-id")
    graph = parse_graph_error(response.json_body())
    if graph is None:
        message = f"HTTP {status} without a Graph error body"
        if status == 429:
            return RateLimited(message, channel=channel, http_status=status, trace_id=trace_id,
                               retry_after=_retry_after(response), hint=_THROTTLED.hint)
        kind: type[PlatformError] = (
            TemporaryError if status >= 500 or status in (408, 425)
            else AuthError if status in (401, 403)
            else PermanentError
        )
        return kind(message, channel=channel, http_status=status, trace_id=trace_id)
    rule = rule_for(graph, table, subcode_table, http_status=status)
    retry_after = _retry_after(response) if issubclass(rule.kind, RateLimited) else None
    return build_platform_error(channel, graph, rule, http_status=status, trace_id=trace_id,
                                retry_after=retry_after)


def classify_graph_item(
    channel: str,
    item: Mapping[str, Any],
    table: Mapping[int, ErrorRule],
    subcode_table: Mapping[tuple[int, int], ErrorRule] | None = None,
) -> PlatformError:
    """Classify one error object that arrived in a webhook (no HTTP status, no headers).

    Args:
        channel: the channel name stored on the error.
        item: ``{"code", "title", "message", "error_data": {"details"}, "href"}``.
        table: the channel's codes.
        subcode_table: ``(code, subcode)`` rules; they win over ``table``.

    Returns:
        The matching error, built the same way as for a response.
    """
    graph = parse_error_object(item if isinstance(item, Mapping) else {})
    return build_platform_error(channel, graph, rule_for(graph, table, subcode_table))
