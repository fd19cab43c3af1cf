"""Masking credentials in text and in other libraries' log records (``polychat._redact``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
import respx

from polychat._redact import (
    DEFAULT_LOGGERS,
    RedactingFilter,
    install_log_redaction,
    redact_text,
)

TOKEN = "EAAG-FAKE-PAGE-TOKEN-XYZ"
PLAIN = "plainSecretValue_42"
URL = f"https://graph.facebook.com/v25.0/1234567890/messages?access_token={TOKEN}&appsecret_proof=abc123"


@pytest.fixture(autouse=True)
def clean_httpx_logger() -> Iterator[None]:
    """Each test starts and ends with the httpx logger's own filters."""
    logger = logging.getLogger("httpx")
    before = list(logger.filters)
    logger.filters[:] = [f for f in before if not isinstance(f, RedactingFilter)]
    yield
    logger.filters[:] = before


# -- redact_text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    (URL, "https://graph.facebook.com/v25.0/1234567890/messages?access_token=[redacted]"
          "&appsecret_proof=[redacted]"),
    (f"GET /me?fields=id&access_token={PLAIN} HTTP/1.1",
     "GET /me?fields=id&access_token=[redacted] HTTP/1.1"),
    (f"url=https%3A%2F%2Fx%3Faccess_token%3D{PLAIN}%26a%3Db",
     "url=https%3A%2F%2Fx%3Faccess_token%3D[redacted]%26a%3Db"),
    (f'{{"q": "access_token={PLAIN}"}}', '{"q": "access_token=[redacted]"}'),
    (f"(ACCESS_TOKEN={PLAIN}), next", "(ACCESS_TOKEN=[redacted]), next"),
    (f"?hub.verify_token={PLAIN}&hub.challenge=42", "?hub.verify_token=[redacted]&hub.challenge=42"),
    (f"client_secret={PLAIN};input_token={PLAIN}", "client_secret=[redacted];input_token=[redacted]"),
    (f"token={PLAIN}", "token=[redacted]"),
    (f"bare {TOKEN} here", "bare [redacted] here"),
])
def test_redact_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", [
    "",
    "tokens are fine to talk about",
    "access_token is missing",
    "notification_messages_token=abc is not a credential",  # not a token of ours
    "https://graph.facebook.com/v25.0/1234567890/messages?fields=id",
    "EAA is too short",
])
def test_redact_text_leaves_ordinary_text(text: str) -> None:
    assert redact_text(text) == text


# -- the filter ----------------------------------------------------------------------------------


def _record(msg: str, *args: object, exc_text: str | None = None) -> logging.LogRecord:
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, msg, args or None, None)
    record.exc_text = exc_text
    return record


def test_filter_renders_redacts_and_keeps() -> None:
    record = _record('HTTP Request: %s %s "%s %d %s"', "POST", httpx.URL(URL), "HTTP/1.1", 200, "OK")
    assert RedactingFilter().filter(record) is True
    assert record.args is None
    assert TOKEN not in record.getMessage()
    assert record.getMessage().startswith("HTTP Request: POST https://graph.facebook.com/")
    assert record.getMessage().endswith(
        'access_token=[redacted]&appsecret_proof=[redacted] "HTTP/1.1 200 OK"')


def test_filter_redacts_cached_tracebacks() -> None:
    record = _record("failed", exc_text=f"Traceback ...\nhttpx.ReadTimeout: {URL}")
    RedactingFilter().filter(record)
    assert record.exc_text is not None
    assert TOKEN not in record.exc_text


def test_filter_leaves_clean_records_alone() -> None:
    record = _record("plain message without args")
    RedactingFilter().filter(record)
    assert record.msg == "plain message without args"


def test_filter_keeps_a_broken_record() -> None:
    record = _record("%s and %s", "only one")
    assert RedactingFilter().filter(record) is True
    assert record.args == ("only one",)  # logging reports the bad format itself


def test_install_is_idempotent() -> None:
    first = install_log_redaction()
    second = install_log_redaction()
    assert first is second
    assert DEFAULT_LOGGERS == ("httpx",)
    assert [f for f in logging.getLogger("httpx").filters if isinstance(f, RedactingFilter)] == [first]


def test_install_on_named_loggers() -> None:
    names = ("polychat-test-a", "polychat-test-b")
    try:
        shared = install_log_redaction(names)
        for name in names:
            assert shared in logging.getLogger(name).filters
    finally:
        for name in names:
            logging.getLogger(name).filters.clear()


# -- httpx really logs the token; the filter stops it --------------------------------------------


def _post_through_httpx() -> None:
    with respx.mock:
        respx.post(url__startswith="https://graph.facebook.com/").respond(200, json={})
        with httpx.Client() as client:
            client.post(URL, json={})


def test_httpx_logs_the_url_with_the_token(caplog: pytest.LogCaptureFixture) -> None:
    """The finding this module exists for: httpx writes the full URL at INFO on "httpx".

    Should a future httpx stop doing so, this test fails and the filter may be retired.
    """
    caplog.set_level(logging.INFO, logger="httpx")
    _post_through_httpx()
    assert any(TOKEN in r.getMessage() for r in caplog.records if r.name == "httpx")


def test_httpx_records_are_masked_once_installed(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="httpx")
    install_log_redaction()
    seen: list[str] = []

    class Raw(logging.Handler):
        """A handler that reads msg and args itself, as structured loggers do."""

        def emit(self, record: logging.LogRecord) -> None:
            seen.append(f"{record.msg} {record.args!r} {self.format(record)}")

    handler = Raw()
    logging.getLogger("httpx").addHandler(handler)
    try:
        _post_through_httpx()
    finally:
        logging.getLogger("httpx").removeHandler(handler)
    assert seen
    assert any(r.name == "httpx" for r in caplog.records)
    for text in [caplog.text, *seen, *(r.getMessage() for r in caplog.records)]:
        assert TOKEN not in text
        assert "abc123" not in text
    assert "access_token=[redacted]" in caplog.text

