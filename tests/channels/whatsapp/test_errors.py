"""WhatsApp error classification (``polychat.channels.whatsapp.errors``).

``EXPECTED`` below is the mapping written out by hand: it documents, code by code, what a
polychat user catches for each error of ``shared/platforms/meta.md`` §6.2.
"""

from __future__ import annotations

import ast
import json
import pickle
import re
from pathlib import Path
from typing import Any

import pytest

from polychat.channels.whatsapp import errors as wa_errors
from polychat.channels.whatsapp.errors import CODES, classify, error_from_webhook
from polychat.errors import (
    AuthError,
    PermanentError,
    PlatformError,
    RateLimited,
    RecipientUnreachable,
    TemporaryError,
    WindowClosed,
)
from polychat.wire import HttpResponse

TRACE = "AbCdEfFAKE"
META_MD = Path(__file__).resolve().parents[4] / "shared" / "platforms" / "meta.md"

# (code, class, retryable, a message as Meta words it)
EXPECTED: list[tuple[int, type[PlatformError], bool, str]] = [
    # Throttled (global or app): back off.
    (4, RateLimited, True, "(#4) Application request limit reached"),
    (17, RateLimited, True, "(#17) User request limit reached"),
    (32, RateLimited, True, "(#32) Page request limit reached"),
    (341, RateLimited, True, "(#341) Application limit reached"),
    (613, RateLimited, True, "(#613) Calls to this api have exceeded the rate limit."),
    (80007, RateLimited, True, "(#80007) Rate limit issues"),
    (130429, RateLimited, True, "(#130429) Rate limit hit"),
    # Throttled per recipient.
    (131056, RateLimited, True,
     "(#131056) (Business Account, Consumer Account) pair rate limit hit"),
    # Transient server errors.
    (1, TemporaryError, True, "An unknown error occurred"),
    (2, TemporaryError, True, "An unexpected error has occurred. Please retry your request later."),
    (131000, TemporaryError, True, "Something went wrong"),
    (131016, TemporaryError, True, "(#131016) Service unavailable"),
    (131057, TemporaryError, True, "(#131057) Account in maintenance mode"),
    # Retry with care: never a tight loop (retryable False, or a retry_after of 24 h).
    (131053, TemporaryError, False, "(#131053) Media upload error"),
    (131048, RateLimited, False, "(#131048) Spam rate limit hit"),
    (131049, RateLimited, True, "(#131049) This message was not delivered to maintain healthy "
                                "ecosystem engagement."),
    (133016, RateLimited, False, "(#133016) Account register deregister rate limit exceeded"),
    (131052, PermanentError, False, "Media download error"),
    # Window / policy.
    (131047, WindowClosed, False, "(#131047) Re-engagement message"),
    (131050, PermanentError, False, "(#131050) Unable to deliver the message. This recipient has "
                                    "chosen to stop receiving marketing messages."),
    (130472, PermanentError, False, "(#130472) User's number is part of an experiment"),
    (131063, PermanentError, False, "(#131063) Marketing template messages are not allowed"),
    # Recipient.
    (131026, RecipientUnreachable, False, "(#131026) Message Undeliverable."),
    (130403, RecipientUnreachable, False, "(#130403) The business has blocked this user"),
    (131021, RecipientUnreachable, False, "(#131021) Recipient cannot be sender."),
    (131030, RecipientUnreachable, False, "(#131030) Recipient phone number not in allowed list"),
    (131062, RecipientUnreachable, False, "(#131062) Business-scoped user ID not supported"),
    # Bad request / content.
    (100, PermanentError, False, "(#100) Invalid parameter"),
    (131008, PermanentError, False, "(#131008) Required parameter is missing"),
    (131009, PermanentError, False, "(#131009) Parameter value is not valid"),
    (131051, PermanentError, False, "(#131051) Unsupported message type"),
    (132000, PermanentError, False, "(#132000) Number of parameters does not match"),
    (132001, PermanentError, False, "(#132001) Template name does not exist in the translation"),
    (132005, PermanentError, False, "(#132005) Translated text too long"),
    (132007, PermanentError, False, "(#132007) Template Format Character Policy Violated"),
    (132008, PermanentError, False, "(#132008) Template Parameter Value Invalid"),
    (132012, PermanentError, False, "(#132012) Parameter format does not match format"),
    (132015, PermanentError, False, "(#132015) Template is Paused"),
    (132016, PermanentError, False, "(#132016) Template is Disabled"),
    (132068, PermanentError, False, "(#132068) Flow is blocked"),
    (132069, PermanentError, False, "(#132069) Flow is throttled"),
    # Auth.
    (0, AuthError, False, "(#0) AuthException"),
    (3, AuthError, False, "(#3) API Method"),
    (10, AuthError, False, "(#10) Permission Denied"),
    (104, AuthError, False, "An access token is required to request this resource."),
    (190, AuthError, False, "Error validating access token: Session has expired"),
    (200, AuthError, False, "(#200) Permissions error"),
    (250, AuthError, False, "(#250) Permissions error"),
    (299, AuthError, False, "(#299) Permissions error"),
    (131005, AuthError, False, "(#131005) Access denied"),
    # Configuration of the account or number.
    (33, PermanentError, False, "(#33) This object does not exist"),
    (131031, PermanentError, False, "(#131031) Business Account locked"),
    (131037, PermanentError, False, "(#131037) Display name approval needed"),
    (131042, PermanentError, False, "(#131042) Business eligibility payment issue"),
    (131045, PermanentError, False, "(#131045) Incorrect certificate"),
    (133010, PermanentError, False, "(#133010) Phone number Not Registered"),
    (130497, PermanentError, False, "(#130497) Business account is restricted from messaging "
                                    "users in this country"),
    (368, PermanentError, False, "(#368) Temporarily blocked for policies violations"),
]

