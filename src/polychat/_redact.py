"""Masking credentials in free text and in other libraries' log records.

Messenger takes its Page token as the ``access_token`` query parameter, so every request URL
carries it. polychat never logs a raw URL (it uses :func:`polychat.wire.redact_url`), but httpx
does: its ``"httpx"`` logger writes ``HTTP Request: POST https://graph.facebook.com/…?access_token=…``
at INFO for every response. :class:`RedactingFilter` masks those values in the record itself,
before any handler formats it; :func:`install_log_redaction` attaches it (once) to the loggers that
need it.

Everything here is pure apart from :func:`install_log_redaction`, which mutates the logging
configuration (and does nothing else: no I/O).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from .wire import MASK, SENSITIVE_PARAMS

__all__ = [
    "CREDENTIAL_PARAM_RE",
    "DEFAULT_LOGGERS",
    "TOKEN_RE",
    "RedactingFilter",
    "install_log_redaction",
    "redact_text",
]

#: A credential written as a query or form parameter, ``name=value`` (also URL-encoded as
#: ``name%3Dvalue`` inside an encoded URL), for every name of
#: :data:`polychat.wire.SENSITIVE_PARAMS`. The value runs to the next ``&`` (or ``%26``),
#: whitespace, quote, bracket or separator.
CREDENTIAL_PARAM_RE = re.compile(
    r"(?:(?<=%3F)|(?<=%26)|(?<![\w.]))("
    + "|".join(re.escape(name) for name in sorted(SENSITIVE_PARAMS, key=len, reverse=True))
    + r")(=|%3D)(?:(?!%26)[^&\s\"'<>#,;()\[\]{}])+",
    re.IGNORECASE,
)
#: Meta access tokens (user, Page, system-user) start with ``EAA``: masked wherever they appear.
TOKEN_RE = re.compile(r"\bEAA[A-Za-z0-9_-]{20,}")

DEFAULT_LOGGERS: tuple[str, ...] = ("httpx",)
"""Loggers that write request URLs with their query string: httpx's ``HTTP Request:`` line.
(httpcore's trace records name host and port only, never the URL.)"""


def redact_text(text: str) -> str:
    """``text`` with credential parameter values and Meta tokens replaced by ``[redacted]``.

    >>> redact_text("GET https://graph.facebook.com/v25.0/me?fields=id&access_token=abc123")
    'GET https://graph.facebook.com/v25.0/me?fields=id&access_token=[redacted]'
    >>> redact_text("token EAAGm0PX4ZCpsBAFAKEFAKEFAKE0000 expired")
    'token [redacted] expired'
    """
    text = CREDENTIAL_PARAM_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return TOKEN_RE.sub(MASK, text)


class RedactingFilter(logging.Filter):
    """A logging filter that masks credentials in each record it sees; it never drops one.

    The record's message is rendered (``msg % args``), redacted, and stored back as ``msg`` with
    no ``args``, so every handler — and every formatter, whatever its format string — sees only the
    masked text. ``exc_text`` (a cached traceback) is redacted too. A record whose message cannot
    be rendered is left to logging's own error handling.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; always keep it."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is left to logging to report
            return True
        redacted = redact_text(message)
        if redacted != message or record.args:
            record.msg = redacted
            record.args = None
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


def install_log_redaction(names: Iterable[str] = DEFAULT_LOGGERS) -> RedactingFilter:
    """Attach one shared :class:`RedactingFilter` to each named logger, once (idempotent).

    A filter on a logger applies to the records created on that logger, not to those of its
    child loggers, so name each logger that writes URLs (httpx writes on ``"httpx"`` itself).

    Args:
        names: logger names; by default :data:`DEFAULT_LOGGERS`.

    Returns:
        The filter now attached (the one already there, when there was one).
    """
    shared: RedactingFilter | None = None
    loggers = [logging.getLogger(name) for name in names]
    for logger in loggers:
        shared = shared or next((f for f in logger.filters if isinstance(f, RedactingFilter)), None)
    shared = shared or RedactingFilter()
    for logger in loggers:
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(shared)
    return shared
