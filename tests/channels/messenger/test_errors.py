"""Messenger error classification (``polychat.channels.messenger.errors``).

``EXPECTED`` below is the mapping written out by hand: it documents, code by code (and subcode by
subcode where Meta overloads a code), what a polychat user catches for each Messenger error of
``shared/platforms/meta.md`` §6.2. The last section sends through the real transport and checks
that the Page token never reaches a log record or an exception.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from polychat.channels.messenger import errors as fb_errors
from polychat.channels.messenger.errors import (
    CODES,
    SUBCODES,
    TAG_HINT,
    WINDOW_HINT,
    classify,
)
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

TRACE = "AbCdFAKE"
META_MD = Path(__file__).resolve().parents[4] / "shared" / "platforms" / "meta.md"

# (code, subcode, class, retryable, a message as Meta words it)
EXPECTED: list[tuple[int, int | None, type[PlatformError], bool, str]] = [
    # Throttled: back off.
    (4, None, RateLimited, True, "(#4) Application request limit reached"),
    (17, None, RateLimited, True, "(#17) User request limit reached"),
    (32, None, RateLimited, True, "(#32) Page request limit reached"),
    (341, None, RateLimited, True, "(#341) Application limit reached"),
    (613, None, RateLimited, True, "(#613) Calls to this api have exceeded the rate limit."),
    # Transient.
    (1, None, TemporaryError, True, "An unknown error occurred"),
    (2, None, TemporaryError, True,
     "An unexpected error has occurred. Please retry your request later."),
    # Window: code 10 split by subcode.
    (10, 2018278, WindowClosed, False, "(#10) This message is sent outside of allowed window."),
    (10, 2018065, WindowClosed, False,
     "(#10) This message is sent outside of allowed window. Learn more about the new policy "
     "here: https://developers.facebook.com/docs/messenger-platform/policy-overview"),
    # Recipient.
    (10, 2018108, RecipientUnreachable, False,
     "(#10) This person isn't receiving messages from you right now."),
    (551, None, RecipientUnreachable, False, "(#551) This person isn't available right now."),
    (551, 1545041, RecipientUnreachable, False, "(#551) This person isn't available right now."),
    (200, 1545041, RecipientUnreachable, False,
     "(#200) This person isn't receiving messages from you right now."),
    (100, 2018001, RecipientUnreachable, False, "(#100) No matching user found"),
    # Bad request.
    (100, None, PermanentError, False,
     "(#100) Param recipient[id] must be a valid ID string (e.g., \"123\")"),
    # Policy block.
    (368, None, PermanentError, False,
     "(#368) The action attempted has been deemed abusive or is otherwise disallowed"),
    # Auth and configuration.
    (0, None, AuthError, False, "(#0) AuthException"),
    (3, None, AuthError, False, "(#3) Application does not have the capability to make this API "
                                "call."),
    (10, None, AuthError, False, "(#10) Requires pages_messaging permission to manage the object"),
    (104, None, AuthError, False, "An access token is required to request this resource."),
    (190, None, AuthError, False,
     "Error validating access token: The session has been invalidated because the user changed "
     "their password or Facebook has changed the session for security reasons."),
    (200, None, AuthError, False, "(#200) Permissions error"),
    (230, None, AuthError, False, "(#230) Requires pages_messaging_subscriptions permission"),
    (299, None, AuthError, False, "(#299) Permissions error"),
    (200, 2018028, AuthError, False,
     "(#200) Cannot message users who are not admins, developers or testers of the app until "
     "pages_messaging permission is reviewed and the app is live."),
]


def graph_response(code: Any, message: str, *, subcode: int | None = None, status: int = 400,
                   headers: dict[str, str] | None = None, **extra: Any) -> HttpResponse:
    """A real-shaped Messenger Send API error response (no ``error_data``, as Messenger answers)."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = TRACE
    error.update(extra)
    return HttpResponse(status_code=status, headers=headers or {},
                        content=json.dumps({"error": error}).encode())


# -- (1) every code ------------------------------------------------------------------------------


