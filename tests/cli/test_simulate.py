"""``polychat simulate CHANNEL --bot PATH``: the in-process chat, and the typed syntax."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from polychat.cli import main, simulate

ROOT = Path(__file__).resolve().parents[2]


async def _chat(lines: list[str], channel: str = "whatsapp") -> str:
    out = io.StringIO()
    assert await simulate(None, channel, lines=lines, out=out, plain=True) == 0
    return out.getvalue()


async def test_numbers_pick_choices_across_the_messages_of_a_turn() -> None:
    text = await _chat(["hi", "#1", "#2", "#9", "#1"])
    assert "[1] Browse products [2] Track an order [3] Book a delivery" in text
    assert "[2] Shrub tee — €25 · organic cotton" in text  # the catalogue's rows, renumbered
    assert "Add the Shrub tee to your basket?" in text  # #2 picked the tee
    assert "! choose #1 to #2" in text  # the product turn offers two buttons
    assert "Added! Anything else?" in text


async def test_commands_tap_image_location_and_help(tmp_path: Path) -> None:
    photo = tmp_path / "receipt.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    text = await _chat(["hi", "/tap Track an order", "/tap nothing-like-this",
                        f"/image {photo}", "/location 48.85 2.35 Paris", "/location north",
                        "/help", "/wat", "//tap is text", "/quit", "never"])
    assert "what is your order number?" in text
    assert "sees no button or row 'nothing-like-this'" in text
    assert "we got your photo (108 bytes)" in text
    assert "usage: /location LAT LON [NAME]" in text
    assert "#N" in text and "/location LAT LON [NAME]" in text  # the help
    assert "unknown command '/wat'" in text
    assert "👤 ▸ //tap is text" in text and "never" not in text.split("/quit")[1]


async def test_no_choices_yet_and_apple_close() -> None:
    pytest.importorskip("cryptography")
    text = await _chat(["#1", "hi", "#3", "/close"], channel="apple")
    assert "no choices are shown yet" in text
    assert "(1) Browse products (2) Track an order (3) Book a delivery" in text
    assert "[1] Fri 16 Jan 2026 10:00–11:00" in text  # the time picker's slots


async def test_messenger_close_is_refused_politely() -> None:
    text = await _chat(["/close"], channel="messenger")
    assert "messenger has no close" in text


def test_command_line_in_process_with_piped_stdin(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("hi\n#3\n"))
    bot = ROOT / "examples" / "appointment_booking.py"
    assert main(["simulate", "whatsapp", "--bot", str(bot)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("chatting with appointment_booking.py on the simulated whatsapp")
    assert "👤 ▸ hi" in out and "👤 ▸ #3" in out


@pytest.mark.parametrize("argv", [
    ["simulate"],
    ["simulate", "whatsapp", "--channel", "apple"],
    ["simulate", "--channel", "whatsapp", "--url", "http://127.0.0.1:9", "--bot", "x.py"],
])
def test_bad_simulate_arguments(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "simulate" in capsys.readouterr().err