#: Codes of meta.md §6.2 that are not WhatsApp codes (Messenger codes and subcodes).
NOT_WHATSAPP = {551, 1545041, 2018278, 2018065, 2018108, 2018001, 2018028}


def graph_response(code: Any, message: str, *, status: int = 400,
                   headers: dict[str, str] | None = None, **extra: Any) -> HttpResponse:
    """A real-shaped Cloud API error response."""
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": f"Details for {code}."},
        "fbtrace_id": TRACE,
        **extra,
    }
    return HttpResponse(status_code=status, headers=headers or {},
                        content=json.dumps({"error": error}).encode())


# -- (1) every code --------------------------------------------------------------------------


def test_expected_table_is_codes() -> None:
    """The hand-written table and CODES list exactly the same codes (200–299 as a range)."""
    listed = {code for code, *_ in EXPECTED}
    assert listed - set(CODES) == set()
    assert set(CODES) - listed == set(range(200, 300)) - listed


@pytest.mark.parametrize(("code", "kind", "retryable", "message"), EXPECTED,
                         ids=[str(row[0]) for row in EXPECTED])
def test_every_code(code: int, kind: type[PlatformError], retryable: bool, message: str) -> None:
    err = classify(graph_response(code, message))
    assert type(err) is kind
    assert err.channel == "whatsapp"
    assert err.code == code
    assert err.message == message
    assert err.trace_id == TRACE
    assert err.fbtrace_id == TRACE
    assert err.details == f"Details for {code}."
    assert err.retryable is retryable
    assert err.http_status == 400
    assert err.subcode is None
    assert err.hint
    if isinstance(err, RateLimited):
        assert err.retry_after == (86400 if code == 131049 else None)


def test_no_tight_loop_for_retry_with_care() -> None:
    """§6.2 "retry with care": not retryable, or retryable only after a stated wait."""
    for code in (131053, 131048, 131049, 133016, 131052):
        err = classify(graph_response(code, "x"))
        if err.retryable:
            assert isinstance(err, RateLimited)
            assert err.retry_after is not None
            assert err.retry_after >= 24 * 3600


@pytest.mark.parametrize(
    ("code", "words"),
    [(131047, "template"), (132001, "locale"), (131056, "4^X"), (131056, "recipient"),
     (368, "lifts"), (131049, "24 h"), (131026, "WhatsApp")],
)
def test_hints(code: int, words: str) -> None:
    hint = CODES[code].hint
    assert hint is not None
    assert words in hint


def _codes_in_meta_md() -> set[int]:
    text = META_MD.read_text(encoding="utf-8")
    section = text.split("### 6.2", 1)[1].split("\n### ", 1)[0]
    codes: set[int] = set()
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) < 4 or cells[2].strip() in ("Codes", "---"):
            continue
        column = cells[2]
        while re.search(r"\([^()]*\)", column):
            column = re.sub(r"\([^()]*\)", "", column)
        column = re.sub(r"HTTP \w+", "", column)
        for item in column.split(","):
            if "Messenger" in item:
                continue
            for first, last in re.findall(r"(\d+)(?:–(\d+))?", item):
                codes.update(range(int(first), int(last or first) + 1))
    return codes