def test_expected_table_is_codes_and_subcodes() -> None:
    """The hand-written table lists exactly CODES (200–299 as a range) and SUBCODES."""
    plain = {code for code, subcode, *_ in EXPECTED if subcode is None}
    pairs = {(code, subcode) for code, subcode, *_ in EXPECTED if subcode is not None}
    assert set(CODES) - plain == set(range(200, 300)) - plain
    assert plain <= set(CODES)
    assert pairs == set(SUBCODES)


@pytest.mark.parametrize(("code", "subcode", "kind", "retryable", "message"), EXPECTED,
                         ids=[f"{c}-{s}" if s else str(c) for c, s, *_ in EXPECTED])
def test_every_code(code: int, subcode: int | None, kind: type[PlatformError], retryable: bool,
                    message: str) -> None:
    err = classify(graph_response(code, message, subcode=subcode))
    assert type(err) is kind
    assert err.channel == "messenger"
    assert err.code == code
    assert err.subcode == subcode
    assert err.message == message
    assert err.trace_id == TRACE
    assert err.fbtrace_id == TRACE
    assert err.details is None
    assert err.retryable is retryable
    assert err.http_status == 400
    assert err.hint
    if isinstance(err, RateLimited):
        assert err.retry_after is None


def test_the_issue_4556_envelope() -> None:
    """The real response of microsoft/botframework-sdk#4556, as Meta sends it."""
    body = {"error": {"message": "(#551) This person isn't available right now.",
                      "type": "OAuthException", "code": 551, "error_subcode": 1545041,
                      "fbtrace_id": "AbCdFAKE"}}
    err = classify(HttpResponse(status_code=400, content=json.dumps(body).encode()))
    assert type(err) is RecipientUnreachable
    assert (err.code, err.subcode, err.retryable) == (551, 1545041, False)
    assert str(err) == (
        "messenger error 551/1545041: (#551) This person isn't available right now. Hint: "
        f"{SUBCODES[551, 1545041].hint} [trace AbCdFAKE]")


@pytest.mark.parametrize(("code", "subcode", "kind"), [
    (10, 2018999, AuthError),          # code 10, another subcode: a permission problem
    (10, None, AuthError),
    (551, 9999999, RecipientUnreachable),
    (200, 2018999, AuthError),
    (100, 2018047, PermanentError),   # 100 with a subcode naming the parameter
    (190, 460, AuthError),            # password changed
    (613, 1893016, RateLimited),
])
def test_unknown_subcodes_fall_back_to_the_code(code: int, subcode: int | None,
                                                kind: type[PlatformError]) -> None:
    err = classify(graph_response(code, f"(#{code}) Something", subcode=subcode))
    assert type(err) is kind
    assert err.subcode == subcode
    assert err.hint == CODES[code].hint


def test_subcodes_never_borrow_from_another_code() -> None:
    """2018278 is the window only under code 10."""
    err = classify(graph_response(100, "(#100) x", subcode=2018278))
    assert type(err) is PermanentError


# -- (2) hints -----------------------------------------------------------------------------------


def test_window_hint() -> None:
    assert WINDOW_HINT == (
        "outside the 24-hour window: a human agent can still reply within 7 days with "
        "messaging_type=MESSAGE_TAG, tag=HUMAN_AGENT (needs the Human Agent permission); "
        "otherwise use marketing messages")
    for subcode in (2018278, 2018065):
        err = classify(graph_response(10, "(#10) outside of allowed window", subcode=subcode))
        assert err.hint == WINDOW_HINT
        assert "Hint: outside the 24-hour window" in str(err)


@pytest.mark.parametrize("key", [(551, 1545041), (200, 1545041)])
def test_1545041_hint_names_both_readings(key: tuple[int, int]) -> None:
    """UNCONFIRMED: 'person unavailable' (classified) or 'window closed' (Meta's 2026 table)."""
    hint = SUBCODES[key].hint
    assert hint is not None
    assert "isn't available" in hint
    assert "window" in hint
    assert "HUMAN_AGENT" in hint
    assert CODES[551].hint == hint


@pytest.mark.parametrize(("key", "words"), [
    ((100, 2018001), "No matching user found"),
    ((200, 2018028), "only admins, developers and testers"),
    ((200, 2018028), "App Review"),
    ((10, 2018108), "isn't receiving messages"),
])
def test_subcode_hints(key: tuple[int, int], words: str) -> None:
    hint = SUBCODES[key].hint
    assert hint is not None
    assert words in hint


