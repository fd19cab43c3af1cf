"""Apple crypto: HS256 JWT both ways (cross-checked with PyJWT), gzip with a cap, AES-256-CTR
(cross-checked with pycryptodome, an independent AES implementation)."""

from __future__ import annotations

import base64
import gzip
import json

import jwt as pyjwt
import pytest
from Crypto.Cipher import AES as INDEPENDENT_AES
from hypothesis import given
from hypothesis import strategies as st

from polychat import ConfigurationError, MalformedPayload, SignatureError
from polychat.channels.apple.crypto import (
    decode_secret,
    decompress,
    decrypt,
    encode_jwt,
    encrypt,
    format_key,
    new_key,
    parse_key,
    verify_jwt,
)

MSP_ID = "fake-msp-0000-1111"
SECRET = base64.b64encode(b"fake-msp-secret-bytes-0123456789").decode()
KEY = decode_secret(SECRET)
NOW = 1_767_000_000


def test_secret_is_base64_decoded() -> None:
    assert KEY == b"fake-msp-secret-bytes-0123456789"
    with pytest.raises(ConfigurationError):
        decode_secret("***not base64***")


def test_outbound_token_verifies_with_pyjwt() -> None:
    token = encode_jwt({"iss": MSP_ID, "iat": NOW}, KEY)
    claims = pyjwt.decode(token, KEY, algorithms=["HS256"], options={"verify_iat": False})
    assert claims == {"iss": MSP_ID, "iat": NOW}
    assert pyjwt.get_unverified_header(token)["alg"] == "HS256"


def test_pyjwt_inbound_token_verifies_here() -> None:
    token = pyjwt.encode({"aud": MSP_ID, "iat": NOW}, KEY, algorithm="HS256")
    assert verify_jwt(token, KEY, audience=MSP_ID, now=NOW + 10)["aud"] == MSP_ID
    listed = pyjwt.encode({"aud": [MSP_ID, "other"], "iat": NOW}, KEY, algorithm="HS256")
    assert verify_jwt(listed, KEY, audience=MSP_ID, now=NOW)


def _forge(header: dict[str, object], claims: dict[str, object], signature: bytes = b"") -> str:
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    sig = base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    return f"{enc(header)}.{enc(claims)}.{sig}"


@pytest.mark.parametrize("token", [
    _forge({"alg": "none"}, {"aud": MSP_ID, "iat": NOW}),
    _forge({"alg": "RS256"}, {"aud": MSP_ID, "iat": NOW}, b"x" * 256),
    _forge({"alg": "ES256"}, {"aud": MSP_ID, "iat": NOW}, b"x" * 64),
    pyjwt.encode({"aud": MSP_ID, "iat": NOW}, KEY * 2, algorithm="HS512"),
    pyjwt.encode({"aud": MSP_ID, "iat": NOW}, b"wrong-key-wrong-key-wrong-key-00", algorithm="HS256"),
    pyjwt.encode({"aud": "someone-else", "iat": NOW}, KEY, algorithm="HS256"),
    pyjwt.encode({"iat": NOW}, KEY, algorithm="HS256"),
    pyjwt.encode({"aud": MSP_ID, "iat": NOW, "exp": NOW - 600}, KEY, algorithm="HS256"),
    pyjwt.encode({"aud": MSP_ID, "iat": NOW + 3600}, KEY, algorithm="HS256"),
    pyjwt.encode({"aud": MSP_ID, "iat": NOW - 86400}, KEY, algorithm="HS256"),
    pyjwt.encode({"aud": MSP_ID, "iat": NOW, "nbf": NOW + 3600}, KEY, algorithm="HS256"),
    pyjwt.encode({"aud": MSP_ID, "iat": "yesterday"}, KEY, algorithm="HS256"),
    "not-a-jwt", "a.b", "a.b.c.d", "",
], ids=["none", "RS256", "ES256", "HS512", "wrong-key", "wrong-aud", "no-aud", "expired",
        "future-iat", "too-old", "nbf", "iat-string", "garbage", "two-parts", "four-parts", "empty"])
def test_bad_tokens_are_refused_with_403(token: str) -> None:
    with pytest.raises(SignatureError) as info:
        verify_jwt(token, KEY, audience=MSP_ID, now=NOW)
    assert info.value.status_hint == 403


def test_clock_skew_is_tolerated() -> None:
    token = pyjwt.encode({"aud": MSP_ID, "iat": NOW + 120, "exp": NOW - 120}, KEY, algorithm="HS256")
    assert verify_jwt(token, KEY, audience=MSP_ID, now=NOW)


def test_tampered_claims_fail() -> None:
    header, _claims, sig = encode_jwt({"aud": MSP_ID, "iat": NOW}, KEY).split(".")
    evil = base64.urlsafe_b64encode(json.dumps({"aud": MSP_ID, "iat": NOW, "x": 1}).encode())
    with pytest.raises(SignatureError):
        verify_jwt(f"{header}.{evil.rstrip(b'=').decode()}.{sig}", KEY, audience=MSP_ID, now=NOW)


def test_gzip_plain_and_multi_member() -> None:
    assert decompress(gzip.compress(b'{"a":1}'), limit=100) == b'{"a":1}'
    assert decompress(b'{"a":1}', limit=100) == b'{"a":1}'
    assert decompress(gzip.compress(b"ab") + gzip.compress(b"cd"), limit=100) == b"abcd"


def test_gzip_bomb_is_refused_without_inflating_it() -> None:
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))
    assert len(bomb) < 100_000
    with pytest.raises(MalformedPayload, match="inflates past"):
        decompress(bomb, limit=1024 * 1024)


@pytest.mark.parametrize("body", [gzip.compress(b'{"type":"text"}' * 50)[:-12],
                                  gzip.compress(b"x" * 1000)[:20],
                                  b"\x1f\x8b" + b"garbage" * 10,
                                  gzip.compress(b"ok") + b"trailing"])
def test_gzip_truncated_or_corrupt(body: bytes) -> None:
    with pytest.raises(MalformedPayload):
        decompress(body, limit=1_000_000)


def test_key_format() -> None:
    key = new_key()
    text = format_key(key)
    assert len(text) == 66 and text.startswith("00") and text == text.lower()
    assert parse_key(text) == key and parse_key(text.upper()) == key
    with pytest.raises(ValueError):  # noqa: PT011
        parse_key("00abc")


@given(st.binary(max_size=5000))
def test_aes_ctr_matches_an_independent_implementation(data: bytes) -> None:
    key = bytes(range(32))
    ours = encrypt(data, key)
    counter = INDEPENDENT_AES.new(key, INDEPENDENT_AES.MODE_CTR, nonce=b"", initial_value=bytes(16))
    theirs = counter.encrypt(data)
    assert ours == theirs and len(ours) == len(data)
    assert decrypt(ours, key) == data


def test_aes_known_answer() -> None:
    # NIST SP 800-38A F.5.5 CTR-AES256.Encrypt, first block, but with the zero counter block
    # Apple uses: AES-256(key, 0^128) xor plaintext. Checked against pycryptodome's ECB.
    key = bytes.fromhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
    block = INDEPENDENT_AES.new(key, INDEPENDENT_AES.MODE_ECB).encrypt(bytes(16))
    plaintext = bytes.fromhex("6bc1bee22e409f96e93d7e117393172a")
    assert encrypt(plaintext, key) == bytes(a ^ b for a, b in zip(block, plaintext, strict=True))
