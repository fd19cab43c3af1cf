"""polychat.web.flask with Flask's test client: handshake, signatures, cap, dispatch on close."""

from __future__ import annotations

import io

import pytest
from flask import Flask

import polychat
from _web import HANDSHAKE, async_echo_hub, oversized, says, sync_echo_hub, tampered
from polychat.web.flask import blueprint

CHUNKED = {"wsgi.input_terminated": True}  # what a server sets for a chunked body


def make_app(**options: object) -> tuple[Flask, polychat.testing.Simulator, list[str]]:
    hub, sim, seen = sync_echo_hub()
    app = Flask(__name__)
    app.register_blueprint(blueprint(hub, **options))  # type: ignore[arg-type]
    return app, sim, seen


def test_handshake() -> None:
    app, _, _ = make_app()
    client = app.test_client()
    ok = client.get("/webhooks/whatsapp", query_string=HANDSHAKE)
    assert ok.status_code == 200 and ok.get_data(as_text=True) == HANDSHAKE["hub.challenge"]
    wrong = client.get("/webhooks/whatsapp", query_string={**HANDSHAKE, "hub.verify_token": "x"})
    assert wrong.status_code == 403


def test_events_are_dispatched_when_the_response_is_closed() -> None:
    app, sim, seen = make_app()
    client = app.test_client()
    for channel in ("whatsapp", "messenger"):
        body, headers = says(sim, channel, f"hi {channel}")
        response = client.post(f"/webhooks/{channel}", data=body, headers=headers)
        assert response.status_code == 200 and response.data == b"OK"
        answered = len(seen)
        response.close()  # what the WSGI server does once the answer is sent
        assert len(seen) == answered + 1
    assert [(m.channel, m.view) for m in sim.sent] == [("whatsapp", "echo: hi whatsapp"),
                                                       ("messenger", "echo: hi messenger")]


def test_errors_duplicates_and_deeper_paths() -> None:
    app, sim, seen = make_app(prefix="/hooks")
    client = app.test_client()
    body, headers = says(sim, "whatsapp", "hello")
    with client.post("/hooks/whatsapp", data=body, headers=tampered(headers)) as bad:
        assert bad.status_code == 401
    with client.post("/hooks/wechat", data=body, headers=headers) as unknown:
        assert unknown.status_code == 404
    with client.patch("/hooks/whatsapp", data=body, headers=headers) as patch:
        assert patch.status_code == 405
    for path in ("/hooks/whatsapp", "/hooks/whatsapp/message"):
        with client.post(path, data=body, headers=headers) as ok:
            assert ok.status_code == 200
    assert len(seen) == 1 and [m.view for m in sim.sent] == ["echo: hello"]


def test_body_cap_with_and_without_content_length() -> None:
    app, sim, seen = make_app(max_body=2048)
    client = app.test_client()
    _, headers = says(sim, "whatsapp", "hello")
    big = oversized(3000)
    with client.post("/webhooks/whatsapp", data=big, headers=headers) as declared:
        assert declared.status_code == 413
    stream = io.BytesIO(big)
    with client.post("/webhooks/whatsapp", input_stream=stream, headers=headers,
                     environ_overrides=CHUNKED) as counted:
        assert counted.status_code == 413
    assert stream.tell() < len(big)  # the rest of the body was never read
    assert seen == []


def test_two_blueprints_under_different_names() -> None:
    hub, _, _ = sync_echo_hub()
    app = Flask(__name__)
    app.register_blueprint(blueprint(hub, prefix="/a"))
    app.register_blueprint(blueprint(hub, prefix="/b", name="second"))
    client = app.test_client()
    assert client.get("/b/whatsapp", query_string=HANDSHAKE).status_code == 200


def test_an_async_hub_is_refused() -> None:
    hub, _, _ = async_echo_hub()
    with pytest.raises(polychat.ConfigurationError, match=r"sync polychat\.Hub"):
        blueprint(hub)  # type: ignore[arg-type]