@pytest.mark.skipif(not META_MD.is_file(), reason="the shared platform notes are not here")
def test_every_code_of_the_platform_notes_is_mapped() -> None:
    found = _codes_in_meta_md()
    assert {131047, 131056, 200, 299, 368, 132069} <= found  # the parser reads the table
    assert found - NOT_WHATSAPP - set(CODES) == set()


# -- (2) status rules and odd envelopes ------------------------------------------------------


def test_429_with_unknown_code_is_rate_limited() -> None:
    err = classify(graph_response(987654, "(#987654) New limit", status=429))
    assert type(err) is RateLimited
    assert err.retryable is True
    assert err.code == 987654
    assert err.http_status == 429


def test_retry_after_header_is_honoured() -> None:
    err = classify(graph_response(130429, "(#130429) Rate limit hit", status=429,
                                  headers={"Retry-After": "17"}))
    assert isinstance(err, RateLimited)
    assert err.retry_after == 17.0


def test_business_use_case_usage_minutes_become_seconds() -> None:
    usage = {"102290129340398": [{"type": "whatsapp_business_management", "call_count": 100,
                                  "total_cputime": 20, "total_time": 30,
                                  "estimated_time_to_regain_access": 4}]}
    err = classify(graph_response(80007, "(#80007) Rate limit issues",
                                  headers={"X-Business-Use-Case-Usage": json.dumps(usage)}))
    assert isinstance(err, RateLimited)
    assert err.retry_after == 240.0


def test_header_wait_beats_the_131049_default() -> None:
    err = classify(graph_response(131049, "x", headers={"Retry-After": "60"}))
    assert isinstance(err, RateLimited)
    assert err.retry_after == 60.0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_with_unknown_code_is_temporary(status: int) -> None:
    err = classify(graph_response(987654, "Oops", status=status))
    assert type(err) is TemporaryError
    assert err.retryable is True


def test_500_without_json() -> None:
    err = classify(HttpResponse(status_code=500, content=b"<html><body>Internal error</body>",
                                headers={"x-fb-trace-id": "HdrTraceFAKE"}))
    assert type(err) is TemporaryError
    assert err.retryable is True
    assert err.code is None
    assert err.http_status == 500
    assert err.trace_id == "HdrTraceFAKE"


def test_error_data_as_a_string() -> None:
    response = HttpResponse(status_code=400, content=json.dumps({"error": {
        "message": "Invalid parameter", "type": "OAuthException", "code": 100,
        "error_subcode": 2388040, "is_transient": False,
        "error_user_title": "Field too long", "error_user_msg": "The body is too long.",
        "error_data": "{\"blame_field_specs\":[[\"components\"]]}",
        "fbtrace_id": TRACE}}).encode())
    err = classify(response)
    assert type(err) is PermanentError
    assert err.details == "{\"blame_field_specs\":[[\"components\"]]}"
    assert err.subcode == 2388040


def test_is_transient_on_unknown_code() -> None:
    err = classify(graph_response(987654, "Please retry", is_transient=True))
    assert type(err) is TemporaryError
    assert err.retryable is True


def test_unknown_code_is_permanent() -> None:
    err = classify(graph_response(987654, "Something new"))
    assert type(err) is PermanentError
    assert err.retryable is False


def test_missing_subcode_and_with_subcode() -> None:
    assert classify(graph_response(131047, "x")).subcode is None
    err = classify(graph_response(130429, "x", error_subcode=2494055))
    assert type(err) is RateLimited
    assert err.subcode == 2494055


def test_code_as_a_string() -> None:
    err = classify(graph_response("131047", "(#131047) Re-engagement message"))
    assert type(err) is WindowClosed
    assert err.code == 131047


def test_minimal_envelope() -> None:
    err = classify(HttpResponse(status_code=400,
                                content=b'{"error": {"message": "(#131026) Undeliverable"}}'))
    assert type(err) is RecipientUnreachable
    assert err.code == 131026
    assert err.trace_id is None
    assert err.details is None


# -- (3) printing --------------------------------------------------------------------------------


