"""The web demo's session: the shop bot on every simulated channel, driven like the page does."""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from polychat._webdemo import DemoError, DemoSession
from polychat.cli import load_bot


@pytest.fixture
def demo() -> Iterator[DemoSession]:
    with DemoSession() as session:
        yield session


def _pane(state: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return next(c["entries"] for c in state["channels"] if c["name"] == name)


def _last_business(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return next(e for e in reversed(entries) if e["sender"] == "business")


def test_state_lists_every_pane_empty(demo: DemoSession) -> None:
    state = demo.state()
    assert state["bot"] == "order_bot.py" and state["business"] == "Lucky Shrub"
    assert [c["name"] for c in state["channels"]] == ["whatsapp", "messenger", "apple"]
    assert [c["title"] for c in state["channels"]] == ["WhatsApp", "Messenger", "Apple Messages"]
    assert all(c["entries"] == [] for c in state["channels"])
    assert state["unavailable"] == []
    assert state["counts"] == {"sent": 0, "webhooks": 0, "requests": 0}


def test_say_then_tap_on_whatsapp(demo: DemoSession) -> None:
    entries = _pane(demo.say("whatsapp", "  hi "), "whatsapp")
    customer, greeting = entries
    assert customer["sender"] == "customer" and customer["widget"] == {"type": "text", "text": "hi"}
    assert customer["id"].startswith("wamid.")
    assert greeting["widget"]["type"] == "buttons"
    assert [b["title"] for b in greeting["widget"]["buttons"]] == [
        "Browse products", "Track an order", "Book a delivery"]
    assert greeting["choices"] == ["browse", "track", "delivery"]
    entries = _pane(demo.tap("whatsapp", greeting["id"], "browse"), "whatsapp")
    tapped = entries[2]
    assert tapped["widget"] == {"type": "text", "text": "Browse products", "choice": "browse",
                                "reply_to": greeting["id"]}
    listing = entries[-1]["widget"]
    assert listing["type"] == "list" and listing["button"] == "See products"
    assert [r["title"] for r in listing["sections"][0]["rows"]][:2] == ["Shrub mug", "Shrub tee"]
    # the other panes are untouched
    assert _pane(demo.state(), "messenger") == []


def test_each_platform_draws_its_own_ui(demo: DemoSession) -> None:
    for name in ("messenger", "apple"):
        greeting = _last_business(_pane(demo.say(name, "hi"), name))
        entries = _pane(demo.tap(name, greeting["id"], "browse"), name)
        kinds = [e["widget"]["type"] for e in entries if e["sender"] == "business"]
        notes = [e["text"] for e in entries if e["sender"] == "note"]
        if name == "messenger":
            assert greeting["widget"]["type"] == "buttons"
            assert kinds[-1] == "carousel" and notes == ["list.as_carousel"]
        else:
            assert greeting["widget"]["type"] == "quick_replies"
            assert kinds[-1] == "list" and entries[-1]["widget"]["button"] == "Tap to select"
    apple = _pane(demo.state(), "apple")
    greeting = next(e for e in apple if e["widget"]["type"] == "quick_replies")
    entries = _pane(demo.tap("apple", greeting["id"], "delivery"), "apple")
    picker = entries[-1]["widget"]
    assert picker["type"] == "time_picker" and picker["zone"] == "UTC+01:00"
    assert picker["slots"][1] == {"id": "slot-1", "title": "Fri 16 Jan 2026 12:00–13:00"}
    entries = _pane(demo.tap("apple", entries[-1]["id"], "slot-1"), "apple")
    assert entries[-1]["widget"]["text"] == "Booked: Fri 16 Jan 2026 12:00–13:00. See you then!"


def test_degrade_notes_are_entries_with_their_explanation(demo: DemoSession) -> None:
    greeting = _last_business(_pane(demo.say("whatsapp", "hi"), "whatsapp"))
    entries = _pane(demo.tap("whatsapp", greeting["id"], "delivery"), "whatsapp")
    note = next(e for e in entries if e["sender"] == "note")
    assert note["kind"] == "degraded" and note["text"] == "time_picker.as_list"
    assert "list" in note["detail"]
    assert entries.index(note) < len(entries) - 1  # before the message it explains


def test_photo_gets_a_reaction_and_a_quoted_answer(demo: DemoSession) -> None:
    entries = _pane(demo.photo("whatsapp"), "whatsapp")
    photo = entries[0]
    assert photo["widget"]["type"] == "media" and photo["id"]
    reaction = next(e["widget"] for e in entries if e["widget"].get("type") == "reaction")
    assert reaction == {"type": "reaction", "target": photo["id"], "emoji": "👍"}
    answer = entries[-1]["widget"]
    assert "we got your photo" in answer["text"] and answer["reply_to"] == photo["id"]
    apple = _pane(demo.photo("apple"), "apple")
    assert any(e["sender"] == "note" and e["text"] == "reaction.dropped" for e in apple)


def test_wrong_actions_are_refused(demo: DemoSession) -> None:
    with pytest.raises(DemoError, match="no simulated channel"):
        demo.say("telegram", "hi")
    with pytest.raises(DemoError, match="type a message"):
        demo.say("whatsapp", "   ")
    with pytest.raises(DemoError, match="at most"):
        demo.say("whatsapp", "x" * 5000)
    with pytest.raises(DemoError, match="no message"):
        demo.tap("whatsapp", "wamid.NOPE", "browse")
    greeting = _last_business(_pane(demo.say("whatsapp", "hi"), "whatsapp"))
    with pytest.raises(DemoError, match="offers no choice"):
        demo.tap("whatsapp", greeting["id"], "nope")


def test_reset_starts_over(demo: DemoSession) -> None:
    demo.say("messenger", "hi")
    state = demo.reset()
    assert all(c["entries"] == [] for c in state["channels"])
    assert state["counts"]["sent"] == 0
    assert _pane(demo.say("messenger", "hi"), "messenger")[0]["seq"] == 1


def test_only_some_channels_and_a_closed_session() -> None:
    session = DemoSession(channels=["messenger"]).start()
    assert [c["name"] for c in session.state()["channels"]] == ["messenger"]
    session.close()
    session.close()  # idempotent
    with pytest.raises(DemoError, match="not running"):
        session.state()
    with pytest.raises(DemoError, match="closed"):
        session.start()
    broken = DemoSession(channels=["telegram"])
    with pytest.raises(DemoError, match="no such demo channel"):
        broken.start()
    assert not broken._thread.is_alive()  # a failed start cleans up after itself


def test_the_hub_logger_is_restored() -> None:
    hub_logger = logging.getLogger("polychat.hub")
    level, handlers = hub_logger.level, list(hub_logger.handlers)
    with DemoSession(channels=["whatsapp"]) as session:
        session.say("whatsapp", "hi")
    assert hub_logger.level == level and hub_logger.handlers == handlers


def test_a_bot_error_is_shown_in_the_pane(tmp_path: Path) -> None:
    bot_file = tmp_path / "broken_bot.py"
    bot_file.write_text(textwrap.dedent('''
        import polychat

        def create_hub(*channels):
            hub = polychat.AsyncHub(*channels)

            @hub.on(polychat.MessageReceived)
            async def answer(event, ctx):
                raise RuntimeError("the stock database is down")

            return hub
    '''))
    with DemoSession(load_bot(str(bot_file)), channels=["whatsapp"]) as session:
        state = session.state()
        assert state["bot"] == "broken_bot.py" and state["business"] == "Your bot"
        entries = _pane(session.say("whatsapp", "hi"), "whatsapp")
    note = entries[-1]
    assert note["sender"] == "note" and note["kind"] == "error"
    assert "failed on MessageReceived" in note["text"]
    assert note["detail"] == "RuntimeError: the stock database is down"