@pytest.mark.parametrize(("code", "words"), [
    (368, "lifts"), (190, "Page token"), (613, "back off"), (32, "back off"), (2, "retry"),
    (10, "permission"), (250, "pages_messaging"),
])
def test_code_hints(code: int, words: str) -> None:
    hint = CODES[code].hint
    assert hint is not None
    assert words in hint


@pytest.mark.parametrize("message", [
    "(#100) Tag CONFIRMED_EVENT_UPDATE is no longer supported",
    "(#100) Param tag must be one of {HUMAN_AGENT}",
    "(#100) The tag POST_PURCHASE_UPDATE has been deprecated",
    "(#100) messaging_type MESSAGE_TAG requires a valid tag",
    "(#100) Invalid value for ACCOUNT_UPDATE",
])
def test_error_100_about_a_tag_gets_the_deprecation_hint(message: str) -> None:
    err = classify(graph_response(100, message))
    assert type(err) is PermanentError
    assert err.hint == TAG_HINT
    assert "27 Apr 2026" in TAG_HINT
    assert "HUMAN_AGENT" in TAG_HINT


def test_error_100_tag_words_in_error_user_msg() -> None:
    err = classify(graph_response(100, "(#100) Invalid parameter",
                                  error_user_msg="The message tag is not valid."))
    assert err.hint == TAG_HINT


@pytest.mark.parametrize("message", [
    "(#100) Param recipient[id] must be a valid ID string (e.g., \"123\")",
    "(#100) Length of param message[text] must be less than or equal to 2000",
    "(#100) Upload attachment failure.",
    "(#100) stage must be one of ...",  # "stage" contains no word "tag"
])
def test_error_100_not_about_a_tag_keeps_its_hint(message: str) -> None:
    err = classify(graph_response(100, message))
    assert err.hint == CODES[100].hint


def test_no_matching_user_is_not_the_tag_hint() -> None:
    err = classify(graph_response(100, "(#100) No matching user found", subcode=2018001))
    assert type(err) is RecipientUnreachable
    assert err.hint == SUBCODES[100, 2018001].hint


# -- (3) the platform notes ----------------------------------------------------------------------


def _section_6_2() -> str:
    text = META_MD.read_text(encoding="utf-8")
    return text.split("### 6.2", 1)[1].split("\n### ", 1)[0]


@pytest.mark.skipif(not META_MD.is_file(), reason="the shared platform notes are not here")
def test_every_messenger_pair_of_the_platform_notes_is_mapped() -> None:
    section = _section_6_2()
    # "Messenger 10 + subcode 2018278", "200 + 1545041 and 10 + 2018108", …
    pairs = {(int(c), int(s)) for c, s in re.findall(r"(\d+) \+ (?:subcode )?(\d{6,})", section)}
    assert {(10, 2018278), (551, 1545041), (200, 1545041), (10, 2018108), (100, 2018001),
            (200, 2018028)} <= pairs  # the parser reads the table
    assert pairs - set(SUBCODES) == set()
    # every subcode named anywhere in the section (the notes add 2018065) has a rule
    subcodes = {int(s) for s in re.findall(r"\b(1545041|2018\d{3})\b", section)}
    assert 2018065 in subcodes
    assert subcodes - {s for _, s in SUBCODES} == set()


@pytest.mark.skipif(not META_MD.is_file(), reason="the shared platform notes are not here")
def test_every_shared_graph_code_of_the_platform_notes_is_mapped() -> None:
    """The Graph-wide codes of §6.2 (not WhatsApp's 13xxxx / 80007 / 33) are all in CODES."""
    for code in (0, 1, 2, 3, 4, 10, 17, 32, 100, 104, 190, 200, 299, 341, 368, 551, 613):
        assert code in CODES, code


# -- (4) status rules and odd envelopes ----------------------------------------------------------


def test_429_with_unknown_code_is_rate_limited() -> None:
    err = classify(graph_response(987654, "(#987654) New limit", status=429))
    assert type(err) is RateLimited
    assert err.retryable is True
    assert err.http_status == 429


