"""``polychat simulate --url``: a real bot on a socket, the fake platform API on another."""

from __future__ import annotations

import io
import re
import sys

import pytest

import polychat
from _cli_servers import AsgiBot, free_port, recording_bot, sync_recording_bot, wsgi_bot
from polychat._cli_fakeapi import FakeApiServer, UrlMap
from polychat._cli_simulate import (
    SIMULATOR_SECRET,
    bot_settings,
    simulate_url,
    simulator_channel,
    webhook_url,
)
from polychat.cli import main

uvicorn = pytest.importorskip("uvicorn")

QUIET = 0.15


@pytest.mark.parametrize("channel", ["whatsapp", "messenger", "apple"])
async def test_a_running_bot_answers_signed_webhooks_and_choices(channel: str) -> None:
    if channel == "apple":
        pytest.importorskip("cryptography")
    events: list[polychat.Event] = []
    bot = AsgiBot()
    out = io.StringIO()

    def start(server: FakeApiServer) -> None:
        hub = recording_bot(simulator_channel(channel, server.base_url), events)
        bot.start(hub.asgi(path_prefix="/webhooks"))

    try:
        code = await simulate_url(f"{bot.url}/webhooks", channel, port=0, quiet=QUIET,
                                  lines=["hi", "#1", "/image", "/quit", "never sent"],
                                  out=out, plain=True, ready=start)
    finally:
        bot.stop()
    transcript = out.getvalue()
    assert code == 0
    assert "[1] Yes [2] No" in transcript or "(1) Yes (2) No" in transcript
    assert "You chose yes" in transcript
    assert "Got your photo: 13 bytes" in transcript
    choices = [e for e in events if isinstance(e, polychat.ChoiceSelected)]
    assert [(c.choice_id, c.title) for c in choices] == [("yes", "Yes")]
    texts = [e for e in events if isinstance(e, polychat.MessageReceived)
             and isinstance(e.content, polychat.Text)]
    assert [t.content.text for t in texts] == ["hi"]  # type: ignore[union-attr]
    if channel != "apple":
        assert "✓ the bot answered the webhook verification handshake" in transcript
        assert "✓ statuses:" in transcript and "read" in transcript
    assert f"Customer webhooks go to {bot.url}/webhooks/{channel}" in transcript
    assert "never sent" not in transcript


async def test_a_blocking_hub_behind_wsgi_works_too() -> None:
    events: list[polychat.Event] = []
    out = io.StringIO()
    port = free_port()
    hub = sync_recording_bot(simulator_channel("whatsapp", f"http://127.0.0.1:{port}"), events)
    with wsgi_bot(hub.wsgi(path_prefix="/hooks")) as url:
        await simulate_url(f"{url}/hooks/whatsapp", "whatsapp", port=port, quiet=QUIET,
                           lines=["hello", "#2"], out=out, plain=True)
    hub.close()
    assert "[1] Yes [2] No" in out.getvalue() and "You chose no" in out.getvalue()
    assert [type(e).__name__ for e in events] == ["MessageReceived", "ChoiceSelected"]


async def test_an_unreachable_bot_is_reported_and_the_session_goes_on() -> None:
    out = io.StringIO()
    closed = f"http://127.0.0.1:{free_port()}/webhooks"
    assert await simulate_url(closed, "whatsapp", port=0, quiet=QUIET, wait=0.5,
                              lines=["hi", "#1", "/quit"], out=out, plain=True) == 0
    text = out.getvalue()
    assert "cannot reach" in text and "ConnectError" in text
    assert "no choices are shown yet" in text


async def test_a_bot_with_another_app_secret_gets_401_and_a_hint() -> None:
    out = io.StringIO()
    port = free_port()
    channel = polychat.WhatsApp(phone_number_id="106540352242922",
                                access_token="polychat-simulator-token",
                                app_secret="not-the-simulator-secret",
                                base_url=f"http://127.0.0.1:{port}")
    hub = sync_recording_bot(channel, [])
    with wsgi_bot(hub.wsgi()) as url:
        await simulate_url(f"{url}/webhooks", "whatsapp", port=port, quiet=QUIET,
                           lines=["hi"], out=out, plain=True)
    hub.close()
    assert "the bot answered 40" in out.getvalue()
    assert "is the bot's app secret" in out.getvalue()


