"""Fuzzing every channel's ``parse`` through its real entry point: bytes and headers in.

The per-channel property tests (``tests/channels/*/test_parse_properties.py``) fuzz the decoded
payload with well-behaved JSON values. These go further, on what reaches ``channel.parse`` and
``hub.receive`` as bytes:

- mutated real payloads (``tests/data/<platform>/``, holdouts too): keys dropped, values turned
  into nulls or other types, huge numbers, ``1e400``/``NaN``, deep nesting, hostile unicode
  (lone surrogates, escaped or raw, RTL marks, NULs, BOMs), duplicate keys;
- random JSON documents and random bytes, correctly signed (so parsing is reached);
- the same bodies unsigned, wrongly signed, or with garbage signature headers / JWTs.

Only ``WebhookError`` subclasses may escape ``parse``; ``hub.receive`` never raises and answers
200, 400, 401 or 403. Every event serialises to JSON and back (events are queued between
processes) and has a de-duplication key.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

import polychat
from _fuzz import json_paths, webhook_fixtures
from polychat import Event, SignatureError, WebhookError, WebhookRequest
from polychat.channels._meta import sign_body
from polychat.channels.apple.crypto import encode_jwt

DATA = Path(__file__).resolve().parents[1] / "data"
APP_SECRET = "fake-fuzz-app-secret-0000"
MSP_ID = "fake-msp-id"
APPLE_KEY = b"fake-fuzz-secret-0123456789abcde"
NOW = 1767000000.0
ANY_EVENT: TypeAdapter[Any] = TypeAdapter(polychat.AnyEvent)

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def load(platform: str) -> dict[str, Any]:
    return {str(p.relative_to(DATA / platform)): json.loads(p.read_text())
            for p in webhook_fixtures(DATA / platform)}


FIXTURES = {name: load(name) for name in ("whatsapp", "messenger", "apple")}


def channel(name: str) -> polychat.Channel:
    if name == "whatsapp":
        return polychat.WhatsApp(phone_number_id="106540352242922", access_token="EAAG-FAKE-FUZZ",
                                 app_secret=APP_SECRET, verify_token="fake-fuzz-verify")
    if name == "messenger":
        return polychat.Messenger(page_id="1234567890", page_access_token="EAAG-FAKE-FUZZ-PAGE",
                                  app_secret=APP_SECRET, verify_token="fake-fuzz-verify")
    return polychat.AppleMessages(msp_id=MSP_ID, secret=base64.b64encode(APPLE_KEY).decode(),
                                  business_id="fake-business-0000-aaaa", clock=lambda: NOW)


CHANNELS = {name: channel(name) for name in FIXTURES}
HUB = polychat.Hub(*CHANNELS.values())
"""One hub for every example: the store dedups across examples, which is fine — only crashes
and answers are checked through it."""


# -- strategies ------------------------------------------------------------------------------------

class RawToken:
    """A JSON token written verbatim into the document (``NaN``, ``1e400``, deep nesting…)."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw


#: Raw JSON tokens spliced into a document where a placeholder string stands: ones a body may
#: carry, and ones that make the whole body unacceptable (not JSON, or nested too deeply).
RAW_TOKENS = [
    b"1e-400", b"-0", b"0.0", b"123456789012345678901234567890", b"9" * 4000,
    b"18446744073709551616", b"[" * 30 + b"1" + b"]" * 30, b'"\\ud800"', b'"\\udfff x"',
    b'"\\ud83d\\ude00"', b'"\\ud83d"', b'"a\\u0000b"', b'"\\u202eevil"', b'"\\ufeffbom"',
    b'"\xed\xa0\x80"', b'{"id": "dup", "id": 7}', b"true", b"null", b'""', b"[]", b"{}",
]
FATAL_TOKENS = [
    b"1e400", b"-1e400", b"NaN", b"Infinity", b"-Infinity", b"9" * 5000,
    b"[" * 100 + b"]" * 100, b"[" * 3000 + b"]" * 3000, b'{"a":' * 70 + b"null" + b"}" * 70,
]