def test_429_without_a_graph_body() -> None:
    err = classify(HttpResponse(status_code=429, headers={"Retry-After": "5"}, content=b"slow"))
    assert isinstance(err, RateLimited)
    assert err.retry_after == 5.0
    assert err.channel == "messenger"


def test_retry_after_and_usage_headers() -> None:
    err = classify(graph_response(613, "(#613) Calls to this api have exceeded the rate limit.",
                                  headers={"Retry-After": "17"}))
    assert isinstance(err, RateLimited)
    assert err.retry_after == 17.0
    usage = {"1234567890": [{"type": "messenger", "call_count": 100, "total_cputime": 4,
                             "total_time": 9, "estimated_time_to_regain_access": 3}]}
    err = classify(graph_response(32, "(#32) Page request limit reached",
                                  headers={"X-Business-Use-Case-Usage": json.dumps(usage)}))
    assert isinstance(err, RateLimited)
    assert err.retry_after == 180.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx(status: int) -> None:
    err = classify(graph_response(987654, "Oops", status=status))
    assert type(err) is TemporaryError
    assert err.retryable is True
    err = classify(graph_response(2, "(#2) Service temporarily unavailable", status=status))
    assert type(err) is TemporaryError
    html = classify(HttpResponse(status_code=status, content=b"<html>Bad gateway</html>",
                                 headers={"x-fb-trace-id": "HdrFAKE"}))
    assert type(html) is TemporaryError
    assert html.code is None
    assert html.trace_id == "HdrFAKE"


def test_is_transient_and_unknown_code() -> None:
    assert type(classify(graph_response(987654, "x", is_transient=True))) is TemporaryError
    err = classify(graph_response(987654, "x"))
    assert type(err) is PermanentError
    assert err.retryable is False


def test_code_and_subcode_as_strings() -> None:
    err = classify(graph_response("10", "(#10) outside of allowed window", subcode=None,
                                  error_subcode="2018278"))
    assert type(err) is WindowClosed
    assert (err.code, err.subcode) == (10, 2018278)


def test_code_from_the_message_prefix() -> None:
    err = classify(HttpResponse(status_code=400, content=json.dumps(
        {"error": {"message": "(#551) This person isn't available right now."}}).encode()))
    assert type(err) is RecipientUnreachable
    assert err.code == 551


# -- (5) the Page token never shows --------------------------------------------------------------

PAGE_TOKEN = "EAAG-FAKE-PAGE-TOKEN-XYZ"
PLAIN_TOKEN = "notAnEaaLookingSecret_123"  # a token that does not look like Meta's


def _visible(err: PlatformError) -> str:
    return " ".join([str(err), repr(err), json.dumps(err.to_dict()), *map(str, err.args)])


@pytest.mark.parametrize("token", [PAGE_TOKEN, PLAIN_TOKEN])
def test_token_in_a_quoted_url_never_shows(token: str) -> None:
    url = (f"https://graph.facebook.com/v25.0/1234567890/messages?access_token={token}"
           "&appsecret_proof=0123456789abcdef")
    err = classify(graph_response(
        100, f"(#100) Could not fetch {url} for the attachment", subcode=2018047,
        error_user_msg=f"GET {url}", error_data={"details": f"url={url}"}))
    text = _visible(err)
    assert token not in text
    assert "0123456789abcdef" not in text
    assert "access_token=[redacted]" in err.message
    assert err.message.startswith("(#100) Could not fetch https://graph.facebook.com/")
    assert err.details is not None
    assert token not in err.details


@pytest.mark.parametrize("quoted", [
    f"access_token%3D{PLAIN_TOKEN}",
    f"'access_token={PLAIN_TOKEN}'",
    f"(access_token={PLAIN_TOKEN})",
    f"ACCESS_TOKEN={PLAIN_TOKEN}, then",
])
def test_token_masking_variants(quoted: str) -> None:
    err = classify(graph_response(190, f"Error validating {quoted}"))
    assert PLAIN_TOKEN not in _visible(err)


def test_bare_meta_token_never_shows() -> None:
    err = classify(graph_response(190, f"Invalid OAuth access token {PAGE_TOKEN}."))
    assert PAGE_TOKEN not in _visible(err)
    assert err.message == "Invalid OAuth access token [redacted]."


