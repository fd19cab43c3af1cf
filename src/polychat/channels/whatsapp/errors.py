"""WhatsApp Cloud API error codes and their polychat error classes (pure, no I/O).

Every code of ``shared/platforms/meta.md`` §6.2 that WhatsApp can return maps to exactly one
:class:`~polychat.errors.PlatformError` subclass, with ``retryable`` and a hint, in :data:`CODES`.
:func:`classify` reads an error response, :func:`error_from_webhook` an ``errors[]`` item of a
``failed`` status or of a ``value``. Both go through :mod:`polychat.channels._meta.graph`, so HTTP
429 is throttling whatever the code, an unknown code is transient on a 5xx or when Meta sets
``is_transient``, and anything else unknown is permanent.

========================  =======================================================  ==========
Class                     Codes                                                    retryable
========================  =======================================================  ==========
RateLimited               4, 17, 32, 341, 613, 80007, 130429 (throughput),         yes
                          131056 (pair rate: only this recipient, after 4^X s),
                          HTTP 429
RateLimited               131049 (per-user marketing limit), ``retry_after`` 24 h  yes, slow
RateLimited               131048 (spam / quality limit), 133016 (registration      no
                          attempts)
TemporaryError            1, 2, 131000, 131016, 131057, HTTP 5xx                   yes
TemporaryError            131053 (media could not be fetched or processed)         no
WindowClosed              131047 (24 h window closed: send a template)             no
RecipientUnreachable      131026, 130403, 131021, 131030, 131062                   no
PermanentError            131050, 130472, 131063 (marketing policy)                no
PermanentError            100, 131008, 131009, 131051, 132000, 132001, 132005,     no
                          132007, 132008, 132012, 132015, 132016, 132068, 132069
PermanentError            131052 (a user's inbound media could not be downloaded)  no
PermanentError            33, 131031, 131037, 131042, 131045, 133010, 130497       no
                          (account or number configuration), 368 (policy block:
                          wait until it lifts)
AuthError                 0, 3, 10, 104, 190, 200–299, 131005                      no
========================  =======================================================  ==========

The "retry with care" row of §6.2 (131053, 131048, 131049, 133016, 131052) never asks for a
tight-loop retry: each entry is either ``retryable=False`` or carries a ``retry_after``. The
comments beside each entry say why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from polychat.channels._meta.graph import (
    ErrorRule,
    auth,
    classify_graph_error,
    classify_graph_item,
    permanent,
    throttled,
    transient,
    unreachable,
)
from polychat.errors import (
    PermanentError,
    PlatformError,
    RateLimited,
    TemporaryError,
    WindowClosed,
)
from polychat.wire import HttpResponse

__all__ = ["CHANNEL", "CODES", "TEMPLATE_RULES", "classify", "error_from_webhook",
           "is_template_error"]

CHANNEL = "whatsapp"

#: 131049: Meta asks to wait at least a day before another marketing message to this user.
MARKETING_LIMIT_WAIT = 24 * 60 * 60.0


_PERMISSION = auth("the token lacks a permission (whatsapp_business_messaging / _management) "
                   "or the system user has no access to this WABA")

CODES: dict[int, ErrorRule] = {
    # -- Throttled, global or per app / WABA: back off with jitter; the response headers
    #    (Retry-After, x-business-use-case-usage) give retry_after when Meta sends them.
    4: throttled("the app's Graph call limit is reached: back off and retry later"),
    17: throttled("the user's Graph call limit is reached: back off and retry later"),
    32: throttled("a Graph call limit is reached: back off and retry later"),
    341: throttled("the application limit is reached: back off and retry later"),
    613: throttled("the rate limit is exceeded: back off and retry later"),
    80007: throttled("the WhatsApp Business Account's rate limit is reached: back off and retry "
                     "later"),
    130429: throttled("Cloud API throughput for this number is reached (80 msg/s by default): "
                      "back off with jitter and spread sends"),
    # -- Throttled per recipient: delay only this user, not the whole queue.
    131056: throttled("pair rate limit: too many messages to this recipient (about 1 per 6 s); "
                      "delay only this recipient and retry after 4^X s (1, 4, 16, … s)"),
    # -- Transient server errors: retry a bounded number of times. Cloud API sends have no
    #    idempotency key, so a retried send that had in fact gone through is delivered twice.
    1: transient("unknown Graph API error: retry a few times"),
    2: transient("the Graph API service is temporarily unavailable: retry a few times"),
    131000: transient("something went wrong at Meta: retry a few times"),
    131016: transient("the Cloud API is temporarily unavailable: retry a few times"),
    131057: transient("the number is in maintenance (e.g. a throughput upgrade, about 1 min): "
                      "retry in a minute"),
    # -- Retry with care (§6.2): slow retry or alert, never a tight loop.
    # 131053: Meta could not fetch or process the media (URL unreachable, wrong MIME type, too
    # big). courier retries it, so the cause can pass (the media host was down), hence
    # TemporaryError; but it is as often the content itself, so the hub must not retry it
    # automatically: retryable=False.
    131053: ErrorRule(TemporaryError, False,
                      "Meta could not fetch or process the media: check the URL is public and the "
                      "type and size are supported, then retry later, not in a loop"),
    # 131048: spam / quality limit. courier and pywa count it as throttling, hence RateLimited
    # (code that pauses a campaign on RateLimited pauses here too); but the limit lifts when the
    # number's quality recovers, not after a known delay (Meta: check the quality rating), so
    # retryable=False and no retry_after.
    131048: ErrorRule(RateLimited, False,
                      "spam rate limit: too many messages from this number were blocked or "
                      "flagged; check its quality rating in WhatsApp Manager before sending more"),
    # 131049: per-user marketing limit ("healthy ecosystem engagement"). Meta: wait at least 24 h
    # before another marketing message to this user. A known, long wait: RateLimited with
    # retry_after = 24 h, which a hub schedules rather than sleeps on.
    131049: ErrorRule(RateLimited, True,
                      "per-user marketing limit: do not send this user another marketing "
                      "message for at least 24 h",
                      retry_after=MARKETING_LIMIT_WAIT),
    # 133016: too many register/deregister attempts for the number (pywa: a throttle). It only
    # comes from the registration endpoints and the wait is not given, so retryable=False.
    133016: ErrorRule(RateLimited, False,
                      "too many register/deregister attempts for this number: wait before "
                      "trying again"),
    # 131052: a user's inbound media could not be downloaded; it arrives in a webhook errors[]
    # item. polychat sent nothing, so there is nothing to retry: PermanentError, and the hint says
    # what can be done.
    131052: ErrorRule(PermanentError, False,
                      "the user's media could not be downloaded: ask the user to send it again"),
    # -- Window: permanent for this message; switch strategy.
    131047: ErrorRule(WindowClosed, False,
                      "more than 24 h since the user last wrote: send an approved template"),
    # -- Marketing policy. A template does not help (these ARE template refusals), so these are
    #    not WindowClosed, whose advice is "send a template"; they are permanent for this user.
    131050: permanent("the user stopped marketing messages from this business: send no "
                      "marketing templates to them (service replies and utility templates "
                      "still work)"),
    130472: permanent("the user is in a Meta marketing-message experiment group: this "
                      "marketing template was not delivered; do not retry"),
    131063: permanent("marketing templates cannot be sent to this user through the Cloud API: "
                      "use the Marketing Messages API"),
    # -- Recipient: permanent.
    131026: unreachable("the message is undeliverable: the recipient is not on WhatsApp, uses an "
                        "old app version, or has not accepted the terms"),
    130403: unreachable("the business blocked this user: unblock them before sending"),
    131021: unreachable("the recipient is the sending number itself"),
    131030: unreachable("the recipient is not in this test number's allow-list: add it in the "
                        "App Dashboard"),
    131062: unreachable("this number cannot send to a business-scoped user id (BSUID): send to "
                        "the wa_id or phone number"),
    # -- Bad request / content: a bug or a configuration problem.
    100: permanent("a parameter is invalid or missing"),
    131008: permanent("a required parameter is missing"),
    131009: permanent("a parameter value is invalid"),
    131051: permanent("the message type is not supported"),
    # Templates (meta.md 4.4): each hint names what to fix. validate() in .templates refuses
    # these sends before Meta does when the definitions are known (TEMPLATE_RULES below).
    132000: permanent("the number of parameters does not match the approved template: compare "
                      "each component (header, body, every dynamic URL/OTP/copy-code button, "
                      "carousel cards) with its {{n}} variables; templates.validate() names the "
                      "component"),
    132001: permanent("the template does not exist in this language, or is not approved: the "
                      "language must be the exact approved locale (e.g. 'en_US', not 'en'), "
                      "the name must match, and the status must be APPROVED"),
    132005: permanent("the template text with its parameters filled in is too long: shorten the "
                      "parameter values"),
    132007: permanent("the filled-in template breaks WhatsApp's formatting or content policy: "
                      "check the parameter values (no policy-breaking text or formatting)"),
    132008: permanent("a template parameter value is invalid for its type (a currency code or "
                      "amount, a media link or id): fix that parameter's value"),
    132012: permanent("a template parameter has the wrong format: e.g. the header is an IMAGE "
                      "(or VIDEO, DOCUMENT, LOCATION) and the send has text or no header, or a "
                      "variable got a parameter type it does not take"),
    132015: permanent("the template is paused for low quality: edit it, or send another "
                      "template until the pause ends"),
    132016: permanent("the template is disabled for low quality: send another template (a "
                      "disabled template cannot be sent again)"),
    132068: permanent("the Flow is blocked: fix it in WhatsApp Manager before sending it"),
    132069: permanent("the Flow is throttled for low quality: fix it before sending it again"),
    # -- Auth: the token or its permissions.
    0: auth("the app user could not be authenticated: check the access token"),
    3: auth("the app lacks the capability for this call"),
    10: auth("the app lacks a permission for this call"),
    104: auth("no access token was sent"),
    190: auth("the access token is expired or invalid: renew the system-user token"),
    **dict.fromkeys(range(200, 300), _PERMISSION),
    131005: auth("access denied: the permission is not granted or was removed"),
    # -- Configuration of the account or the number: alert a human.
    33: permanent("the phone number id does not exist or the number was deleted: check "
                  "phone_number_id"),
    131031: permanent("the business account is locked: see WhatsApp Manager"),
    131037: permanent("the number's display name is not approved yet"),
    131042: permanent("there is a problem with the account's payment method"),
    131045: permanent("the number is not registered correctly (certificate): register it again"),
    133010: permanent("the phone number is not registered with the Cloud API: register it"),
    130497: permanent("the business account may not message users in this country"),
    # 368: a temporary policy block (Graph error-handling page: wait and retry later). It lasts
    # hours to days and its end is not given, so not retryable by a hub; the hint says to wait.
    368: permanent("temporarily blocked for policy violations: stop sending and retry only after "
                   "the block lifts (see WhatsApp Manager)"),
}
"""Every WhatsApp error code polychat knows, with its class, ``retryable`` flag and hint."""


TEMPLATE_RULES: dict[int, tuple[str, ...]] = {
    132000: ("parameter_count", "parameter_format", "parameter_name", "button", "carousel",
             "components"),
    132001: ("name", "language", "status"),
    132012: ("header_format", "parameter_type", "button"),
    132015: ("status",),
    132016: ("status",),
}
"""Template error codes → the :func:`~.templates.validate` rules (``whatsapp.template.<rule>``)
that refuse the same sends locally. Meta answering one of these codes for a send that passed
validation means the cached definitions are stale: fetch them again."""


def is_template_error(error: PlatformError) -> bool:
    """Whether ``error`` is Meta refusing a template send for its template (132000–132016).

    Example:
        >>> is_template_error(PermanentError("x", channel="whatsapp", code=132001))
        True
    """
    return error.channel == CHANNEL and isinstance(error.code, int) and (
        132000 <= error.code <= 132016)


def classify(response: HttpResponse) -> PlatformError:
    """Classify a Cloud API error response.

    Args:
        response: the non-2xx response (a Graph error envelope, or anything else).

    Returns:
        The matching :class:`~polychat.errors.PlatformError` (returned, not raised), carrying
        ``code``, ``message``, ``details``, ``trace_id`` (``fbtrace_id``), ``http_status``,
        ``hint``, ``retryable`` and, for :class:`~polychat.errors.RateLimited`, ``retry_after``.

    Example:
        >>> import json
        >>> body = {"error": {"message": "(#131047) Re-engagement message", "code": 131047,
        ...                   "fbtrace_id": "AbCdEfFAKE"}}
        >>> err = classify(HttpResponse(status_code=400, content=json.dumps(body).encode()))
        >>> type(err).__name__, err.code, err.retryable
        ('WindowClosed', 131047, False)
    """
    return classify_graph_error(CHANNEL, response, CODES)


def error_from_webhook(item: Mapping[str, Any]) -> PlatformError:
    """Build the error of a webhook ``errors[]`` item (a ``failed`` status or a ``value``).

    Args:
        item: ``{"code", "title", "message", "error_data": {"details"}, "href"}``.

    Returns:
        The matching :class:`~polychat.errors.PlatformError`, classified as by :func:`classify`
        but without an HTTP status (so no 429 or 5xx rule applies) and without a trace id.

    Example:
        >>> err = error_from_webhook({"code": 131026, "title": "Message undeliverable",
        ...                           "message": "Message undeliverable"})
        >>> type(err).__name__, err.code
        ('RecipientUnreachable', 131026)
    """
    return classify_graph_item(CHANNEL, item, CODES)