def test_str_and_repr() -> None:
    err = classify(graph_response(131047, "(#131047) Re-engagement message"))
    text = str(err)
    assert "131047" in text
    assert TRACE in text
    assert "whatsapp" in text
    assert "template" in text  # the hint
    assert repr(err) == ("WindowClosed(channel='whatsapp', code=131047, "
                         "message='(#131047) Re-engagement message', retryable=False)")
    assert len(repr(err)) < 160


# -- (4) webhook errors --------------------------------------------------------------------------


def failed_status(code: int, title: str, details: str) -> dict[str, Any]:
    return {
        "id": "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA",
        "status": "failed",
        "timestamp": "1750030073",
        "recipient_id": "16505551234",
        "errors": [{"code": code, "title": title, "message": title,
                    "error_data": {"details": details},
                    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/"
                            "error-codes/"}],
    }


def test_webhook_failed_131047() -> None:
    status = failed_status(131047, "Re-engagement message",
                           "Message failed to send because more than 24 hours have passed since "
                           "the customer last replied to this number.")
    err = error_from_webhook(status["errors"][0])
    assert type(err) is WindowClosed
    assert err.channel == "whatsapp"
    assert err.code == 131047
    assert err.message == "Re-engagement message"
    assert err.details is not None
    assert err.details.startswith("Message failed to send")
    assert err.retryable is False
    assert err.http_status is None
    assert err.trace_id is None
    assert err.hint == CODES[131047].hint


def test_webhook_failed_131026() -> None:
    status = failed_status(131026, "Message undeliverable",
                           "Message Undeliverable.")
    err = error_from_webhook(status["errors"][0])
    assert type(err) is RecipientUnreachable
    assert err.code == 131026
    assert err.retryable is False


def test_webhook_value_level_131051() -> None:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "errors": [{"code": 131051, "title": "Message type unknown",
                    "message": "Message type unknown",
                    "error_data": {"details": "Message type is currently not supported."},
                    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/"
                            "error-codes/"}],
    }
    err = error_from_webhook(value["errors"][0])
    assert type(err) is PermanentError
    assert err.code == 131051
    assert err.details == "Message type is currently not supported."


def test_webhook_old_shape_and_junk() -> None:
    err = error_from_webhook({"code": 131000, "title": "Something went wrong"})
    assert type(err) is TemporaryError
    assert err.message == "Something went wrong"
    assert err.retryable is True
    assert type(error_from_webhook({})) is PermanentError
    assert type(error_from_webhook({"code": 131049, "title": "x"})) is RateLimited


# -- (5) round trips -----------------------------------------------------------------------------


ROUND_TRIP = [
    graph_response(131047, "(#131047) Re-engagement message"),
    graph_response(130429, "(#130429) Rate limit hit", status=429, error_subcode=2494055,
                   headers={"Retry-After": "12"}),
    graph_response(131049, "(#131049) not delivered"),
    graph_response(131000, "Something went wrong"),
    graph_response(190, "Error validating access token"),
    HttpResponse(status_code=503, content=b"down"),
]

_FIELDS = ("channel", "code", "message", "retryable", "subcode", "trace_id", "http_status",
           "details", "hint")


@pytest.mark.parametrize("response", ROUND_TRIP)
def test_dict_round_trip(response: HttpResponse) -> None:
    err = classify(response)
    data = json.loads(json.dumps(err.to_dict()))
    back = PlatformError.from_dict(data)
    assert type(back) is type(err)
    for name in _FIELDS:
        assert getattr(back, name) == getattr(err, name), name
    if isinstance(err, RateLimited):
        assert isinstance(back, RateLimited)
        assert back.retry_after == err.retry_after


@pytest.mark.parametrize("response", ROUND_TRIP)
def test_pickle_round_trip(response: HttpResponse) -> None:
    err = classify(response)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err)
    assert back.to_dict() == err.to_dict()
    assert str(back) == str(err)


def test_webhook_error_round_trip() -> None:
    err = error_from_webhook({"code": 131047, "title": "Re-engagement message"})
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is WindowClosed
    assert back.to_dict() == err.to_dict()


# -- purity --------------------------------------------------------------------------------------


def test_module_is_pure() -> None:
    """errors.py never imports a network library."""
    tree = ast.parse(Path(wa_errors.__file__).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if name.split(".")[0] in {"httpx", "requests", "socket"}}