nasty_text = (
    st.text(st.characters(exclude_categories=()), max_size=12)  # surrogates included
    | st.sampled_from(["\ud800", "\udfff", "\ud83d", "x\ud800y", "\x00", "\u202e", "\ufeff",
                       "👩‍👩‍👧", "ﷺ", "Z͑ͫ̓ͪ̂ͫ̽͏̴̙̤̞͉͚̯̞̠͍", " ", "\ufffc", "a:b", "urn:mbid:x/+=",
                       "1749416383", "1e400", "-1", "text", "image", "interactive", "messages"])
)
leaf = (st.none() | st.booleans() | st.integers() | st.integers(min_value=10**18, max_value=10**60)
        | st.floats(allow_nan=False, allow_infinity=False) | nasty_text
        | st.sampled_from(RAW_TOKENS).map(RawToken))
junk = st.recursive(leaf, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(nasty_text, inner, max_size=3), max_leaves=8)


def dump(value: Any, *, ascii_only: bool) -> bytes:
    """Serialise ``value``; :class:`RawToken` leaves are written verbatim. With ``ascii_only``
    non-ASCII is escaped (as Meta does); else written as UTF-8 (lone surrogates as CESU bytes)."""
    tokens: list[bytes] = []

    def swap(node: Any) -> Any:
        if isinstance(node, RawToken):
            tokens.append(node.raw)
            return f"\u0001RAW{len(tokens) - 1}\u0001"
        if isinstance(node, list):
            return [swap(item) for item in node]
        if isinstance(node, dict):
            return {key: swap(item) for key, item in node.items()}
        return node

    text = json.dumps(swap(value), ensure_ascii=ascii_only)
    body = text.encode("utf-8", "surrogatepass")
    for n, raw in enumerate(tokens):
        placeholder = json.dumps(f"\u0001RAW{n}\u0001", ensure_ascii=ascii_only).encode()
        body = body.replace(placeholder, raw, 1)
    return body


def mutate(draw: st.DrawFn, root: Any, *, under: str | None, fatal: bool) -> None:
    """One mutation: drop a key, null a value, replace it with junk (other types, raw tokens), or
    (when ``fatal``) with a token that makes the body unacceptable. With ``under``, only paths
    inside its elements are touched (``entry[i].…``: the envelope itself stays intact)."""
    paths = [p for p in json_paths(root) if under is None or (p[0] == under and len(p) > 2)]
    if not paths:
        return
    path = draw(st.sampled_from(paths))
    parent = root
    for key in path[:-1]:
        parent = parent[key]
    action = draw(st.sampled_from(["drop", "null", "junk", "junk", "junk", "wrap", "fatal"]
                                  if fatal else ["drop", "null", "junk", "junk", "junk", "wrap"]))
    if action == "drop" and isinstance(parent, dict):
        del parent[path[-1]]
    elif action == "null":
        parent[path[-1]] = None
    elif action == "fatal":
        parent[path[-1]] = RawToken(draw(st.sampled_from(FATAL_TOKENS)))
    elif action == "wrap":  # the same value, one level deeper
        parent[path[-1]] = draw(st.sampled_from([[parent[path[-1]]], {"value": parent[path[-1]]}]))
    else:
        parent[path[-1]] = draw(junk)


@st.composite
def mutated(draw: st.DrawFn, name: str) -> tuple[dict[str, str], bytes]:
    """A real payload of ``name`` mutated 1–4 times, as (extra headers, body bytes)."""
    fixture = copy.deepcopy(FIXTURES[name][draw(st.sampled_from(sorted(FIXTURES[name])))])
    headers: dict[str, str] = {}
    payload = fixture
    if name == "apple":
        headers, payload = fixture["headers"], fixture["body"]
    # Mostly inside the envelope (the items: where parsers branch), sometimes anywhere; a body
    # refused as a whole is drawn now and then only.
    under = None if name == "apple" or draw(st.integers(0, 5)) == 3 else "entry"
    for _ in range(draw(st.integers(1, 4))):
        mutate(draw, payload, under=under, fatal=draw(st.integers(0, 9)) == 3)
    return headers, dump(payload, ascii_only=draw(st.booleans()))


def signed(name: str, body: bytes, headers: dict[str, str] | None = None, *,
           compress: bool = False) -> WebhookRequest:
    """``body`` as the platform would POST it, correctly signed."""
    headers = dict(headers or {})
    if name == "apple":
        if compress:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        token = encode_jwt({"aud": MSP_ID, "iat": int(NOW)}, APPLE_KEY)
        headers["Authorization"] = f"Bearer {token}"
    else:
        headers["X-Hub-Signature-256"] = sign_body(body, APP_SECRET)
        headers["Content-Type"] = "application/json"
    return WebhookRequest(headers=headers, body=body)


# -- checks ----------------------------------------------------------------------------------------


