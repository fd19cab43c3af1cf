"""The Graph error envelope shared by the Meta channels (``polychat.channels._meta.graph``)."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from polychat.channels._meta import graph
from polychat.channels._meta.graph import (
    GRAPH_CODES,
    ErrorRule,
    GraphError,
    build_platform_error,
    classify_graph_error,
    classify_graph_item,
    parse_error_object,
    parse_graph_error,
    rule_for,
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

TRACE = "AbCdEfFAKE"


def envelope(code: Any = 100, **fields: Any) -> dict[str, Any]:
    """A real-shaped Graph error envelope; ``fields`` override or add keys of ``error``."""
    error: dict[str, Any] = {
        "message": f"(#{code}) Something went wrong",
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": f"details of {code}"},
        "fbtrace_id": TRACE,
    }
    error.update(fields)
    return {"error": {k: v for k, v in error.items() if v is not _DROP}}


_DROP = object()


def response(body: Any, status: int = 400, headers: dict[str, str] | None = None) -> HttpResponse:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status_code=status, headers=headers or {}, content=content)


def classify(body: Any, status: int = 400, headers: dict[str, str] | None = None,
             table: dict[int, ErrorRule] | None = None) -> PlatformError:
    return classify_graph_error("test", response(body, status, headers), table or {})


# -- the shared table ----------------------------------------------------------------------------

GRAPH_EXPECTED: list[tuple[int, type[PlatformError], bool]] = [
    (0, AuthError, False),
    (1, TemporaryError, True),
    (2, TemporaryError, True),
    (3, AuthError, False),
    (4, RateLimited, True),
    (10, AuthError, False),
    (17, RateLimited, True),
    (32, RateLimited, True),
    (100, PermanentError, False),
    (104, AuthError, False),
    (190, AuthError, False),
    (341, RateLimited, True),
    (368, PermanentError, False),
    (613, RateLimited, True),
]


def test_expected_table_covers_graph_codes() -> None:
    assert {code for code, _, _ in GRAPH_EXPECTED} == set(GRAPH_CODES)


@pytest.mark.parametrize(("code", "kind", "retryable"), GRAPH_EXPECTED)
def test_graph_codes_apply_without_a_channel_table(
    code: int, kind: type[PlatformError], retryable: bool
) -> None:
    err = classify(envelope(code))
    assert type(err) is kind
    assert err.code == code
    assert err.retryable is retryable
    assert err.channel == "test"
    assert err.http_status == 400
    assert err.trace_id == TRACE
    assert err.details == f"details of {code}"
    assert err.message == f"(#{code}) Something went wrong"


@pytest.mark.parametrize("code", [200, 230, 299])
def test_permission_range(code: int) -> None:
    err = classify(envelope(code))
    assert type(err) is AuthError
    assert err.retryable is False
    assert err.hint


def test_channel_table_wins_over_graph_codes() -> None:
    table = {190: ErrorRule(PermanentError, hint="mine")}
    err = classify(envelope(190), table=table)
    assert type(err) is PermanentError
    assert err.hint == "mine"


def test_subcode_table_wins_over_code_table() -> None:
    table = {10: ErrorRule(AuthError)}
    subcodes = {(10, 2018278): ErrorRule(WindowClosed, hint="outside the window")}
    err = classify_graph_error("messenger", response(envelope(10, error_subcode=2018278)),
                               table, subcodes)
    assert type(err) is WindowClosed
    assert err.subcode == 2018278
    other = classify_graph_error("messenger", response(envelope(10, error_subcode=1)),
                                 table, subcodes)
    assert type(other) is AuthError
    no_subcode = classify_graph_error("messenger", response(envelope(10)), table, subcodes)
    assert type(no_subcode) is AuthError
    assert no_subcode.subcode is None


# -- HTTP status rules ---------------------------------------------------------------------------


def test_429_is_throttling_whatever_the_code() -> None:
    err = classify(envelope(999_999), status=429)
    assert type(err) is RateLimited
    assert err.retryable is True
    assert err.code == 999_999
    known = classify(envelope(100), status=429)
    assert type(known) is RateLimited


def test_429_keeps_a_rate_limited_rule() -> None:
    table = {7: ErrorRule(RateLimited, False, "slow", retry_after=60)}
    err = classify(envelope(7), status=429, table=table)
    assert isinstance(err, RateLimited)
    assert err.retryable is False
    assert err.hint == "slow"
    assert err.retry_after == 60


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_unknown_code_on_5xx_is_transient(status: int) -> None:
    err = classify(envelope(424242), status=status)
    assert type(err) is TemporaryError
    assert err.retryable is True
    assert err.http_status == status


def test_known_code_wins_over_5xx() -> None:
    assert type(classify(envelope(190), status=500)) is AuthError


def test_unknown_code_is_permanent() -> None:
    err = classify(envelope(424242))
    assert type(err) is PermanentError
    assert err.retryable is False


def test_is_transient_on_unknown_code() -> None:
    err = classify(envelope(424242, is_transient=True))
    assert type(err) is TemporaryError
    assert err.retryable is True
    assert type(classify(envelope(424242, is_transient=False))) is PermanentError


@pytest.mark.parametrize(
    ("status", "kind"),
    [(500, TemporaryError), (502, TemporaryError), (408, TemporaryError), (429, RateLimited),
     (401, AuthError), (403, AuthError), (404, PermanentError), (400, PermanentError)],
)
def test_body_that_is_not_a_graph_envelope(status: int, kind: type[PlatformError]) -> None:
    for body in (b"<html>Bad Gateway</html>", b"", b'{"ok": false}', b"[1, 2]"):
        err = classify(body, status=status, headers={"x-fb-trace-id": "HeaderTrace"})
        assert type(err) is kind
        assert err.code is None
        assert err.http_status == status
        assert err.trace_id == "HeaderTrace"
        assert f"HTTP {status}" in err.message


# -- retry_after ---------------------------------------------------------------------------------


def buc(*minutes: Any) -> str:
    return json.dumps({
        "102290129340398": [
            {"type": "whatsapp_business_messaging", "call_count": 100, "total_cputime": 12,
             "total_time": 12, "estimated_time_to_regain_access": m}
            for m in minutes
        ]
    })


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "30"}, 30.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"Retry-After": "-3"}, None),
        ({"Retry-After": "inf"}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, None),  # a date, but no Date header
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT",
          "Date": "Wed, 21 Oct 2026 07:26:30 GMT"}, 90.0),
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT",
          "Date": "Wed, 21 Oct 2026 07:29:00 GMT"}, 0.0),
        ({"x-business-use-case-usage": buc(3)}, 180.0),
        ({"x-business-use-case-usage": buc(1, 5, 0)}, 300.0),
        ({"x-business-use-case-usage": buc("2")}, 120.0),
        ({"x-business-use-case-usage": buc(0)}, None),
        ({"x-business-use-case-usage": buc(True)}, None),
        ({"x-business-use-case-usage": "not json"}, None),
        ({"x-business-use-case-usage": "[1]"}, None),
        ({"x-business-use-case-usage": json.dumps({"1": "x", "2": [1, {"a": 1}]})}, None),
        ({"Retry-After": "10", "x-business-use-case-usage": buc(5)}, 10.0),
    ],
)
def test_retry_after(headers: dict[str, str], expected: float | None) -> None:
    err = classify(envelope(4), headers=headers)
    assert isinstance(err, RateLimited)
    assert err.retry_after == expected


def test_rule_retry_after_is_the_fallback() -> None:
    table = {7: ErrorRule(RateLimited, True, retry_after=86400)}
    err = classify(envelope(7), table=table)
    assert isinstance(err, RateLimited)
    assert err.retry_after == 86400
    err = classify(envelope(7), table=table, headers={"Retry-After": "5"})
    assert isinstance(err, RateLimited)
    assert err.retry_after == 5


# -- envelope parsing ----------------------------------------------------------------------------


def test_parse_full_envelope() -> None:
    body = {"error": {
        "message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130429,
        "error_subcode": 2494055,
        "error_data": {"messaging_product": "whatsapp",
                       "details": "Cloud API message throughput has been reached."},
        "is_transient": False, "error_user_title": "Limit", "error_user_msg": "Slow down",
        "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"}}
    assert parse_graph_error(body) == GraphError(
        code=130429, subcode=2494055, message="(#130429) Rate limit hit",
        details="Cloud API message throughput has been reached.",
        trace_id="Az8or2yhqkZfEZ-_4Qn_Bam", is_transient=False)


@pytest.mark.parametrize("body", [None, [], "error", {}, {"error": "boom"}, {"error": None},
                                  {"data": {}}])
def test_not_an_envelope(body: Any) -> None:
    assert parse_graph_error(body) is None


def test_defensive_parsing() -> None:
    g = parse_error_object({"code": "131047", "error_subcode": "33", "is_transient": "yes",
                            "fbtrace_id": 12, "error_data": "a plain string"})
    assert g.code == 131047
    assert g.subcode == 33
    assert g.is_transient is None
    assert g.trace_id is None
    assert g.details == "a plain string"
    assert g.message == "unknown error"
    assert parse_error_object({"code": True}).code is None
    assert parse_error_object({"code": 4.0}).code == 4
    assert parse_error_object({"code": "x4"}).code is None
    assert parse_error_object({"code": 1, "error_data": {"details": 5}}).details is None
    assert parse_error_object({"code": 1, "error_data": None}).details is None


def test_message_fallbacks() -> None:
    assert parse_error_object({"title": "Re-engagement message"}).message == "Re-engagement message"
    g = parse_error_object({"error_user_msg": "Try later", "message": ""})
    assert g.message == "Try later"
    assert g.details is None  # not repeated
    g = parse_error_object({"message": "Invalid parameter", "error_user_msg": "The name is bad"})
    assert g.details == "The name is bad"


def test_code_from_message_prefix_when_missing() -> None:
    assert parse_error_object({"message": "(#131047) Re-engagement message"}).code == 131047
    assert parse_error_object({"message": "no code here"}).code is None
    assert parse_error_object({"code": 4, "message": "(#5) x"}).code == 4


def test_token_like_strings_are_masked() -> None:
    token = "EAAGm0PX4ZCpsBAFAKEFAKEFAKEFAKEFAKE0000"
    err = classify(envelope(190, message=f"Malformed access token {token}",
                            error_data={"details": f"token={token}"}))
    assert token not in str(err)
    assert token not in repr(err)
    assert token not in json.dumps(err.to_dict())
    assert "[redacted]" in err.message
    assert err.details == "token=[redacted]"


# -- webhook items and building ------------------------------------------------------------------


def test_classify_graph_item() -> None:
    item = {"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message",
            "error_data": {"details": "More than 24 hours"}, "href": "https://example.invalid"}
    err = classify_graph_item("whatsapp", item, {131047: ErrorRule(WindowClosed, False, "tpl")})
    assert type(err) is WindowClosed
    assert err.http_status is None
    assert err.trace_id is None
    assert err.details == "More than 24 hours"
    assert err.hint == "tpl"
    # No HTTP status: an unknown code is permanent, is_transient still counts.
    assert type(classify_graph_item("whatsapp", {"code": 5}, {})) is PermanentError
    assert type(classify_graph_item("whatsapp", {"code": 5, "is_transient": True}, {})) \
        is TemporaryError


def test_rule_for_and_build() -> None:
    g = GraphError(code=131026, subcode=None, message="Message undeliverable", details=None,
                   trace_id=None, is_transient=None)
    rule = rule_for(g, {131026: ErrorRule(RecipientUnreachable)})
    assert rule.kind is RecipientUnreachable
    assert rule_for(g, {}, http_status=429).kind is RateLimited
    err = build_platform_error("whatsapp", g, rule, http_status=400, trace_id="T")
    assert type(err) is RecipientUnreachable
    assert err.trace_id == "T"
    assert err.retryable is False


def test_graph_module_is_pure() -> None:
    """The sans-I/O core never imports a network library."""
    tree = ast.parse(Path(graph.__file__).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if name.split(".")[0] in {"httpx", "requests", "socket"}}
