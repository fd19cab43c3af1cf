"""Fault injection on send, for both hubs and the three channels.

What a send must do when the network or the platform misbehaves:

- a connection that could not be opened (refused, reset while connecting, connect or pool
  timeout) never reached the platform: retried;
- a request that may have reached the platform (reset after sending, read/write timeout, a
  garbage answer) is NOT retried by default — a send has no idempotency key, so exactly one
  request reaches the server — unless ``RetryPolicy(retry_unsafe=True)``;
- 429 waits ``Retry-After`` then succeeds, and a ``Retry-After`` beyond ``max_retry_after``
  raises ``RateLimited`` at once; 5xx bursts are retried with backoff up to ``attempts``;
- any answer, however malformed (HTML, truncated or absurd JSON), ends in a typed
  ``PlatformError``, never a ``JSONDecodeError``/``KeyError``/``RecursionError``;
- a list send failing part-way reports the ids that went out (``sent_message_ids``);
- no secret appears in an error or a log line.

The first half drives httpx through respx side effects; the second talks to a real server on
127.0.0.1 (``tests/_faults.py``) so the real httpx error types are exercised. Waits are recorded,
never slept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

import polychat
from _faults import (
    CHANNELS,
    LocalServer,
    Spec,
    build_hub,
    free_port,
    garbage,
    ok,
    reset,
    run_send,
    serving,
    slow,
)
from polychat._http import RetryPolicy

BASE = "https://platform.test"
FLAVORS = ["async", "sync"]
OK = object()
"""In a script: the channel's success answer for the next message."""


@pytest.fixture(params=FLAVORS)
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=sorted(CHANNELS))
def spec(request: pytest.FixtureRequest) -> Spec:
    return CHANNELS[request.param]


class Script:
    """A respx side effect: answers (or raises) the scripted items in order, the last repeating."""

    def __init__(self, spec: Spec, *items: Any) -> None:
        self.spec = spec
        self.items = list(items)
        self.requests: list[httpx.Request] = []
        self.ids: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.items[min(len(self.requests), len(self.items)) - 1]
        if item is OK:
            n = len(self.ids) + 1
            self.ids.append(self.spec.message_id(n, request))
            return self.spec.ok(n)
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, httpx.Response)
        return item


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


def scripted(mock: respx.MockRouter, spec: Spec, *items: Any) -> Script:
    script = Script(spec, *items)
    mock.route(method="POST", host="platform.test", path=spec.path).mock(side_effect=script)
    return script


def secrets_of(spec: Spec, requests: list[httpx.Request]) -> list[str]:
    """The channel's secrets, plus every credential its requests carried (Apple's JWTs,
    Messenger's token and appsecret_proof in the query)."""
    found = list(spec.secrets)
    for request in requests:
        auth = request.headers.get("authorization", "")
        if auth:
            found.append(auth.split()[-1])
        for name in ("access_token", "appsecret_proof"):
            value = request.url.params.get(name)
            if value:
                found.append(value)
    return found


def raw_secrets(spec: Spec, raws: list[bytes]) -> list[str]:
    """:func:`secrets_of` for requests a real server received, as bytes."""
    requests = []
    for raw in raws:
        head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        target = head[0].split()[1]
        headers = [tuple(part.strip() for part in line.split(":", 1)) for line in head[1:]]
        requests.append(httpx.Request("POST", "http://127.0.0.1" + target, headers=headers))
    return secrets_of(spec, requests)


def assert_clean(error: BaseException, spec: Spec, requests: list[httpx.Request],
                 logs: str = "", *, raws: list[bytes] | None = None) -> None:
    """No secret in the error (text, repr, attributes, chained exceptions) or the logs."""
    texts = [str(error), repr(error), logs, *map(str, error.args)]
    for name in ("message", "details", "hint"):
        texts.append(str(getattr(error, name, "")))
    chained = error.__cause__ or error.__context__
    while chained is not None:
        texts.append(str(chained))
        texts.append(repr(chained))
        chained = chained.__cause__ or chained.__context__
    text = "\n".join(texts)
    secrets = secrets_of(spec, requests) + raw_secrets(spec, raws or [])
    assert len(secrets) > len(spec.secrets) or not (requests or raws)
    for secret in secrets:
        assert secret not in text, "a secret leaked into an error or a log line"


async def fails(hub: polychat.AsyncHub | polychat.Hub, spec: Spec,
                content: Any = None) -> polychat.PlatformError:
    """Send and return the ``PlatformError`` raised (anything else fails the test)."""
    with pytest.raises(polychat.PlatformError) as info:
        await run_send(hub, spec.address, content or polychat.Text(text="Your order shipped"))
    return info.value