def check_events(events: list[Event], name: str) -> None:
    for event in events:
        assert isinstance(event, Event) and event.channel == name
        assert event.timestamp.utcoffset() is not None
        restored = ANY_EVENT.validate_json(event.model_dump_json())
        assert type(restored) is type(event)
        assert restored == event
        assert HUB.event_key(event)


def check(name: str, request: WebhookRequest) -> None:
    """Parse (only WebhookError may escape) and receive (never raises, answers sensibly)."""
    from hypothesis import event as hev
    try:
        events = CHANNELS[name].parse(request)
    except WebhookError as e:
        hev(type(e).__name__)
    else:
        hev(f"events>0={bool(events)}")
        check_events(events, name)
    response, fresh = HUB.receive(name, request)
    assert response.status in (200, 400, 401, 403)
    assert (response.status == 200) or not fresh
    assert all(isinstance(event, Event) for event in fresh)  # parse's events, checked above


NAMES = sorted(FIXTURES)


# -- (a) mutated real payloads ---------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_mutated_fixtures_signed(name: str) -> None:
    @SETTINGS
    @given(mutated(name), st.booleans())
    def run(fixture: tuple[dict[str, str], bytes], compress: bool) -> None:
        headers, body = fixture
        check(name, signed(name, body, headers, compress=compress))

    run()


# -- (b) random JSON -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_random_json_signed(name: str) -> None:
    envelope = {"whatsapp": {"object": "whatsapp_business_account", "entry": None},
                "messenger": {"object": "page", "entry": None},
                "apple": {"v": 1, "type": "text", "sourceId": "urn:mbid:x", "body": None}}[name]
    hole = "body" if name == "apple" else "entry"

    @settings(SETTINGS, max_examples=80)
    @given(junk, st.booleans(), st.booleans())
    def run(value: Any, inside: bool, ascii_only: bool) -> None:
        document = {**envelope, hole: value} if inside else value
        check(name, signed(name, dump(document, ascii_only=ascii_only)))

    run()


# -- (c) random bytes, signed and not --------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_random_bytes_signed(name: str) -> None:
    @settings(SETTINGS, max_examples=60)
    @given(st.binary(max_size=200) | st.sampled_from(RAW_TOKENS + FATAL_TOKENS), st.booleans())
    def run(body: bytes, compress: bool) -> None:
        check(name, signed(name, body, compress=compress))

    run()


@pytest.mark.parametrize("name", NAMES)
def test_unsigned_or_badly_signed_bodies_are_refused(name: str) -> None:
    header = "Authorization" if name == "apple" else "X-Hub-Signature-256"
    jwt_parts = st.sampled_from([*FATAL_TOKENS, b"{}", b'{"alg":"HS256"}', b'{"alg":"none"}', b"[" * 5000,
                                 b'{"alg":"HS256","x":' + b"[" * 3000 + b"]" * 3000 + b"}",
                                 b'"\\ud800"', b"NaN", b"\xff\xfe"]) | st.binary(max_size=40)
    b64 = jwt_parts.map(lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode())
    forged_jwt = st.tuples(b64, b64, b64).map(lambda p: "Bearer " + ".".join(p))
    values = (st.none() | st.text(max_size=80) | st.sampled_from(
        ["sha256=", "sha256=" + "0" * 64, "sha1=abc", "sha256=ZZ", "Bearer", "Bearer  ",
         "bearer a.b.c", "sha256=\u00e9\u00e9", "Basic Zm9vOmJhcg=="]) | forged_jwt)

    @settings(SETTINGS, max_examples=60)
    @given(mutated(name) | st.tuples(st.just({}), st.binary(max_size=100)), values)
    def run(fixture: tuple[dict[str, str], bytes], value: str | None) -> None:
        headers, body = fixture
        headers = {k: v for k, v in headers.items() if k.lower() != header.lower()}
        if value is not None:
            headers[header] = value
        request = WebhookRequest(headers=headers, body=body)
        with pytest.raises(SignatureError):
            CHANNELS[name].parse(request)
        response, events = HUB.receive(name, request)
        assert response.status in (401, 403) and events == []

    run()


