"""The transport: retries on throttling and 5xx with backoff, no retry of permanent errors or of
requests that may have reached the platform, Retry-After honoured, secrets never logged."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

import polychat
from polychat._http import AsyncTransport, RetryPolicy, SyncTransport
from polychat.wire import HttpRequest

TOKEN = "EAAG-FAKE-ACCESS-TOKEN-0000"
URL = "https://graph.facebook.com/v25.0/106540352242922/messages"
OK = {"messaging_product": "whatsapp", "contacts": [{"input": "1", "wa_id": "1"}],
      "messages": [{"id": "wamid.OK"}]}


def graph_error(code: int, status: int = 400, **extra: object) -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": f"(#{code}) failure", "type": "OAuthException",
                                                  "code": code, "fbtrace_id": "AbCdFAKE", **extra}})


@pytest.fixture
def channel() -> polychat.WhatsApp:
    return polychat.WhatsApp(phone_number_id="106540352242922", access_token=TOKEN,
                             app_secret="fake-secret")


def request() -> HttpRequest:
    return HttpRequest("POST", URL, {"Authorization": f"Bearer {TOKEN}"}, {"a": 1})


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.append(seconds)


@respx.mock
def test_retries_throttling_then_succeeds(channel: polychat.WhatsApp) -> None:
    route = respx.post(URL).mock(side_effect=[graph_error(130429), httpx.Response(503),
                                              httpx.Response(200, json=OK)])
    sleeps = Sleeps()
    transport = SyncTransport(retry=RetryPolicy(jitter=0), sleep=sleeps)
    response = transport.send(channel, request())
    assert response.json_body() == OK
    assert route.call_count == 3
    assert sleeps == [0.5, 1.0]  # exponential backoff


@respx.mock
def test_retry_after_is_honoured(channel: polychat.WhatsApp) -> None:
    respx.post(URL).mock(side_effect=[httpx.Response(429, headers={"Retry-After": "7"}),
                                      httpx.Response(200, json=OK)])
    sleeps = Sleeps()
    SyncTransport(sleep=sleeps).send(channel, request())
    assert sleeps == [7.0]


@respx.mock
def test_too_long_retry_after_raises_at_once(channel: polychat.WhatsApp) -> None:
    route = respx.post(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(polychat.RateLimited) as info:
        SyncTransport(sleep=Sleeps()).send(channel, request())
    assert info.value.retry_after == 3600 and route.call_count == 1


@respx.mock
@pytest.mark.parametrize(("code", "kind"), [(131047, polychat.WindowClosed),
                                            (131026, polychat.RecipientUnreachable),
                                            (190, polychat.AuthError),
                                            (100, polychat.PermanentError)])
def test_permanent_errors_are_not_retried(channel: polychat.WhatsApp, code: int,
                                          kind: type[Exception]) -> None:
    route = respx.post(URL).mock(return_value=graph_error(code))
    with pytest.raises(kind) as info:
        SyncTransport(sleep=Sleeps()).send(channel, request())
    assert route.call_count == 1
    assert info.value.code == code and info.value.trace_id == "AbCdFAKE"  # type: ignore[attr-defined]


@respx.mock
def test_gives_up_after_the_attempts(channel: polychat.WhatsApp) -> None:
    route = respx.post(URL).mock(return_value=graph_error(131000, status=500))
    with pytest.raises(polychat.TemporaryError):
        SyncTransport(retry=RetryPolicy(attempts=3), sleep=Sleeps()).send(channel, request())
    assert route.call_count == 3


@respx.mock
def test_read_timeout_on_a_send_is_not_retried(channel: polychat.WhatsApp) -> None:
    route = respx.post(URL).mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(polychat.TemporaryError) as info:
        SyncTransport(sleep=Sleeps()).send(channel, request())
    assert route.call_count == 1
    assert not info.value.retryable and "duplicate" in str(info.value)


@respx.mock
def test_read_timeout_retried_when_allowed(channel: polychat.WhatsApp) -> None:
    route = respx.post(URL).mock(side_effect=[httpx.ReadTimeout("t"), httpx.Response(200, json=OK)])
    SyncTransport(retry=RetryPolicy(retry_unsafe=True), sleep=Sleeps()).send(channel, request())
    assert route.call_count == 2


@respx.mock
def test_connect_errors_are_retried(channel: polychat.WhatsApp) -> None:
    route = respx.post(URL).mock(side_effect=[httpx.ConnectError("refused"),
                                              httpx.Response(200, json=OK)])
    SyncTransport(sleep=Sleeps()).send(channel, request())
    assert route.call_count == 2


@respx.mock
async def test_async_transport_retries_and_reuses_one_client(channel: polychat.WhatsApp) -> None:
    route = respx.post(URL).mock(side_effect=[graph_error(2, status=500), httpx.Response(200, json=OK),
                                              httpx.Response(200, json=OK)])
    sleeps = Sleeps()
    transport = AsyncTransport(sleep=sleeps.asleep)
    await transport.send(channel, request())
    client = transport.client
    await transport.send(channel, request())
    assert transport.client is client and route.call_count == 3 and len(sleeps) == 1
    await transport.aclose()


@respx.mock
def test_token_never_reaches_logs_or_errors(channel: polychat.WhatsApp,
                                            caplog: pytest.LogCaptureFixture) -> None:
    leaky_url = URL + f"?access_token={TOKEN}"
    respx.post(leaky_url).mock(side_effect=[graph_error(4), graph_error(4),
                                            httpx.ReadTimeout(f"timeout for {TOKEN}")])
    caplog.set_level(logging.DEBUG, logger="polychat")
    with pytest.raises(polychat.TemporaryError) as info:
        SyncTransport(sleep=Sleeps()).send(channel, HttpRequest("POST", leaky_url, {}, {"a": 1}))
    text = caplog.text + str(info.value) + repr(info.value)
    for record in caplog.records:
        text += record.getMessage() + str(record.__dict__)
    assert TOKEN not in text
    assert "[redacted]" in caplog.text