# -- (6) round trips -----------------------------------------------------------------------------

ROUND_TRIP = [
    graph_response(10, "(#10) outside of allowed window", subcode=2018278),
    graph_response(551, "(#551) This person isn't available right now.", subcode=1545041),
    graph_response(613, "(#613) Calls exceeded", status=429, headers={"Retry-After": "12"}),
    graph_response(100, "(#100) Tag ACCOUNT_UPDATE is no longer supported"),
    HttpResponse(status_code=503, content=b"down"),
]


@pytest.mark.parametrize("response", ROUND_TRIP)
def test_dict_and_pickle_round_trips(response: HttpResponse) -> None:
    err = classify(response)
    assert PlatformError.from_dict(json.loads(json.dumps(err.to_dict()))) == err
    assert pickle.loads(pickle.dumps(err)) == err


def test_module_exports() -> None:
    assert set(fb_errors.__all__) == {"CHANNEL", "CODES", "SUBCODES", "TAG_HINT", "WINDOW_HINT",
                                      "classify"}
    assert fb_errors.CHANNEL == "messenger"


# -- (7) through the real transport: the token never reaches a log record or an exception -------

PAGE_ID = "1234567890"
SEND_URL = re.compile(rf"^https://graph\.facebook\.com/v25\.0/{PAGE_ID}/messages(\?.*)?$")
PSID = "1254459154682919"


def _import_messenger() -> Any:
    from polychat.channels.messenger.channel import Messenger

    return Messenger


