"""The web demo's HTTP server and JSON API, over real HTTP on 127.0.0.1, without a browser."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from polychat._webdemo import DemoServer, DemoSession, serve
from polychat._webdemo import server as server_module
from polychat.cli import main


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoSession() as session:
        demo = DemoServer(session, 0).start()
        try:
            yield demo
        finally:
            demo.close()


@pytest.fixture
def client(server: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, trust_env=False, timeout=30) as http:
        http.post("/api/reset", json={})
        yield http


def _pane(state: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return next(c["entries"] for c in state["channels"] if c["name"] == name)


def test_listens_on_loopback_only(server: DemoServer) -> None:
    assert server.server_address[0] == "127.0.0.1"
    assert server.url == f"http://127.0.0.1:{server.port}/"


@pytest.mark.parametrize(("path", "content_type", "marker"), [
    ("/", "text/html", "<main id=\"phones\""),
    ("/app.js", "text/javascript", "/api/state"),
    ("/style.css", "text/css", ".phone--whatsapp"),
])
def test_serves_the_page_locally(client: httpx.Client, path: str, content_type: str,
                                 marker: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(content_type)
    assert marker in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "https://" not in response.text.split("<body>")[0]  # nothing loaded from elsewhere


def test_head_and_unknown_paths(client: httpx.Client) -> None:
    head = client.head("/")
    assert head.status_code == 200 and head.content == b""
    assert client.get("/favicon.ico").status_code == 204
    assert client.get("/nope").status_code == 404
    assert client.post("/api/nope", json={}).status_code == 404


def test_state_say_tap_and_photo(client: httpx.Client) -> None:
    state = client.get("/api/state").json()
    assert [c["name"] for c in state["channels"]] == ["whatsapp", "messenger", "apple"]
    said = client.post("/api/say", json={"channel": "whatsapp", "text": "hi"})
    assert said.status_code == 200
    greeting = _pane(said.json(), "whatsapp")[-1]
    assert greeting["widget"]["buttons"][0]["title"] == "Browse products"
    tapped = client.post("/api/tap", json={"channel": "whatsapp", "message_id": greeting["id"],
                                           "choice": "track"})
    assert _pane(tapped.json(), "whatsapp")[-1]["widget"]["text"].startswith("Sure — what is")
    answered = client.post("/api/say", json={"channel": "whatsapp", "text": "A1001"}).json()
    assert "Order A1001 is shipped" in _pane(answered, "whatsapp")[-1]["widget"]["text"]
    photo = client.post("/api/photo", json={"channel": "messenger"}).json()
    assert "we got your photo" in _pane(photo, "messenger")[-1]["widget"]["text"]
    assert client.get("/api/state").json() == photo


def test_reset(client: httpx.Client) -> None:
    client.post("/api/say", json={"channel": "apple", "text": "hi"})
    state = client.post("/api/reset", json={}).json()
    assert all(c["entries"] == [] for c in state["channels"])


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"channel": "whatsapp"}, 400, "'text' must be a string"),
    ({"channel": "whatsapp", "text": 3}, 400, "'text' must be a string"),
    ({"channel": "fax", "text": "hi"}, 400, "no simulated channel"),
    ({"channel": "whatsapp", "text": ""}, 400, "type a message"),
])
def test_bad_actions_get_a_json_error(client: httpx.Client, body: dict[str, Any], status: int,
                                      message: str) -> None:
    response = client.post("/api/say", json=body)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_tap_on_an_unknown_message(client: httpx.Client) -> None:
    response = client.post("/api/tap", json={"channel": "whatsapp", "message_id": "wamid.NOPE",
                                             "choice": "browse"})
    assert response.status_code == 400 and "no message" in response.json()["error"]


def test_only_json_bodies_of_a_sane_size(client: httpx.Client) -> None:
    form = client.post("/api/say", data={"channel": "whatsapp", "text": "hi"})
    assert form.status_code == 415  # another site's <form> cannot post here
    headers = {"Content-Type": "application/json"}
    assert client.post("/api/say", content=b"{nope", headers=headers).status_code == 400
    listed = client.post("/api/say", content=b"[1, 2]", headers=headers)
    assert listed.status_code == 400 and "object" in listed.json()["error"]
    huge = client.post("/api/say", content=b" " * (server_module.MAX_BODY + 1), headers=headers)
    assert huge.status_code == 413


def test_other_hosts_are_refused(client: httpx.Client, server: DemoServer) -> None:
    rebound = client.get("/api/state", headers={"Host": f"attacker.example:{server.port}"})
    assert rebound.status_code == 421
    assert client.post("/api/reset", json={}, headers={"Host": "attacker.example"}).status_code == 421
    assert client.get("/", headers={"Host": f"localhost:{server.port}"}).status_code == 200


def test_a_failing_action_is_a_500_without_details(client: httpx.Client,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(session: DemoSession, body: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("secret-ish internals")

    monkeypatch.setitem(server_module.ACTIONS, "/api/reset", broken)
    response = client.post("/api/reset", json={})
    assert response.status_code == 500
    assert "internals" not in response.text


def test_cli_serves_until_ctrl_c(monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    opened: list[str] = []
    served: list[DemoServer] = []

    def interrupted(self: DemoServer, poll_interval: float = 0.5) -> None:
        served.append(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(DemoServer, "serve_forever", interrupted)
    monkeypatch.setattr(server_module.webbrowser, "open", opened.append)
    assert main(["demo", "--web", "--port", "0", "--channel", "whatsapp"]) == 0
    out = capsys.readouterr().out
    assert "polychat web demo on http://127.0.0.1:" in out and "stopped" in out
    assert opened == [served[0].url]
    assert main(["demo", "--web", "--port", "0", "--no-open"]) == 0
    assert len(opened) == 1 and len(served) == 2


def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        out = io.StringIO()
        assert serve(port=taken.getsockname()[1], open_browser=False, out=out) == 1
    assert "cannot listen on 127.0.0.1:" in out.getvalue() and "--port" in out.getvalue()
