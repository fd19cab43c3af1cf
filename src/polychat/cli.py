"""The ``polychat`` command: ``polychat demo`` plays a shop conversation on the simulator.

``polychat demo`` loads ``examples/order_bot.py`` (shipped in the package), builds its hub over
simulated channels with obviously fake credentials, and plays a scripted customer conversation,
printing what the customer sends and what their phone shows in return.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["main"]

FAKE = {
    "phone_number_id": "106540352242922",
    "access_token": "EAAG-demo-token-not-real",
    "app_secret": "demo-app-secret-not-real",
    "verify_token": "demo-verify-token",
}

#: The scripted conversation: (action, argument, what the customer does, in words).
SCRIPT: list[tuple[str, Any]] = [
    ("says", "hi"),
    ("taps", "Browse products"),
    ("picks", "Shrub mug"),
    ("taps", "Add to basket"),
    ("taps", "Track an order"),
    ("says", "A1001"),
    ("taps", "Book a delivery"),
    ("picks", "slot-1"),
    ("sends_image", b"\xff\xd8\xff\xe0" + b"demo-photo-bytes" * 64),
]


def _find_bot(path: str | None) -> Path:
    if path:
        return Path(path)
    candidates = [
        Path(__file__).resolve().parents[2] / "examples" / "order_bot.py",  # source checkout
        Path(str(resources.files("polychat"))) / "_examples" / "order_bot.py",  # installed wheel
        Path.cwd() / "examples" / "order_bot.py",
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise SystemExit("cannot find examples/order_bot.py; pass --bot PATH")


def load_bot(path: str | None = None) -> ModuleType:
    """Import the bot module (default: the shipped ``examples/order_bot.py``)."""
    file = _find_bot(path)
    spec = importlib.util.spec_from_file_location("polychat_demo_bot", file)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {file}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "create_hub"):
        raise SystemExit(f"{file} has no create_hub(*channels) function")
    return module


class _DegradeNotes(logging.Handler):
    """Collects the hub's degrade notes so the transcript can show them."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.notes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        for rule in getattr(record, "degraded", []) or []:
            self.notes.append(str(rule))


def _describe(action: str, argument: Any) -> str:
    if action == "says":
        return str(argument)
    if action in ("taps", "picks"):
        return f"(taps “{argument}”)"
    if action == "sends_image":
        return f"(sends a photo, {len(argument)} bytes)"
    return f"({action} {argument})"


def _indent(text: str, prefix: str) -> str:
    lines = text.splitlines() or [""]
    return "\n".join([prefix + lines[0]] + [" " * len(prefix) + line for line in lines[1:]])


async def run_demo(bot_path: str | None = None, *, out: Any = None) -> int:
    """Play the scripted conversation; print the transcript to ``out`` (stdout by default)."""
    from . import WhatsApp
    from .testing import Simulator

    write = (out or sys.stdout).write
    bot = load_bot(bot_path)
    sim = Simulator()
    channel = WhatsApp(**FAKE)
    hub = bot.create_hub(channel)
    sim.attach(hub)
    notes = _DegradeNotes()
    hub_logger = logging.getLogger("polychat.hub")
    hub_logger.addHandler(notes)
    hub_logger.setLevel(logging.INFO)
    customer = sim.user("whatsapp", name="Ada Lovelace")
    write(f"polychat demo — {Path(bot.__file__ or 'bot').name} on the simulated "
          f"{channel.name} (phone number id {channel.phone_number_id})\n")
    write("=" * 78 + "\n")
    try:
        for action, argument in SCRIPT:
            write("\n" + _indent(_describe(action, argument), "👤 Ada  ▸ ") + "\n")
            before = len(notes.notes)
            webhooks_before = len(sim.webhooks) + 1  # the customer's own webhook comes first
            replies = await getattr(customer, action)(argument)
            for rule in notes.notes[before:]:
                write(f"   ↺ degraded: {rule}\n")
            for reply in replies:
                write(_indent(reply.view, "🏪 Shop ◂ ") + "\n")
            seen = len(sim.webhooks)
            statuses = _statuses(sim.webhooks[webhooks_before:seen])
            if statuses:
                write(f"   ✓ {statuses}\n")
    finally:
        hub_logger.removeHandler(notes)
        await hub.aclose()
    write("\n" + "=" * 78 + "\n")
    total = len(sim.webhooks)
    write(f"{len(sim.sent)} messages sent, {total} signed webhooks delivered, "
          f"{len(sim.requests)} API calls — all on the simulator, no credentials.\n")
    return 0


def _statuses(webhooks: list[Any]) -> str:
    counts: dict[str, int] = {}
    for _channel, body, _response in webhooks:
        for entry in body.get("entry", []):
            for change in entry.get("changes", []):
                for status in change.get("value", {}).get("statuses", []):
                    counts[status["status"]] = counts.get(status["status"], 0) + 1
    return "statuses: " + ", ".join(f"{n} {s}" for s, n in counts.items()) if counts else ""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``polychat`` console script."""
    parser = argparse.ArgumentParser(prog="polychat", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="play the shop bot's conversation on the simulator")
    demo.add_argument("--bot", help="path of a bot module with create_hub(*channels)")
    commands.add_parser("version", help="print the installed version")
    args = parser.parse_args(argv)
    if args.command == "version":
        from . import __version__

        print(__version__)
        return 0
    return asyncio.run(run_demo(args.bot))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