@pytest.mark.parametrize("name", ["whatsapp", "messenger"])
def test_subscription_handshake_fuzz(name: str) -> None:
    keys = st.sampled_from(["hub.mode", "hub.verify_token", "hub.challenge", "x"])

    @settings(SETTINGS, max_examples=40)
    @given(st.dictionaries(keys, nasty_text | st.just("subscribe") | st.just("fake-fuzz-verify"),
                           max_size=4))
    def run(query: dict[str, str]) -> None:
        with contextlib.suppress(SignatureError):
            CHANNELS[name].verify_subscription(query)
        response, events = HUB.receive(name, WebhookRequest(method="GET", query=query))
        assert response.status in (200, 403) and events == []

    run()


# -- defects these found, pinned ------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("raw", [b"[" * 100_000, b'{"a":' * 2000 + b"1" + b"}" * 2000,
                                 b"[" * 200 + b"]" * 200], ids=["deep", "deep-object", "nested-200"])
def test_deep_nesting_is_a_malformed_payload(name: str, raw: bytes) -> None:
    """A RecursionError (or an event pydantic cannot serialise back) used to escape parse."""
    body = raw
    if name != "apple":
        obj = "page" if name == "messenger" else "whatsapp_business_account"
        body = b'{"object": "%s", "entry": [' % obj.encode() + raw + b"]}"
    with pytest.raises(polychat.MalformedPayload):
        CHANNELS[name].parse(signed(name, body))


@pytest.mark.parametrize("name", ["whatsapp", "messenger"])
@pytest.mark.parametrize("query", [
    {"hub.mode": "subscribe", "hub.verify_token": "\ud800", "hub.challenge": "1158201444"},
    {"hub.mode": "subscribe", "hub.verify_token": "fake-fuzz-verify", "hub.challenge": "\ud800"},
], ids=["surrogate-token", "surrogate-challenge"])
def test_a_handshake_with_lone_surrogates_is_refused(name: str, query: dict[str, str]) -> None:
    """``str.encode`` on a lone surrogate used to raise UnicodeEncodeError (a 500, not a 403)."""
    with pytest.raises(SignatureError):
        CHANNELS[name].verify_subscription(query)
    response, _ = HUB.receive(name, WebhookRequest(method="GET", query=query))
    assert response.status == 403


def test_a_forged_jwt_nested_deeply_is_a_signature_error() -> None:
    """Before the signature is checked: a RecursionError used to escape (a 500, not a 403)."""
    part = base64.urlsafe_b64encode(b"[" * 5000).rstrip(b"=").decode()
    request = WebhookRequest(headers={"Authorization": f"Bearer {part}.{part}.{part}"}, body=b"{}")
    with pytest.raises(SignatureError):
        CHANNELS["apple"].parse(request)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "raw-cesu"])
def test_lone_surrogates_are_replaced_not_fatal(name: str, ascii_only: bool) -> None:
    """A lone surrogate (a broken emoji) used to make events that cannot be serialised, so the
    hub's de-duplication raised. It is replaced by U+FFFD and the message still arrives."""
    if name == "apple":
        fixture = copy.deepcopy(FIXTURES[name]["text.json"])
        fixture["body"]["body"] = "broken \ud83d emoji"
        headers, payload = fixture["headers"], fixture["body"]
    else:
        headers, payload = {}, copy.deepcopy(FIXTURES[name]["text.json"])
        for path in json_paths(payload):
            if path[-1] in ("body", "text") and isinstance(_at(payload, path), str):
                _set(payload, path, "broken \ud83d emoji")
    request = signed(name, dump(payload, ascii_only=ascii_only), headers)
    events = CHANNELS[name].parse(request)
    check_events(events, name)
    texts = [e.content.text for e in events
             if isinstance(e, polychat.MessageReceived) and isinstance(e.content, polychat.Text)]
    assert texts == ["broken \ufffd emoji"]
    response, _ = HUB.receive(name, request)
    assert response.status == 200


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"1e400"])
def test_non_json_numbers_are_a_malformed_payload(name: str, token: bytes) -> None:
    """``NaN``/``Infinity``/overflowing floats decoded into values that do not round-trip."""
    if name == "apple":
        body = b'{"v": 1, "type": "text", "sourceId": "urn:mbid:x", "body": "hi", "n": ' + token + b"}"
    else:
        obj = b"page" if name == "messenger" else b"whatsapp_business_account"
        body = b'{"object": "' + obj + b'", "entry": [{"id": "1", "time": ' + token + b"}]}"
    with pytest.raises(polychat.MalformedPayload):
        CHANNELS[name].parse(signed(name, body))


def _at(root: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        root = root[key]
    return root


def _set(root: Any, path: tuple[Any, ...], value: Any) -> None:
    _at(root, path[:-1])[path[-1]] = value
