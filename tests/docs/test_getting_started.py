"""The code on docs/getting-started.md runs as printed: the bot, its test, and a chat with it.

The page's ``python title="…"`` blocks are written to files and imported, so the page cannot drift
from the API; the chat it prints is replayed on the simulator.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import polychat
from polychat.testing import Simulator

PAGE = Path(__file__).resolve().parents[2] / "docs" / "getting-started.md"
BLOCK = re.compile(r'^```python title="(?P<name>[^"]+)"\n(?P<code>.*?)^```$', re.MULTILINE | re.DOTALL)


def _blocks() -> dict[str, str]:
    return {m["name"]: m["code"] for m in BLOCK.finditer(PAGE.read_text(encoding="utf-8"))}


@pytest.fixture
def page_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    blocks = _blocks()
    assert set(blocks) == {"bot.py", "test_bot.py"}
    for name, code in blocks.items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "bot", raising=False)
    yield tmp_path
    sys.modules.pop("bot", None)


def _channel(name: str) -> polychat.Channel:
    if name == "whatsapp":
        return polychat.WhatsApp(phone_number_id="106540352242922", access_token="test-token",
                                 app_secret="test-secret")
    if name == "messenger":
        return polychat.Messenger(page_id="108457560940232", page_access_token="test-token",
                                  app_secret="test-secret")
    return polychat.AppleMessages(msp_id="test-msp-id", business_id="test-business-id",
                                  secret="dGVzdC1tc3Atc2VjcmV0LTAxMjM0NTY3ODlhYmNkZWY=")


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"getting_started_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_pages_test_passes(page_files: Path) -> None:
    module = _load(page_files / "test_bot.py")
    await module.test_tracking_an_order()


@pytest.mark.parametrize("channel", ["whatsapp", "messenger", "apple"])
async def test_the_chat_shown_on_the_page(page_files: Path, channel: str) -> None:
    if channel == "apple":
        pytest.importorskip("cryptography")
    bot = _load(page_files / "bot.py")
    hub = bot.create_hub(_channel(channel))
    customer = Simulator(hub).user(channel)
    try:
        menu = await customer.says("hi")
        answer = await customer.taps("Track my order")
    finally:
        await hub.aclose()
    assert menu[0].view.startswith("Hi! What can I do for you?")
    assert [reply.view for reply in answer] == ["Your order A1001 is on its way 🚚"]
    if channel == "whatsapp":  # the transcript printed on the page, as `polychat simulate` draws it
        from polychat._cli_draw import number_choices

        buttons = number_choices(menu[0].view, menu[0].choices).view.splitlines()[1]
        assert buttons == "[1] Track my order [2] Return an item [3] Talk to a human"
        assert f"    {buttons}\n   ✓ statuses: 1 sent, 1 delivered, 1 read\n› #1\n" in \
            PAGE.read_text(encoding="utf-8")
