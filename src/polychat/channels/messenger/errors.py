"""Messenger Send API error codes and their polychat error classes (pure, no I/O).

Every Messenger code of ``shared/platforms/meta.md`` §6.2 (and the Graph codes both Meta channels
share) maps to exactly one :class:`~polychat.errors.PlatformError` subclass, with ``retryable``
and a hint: plain codes in :data:`CODES`, codes Meta overloads (10, 100, 200, 551) refined by
``(code, error_subcode)`` in :data:`SUBCODES`, which wins. :func:`classify` goes through
:mod:`polychat.channels._meta.graph`, so HTTP 429 is throttling whatever the code, an unknown code
is transient on a 5xx or when Meta sets ``is_transient``, and anything else unknown is permanent.

=====================  =====================================================  ==========
Class                  Codes                                                  retryable
=====================  =====================================================  ==========
RateLimited            4, 17, 32, 341, 613, HTTP 429                          yes
TemporaryError         1, 2, HTTP 5xx                                         yes
WindowClosed           10/2018278, 10/2018065 (outside the 24-hour window)    no
RecipientUnreachable   551, 551/1545041, 200/1545041 (person unavailable;     no
                       see below), 10/2018108 (not receiving messages),
                       100/2018001 (no matching user)
PermanentError         100 (invalid parameter; a tag hint when the message    no
                       names a tag), 368 (policy block: wait until it lifts)
AuthError              0, 3, 10 (any other subcode), 104, 190, 200–299,       no
                       200/2018028 (app not reviewed)
=====================  =====================================================  ==========
"""

from __future__ import annotations

import re

from polychat.channels._meta.graph import (
    ErrorRule,
    auth,
    classify_graph_error,
    permanent,
    throttled,
    transient,
    unreachable,
)
from polychat.errors import (
    PermanentError,
    PlatformError,
    WindowClosed,
)
from polychat.wire import HttpResponse

__all__ = ["CHANNEL", "CODES", "SUBCODES", "TAG_HINT", "WINDOW_HINT", "classify"]

CHANNEL = "messenger"

WINDOW_HINT = (
    "outside the 24-hour window: a human agent can still reply within 7 days with "
    "messaging_type=MESSAGE_TAG, tag=HUMAN_AGENT (needs the Human Agent permission); "
    "otherwise use marketing messages"
)
"""What to do when Messenger says the standard messaging window is closed."""

TAG_HINT = (
    "message tags other than HUMAN_AGENT (CONFIRMED_EVENT_UPDATE, ACCOUNT_UPDATE, "
    "POST_PURCHASE_UPDATE) were deprecated on 27 Apr 2026 and get error 100: inside the 24-hour "
    "window send RESPONSE or UPDATE; outside it use tag=HUMAN_AGENT (a human, within 7 days) or "
    "marketing messages"
)
"""The hint of an error 100 whose message names a message tag."""

#: Error 100 is "invalid parameter" for everything; these words say the parameter was the tag.
_TAG_WORDS = re.compile(r"\btag\b|message_tag|CONFIRMED_EVENT_UPDATE|ACCOUNT_UPDATE|"
                        r"POST_PURCHASE_UPDATE", re.IGNORECASE)


_PERMISSION = auth("the Page token lacks a permission for this call (pages_messaging, with "
                   "Advanced Access to message people without a role on the app), or its user "
                   "cannot do the MESSAGING task on the Page")

# 1545041: Meta's 2026 send-messages table labels it "Messaging window closed", but everything
# independent says "person unavailable": a real response "(#551) This person isn't available
# right now" with subcode 1545041 (microsoft/botframework-sdk#4556), and Meta's older Send API
# table, "(#200/1545041) This person isn't receiving messages from you right now"; independent
# code maps 551/1545041 to "person unavailable" and keeps 10/2018278 for the window. UNCONFIRMED
# which is right (meta.md §6.2, §10), so polychat follows the evidence (RecipientUnreachable: do
# not retry, do not switch to a tag blindly) and the hint names the window reading as well.
_PERSON_UNAVAILABLE = unreachable(
    "this person isn't available or isn't receiving messages from this Page right now (they may "
    "have blocked the Page, left Messenger or restricted messages); do not retry. Meta's 2026 "
    "docs also list 1545041 as 'messaging window closed': if the person last wrote more than "
    "24 h ago, treat it as " + WINDOW_HINT
)

