"""Apple Messages for Business cryptography, pure: JWT (HS256), gzip bodies, AES-256-CTR.

JWT
    Apple signs both directions with HS256 keyed by the Base64-DECODED MSP secret
    (``shared/platforms/apple.md`` §2). HS256 is one HMAC-SHA256, so polychat implements it here in
    ~60 audited lines instead of adding a JWT library: the algorithm is pinned (a token whose header
    says anything but ``HS256`` — ``none``, ``RS256``, ``ES256``, ``HS512`` — is refused before any
    key is used, which rules out algorithm-confusion attacks), the signature is compared in
    constant time, and ``aud``, ``exp``, ``nbf`` and ``iat`` are checked with a clock-skew leeway.
    The test suite cross-checks it against PyJWT in both directions.

gzip
    Apple gzips inbound bodies. :func:`decompress` detects gzip by its magic bytes (not only by
    header), inflates in bounded steps and refuses more than ``limit`` bytes of output, so a
    decompression bomb costs at most ``limit`` bytes of memory and a truncated stream is an error.

AES-256-CTR
    Attachments and large interactive payloads are encrypted with AES-256 in CTR mode, a zero
    16-byte IV and a single-use 32-byte key written as ``"00" + hex`` (§6.1). This needs the
    ``cryptography`` package: ``pip install "polychat[apple]"``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import zlib
from collections.abc import Mapping
from typing import Any

from ... import _safejson
from ...errors import ConfigurationError, MalformedPayload, SignatureError

__all__ = [
    "DEFAULT_LEEWAY",
    "DEFAULT_MAX_AGE",
    "decode_secret",
    "decompress",
    "decrypt",
    "encode_jwt",
    "encrypt",
    "format_key",
    "new_key",
    "parse_key",
    "verify_jwt",
]

DEFAULT_LEEWAY = 300
"""Seconds of clock skew tolerated on ``exp``, ``nbf`` and ``iat``."""
DEFAULT_MAX_AGE = 3600
"""A token whose ``iat`` is older than this many seconds is refused (Apple sets no ``exp``)."""
ZERO_IV = bytes(16)
_INFLATE_STEP = 64 * 1024
"""Most bytes one inflate step may produce: memory stays near ``limit``, not twice it."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def _unb64url(text: str) -> bytes:
    if not _BASE64URL.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decode_secret(secret: str) -> bytes:
    """The HMAC key: the MSP secret Base64-decoded (Apple delivers it as Base64 text).

    Raises:
        ConfigurationError: the secret is not valid Base64 or decodes to nothing.
    """
    cleaned = "".join(secret.split())
    try:
        key = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        try:
            key = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
        except (binascii.Error, ValueError):
            raise ConfigurationError("the Apple MSP secret must be the Base64 text Apple "
                                     "Business Register gave") from None
    if not key:
        raise ConfigurationError("the Apple MSP secret decodes to an empty key")
    return key


