"""The ``polychat`` command: ``demo`` plays a shop conversation on the simulator; ``simulate``
lets you chat with a bot there; ``send`` sends one real text; ``verify`` checks a saved webhook.

``polychat demo`` loads ``examples/order_bot.py`` (shipped in the package), builds ONE hub over
every simulated channel with obviously fake credentials, and plays the same scripted customer
conversation on each, printing what the customer sends and what their app shows in return — the
same bot code producing each platform's native UI.
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

def demo_channels() -> list[Any]:
    """The channels the demo simulates, with obviously fake credentials."""
    from . import AppleMessages, Messenger, WhatsApp

    channels: list[Any] = [
        WhatsApp(phone_number_id="106540352242922", access_token="EAAG-demo-token-not-real",
                 app_secret="demo-app-secret-not-real", verify_token="demo-verify-token"),
        Messenger(page_id="108457560940232", page_access_token="EAAG-demo-page-token-not-real",
                  app_secret="demo-app-secret-not-real", verify_token="demo-verify-token"),
    ]
    if importlib.util.find_spec("cryptography") is not None:  # Apple attachments need it
        channels.append(AppleMessages(
            msp_id="demo-msp-id-not-real",
            secret="ZGVtby1tc3Atc2VjcmV0LW5vdC1yZWFsLTAwMDAwMDA=",  # base64 of a fake secret
            business_id="demo-business-0000-not-real"))
    return channels


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


async def run_demo(bot_path: str | None = None, *, out: Any = None,
                   channels: Sequence[str] | None = None) -> int:
    """Play the scripted conversation on every simulated channel; print the transcript.

    Args:
        bot_path: the bot module (default: the shipped ``examples/order_bot.py``).
        out: where to write (default: stdout).
        channels: only these channel names (default: all).
    """
    from .testing import Simulator

    write = (out or sys.stdout).write
    bot = load_bot(bot_path)
    available = demo_channels()
    selected = [c for c in available if channels is None or c.name in channels]
    if "apple" not in {c.name for c in available}:
        write('(Apple Messages is skipped: install "polychat[apple]" for its encrypted media)\n')
    if not selected:
        raise SystemExit(f"no such demo channel: {', '.join(channels or [])}")
    hub = bot.create_hub(*selected)
    sim = Simulator(hub)
    notes = _DegradeNotes()
    hub_logger = logging.getLogger("polychat.hub")
    hub_logger.addHandler(notes)
    level = hub_logger.level
    hub_logger.setLevel(logging.INFO)
    write(f"polychat demo — {Path(bot.__file__ or 'bot').name}: one bot, "
          f"{len(selected)} simulated channel{'s' if len(selected) > 1 else ''}\n")
    try:
        for channel in selected:
            write("\n" + "=" * 78 + "\n")
            write(f"{channel.name} (business account {channel.account})\n")
            write("=" * 78 + "\n")
            customer = sim.user(channel.name, name="Ada Lovelace")
            for action, argument in SCRIPT:
                write("\n" + _indent(_describe(action, argument), "👤 Ada  ▸ ") + "\n")
                before = len(notes.notes)
                webhooks_before = len(sim.webhooks) + 1  # the customer's own webhook comes first
                replies = await getattr(customer, action)(argument)
                for rule in notes.notes[before:]:
                    write(f"   ↺ degraded: {rule}\n")
                for reply in replies:
                    write(_indent(reply.view, "🏪 Shop ◂ ") + "\n")
                statuses = _statuses(sim, sim.webhooks[webhooks_before:])
                if statuses:
                    write(f"   ✓ {statuses}\n")
    finally:
        hub_logger.removeHandler(notes)
        hub_logger.setLevel(level)
        await hub.aclose()
    write("\n" + "=" * 78 + "\n")
    write(f"{len(sim.sent)} messages sent, {len(sim.webhooks)} signed webhooks delivered, "
          f"{len(sim.requests)} API calls — all on the simulator, no credentials.\n")
    return 0


def _statuses(sim: Any, webhooks: list[Any]) -> str:
    """Count the delivery statuses among ``webhooks``, parsed by the channels themselves."""
    from .events import MessageStatus

    counts: dict[str, int] = {}
    for name, body, _response in webhooks:
        channel = sim.hub.core.channel_named(name)
        for event in channel.parse(sim.fake(name).webhook_request(body)):
            if isinstance(event, MessageStatus):
                counts[event.status] = counts.get(event.status, 0) + 1
    return "statuses: " + ", ".join(f"{n} {s}" for s, n in counts.items()) if counts else ""


def verify(args: argparse.Namespace, out: Any = None) -> int:
    """``polychat verify``: check a saved webhook's signature (Meta) or JWT (Apple) offline.

    Secrets are read from environment variables, never from the command line (which other users
    of the machine can see).
    """
    import os
    import time

    from .errors import SignatureError
    from .wire import WebhookRequest

    write = (out or sys.stdout).write
    secret = os.environ.get(args.secret_env, "")
    if not secret:
        write(f"set the secret in ${args.secret_env} first\n")
        return 2
    try:
        if args.platform == "apple":
            from .channels.apple import crypto

            token = args.token.removeprefix("Bearer ").strip()
            claims = crypto.verify_jwt(token, crypto.decode_secret(secret), audience=args.msp_id,
                                       now=time.time() if args.now is None else args.now)
            write(f"valid: JWT for aud={claims.get('aud')!r}, iat={claims.get('iat')!r}\n")
            return 0
        from .channels._meta import check_signature

        body = Path(args.body).read_bytes() if args.body != "-" else sys.stdin.buffer.read()
        check_signature(WebhookRequest(headers={"X-Hub-Signature-256": args.signature},
                                       body=body), secret)
    except SignatureError as error:
        write(f"invalid: {error}\n")
        return 1
    write(f"valid: X-Hub-Signature-256 matches the {len(body)} bytes\n")
    return 0


async def simulate(bot_path: str | None, channel: str, *, lines: Any = None,
                   out: Any = None) -> int:
    """``polychat simulate``: chat with a bot on the simulator, as the customer, line by line.

    A plain line is a text message; ``/tap <id or title>`` taps a button, quick reply, list row or
    time slot; ``/photo`` sends a photo; ``/close`` closes the chat (Apple); ``/quit`` ends.
    """
    from .testing import Simulator, SimulatorError

    write = (out or sys.stdout).write
    bot = load_bot(bot_path)
    chosen = [c for c in demo_channels() if c.name == channel]
    if not chosen:
        write(f"no simulated channel {channel!r} (is polychat[apple] installed?)\n")
        return 2
    hub = bot.create_hub(*chosen)
    sim = Simulator(hub)
    customer = sim.user(channel, name="Ada Lovelace")
    write(f"chatting with {Path(bot.__file__ or 'bot').name} on the simulated {channel}; "
          "/tap <choice>, /photo, /close, /quit\n")
    try:
        for raw in lines if lines is not None else sys.stdin:
            line = raw.strip()
            if not line:
                continue
            if line == "/quit":
                break
            try:
                if line.startswith("/tap "):
                    replies = await customer.taps(line[5:].strip())
                elif line == "/photo":
                    replies = await customer.sends_image()
                elif line == "/close":
                    replies = await customer.closes()
                else:
                    replies = await customer.says(line)
            except SimulatorError as error:
                write(f"   ! {error}\n")
                continue
            for reply in replies:
                write(_indent(reply.view, "🏪 ◂ ") + "\n")
    finally:
        await hub.aclose()
    return 0


def send(args: argparse.Namespace, out: Any = None) -> int:
    """``polychat send ADDRESS TEXT``: send one text for real, credentials from the environment.

    WhatsApp: ``POLYCHAT_WHATSAPP_TOKEN``; Messenger: ``POLYCHAT_MESSENGER_TOKEN`` (and optionally
    ``POLYCHAT_MESSENGER_APP_SECRET`` for appsecret_proof); Apple: ``POLYCHAT_APPLE_MSP_ID`` and
    ``POLYCHAT_APPLE_SECRET``. The account part of the address is the phone number id, Page id or
    business id. Prints the message ids, or the platform's error.
    """
    import os

    from . import Address, AppleMessages, Hub, Messenger, Text, WhatsApp
    from .errors import PolychatError

    write = (out or sys.stdout).write
    env = os.environ
    try:
        address = Address.parse(args.address)
        channel: Any
        if address.channel == "whatsapp":
            channel = WhatsApp(phone_number_id=address.account,
                               access_token=env.get("POLYCHAT_WHATSAPP_TOKEN", ""))
        elif address.channel == "messenger":
            channel = Messenger(page_id=address.account,
                                page_access_token=env.get("POLYCHAT_MESSENGER_TOKEN", ""),
                                app_secret=env.get("POLYCHAT_MESSENGER_APP_SECRET"))
        elif address.channel == "apple":
            channel = AppleMessages(msp_id=env.get("POLYCHAT_APPLE_MSP_ID", ""),
                                    secret=env.get("POLYCHAT_APPLE_SECRET", ""),
                                    business_id=address.account)
        else:
            write(f"unknown channel {address.channel!r}\n")
            return 2
        with Hub(channel, window="ignore") as hub:
            result = hub.send(address, Text(text=args.text))
    except ValueError as error:
        write(f"error: {error}\n")
        return 2
    except PolychatError as error:
        write(f"error: {error}\n")
        return 1
    write("sent: " + ", ".join(result.message_ids) + "\n")
    for rule in result.degraded:
        write(f"degraded: {rule}\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``polychat`` console script."""
    parser = argparse.ArgumentParser(prog="polychat", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="play the shop bot's conversation on the simulator")
    demo.add_argument("--bot", help="path of a bot module with create_hub(*channels)")
    demo.add_argument("--channel", action="append", dest="channels",
                      help="play only on this channel (repeatable; default: all)")
    commands.add_parser("version", help="print the installed version")
    chat = commands.add_parser("simulate", help="chat with a bot on the simulator, line by line")
    chat.add_argument("channel", choices=["whatsapp", "messenger", "apple"])
    chat.add_argument("--bot", help="path of a bot module with create_hub(*channels)")
    real = commands.add_parser("send", help="send one text for real (credentials from the "
                               "environment)")
    real.add_argument("address", help="channel:account:user, e.g. whatsapp:<phone number id>:<wa_id>")
    real.add_argument("text")
    check = commands.add_parser(
        "verify", help="check a saved webhook's signature (Meta) or JWT (Apple) offline")
    check.add_argument("platform", choices=["whatsapp", "messenger", "apple"])
    check.add_argument("--secret-env", default="POLYCHAT_SECRET",
                       help="environment variable holding the app secret / MSP secret "
                       "(default: POLYCHAT_SECRET)")
    check.add_argument("--signature", help="the X-Hub-Signature-256 header value (Meta)")
    check.add_argument("--body", default="-", help="file holding the raw body (Meta; - = stdin)")
    check.add_argument("--token", help="the Authorization header or JWT (Apple)")
    check.add_argument("--msp-id", help="your MSP id, the JWT's expected aud (Apple)")
    check.add_argument("--now", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command == "verify":
        needed = ("token", "msp_id") if args.platform == "apple" else ("signature",)
        missing = [f"--{n.replace('_', '-')}" for n in needed if not getattr(args, n)]
        if missing:
            parser.error(f"verify {args.platform} needs {', '.join(missing)}")
        return verify(args)
    if args.command == "simulate":
        return asyncio.run(simulate(args.bot, args.channel))
    if args.command == "send":
        return send(args)
    if args.command == "version":
        from . import __version__

        print(__version__)
        return 0
    try:
        return asyncio.run(run_demo(args.bot, channels=args.channels))
    except BrokenPipeError:  # e.g. `polychat demo | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
