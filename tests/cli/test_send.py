"""``polychat send``: one or many recipients, files, and progress (polychat._cli_send)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

import polychat
from polychat._cli_send import SendStep, media_from_file, send_each
from polychat.cli import main
from polychat.testing import Simulator

MESSAGES = "https://graph.facebook.com/v25.0/106540352242922/messages"
MEDIA = "https://graph.facebook.com/v25.0/106540352242922/media"
TOKEN = "EAAG-FAKE-SEND-TOKEN-0123456789"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLYCHAT_WHATSAPP_TOKEN", TOKEN)
    monkeypatch.setenv("POLYCHAT_PLAIN", "1")


def _answer(request: httpx.Request) -> httpx.Response:
    if b'"16505550000"' in request.content:
        return httpx.Response(400, json={"error": {"message": "Recipient phone number not in "
                                                   "allowed list", "code": 131030,
                                                   "fbtrace_id": "FakeTrace"}})
    return httpx.Response(200, json={"messaging_product": "whatsapp",
                                     "messages": [{"id": f"wamid.{len(request.content)}"}]})


def test_bulk_send_reports_each_recipient_and_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    with respx.mock:
        route = respx.post(MESSAGES).mock(side_effect=_answer)
        code = main(["send", "whatsapp:106540352242922:16505551234", "Your order shipped",
                     "--to", "whatsapp:106540352242922:16505550000",
                     "--to", "whatsapp:106540352242922:16505551235"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1  # one recipient failed
    assert route.call_count == 3
    assert out[0].startswith("[1/3] ✓ whatsapp:106540352242922:16505551234 wamid.")
    assert out[1].startswith("[2/3] ✗ whatsapp:106540352242922:16505550000: ")
    assert "131030" in out[1]
    assert out[2].startswith("[3/3] ✓ ")
    assert out[-1] == "sent 2 of 3"
    assert TOKEN not in "\n".join(out)


def test_a_file_is_uploaded_once_then_sent_by_id(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    photo = tmp_path / "parcel.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"p" * 2000)
    with respx.mock:
        upload = respx.post(MEDIA).mock(return_value=httpx.Response(200, json={"id": "4490709327"}))
        send = respx.post(MESSAGES).mock(side_effect=_answer)
        code = main(["send", "whatsapp:106540352242922:16505551234", "Your parcel",
                     "--to", "whatsapp:106540352242922:16505551235", "--file", str(photo)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert upload.call_count == 1 and send.call_count == 2
    assert b'"id":"4490709327"' in send.calls.last.request.content.replace(b" ", b"")
    assert b"Your parcel" in send.calls.last.request.content
    assert out[0] == "uploading parcel.jpg (2004 bytes)"
    assert out[1] == "[1/1] ✓ whatsapp:106540352242922 4490709327"
    assert out[2].startswith("[1/2] ✓ ") and out[3].startswith("[2/2] ✓ ")
    assert out[-1] == "sent 2 of 2"


def test_single_recipient_keeps_the_short_output(capsys: pytest.CaptureFixture[str]) -> None:
    with respx.mock:
        respx.post(MESSAGES).mock(side_effect=_answer)
        assert main(["send", "whatsapp:106540352242922:16505550000", "hi"]) == 1
        assert main(["send", "whatsapp:106540352242922:16505551234"]) == 2  # no text, no file
    out = capsys.readouterr().out
    assert "error: whatsapp error 131030" in out and "give a TEXT" in out


def test_media_kind_follows_the_mime_type(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"png")
    (tmp_path / "b.pdf").write_bytes(b"pdf")
    (tmp_path / "c.mp3").write_bytes(b"mp3")
    assert isinstance(media_from_file(tmp_path / "a.png", "cap"), polychat.Image)
    document = media_from_file(tmp_path / "b.pdf")
    assert isinstance(document, polychat.File) and document.filename == "b.pdf"
    assert isinstance(media_from_file(tmp_path / "c.mp3"), polychat.Audio)


def test_send_each_calls_progress_after_every_recipient() -> None:
    hub = polychat.Hub(polychat.WhatsApp(phone_number_id="106540352242922",
                                         access_token="test-token", app_secret="test-secret"),
                       window="ignore")
    Simulator(hub)
    seen: list[SendStep] = []
    addresses = [polychat.Address.parse(f"whatsapp:106540352242922:1650555123{i}")
                 for i in range(3)]
    steps = send_each(hub, addresses, polychat.Text(text="hello"), progress=seen.append)
    hub.close()
    assert steps == seen
    assert [(s.done, s.total, s.ok) for s in seen] == [(1, 3, True), (2, 3, True), (3, 3, True)]
    assert all(s.message_ids for s in seen)


def test_bulk_template_sends_report_progress(capsys: pytest.CaptureFixture[str]) -> None:
    with respx.mock:
        route = respx.post(MESSAGES).mock(side_effect=_answer)
        code = main(["send", "whatsapp:106540352242922:16505551234",
                     "--to", "whatsapp:106540352242922:16505551235",
                     "--template", "order_shipped", "--language", "en_US",
                     "--param", "Ada", "--param", "A1001"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0 and route.call_count == 2
    body = json.loads(route.calls.last.request.content)
    assert body["type"] == "template" and body["template"]["name"] == "order_shipped"
    assert body["template"]["components"][0]["parameters"][1]["text"] == "A1001"
    assert out[0].startswith("[1/2] ✓ ") and out[-1] == "sent 2 of 2"


def test_template_and_text_together_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["send", "whatsapp:106540352242922:16505551234", "hi", "--template", "x"])
    assert code == 2 and "--template" in capsys.readouterr().out


def test_template_sends_are_checked_when_the_waba_is_known(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("POLYCHAT_WHATSAPP_WABA_ID", "102290129340398")
    definitions = {"data": [{"name": "order_shipped", "language": "en_US", "status": "APPROVED",
                             "category": "UTILITY", "id": "1689556908129832",
                             "components": [{"type": "BODY",
                                             "text": "Hi {{1}}, your order {{2}} has shipped."}]}],
                   "paging": {"cursors": {"before": "a", "after": "b"}}}
    with respx.mock:
        respx.get(url__startswith="https://graph.facebook.com/v25.0/102290129340398/"
                  "message_templates").mock(return_value=httpx.Response(200, json=definitions))
        send = respx.post(MESSAGES).mock(side_effect=_answer)
        code = main(["send", "whatsapp:106540352242922:16505551234",
                     "--template", "order_shipped", "--param", "Ada"])  # one parameter short
    out = capsys.readouterr().out
    assert code == 1 and send.call_count == 0
    assert "body" in out and "parameter" in out