def test_the_command_line_runs_the_url_mode(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    events: list[polychat.Event] = []
    hub = sync_recording_bot(simulator_channel("messenger", f"http://127.0.0.1:{port}"), events)
    monkeypatch.setattr(sys, "stdin", io.StringIO("hey\n#1\n/quit\n"))
    with wsgi_bot(hub.wsgi()) as url:
        code = main(["simulate", "--url", f"{url}/webhooks", "--channel", "messenger",
                     "--port", str(port), "--settle", str(QUIET), "--plain"])
    hub.close()
    out = capsys.readouterr().out
    assert code == 0
    assert re.search(rf"^  base_url +http://127\.0\.0\.1:{port}$", out, re.MULTILINE)
    assert "POLYCHAT_MESSENGER_APP_SECRET" in out and SIMULATOR_SECRET in out
    assert "You chose yes" in out
    assert [type(e).__name__ for e in events] == ["MessageReceived", "ChoiceSelected"]


def test_a_taken_port_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeApiServer(port=0) as taken:
        port = taken.base_url.rsplit(":", 1)[1]
        assert main(["simulate", "--url", "http://127.0.0.1:9/webhooks", "--channel",
                     "whatsapp", "--port", port]) == 2
    assert "error:" in capsys.readouterr().err


def test_webhook_url_appends_the_channel_unless_it_is_there() -> None:
    assert webhook_url("http://127.0.0.1:8000/webhooks", "whatsapp") == \
        "http://127.0.0.1:8000/webhooks/whatsapp"
    assert webhook_url("http://127.0.0.1:8000/webhooks/", "apple") == \
        "http://127.0.0.1:8000/webhooks/apple"
    assert webhook_url("http://h/hooks/messenger", "messenger") == "http://h/hooks/messenger"
    assert webhook_url("http://h/my-hook?x=1", "whatsapp", exact=True) == "http://h/my-hook?x=1"


def test_bot_settings_name_arguments_and_environment_variables() -> None:
    rows = bot_settings(simulator_channel("apple", "http://127.0.0.1:8765"))
    assert [r[0] for r in rows] == ["base_url", "business_id", "msp_id", "secret"]
    assert [r[1] for r in rows] == ["POLYCHAT_APPLE_BASE_URL", "POLYCHAT_APPLE_BUSINESS_ID",
                                    "POLYCHAT_APPLE_MSP_ID", "POLYCHAT_APPLE_SECRET"]
    custom = simulator_channel("whatsapp", "http://x", secret="my-own-app-secret-123456")
    shown = dict((r[0], r[2]) for r in bot_settings(custom, show=lambda s: "***"))
    assert shown["app_secret"] == "***" and shown["access_token"] == "***"


def test_user_supplied_secrets_are_masked_in_the_banner() -> None:
    import asyncio

    out = io.StringIO()
    secret = "my-own-app-secret-0123456789"
    asyncio.run(simulate_url("http://127.0.0.1:9/webhooks", "whatsapp", port=0, secret=secret,
                             lines=[], out=out, plain=True, quiet=0.05, wait=0.1))
    assert secret not in out.getvalue() and "my-o… (28 characters)" in out.getvalue()


def test_url_map_round_trip() -> None:
    urls = UrlMap("http://127.0.0.1:8765", {"cdn": "https://cdn.example.net/v/"})
    foreign = b'{"url":"https://cdn.example.net/v/abc.jpg?x=1"}'
    local = urls.to_local(foreign)
    assert local == b'{"url":"http://127.0.0.1:8765/_sim/cdn/abc.jpg?x=1"}'
    assert urls.to_foreign(local) == foreign
    assert urls.text_to_foreign("http://127.0.0.1:8765/_sim/cdn/a") == "https://cdn.example.net/v/a"