# -- the connection ------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [
    httpx.ConnectError("[Errno 111] Connection refused"),
    httpx.ConnectError("[Errno 104] Connection reset by peer"),  # reset before a byte was sent
    httpx.ConnectTimeout("timed out connecting"),
    httpx.PoolTimeout("no free connection"),
], ids=["refused", "reset-while-connecting", "connect-timeout", "pool-timeout"])
async def test_not_sent_is_retried(flavor: str, spec: Spec, mock: respx.MockRouter,
                                   fault: Exception) -> None:
    script = scripted(mock, spec, fault, OK)
    hub, sleeps = build_hub(flavor, spec, BASE)
    result = await run_send(hub, spec.address, polychat.Text(text="Your order shipped"))
    assert result.message_ids == script.ids and len(script.ids) == 1
    assert len(script.requests) == 2 and sleeps == [0.5]


async def test_never_connecting_gives_up_retryable(flavor: str, spec: Spec,
                                                   mock: respx.MockRouter,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    script = scripted(mock, spec, httpx.ConnectError(f"refused by {BASE}"))
    hub, sleeps = build_hub(flavor, spec, BASE, retry=RetryPolicy(attempts=3, jitter=0))
    error = await fails(hub, spec)
    assert type(error) is polychat.TemporaryError and error.retryable
    assert len(script.requests) == 3 and sleeps == [0.5, 1.0]
    assert_clean(error, spec, script.requests, caplog.text)


@pytest.mark.parametrize("fault", [
    httpx.ReadError("[Errno 104] Connection reset by peer"),
    httpx.RemoteProtocolError("Server disconnected without sending a response."),
    httpx.WriteError("[Errno 32] Broken pipe"),
    httpx.ReadTimeout("The read operation timed out"),
    httpx.WriteTimeout("The write operation timed out"),
], ids=["reset-after-send", "disconnected", "broken-pipe", "read-timeout", "write-timeout"])
async def test_maybe_sent_is_not_retried(flavor: str, spec: Spec, mock: respx.MockRouter,
                                         fault: Exception, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    script = scripted(mock, spec, fault, OK)
    hub, sleeps = build_hub(flavor, spec, BASE)
    error = await fails(hub, spec)
    assert type(error) is polychat.TemporaryError and not error.retryable
    assert len(script.requests) == 1, "exactly one request may reach the platform"
    assert sleeps == [] and "duplicate" in str(error)
    assert error.sent_message_ids == []  # type: ignore[attr-defined]
    assert_clean(error, spec, script.requests, caplog.text)


@pytest.mark.parametrize("fault", [httpx.ReadError("reset"), httpx.ReadTimeout("timed out")],
                         ids=["reset-after-send", "read-timeout"])
async def test_maybe_sent_is_retried_when_unsafe_retries_are_allowed(
        flavor: str, spec: Spec, mock: respx.MockRouter, fault: Exception) -> None:
    script = scripted(mock, spec, fault, OK)
    hub, sleeps = build_hub(flavor, spec, BASE, retry=RetryPolicy(jitter=0, retry_unsafe=True))
    result = await run_send(hub, spec.address, polychat.Text(text="Your order shipped"))
    assert result.message_ids == script.ids
    assert len(script.requests) == 2 and sleeps == [0.5]


# -- throttling and server errors ----------------------------------------------------------------


async def test_429_waits_retry_after_then_succeeds(flavor: str, spec: Spec,
                                                   mock: respx.MockRouter) -> None:
    script = scripted(mock, spec, httpx.Response(429, headers={"Retry-After": "7"}), OK)
    hub, sleeps = build_hub(flavor, spec, BASE)
    result = await run_send(hub, spec.address, polychat.Text(text="Your order shipped"))
    assert result.message_ids == script.ids
    assert len(script.requests) == 2 and sleeps == [7.0]


async def test_429_beyond_max_retry_after_raises_at_once(flavor: str, spec: Spec,
                                                         mock: respx.MockRouter) -> None:
    script = scripted(mock, spec, httpx.Response(429, headers={"Retry-After": "3600"}), OK)
    hub, sleeps = build_hub(flavor, spec, BASE, retry=RetryPolicy(jitter=0, max_retry_after=60))
    error = await fails(hub, spec)
    assert isinstance(error, polychat.RateLimited) and error.retryable
    assert error.retry_after == 3600
    assert len(script.requests) == 1 and sleeps == []


@pytest.mark.parametrize("value", ["nan", "inf", "1e400", "-5", "soon"])
async def test_429_with_a_nonsense_retry_after_backs_off(flavor: str, spec: Spec,
                                                         mock: respx.MockRouter,
                                                         value: str) -> None:
    script = scripted(mock, spec, httpx.Response(429, headers={"Retry-After": value}), OK)
    hub, sleeps = build_hub(flavor, spec, BASE)
    result = await run_send(hub, spec.address, polychat.Text(text="Your order shipped"))
    assert result.message_ids == script.ids
    assert len(script.requests) == 2 and sleeps == [0.5]


async def test_5xx_burst_is_retried_with_backoff(flavor: str, spec: Spec,
                                                 mock: respx.MockRouter) -> None:
    script = scripted(mock, spec, httpx.Response(500), httpx.Response(502, text="<html>bad</html>"),
                      httpx.Response(500, content=b'{"error": {"code": 2, "is_transient": tr'), OK)
    hub, sleeps = build_hub(flavor, spec, BASE)
    result = await run_send(hub, spec.address, polychat.Text(text="Your order shipped"))
    assert result.message_ids == script.ids
    assert len(script.requests) == 4 and sleeps == [0.5, 1.0, 2.0]


async def test_5xx_beyond_the_attempts_is_a_temporary_error(flavor: str, spec: Spec,
                                                            mock: respx.MockRouter) -> None:
    script = scripted(mock, spec, httpx.Response(502, text="<html>Bad gateway</html>"))
    retry = RetryPolicy(attempts=6, initial_wait=1.0, max_wait=3.0, jitter=0)
    hub, sleeps = build_hub(flavor, spec, BASE, retry=retry)
    error = await fails(hub, spec)
    assert isinstance(error, polychat.TemporaryError) and error.retryable
    assert error.http_status == 502
    assert len(script.requests) == 6 and sleeps == [1.0, 2.0, 3.0, 3.0, 3.0]


async def test_jitter_stays_within_its_bound(spec: Spec, mock: respx.MockRouter) -> None:
    scripted(mock, spec, httpx.Response(500), httpx.Response(500), OK)
    hub, sleeps = build_hub("async", spec, BASE, retry=RetryPolicy(jitter=0.25))
    await run_send(hub, spec.address, polychat.Text(text="Your order shipped"))
    assert 0.5 <= sleeps[0] <= 0.75 and 1.0 <= sleeps[1] <= 1.25


# -- malformed answers ---------------------------------------------------------------------------

NESTED = b"[" * 5000 + b"]" * 5000

MALFORMED_OK = {
    "html": httpx.Response(200, text="<html><body>OK</body></html>"),
    "empty": httpx.Response(200, content=b""),
    "truncated": httpx.Response(200, content=b'{"messages": [{"id": "wamid.FAKE'),
    "not-an-object": httpx.Response(200, json=["wamid.FAKE1"]),
    "deeply-nested": httpx.Response(200, content=NESTED),
    "nan": httpx.Response(200, content=b'{"message_id": NaN, "messages": NaN}'),
    "binary": httpx.Response(200, content=b"\xff\xfe\x00garbage\x80"),
}


@pytest.mark.parametrize("answer", list(MALFORMED_OK.values()), ids=list(MALFORMED_OK))
async def test_a_malformed_success_answer(flavor: str, spec: Spec, mock: respx.MockRouter,
                                          answer: httpx.Response) -> None:
    script = scripted(mock, spec, answer, OK)
    hub, sleeps = build_hub(flavor, spec, BASE)
    if not spec.sends_json_answers:  # Apple answers an empty body; the message id is ours
        result = await run_send(hub, spec.address, polychat.Text(text="Your order shipped"))
        assert result.message_ids == [script.requests[0].headers["id"]]
        return
    error = await fails(hub, spec)
    assert type(error) is polychat.PlatformError and not error.retryable
    assert error.http_status == 200 and "may have been sent" in str(error)
    assert len(script.requests) == 1 and sleeps == []  # it may have gone out: no retry


MALFORMED_ERRORS = {
    "html-400": (httpx.Response(400, text="<html>Bad Request</html>"), polychat.PermanentError, 1),
    "truncated-400": (httpx.Response(400, content=b'{"error": {"code": 100, "mess'),
                      polychat.PermanentError, 1),
    "nested-400": (httpx.Response(400, content=NESTED), polychat.PermanentError, 1),
    "nan-400": (httpx.Response(400, content=b'{"error": {"code": NaN}}'),
                polychat.PermanentError, 1),
    "string-error-400": (httpx.Response(400, json={"error": "bad"}), polychat.PermanentError, 1),
    "odd-fields-400": (httpx.Response(400, json={"error": {"code": "abc", "message": None,
                                                           "error_subcode": [1],
                                                           "error_data": 7}}),
                       polychat.PermanentError, 1),
    "html-401": (httpx.Response(401, text="<html>login</html>"), polychat.AuthError, 1),
    "html-502": (httpx.Response(502, text="<html>Bad Gateway</html>"), polychat.TemporaryError, 4),
    "html-429": (httpx.Response(429, text="<html>slow down</html>"), polychat.RateLimited, 4),
}


@pytest.mark.parametrize(("answer", "kind", "tries"), list(MALFORMED_ERRORS.values()),
                         ids=list(MALFORMED_ERRORS))
async def test_a_malformed_error_answer(flavor: str, spec: Spec, mock: respx.MockRouter,
                                        answer: httpx.Response, kind: type[Exception],
                                        tries: int, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    script = scripted(mock, spec, answer)
    hub, _ = build_hub(flavor, spec, BASE)
    error = await fails(hub, spec)
    assert isinstance(error, kind)
    assert error.http_status == answer.status_code and len(script.requests) == tries
    assert_clean(error, spec, script.requests, caplog.text)


async def test_an_error_answer_quoting_the_token_is_redacted(flavor: str, spec: Spec,
                                                             mock: respx.MockRouter,
                                                             caplog: pytest.LogCaptureFixture
                                                             ) -> None:
    caplog.set_level(logging.DEBUG)
    leak = " ".join(spec.secrets)
    body = {"error": {"message": f"bad token {leak}", "code": 190,
                      "error_data": {"details": f"got {leak}"}}, "message": f"bad token {leak}"}
    script = scripted(mock, spec, httpx.Response(401, json=body))
    hub, _ = build_hub(flavor, spec, BASE)
    error = await fails(hub, spec)
    assert isinstance(error, polychat.AuthError)
    assert_clean(error, spec, script.requests, caplog.text)


# -- a list send failing part-way ----------------------------------------------------------------

THREE = [polychat.Text(text="one"), polychat.Text(text="two"), polychat.Text(text="three")]


async def test_list_send_failing_midway_reports_what_went_out(flavor: str, spec: Spec,
                                                              mock: respx.MockRouter) -> None:
    script = scripted(mock, spec, OK, httpx.Response(400, text="refused"), OK)
    hub, _ = build_hub(flavor, spec, BASE)
    error = await fails(hub, spec, THREE)
    assert isinstance(error, polychat.PermanentError)
    assert error.sent_message_ids == script.ids and len(script.ids) == 1  # type: ignore[attr-defined]
    assert len(script.requests) == 2, "nothing is sent after the failure"


async def test_list_send_timing_out_on_the_last_message(flavor: str, spec: Spec,
                                                        mock: respx.MockRouter) -> None:
    script = scripted(mock, spec, OK, OK, httpx.ReadTimeout("timed out"), OK)
    hub, _ = build_hub(flavor, spec, BASE)
    error = await fails(hub, spec, THREE)
    assert isinstance(error, polychat.TemporaryError) and not error.retryable
    assert error.sent_message_ids == script.ids and len(script.ids) == 2  # type: ignore[attr-defined]
    assert len(script.requests) == 3


async def test_list_send_with_a_retried_middle_message(flavor: str, spec: Spec,
                                                       mock: respx.MockRouter) -> None:
    script = scripted(mock, spec, OK, httpx.Response(503), httpx.ConnectError("refused"), OK, OK)
    hub, _ = build_hub(flavor, spec, BASE)
    result = await run_send(hub, spec.address, THREE)
    assert result.message_ids == script.ids and len(script.ids) == 3
    assert len(script.requests) == 5


# -- a real server on 127.0.0.1 ------------------------------------------------------------------

LIVE_TIMEOUT = httpx.Timeout(5.0)
"""Generous: only the over-the-timeout test relies on a timeout firing (and it sets its own)."""


async def test_live_refused_then_listening_is_retried(flavor: str, spec: Spec) -> None:
    port = free_port()
    started: list[Any] = []

    def start_listening(_seconds: float) -> None:
        if not started:
            started.append(LocalServer([ok(spec.ok_json(1))], port=port).start())

    hub, sleeps = build_hub(flavor, spec, f"http://127.0.0.1:{port}", timeout=LIVE_TIMEOUT,
                            on_sleep=start_listening)
    try:
        result = await run_send(hub, spec.address, polychat.Text(text="Your order shipped"))
    finally:
        for server in started:
            server.stop()
    assert len(result.message_ids) == 1 and sleeps == [0.5]
    assert len(started[0].requests) == 1


async def test_live_reset_after_the_request_is_not_retried(flavor: str, spec: Spec,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with serving(reset(), ok(spec.ok_json(1))) as server:
        hub, sleeps = build_hub(flavor, spec, server.url, timeout=LIVE_TIMEOUT)
        error = await fails(hub, spec)
    assert type(error) is polychat.TemporaryError and not error.retryable
    assert len(server.requests) == 1 and sleeps == []
    assert_clean(error, spec, [], caplog.text, raws=server.requests)


async def test_live_reset_is_retried_when_unsafe_retries_are_allowed(flavor: str,
                                                                     spec: Spec) -> None:
    with serving(reset(), ok(spec.ok_json(1))) as server:
        hub, sleeps = build_hub(flavor, spec, server.url, timeout=LIVE_TIMEOUT,
                                retry=RetryPolicy(jitter=0, retry_unsafe=True))
        result = await run_send(hub, spec.address, polychat.Text(text="Your order shipped"))
    assert len(result.message_ids) == 1
    assert len(server.requests) == 2 and sleeps == [0.5]


async def test_live_slow_answer_under_the_timeout(flavor: str, spec: Spec) -> None:
    with serving(slow(0.05, ok(spec.ok_json(1)))) as server:
        hub, sleeps = build_hub(flavor, spec, server.url, timeout=LIVE_TIMEOUT)
        result = await run_send(hub, spec.address, polychat.Text(text="Your order shipped"))
    assert len(result.message_ids) == 1 and len(server.requests) == 1 and sleeps == []


async def test_live_slow_answer_over_the_timeout_is_sent_once(flavor: str, spec: Spec) -> None:
    with serving(slow(3.0, ok(spec.ok_json(1))), ok(spec.ok_json(2))) as server:
        hub, sleeps = build_hub(flavor, spec, server.url, timeout=httpx.Timeout(5.0, read=0.25))
        error = await fails(hub, spec)
    assert type(error) is polychat.TemporaryError and not error.retryable
    assert "ReadTimeout" in str(error)
    assert len(server.requests) == 1 and sleeps == []


async def test_live_garbage_answer(flavor: str, spec: Spec) -> None:
    with serving(garbage(), ok(spec.ok_json(1))) as server:
        hub, sleeps = build_hub(flavor, spec, server.url, timeout=LIVE_TIMEOUT)
        error = await fails(hub, spec)
    assert type(error) is polychat.TemporaryError and not error.retryable
    assert len(server.requests) == 1 and sleeps == []


async def test_live_html_success_answer(flavor: str, spec: Spec) -> None:
    with serving(ok(b"<html>OK</html>", content_type="text/html")) as server:
        hub, _ = build_hub(flavor, spec, server.url, timeout=LIVE_TIMEOUT)
        if spec.sends_json_answers:
            error = await fails(hub, spec)
            assert type(error) is polychat.PlatformError and not error.retryable
        else:
            result = await run_send(hub, spec.address, polychat.Text(text="Your order shipped"))
            assert len(result.message_ids) == 1
    assert len(server.requests) == 1


async def test_live_429_then_ok(flavor: str, spec: Spec) -> None:
    async def throttle(writer: Any) -> bool:
        writer.write(b"HTTP/1.1 429 Too Many\r\nRetry-After: 2\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        return True

    with serving(throttle, ok(spec.ok_json(1))) as server:
        hub, sleeps = build_hub(flavor, spec, server.url, timeout=LIVE_TIMEOUT)
        result = await run_send(hub, spec.address, polychat.Text(text="Your order shipped"))
    assert len(result.message_ids) == 1
    assert len(server.requests) == 2 and sleeps == [2.0]


async def test_live_answer_cut_short(flavor: str, spec: Spec) -> None:
    async def truncated(writer: Any) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 120\r\n\r\n" + spec.ok_json(1)[:20])
        await writer.drain()
        writer.close()
        return False

    with serving(truncated, ok(spec.ok_json(2))) as server:
        hub, sleeps = build_hub(flavor, spec, server.url, timeout=LIVE_TIMEOUT)
        error = await fails(hub, spec)
    assert type(error) is polychat.TemporaryError and not error.retryable  # it may have gone out
    assert len(server.requests) == 1 and sleeps == []