CODES: dict[int, ErrorRule] = {
    # -- Throttled: back off with jitter; Retry-After or x-business-use-case-usage give
    #    retry_after when Meta sends them. Send API: 300 calls/s per Page (10/s audio, video).
    4: throttled("the app's Graph call limit is reached: back off and retry later"),
    17: throttled("the user's Graph call limit is reached: back off and retry later"),
    32: throttled("the Page's call limit is reached (200 calls per engaged user per 24 h; "
                  "300 sends/s, 10/s for audio and video): back off and retry later"),
    341: throttled("the application limit is reached: back off and retry later"),
    613: throttled("the rate limit is exceeded (too many messages to this Page or thread): "
                   "back off and retry later"),
    # -- Transient server errors. Send API calls have no idempotency key: a retried send that
    #    had gone through is delivered twice.
    1: transient("unknown Graph API error: retry a few times"),
    2: transient("the Graph API service is temporarily unavailable: retry a few times"),
    # -- Bad request. 100 is also what a deprecated message tag gets (classify adds TAG_HINT).
    100: permanent("a parameter is invalid or missing: the message says which"),
    # -- Recipient. 551 without a subcode: "This person isn't available right now".
    551: _PERSON_UNAVAILABLE,
    # -- Auth: the Page token or its permissions.
    0: auth("the app user could not be authenticated: check the Page access token"),
    3: auth("the app lacks the capability for this call"),
    # 10 with a subcode not in SUBCODES: a permission problem (meta.md §6.2 note).
    10: _PERMISSION,
    104: auth("no access token was sent"),
    190: auth("the Page access token is expired or invalid (password change, app removed from "
              "the Page, or a user token instead of a Page token): get a new Page token"),
    **dict.fromkeys(range(200, 300), _PERMISSION),
    # -- Policy: a temporary block (Graph error-handling page: wait and retry later). Its end is
    #    not given and it lasts hours to days, so a hub does not retry it; the hint says to wait.
    368: permanent("temporarily blocked for policy violations: stop sending and retry only after "
                   "the block lifts (see the Page's Support Inbox / Page Quality)"),
}
"""Every Messenger error code polychat knows, with its class, ``retryable`` flag and hint."""

SUBCODES: dict[tuple[int, int], ErrorRule] = {
    # -- Window (code 10 split by subcode, meta.md §6.2 note): permanent for this message.
    (10, 2018278): ErrorRule(WindowClosed, False, WINDOW_HINT),
    (10, 2018065): ErrorRule(WindowClosed, False, WINDOW_HINT),
    # -- Recipient.
    (10, 2018108): unreachable("this person isn't receiving messages from this Page right now "
                               "(blocked the Page or turned messages off); do not retry"),
    (551, 1545041): _PERSON_UNAVAILABLE,  # see the comment above _PERSON_UNAVAILABLE
    (200, 1545041): _PERSON_UNAVAILABLE,
    (100, 2018001): unreachable("No matching user found: the recipient is not a PSID of this "
                                "Page (app-scoped ids from Facebook Login do not work; a PSID "
                                "from another Page neither)"),
    # -- App configuration. Code 200 is a permission code and the cure is a permission (Advanced
    #    Access for pages_messaging through App Review), so AuthError like the rest of 200–299;
    #    not retryable, a human must act.
    (200, 2018028): auth("app not reviewed: only admins, developers and testers of the app can "
                         "be messaged until pages_messaging has Advanced Access (App Review)"),
}
"""``(code, error_subcode)`` rules; they win over :data:`CODES`."""


def classify(response: HttpResponse) -> PlatformError:
    """Classify a Send API (or any Messenger Graph call's) error response.

    Args:
        response: the non-2xx response (a Graph error envelope, or anything else).

    Returns:
        The matching :class:`~polychat.errors.PlatformError` (returned, not raised), carrying
        ``code``, ``subcode``, ``message``, ``trace_id`` (``fbtrace_id``), ``http_status``,
        ``hint``, ``retryable`` and, for :class:`~polychat.errors.RateLimited`, ``retry_after``.
        An error 100 whose message names a message tag gets :data:`TAG_HINT`.

    Example:
        >>> import json
        >>> body = {"error": {"message": "(#10) This message is sent outside of allowed window.",
        ...                   "type": "OAuthException", "code": 10, "error_subcode": 2018278,
        ...                   "fbtrace_id": "AbCdFAKE"}}
        >>> err = classify(HttpResponse(status_code=400, content=json.dumps(body).encode()))
        >>> type(err).__name__, err.code, err.subcode, err.retryable
        ('WindowClosed', 10, 2018278, False)
    """
    error = classify_graph_error(CHANNEL, response, CODES, SUBCODES)
    if (error.code == 100 and type(error) is PermanentError
            and _TAG_WORDS.search(f"{error.message} {error.details or ''}")):
        error.hint = TAG_HINT
    return error