@pytest.fixture
def channel() -> Any:
    messenger = _import_messenger()
    return messenger(page_id=PAGE_ID, page_access_token=PAGE_TOKEN, app_secret="fake-secret")


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record of the polychat and httpx loggers, down to DEBUG.

    polychat does not (yet) install :mod:`polychat._redact` on the httpx logger itself (the lead
    wires that); the test installs it, as a hub will, and removes it afterwards.
    """
    from polychat._redact import install_log_redaction

    caplog.set_level(logging.DEBUG, logger="polychat")
    caplog.set_level(logging.DEBUG, logger="httpx")
    httpx_logger = logging.getLogger("httpx")
    before = list(httpx_logger.filters)
    install_log_redaction()
    yield caplog
    httpx_logger.filters[:] = before


def _graph_error(code: int, message: str, status: int = 400, subcode: int | None = None,
                 **headers: str) -> httpx.Response:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                             "fbtrace_id": TRACE}
    if subcode is not None:
        error["error_subcode"] = subcode
    return httpx.Response(status, json={"error": error}, headers=headers)


def _failures() -> list[Any]:
    """429 (with a URL carrying the token in its body), a 500 Graph error, a read timeout whose
    text holds the URL, then a final 551/1545041."""
    leaky = f"https://graph.facebook.com/v25.0/{PAGE_ID}/messages?access_token={PAGE_TOKEN}"
    return [
        _graph_error(613, f"(#613) Calls to {leaky} have exceeded the rate limit.", status=429),
        _graph_error(2, "(#2) Service temporarily unavailable", status=500),
        httpx.ReadTimeout(f"read timeout on {leaky}"),
        _graph_error(551, "(#551) This person isn't available right now.", subcode=1545041),
    ]


def _assert_no_token(caplog: pytest.LogCaptureFixture, *errors: BaseException) -> None:
    texts = [caplog.text]
    for record in caplog.records:
        texts += [record.getMessage(), str(record.msg), repr(record.args), repr(record.__dict__)]
    for error in errors:
        texts += [str(error), repr(error), repr(error.args)]
        if isinstance(error, PlatformError):
            texts.append(json.dumps(error.to_dict()))
        # what logger.exception / a crash report prints: the chain Python shows (the transport
        # raises "from None", so the httpx exception, whose .request holds the URL, is hidden)
        texts.append("".join(traceback.format_exception(error)))
        cause = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
        if cause is not None:
            texts += [str(cause), repr(cause)]
    for text in texts:
        assert PAGE_TOKEN not in text
        assert "fake-secret" not in text


def _request(channel: Any) -> Any:
    from polychat.wire import HttpRequest

    return HttpRequest("POST", channel.graph_url(f"{PAGE_ID}/messages"),
                       {"Content-Type": "application/json"},
                       {"recipient": {"id": PSID}, "messaging_type": "RESPONSE",
                        "message": {"text": "hi"}})


@respx.mock
def test_sync_transport_retries_and_fails_without_leaking(
        channel: Any, logs: pytest.LogCaptureFixture) -> None:
    from polychat._http import RetryPolicy, SyncTransport

    route = respx.post(SEND_URL).mock(side_effect=_failures())
    transport = SyncTransport(sleep=lambda s: None,
                              retry=RetryPolicy(attempts=5, retry_unsafe=True))
    request = _request(channel)
    assert PAGE_TOKEN in request.url  # the token really is in the URL sent
    with pytest.raises(RecipientUnreachable) as info:
        transport.send(channel, request)
    assert route.call_count == 4
    assert PAGE_TOKEN in str(route.calls.last.request.url)  # Meta got it
    err = info.value
    assert (err.code, err.subcode, err.retryable) == (551, 1545041, False)
    assert len([r for r in logs.records if r.name == "polychat.http"
                and r.levelno == logging.WARNING]) == 3  # three retries logged
    assert any(r.name == "httpx" for r in logs.records)  # httpx did log its request lines
    _assert_no_token(logs, err)


@respx.mock
def test_sync_transport_default_policy_stops_at_the_timeout(
        channel: Any, logs: pytest.LogCaptureFixture) -> None:
    """A read timeout on a send is not retried by default (no idempotency key)."""
    from polychat._http import SyncTransport

    route = respx.post(SEND_URL).mock(side_effect=_failures())
    with pytest.raises(TemporaryError) as info:
        SyncTransport(sleep=lambda s: None).send(channel, _request(channel))
    assert route.call_count == 3
    assert info.value.retryable is False
    assert "ReadTimeout" in str(info.value)
    _assert_no_token(logs, info.value)


@respx.mock
def test_sync_transport_error_text_with_a_plain_token(logs: pytest.LogCaptureFixture) -> None:
    """A token Meta's EAA pattern would miss is still removed: by the channel's redact and by
    the access_token= rule."""
    messenger = _import_messenger()
    token = "plain-page-token-without-prefix"
    channel = messenger(page_id=PAGE_ID, page_access_token=token, app_secret="fake-secret")
    from polychat._http import SyncTransport

    respx.post(SEND_URL).mock(return_value=_graph_error(
        190, f"Error validating access token {token} (access_token={token})"))
    with pytest.raises(AuthError) as info:
        SyncTransport(sleep=lambda s: None).send(channel, _request(channel))
    for text in (str(info.value), repr(info.value), logs.text):
        assert token not in text


@respx.mock
def test_async_hub_retries_and_fails_without_leaking(
        channel: Any, logs: pytest.LogCaptureFixture) -> None:
    import polychat
    from polychat.content import Text

    route = respx.post(SEND_URL).mock(side_effect=_failures())

    async def go() -> None:
        policy = polychat.RetryPolicy(attempts=5, initial_wait=0, max_wait=0, jitter=0,
                                      retry_unsafe=True)
        async with polychat.AsyncHub(channel, retry=policy, window="ignore") as hub:
            await hub.send(f"messenger:{PAGE_ID}:{PSID}", Text(text="hi"))

    with pytest.raises(RecipientUnreachable) as info:
        asyncio.run(go())
    assert route.call_count == 4
    assert any(r.name == "httpx" for r in logs.records)
    _assert_no_token(logs, info.value)


@respx.mock
def test_async_hub_default_policy(channel: Any, logs: pytest.LogCaptureFixture) -> None:
    import polychat
    from polychat.content import Text

    route = respx.post(SEND_URL).mock(side_effect=_failures())

    async def go() -> None:
        policy = polychat.RetryPolicy(initial_wait=0, max_wait=0, jitter=0)
        async with polychat.AsyncHub(channel, retry=policy, window="ignore") as hub:
            await hub.send(f"messenger:{PAGE_ID}:{PSID}", Text(text="hi"))

    with pytest.raises(TemporaryError) as info:
        asyncio.run(go())
    assert route.call_count == 3
    _assert_no_token(logs, info.value)