def encode_jwt(claims: Mapping[str, Any], key: bytes) -> str:
    """A compact HS256 JWT of ``claims`` signed with ``key``."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(dict(claims), separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


def verify_jwt(token: str, key: bytes, *, audience: str, now: float,
               leeway: float = DEFAULT_LEEWAY, max_age: float | None = DEFAULT_MAX_AGE
               ) -> dict[str, Any]:
    """Verify an HS256 JWT and return its claims.

    Args:
        token: the compact token (without ``Bearer``).
        key: the HMAC key (the decoded MSP secret).
        audience: the ``aud`` the token must carry (your MSP id).
        now: the current time, in Unix seconds (injected: no clock is read here).
        leeway: clock skew tolerated, in seconds.
        max_age: refuse tokens issued more than this many seconds ago (``None``: no limit).

    Raises:
        SignatureError: with ``status_hint`` 403 for any token that does not verify.
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise _refused("the token is not a compact JWS (three dot-separated parts)")
    try:
        header = _safejson.loads(_unb64url(parts[0]))
        claims = _safejson.loads(_unb64url(parts[1]))
        signature = _unb64url(parts[2]) if parts[2] else b""
    except ValueError:  # not base64url, not JSON, or nested too deep (see polychat._safejson)
        raise _refused("the token's parts are not base64url JSON") from None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        alg = header.get("alg") if isinstance(header, dict) else None
        raise _refused(f"the token's algorithm is {alg!r}; only HS256 is accepted")
    if "crit" in header:
        raise _refused("the token has critical header extensions")
    expected = hmac.new(key, f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise _refused("the token's signature does not verify")
    if not isinstance(claims, dict):
        raise _refused("the token's claims are not an object")
    aud = claims.get("aud")
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise _refused("the token's audience is not this MSP id")
    _check_times(claims, now, leeway, max_age)
    return claims


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refused(f"the token's {name} is not a number")
    return float(value)


def _check_times(claims: Mapping[str, Any], now: float, leeway: float,
                 max_age: float | None) -> None:
    exp, nbf, iat = (_number(claims, n) for n in ("exp", "nbf", "iat"))
    if exp is not None and now > exp + leeway:
        raise _refused("the token has expired")
    if nbf is not None and now < nbf - leeway:
        raise _refused("the token is not valid yet")
    if iat is not None:
        if iat > now + leeway:
            raise _refused("the token was issued in the future")
        if max_age is not None and now - iat > max_age + leeway:
            raise _refused("the token is too old")


def _refused(reason: str) -> SignatureError:
    return SignatureError(f"Authorization JWT refused: {reason}", status_hint=403)


def decompress(body: bytes, *, limit: int) -> bytes:
    """Gunzip ``body`` when it starts with the gzip magic bytes; return it unchanged otherwise.

    Raises:
        MalformedPayload: the stream is corrupt or truncated, or inflates past ``limit`` bytes.
    """
    if body[:2] != b"\x1f\x8b":
        if len(body) > limit:
            raise MalformedPayload(f"body larger than {limit} bytes")
        return body
    out = bytearray()
    data = body
    while data:
        inflater = zlib.decompressobj(wbits=31)
        try:
            while data:
                chunk = inflater.decompress(data, min(_INFLATE_STEP, limit + 1 - len(out)))
                out += chunk
                if len(out) > limit:
                    raise MalformedPayload(f"gzip body inflates past {limit} bytes (refused)")
                data = inflater.unconsumed_tail
                if inflater.eof:
                    break
                if not chunk and not data:
                    break
        except zlib.error as exc:
            raise MalformedPayload(f"gzip body is corrupt: {exc}") from None
        if not inflater.eof:
            raise MalformedPayload("gzip body is truncated")
        # Zero bytes after a member are padding, as Python's gzip module (Apple's samples) reads it.
        data = inflater.unused_data.lstrip(b"\x00")
        if data and data[:2] != b"\x1f\x8b":
            raise MalformedPayload("gzip body has trailing garbage")
    return bytes(out)


def _cipher(key: bytes) -> Any:
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise ConfigurationError(
            'Apple attachments need the cryptography package: pip install "polychat[apple]"'
        ) from None
    if len(key) != 32:
        raise ValueError("AES-256 needs a 32-byte key")
    return Cipher(algorithms.AES(key), modes.CTR(ZERO_IV))


def new_key() -> bytes:
    """A fresh single-use 32-byte key from the OS CSPRNG."""
    return os.urandom(32)


def format_key(key: bytes) -> str:
    """Apple's key string: ``"00"`` followed by the key in lowercase hex (66 characters)."""
    if len(key) != 32:
        raise ValueError("AES-256 needs a 32-byte key")
    return "00" + key.hex()


def parse_key(text: str) -> bytes:
    """The 32-byte key of an Apple key string (``"00"`` + 64 hex digits, any case).

    Raises:
        ValueError: not of that form.
    """
    cleaned = text.strip()
    if len(cleaned) == 66 and cleaned.startswith("00"):
        cleaned = cleaned[2:]
    if len(cleaned) != 64:
        raise ValueError("an Apple key is '00' followed by 64 hex digits")
    return bytes.fromhex(cleaned)


def encrypt(data: bytes, key: bytes) -> bytes:
    """AES-256-CTR with a zero IV (ciphertext is as long as the plaintext)."""
    encryptor = _cipher(key).encryptor()
    return bytes(encryptor.update(data) + encryptor.finalize())


def decrypt(data: bytes, key: bytes) -> bytes:
    """The inverse of :func:`encrypt` (CTR is symmetric)."""
    decryptor = _cipher(key).decryptor()
    return bytes(decryptor.update(data) + decryptor.finalize())
